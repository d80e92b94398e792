/* The "start" scenario: a module whose start function traps cannot be instantiated; the
 * trap says where. */
#include "common.h"
#include "fayasm.h"

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  printf("instance: %s\n", instance ? "made" : "null");
  CHECK(trap != NULL);
  wasm_frame_t* origin = wasm_trap_origin(trap);
  CHECK(origin != NULL);
  const wasm_name_t* name = fayasm_frame_func_name(origin);
  printf("origin: function %u (%.*s)\n", wasm_frame_func_index(origin), (int)name->size, name->data);
  wasm_frame_delete(origin);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  printf("trace: %zu frames\n", trace.size);
  wasm_frame_vec_delete(&trace);
  print_trap("trap", trap);

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
