/* The "table" scenario: an exported funcref table read, written and grown from the host,
 * called through call_indirect (with a wasm and a host function in it), and a table made by
 * the host. */
#include "common.h"

static wasm_trap_t* answer(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 42;
  return NULL;
}

static void call_indirect(wasm_func_t* f, int32_t arg, int32_t index) {
  wasm_val_t as[2] = {WASM_I32_VAL(arg), WASM_I32_VAL(index)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (trap) {
    printf("call_indirect(%d, %d): ", arg, index);
    print_trap("trap", trap);
  } else {
    printf("call_indirect(%d, %d) = %d\n", arg, index, rs[0].of.i32);
  }
}

static void show(wasm_table_t* table, uint32_t i) {
  wasm_ref_t* ref = wasm_table_get(table, i);
  printf("table[%u]: %s\n", i, ref ? "function" : "null");
  if (ref) wasm_ref_delete(ref);
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_table_t* table = wasm_extern_as_table(exports.data[0]);
  CHECK(table != NULL);
  wasm_func_t* indirect = export_func(&exports, 1);
  wasm_func_t* f = export_func(&exports, 2);
  wasm_func_t* g = export_func(&exports, 3);

  wasm_tabletype_t* tt = wasm_table_type(table);
  printf("table: %u elements, limits %u..%u, element kind %d\n", wasm_table_size(table),
         wasm_tabletype_limits(tt)->min, wasm_tabletype_limits(tt)->max,
         wasm_valtype_kind(wasm_tabletype_element(tt)));
  wasm_tabletype_delete(tt);
  show(table, 0);
  show(table, 1);
  show(table, 2);
  wasm_ref_t* one = wasm_table_get(table, 1);
  printf("table[1] is f: %d\n", wasm_func_same(wasm_ref_as_func(one), f));
  wasm_ref_delete(one);
  call_indirect(indirect, 7, 0);
  call_indirect(indirect, 7, 1);

  printf("set table[0] = g: %d\n", wasm_table_set(table, 0, wasm_func_as_ref(g)));
  call_indirect(indirect, 7, 0);
  printf("set table[0] = null: %d\n", wasm_table_set(table, 0, NULL));
  show(table, 0);
  printf("set table[2] = f: %d\n", wasm_table_set(table, 2, wasm_func_as_ref(f)));

  printf("grow by 3 with f: %d\n", wasm_table_grow(table, 3, wasm_func_as_ref(f)));
  printf("size: %u\n", wasm_table_size(table));
  show(table, 4);
  call_indirect(indirect, 5, 4);
  printf("grow by 6 past the maximum: %d\n", wasm_table_grow(table, 6, NULL));

  wasm_functype_t* answer_type = wasm_functype_new_1_1(wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_I32));
  wasm_func_t* host = wasm_func_new(store, answer_type, answer);
  wasm_functype_delete(answer_type);
  printf("set table[3] = a host function: %d\n", wasm_table_set(table, 3, wasm_func_as_ref(host)));
  call_indirect(indirect, 0, 3);

  wasm_limits_t limits = {5, 5};
  wasm_tabletype_t* type = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &limits);
  wasm_table_t* own_table = wasm_table_new(store, type, NULL);
  wasm_tabletype_delete(type);
  CHECK(own_table != NULL);
  printf("host table: %u elements, grow: %d\n", wasm_table_size(own_table),
         wasm_table_grow(own_table, 1, NULL));
  show(own_table, 0);
  wasm_table_delete(own_table);

  wasm_func_delete(host);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
