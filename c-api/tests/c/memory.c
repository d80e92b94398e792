/* The "memory" scenario: an exported memory read and written from the host and from wasm,
 * out-of-bounds accesses trapping, growth up to the maximum, and a memory made by the host. */
#include "common.h"

static wasm_trap_t* call(wasm_func_t* f, int32_t* result, int n, int32_t a, int32_t b) {
  wasm_val_t as[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = {(size_t)n, as};
  wasm_val_vec_t results = {result ? 1 : 0, rs};
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  if (result) *result = rs[0].of.i32;
  return trap;
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
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[0]);
  CHECK(memory != NULL);
  wasm_func_t* size = export_func(&exports, 1);
  wasm_func_t* load = export_func(&exports, 2);
  wasm_func_t* store_fn = export_func(&exports, 3);

  int32_t r = 0;
  printf("size: %u pages, %zu bytes\n", wasm_memory_size(memory), wasm_memory_data_size(memory));
  wasm_memorytype_t* mt = wasm_memory_type(memory);
  printf("limits: %u..%u\n", wasm_memorytype_limits(mt)->min, wasm_memorytype_limits(mt)->max);
  wasm_memorytype_delete(mt);
  printf("data[0x1000]: %d\n", wasm_memory_data(memory)[0x1000]);
  CHECK(call(load, &r, 1, 0x1002, 0) == NULL);
  printf("load(0x1002): %d\n", r);
  print_trap("load(0x20000)", call(load, &r, 1, 0x20000, 0));

  wasm_memory_data(memory)[0x1003] = 5;
  CHECK(call(load, &r, 1, 0x1003, 0) == NULL);
  printf("load(0x1003) after the host wrote 5: %d\n", r);
  CHECK(call(store_fn, NULL, 2, 0x1002, 6) == NULL);
  printf("data[0x1002] after wasm stored 6: %d\n", wasm_memory_data(memory)[0x1002]);
  print_trap("store(0x20000)", call(store_fn, NULL, 2, 0x20000, 1));

  printf("grow by 1: %d\n", wasm_memory_grow(memory, 1));
  printf("size: %u pages\n", wasm_memory_size(memory));
  CHECK(call(load, &r, 1, 0x20000, 0) == NULL);
  printf("load(0x20000) after growing: %d\n", r);
  printf("grow by 1 past the maximum: %d\n", wasm_memory_grow(memory, 1));
  CHECK(call(size, &r, 0, 0, 0) == NULL);
  printf("wasm sees %d pages\n", r);

  wasm_limits_t limits = {5, 5};
  wasm_memorytype_t* type = wasm_memorytype_new(&limits);
  wasm_memory_t* own_memory = wasm_memory_new(store, type);
  wasm_memorytype_delete(type);
  CHECK(own_memory != NULL);
  printf("host memory: %u pages, grow: %d\n", wasm_memory_size(own_memory),
         wasm_memory_grow(own_memory, 1));
  wasm_memory_delete(own_memory);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
