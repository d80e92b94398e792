/* fayasm.h: a WASI program (the engine's wasi_probe fixture) given arguments, environment
 * variables and a directory from C. */
#include "common.h"
#include "fayasm.h"

static void run(wasm_engine_t* engine, const char* path, const fayasm_wasi_t* wasi) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, path);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = fayasm_wasi_instance_new_with(store, module, wasi, &trap);
  if (!instance) {
    print_trap("instantiation", trap);
  } else {
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    wasm_func_t* start = NULL;
    wasm_exporttype_vec_t types;
    wasm_module_exports(module, &types);
    for (size_t i = 0; i < types.size; i++) {
      const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
      if (n->size == 6 && memcmp(n->data, "_start", 6) == 0) start = wasm_extern_as_func(exports.data[i]);
    }
    wasm_exporttype_vec_delete(&types);
    CHECK(start != NULL);
    fflush(stdout);
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    trap = wasm_func_call(start, &none, &none);
    int32_t code = 0;
    if (fayasm_wasi_exit_code(store, &code) || !trap) {
      printf("exit code: %d\n", code);
    } else {
      print_trap("trap", trap);
      trap = NULL;
    }
    if (trap) wasm_trap_delete(trap);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  wasm_module_delete(module);
  wasm_store_delete(store);
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  const char* args[] = {"probe", "args", "two words"};
  const char* env[] = {"GREETING=hello from C"};
  const char* hosts[] = {"."};
  const char* guests[] = {"/here"};
  fayasm_wasi_t wasi = {3, args, 1, env, 1, hosts, guests};
  run(engine, argv[1], &wasi);
  const char* missing[] = {"/no/such/directory/for/fayasm"};
  wasi.dir_host = missing;
  run(engine, argv[1], &wasi);
  const char* exit_args[] = {"probe", "exit", "7"};
  fayasm_wasi_t exit_wasi = {3, exit_args, 0, NULL, 0, NULL, NULL};
  run(engine, argv[1], &exit_wasi);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
