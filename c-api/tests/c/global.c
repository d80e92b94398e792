/* The "global" scenario: host globals imported by a module, the module's own exported
 * globals, read and written from the host and from wasm. */
#include "common.h"

static wasm_global_t* host_global(wasm_store_t* store, wasm_valkind_t kind, wasm_mutability_t mut,
                                  wasm_val_t val) {
  wasm_globaltype_t* type = wasm_globaltype_new(wasm_valtype_new(kind), mut);
  wasm_global_t* g = wasm_global_new(store, type, &val);
  wasm_globaltype_delete(type);
  CHECK(g != NULL);
  return g;
}

static wasm_val_t call0(wasm_func_t* f) {
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_EMPTY_VEC;
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(f, &args, &results) == NULL);
  return rs[0];
}

static void call1(wasm_func_t* f, wasm_val_t v) {
  wasm_val_t as[1] = {v};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(f, &args, &results) == NULL);
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_val_t f1 = WASM_F32_VAL(1.5f);
  wasm_val_t i2 = WASM_I64_VAL(2);
  wasm_val_t f3 = WASM_F32_VAL(3.5f);
  wasm_val_t i4 = WASM_I64_VAL(4);
  wasm_global_t* const_f32 = host_global(store, WASM_F32, WASM_CONST, f1);
  wasm_global_t* const_i64 = host_global(store, WASM_I64, WASM_CONST, i2);
  wasm_global_t* var_f32 = host_global(store, WASM_F32, WASM_VAR, f3);
  wasm_global_t* var_i64 = host_global(store, WASM_I64, WASM_VAR, i4);
  wasm_val_t wrong = WASM_I32_VAL(1);
  wasm_globaltype_t* f32_type = wasm_globaltype_new(wasm_valtype_new(WASM_F32), WASM_CONST);
  printf("f32 global from an i32: %s\n", wasm_global_new(store, f32_type, &wrong) ? "made" : "null");
  wasm_globaltype_delete(f32_type);

  wasm_extern_t* externs[] = {wasm_global_as_extern(const_f32), wasm_global_as_extern(const_i64),
                              wasm_global_as_extern(var_f32), wasm_global_as_extern(var_i64)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_global_t* export_f32 = wasm_extern_as_global(exports.data[0]);
  wasm_global_t* export_i64 = wasm_extern_as_global(exports.data[1]);
  CHECK(export_f32 && export_i64);
  wasm_func_t* get_var_f32_import = export_func(&exports, 2);
  wasm_func_t* get_var_i64_export = export_func(&exports, 3);
  wasm_func_t* set_var_f32_import = export_func(&exports, 4);
  wasm_func_t* set_var_i64_export = export_func(&exports, 5);

  wasm_val_t v;
  wasm_global_get(const_f32, &v);
  printf("const f32 import: %.1f\n", v.of.f32);
  wasm_global_get(var_i64, &v);
  printf("var i64 import: %lld\n", (long long)v.of.i64);
  wasm_global_get(export_f32, &v);
  printf("const f32 export: %.1f\n", v.of.f32);
  wasm_global_get(export_i64, &v);
  printf("var i64 export: %lld\n", (long long)v.of.i64);
  wasm_globaltype_t* t = wasm_global_type(export_i64);
  printf("var i64 export type: kind %d, %s\n", wasm_valtype_kind(wasm_globaltype_content(t)),
         wasm_globaltype_mutability(t) == WASM_VAR ? "var" : "const");
  wasm_globaltype_delete(t);

  /* The host writes, wasm reads. */
  wasm_val_t f7 = WASM_F32_VAL(7.5f);
  wasm_global_set(var_f32, &f7);
  printf("wasm sees var f32 import: %.1f\n", call0(get_var_f32_import).of.f32);
  /* A const global and a value of another type stay as they are. */
  wasm_global_set(const_f32, &f7);
  wasm_global_get(const_f32, &v);
  printf("const f32 import after a set: %.1f\n", v.of.f32);
  wasm_global_set(var_f32, &wrong);
  printf("var f32 import after an i32 set: %.1f\n", call0(get_var_f32_import).of.f32);

  /* wasm writes, the host reads. */
  call1(set_var_i64_export, (wasm_val_t)WASM_I64_VAL(42));
  wasm_global_get(export_i64, &v);
  printf("host sees var i64 export: %lld\n", (long long)v.of.i64);
  call1(set_var_f32_import, (wasm_val_t)WASM_F32_VAL(9.25f));
  wasm_global_get(var_f32, &v);
  printf("host sees var f32 import: %.2f\n", v.of.f32);
  printf("wasm sees var i64 export: %lld\n", (long long)call0(get_var_i64_export).of.i64);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_global_delete(const_f32);
  wasm_global_delete(const_i64);
  wasm_global_delete(var_f32);
  wasm_global_delete(var_i64);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
