/* fayasm.h: a trap hook that runs before marked functions, lets the first calls through and
 * then refuses one with a trap. */
#include "common.h"
#include "fayasm.h"

typedef struct {
  int calls;
  int finalized;
} hook_state_t;

static wasm_store_t* the_store;

static wasm_trap_t* hook(void* env, const wasm_func_t* func) {
  hook_state_t* state = env;
  state->calls++;
  printf("hook: call %d of a function with %zu parameters\n", state->calls, wasm_func_param_arity(func));
  if (state->calls < 3) return NULL;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "refused by the hook");
  wasm_trap_t* trap = wasm_trap_new(the_store, &message);
  wasm_byte_vec_delete(&message);
  return trap;
}

static void finalize(void* env) { ((hook_state_t*)env)->finalized++; }

static void call(wasm_func_t* f, int32_t arg) {
  wasm_val_t as[1] = {WASM_I32_VAL(arg)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (trap) {
    print_trap("trap", trap);
  } else {
    printf("result: %d\n", rs[0].of.i32);
  }
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  the_store = store;
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* square = export_func(&exports, 0);
  wasm_func_t* twice = export_func(&exports, 1);

  hook_state_t state = {0, 0};
  fayasm_store_set_trap_hook(store, hook, &state, finalize);
  call(twice, 3);
  fayasm_func_set_trap(square, true);
  call(twice, 3); /* square runs twice: the hook lets both through */
  call(twice, 4); /* the third call of square is refused */
  fayasm_func_set_trap(square, false);
  call(twice, 5);
  printf("hook calls: %d\n", state.calls);
  fayasm_store_set_trap_hook(store, NULL, NULL, NULL);
  printf("finalized after the hook was removed: %d\n", state.finalized);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
