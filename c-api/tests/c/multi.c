/* The "multi" scenario: multiple parameters and results through a host function and a wasm
 * function. */
#include "common.h"

static wasm_trap_t* swap_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  printf("callback: %d %lld %lld %d\n", args->data[0].of.i32, (long long)args->data[1].of.i64,
         (long long)args->data[2].of.i64, args->data[3].of.i32);
  wasm_val_copy(&results->data[0], &args->data[3]);
  wasm_val_copy(&results->data[1], &args->data[2]);
  wasm_val_copy(&results->data[2], &args->data[1]);
  wasm_val_copy(&results->data[3], &args->data[0]);
  return NULL;
}

static wasm_valtype_vec_t kinds4(void) {
  wasm_valtype_t* ts[4] = {wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_I64),
                           wasm_valtype_new(WASM_I64), wasm_valtype_new(WASM_I32)};
  wasm_valtype_vec_t v;
  wasm_valtype_vec_new(&v, 4, ts);
  return v;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_valtype_vec_t params = kinds4(), results_types = kinds4();
  wasm_functype_t* type = wasm_functype_new(&params, &results_types);
  wasm_func_t* swap = wasm_func_new(store, type, swap_callback);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(swap)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* g = export_func(&exports, 0);
  printf("g arity: %zu -> %zu\n", wasm_func_param_arity(g), wasm_func_result_arity(g));

  wasm_val_t as[4] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_I64_VAL(3), WASM_I32_VAL(4)};
  wasm_val_t rs[4] = {WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(g, &args, &results) == NULL);
  printf("g(1, 2, 3, 4) = %d %lld %lld %d\n", rs[0].of.i32, (long long)rs[1].of.i64,
         (long long)rs[2].of.i64, rs[3].of.i32);

  /* A results vector of the wrong size is a trap, not a write past its end. */
  wasm_val_vec_t short_results = {2, rs};
  print_trap("two result slots", wasm_func_call(g, &args, &short_results));

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(swap);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
