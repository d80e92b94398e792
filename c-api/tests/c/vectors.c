/* Vectors of objects (new, new_uninitialized, copy), modules serialized and deserialized,
 * and shared between stores of one engine. */
#include "common.h"

static int32_t call_add(wasm_instance_t* instance) {
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_t as[2] = {WASM_I32_VAL(40), WASM_I32_VAL(2)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  CHECK(wasm_func_call(export_func(&exports, 0), &args, &results) == NULL);
  wasm_extern_vec_delete(&exports);
  return rs[0].of.i32;
}

static wasm_instance_t* instantiate(wasm_store_t* store, wasm_module_t* module) {
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  return instance;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_instance_t* instance = instantiate(store, module);

  wasm_extern_vec_t exports, copy, taken, empty;
  wasm_instance_exports(instance, &exports);
  wasm_extern_vec_copy(&copy, &exports);
  printf("copied exports: %zu, same objects: %d\n", copy.size,
         wasm_extern_same(copy.data[0], exports.data[0]) && wasm_extern_same(copy.data[1], exports.data[1]));
  wasm_extern_t* items[1] = {wasm_extern_copy(exports.data[0])};
  wasm_extern_vec_new(&taken, 1, items);
  wasm_extern_vec_new_uninitialized(&empty, 3);
  printf("new: %zu, uninitialized: %zu (first %s)\n", taken.size, empty.size, empty.data[0] ? "set" : "null");
  wasm_extern_vec_delete(&taken);
  wasm_extern_vec_delete(&empty);
  wasm_extern_vec_delete(&copy);
  wasm_extern_vec_delete(&exports);

  wasm_exporttype_vec_t types, types_copy;
  wasm_module_exports(module, &types);
  wasm_exporttype_vec_copy(&types_copy, &types);
  const wasm_name_t* name = wasm_exporttype_name(types_copy.data[1]);
  printf("copied export types: %zu, second: %.*s\n", types_copy.size, (int)name->size, name->data);
  wasm_exporttype_vec_delete(&types_copy);
  wasm_exporttype_vec_delete(&types);

  wasm_byte_vec_t serialized;
  wasm_module_serialize(module, &serialized);
  wasm_module_t* again = wasm_module_deserialize(store, &serialized);
  wasm_instance_t* again_instance = instantiate(store, again);
  printf("serialized: %s, deserialized module: add = %d\n", serialized.size > 8 ? "bytes" : "empty",
         call_add(again_instance));
  wasm_instance_delete(again_instance);
  wasm_byte_vec_delete(&serialized);

  wasm_shared_module_t* shared = wasm_module_share(module);
  wasm_store_t* other = wasm_store_new(engine);
  wasm_module_t* obtained = wasm_module_obtain(other, shared);
  CHECK(obtained != NULL);
  wasm_instance_t* other_instance = instantiate(other, obtained);
  printf("obtained in another store: add = %d\n", call_add(other_instance));
  wasm_engine_t* other_engine = wasm_engine_new();
  wasm_store_t* foreign = wasm_store_new(other_engine);
  printf("obtained in another engine's store: %s\n", wasm_module_obtain(foreign, shared) ? "made" : "null");
  wasm_shared_module_delete(shared);

  wasm_store_delete(foreign);
  wasm_engine_delete(other_engine);
  wasm_instance_delete(other_instance);
  wasm_module_delete(obtained);
  wasm_store_delete(other);
  wasm_module_delete(again);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
