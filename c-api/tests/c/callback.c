/* The "callback" scenario: host functions, one plain and one with an environment (a
 * closure), called from wasm with arguments and results. */
#include "common.h"

static wasm_trap_t* print_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  printf("print: %d\n", args->data[0].of.i32);
  wasm_val_copy(&results->data[0], &args->data[0]);
  return NULL;
}

static wasm_trap_t* closure_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  int* calls = (int*)env;
  *calls += 1;
  printf("closure call %d\n", *calls);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 1000 + *calls;
  return NULL;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_functype_t* print_type = wasm_functype_new_1_1(wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_I32));
  wasm_func_t* print_func = wasm_func_new(store, print_type, print_callback);
  wasm_functype_delete(print_type);

  int calls = 0;
  wasm_functype_t* closure_type = wasm_functype_new_0_1(wasm_valtype_new(WASM_I32));
  wasm_func_t* closure_func = wasm_func_new_with_env(store, closure_type, closure_callback, &calls, NULL);
  wasm_functype_delete(closure_type);

  wasm_extern_t* externs[] = {wasm_func_as_extern(print_func), wasm_func_as_extern(closure_func)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* run = export_func(&exports, 0);

  wasm_val_t as[2] = {WASM_I32_VAL(3), WASM_I32_VAL(4)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(run, &args, &results) == NULL);
  printf("run(3, 4) = %d\n", rs[0].of.i32);
  CHECK(wasm_func_call(run, &args, &results) == NULL);
  printf("run(3, 4) = %d, closure calls %d\n", rs[0].of.i32, calls);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(print_func);
  wasm_func_delete(closure_func);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
