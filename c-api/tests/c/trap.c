/* The "trap" scenario: a host function's trap and wasm traps, with their messages, origin
 * and trace (frames with function index, name and offsets). */
#include "common.h"
#include "fayasm.h"

static wasm_trap_t* fail_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "callback abort");
  wasm_trap_t* trap = wasm_trap_new((wasm_store_t*)env, &message);
  wasm_byte_vec_delete(&message);
  return trap;
}

static void print_frame(const char* what, const wasm_frame_t* frame) {
  const wasm_name_t* name = fayasm_frame_func_name(frame);
  printf("  %s: function %u (%.*s), module offset > function offset: %d, instance: %s\n", what,
         wasm_frame_func_index(frame), (int)name->size, name->data,
         wasm_frame_module_offset(frame) > wasm_frame_func_offset(frame),
         wasm_frame_instance(frame) ? "set" : "null");
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_functype_t* fail_type = wasm_functype_new_0_1(wasm_valtype_new(WASM_I32));
  wasm_func_t* fail = wasm_func_new_with_env(store, fail_type, fail_callback, store, NULL);
  wasm_functype_delete(fail_type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(fail)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  const char* names[] = {"callback", "unreachable", "deep"};
  for (size_t i = 0; i < 3; i++) {
    wasm_val_t rs[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_EMPTY_VEC;
    wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
    wasm_trap_t* trap = wasm_func_call(export_func(&exports, i), &args, &results);
    CHECK(trap != NULL);
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    printf("%s: %s\n", names[i], message.data);
    wasm_byte_vec_delete(&message);
    wasm_frame_t* origin = wasm_trap_origin(trap);
    CHECK(origin != NULL);
    print_frame("origin", origin);
    wasm_frame_t* copy = wasm_frame_copy(origin);
    CHECK(wasm_frame_func_index(copy) == wasm_frame_func_index(origin));
    wasm_frame_delete(copy);
    wasm_frame_delete(origin);
    wasm_frame_vec_t trace;
    wasm_trap_trace(trap, &trace);
    printf("  trace: %zu frames\n", trace.size);
    for (size_t j = 0; j < trace.size; j++) print_frame("frame", trace.data[j]);
    wasm_frame_vec_delete(&trace);
    wasm_trap_t* again = wasm_trap_copy(trap);
    wasm_trap_delete(trap);
    wasm_trap_trace(again, &trace);
    printf("  copied trap: %zu frames\n", trace.size);
    wasm_frame_vec_delete(&trace);
    wasm_trap_delete(again);
  }

  /* A trap made by the host has no frames. */
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "made by the host");
  wasm_trap_t* host_trap = wasm_trap_new(store, &message);
  wasm_byte_vec_delete(&message);
  printf("host trap origin: %s\n", wasm_trap_origin(host_trap) ? "set" : "null");
  wasm_trap_delete(host_trap);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(fail);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
