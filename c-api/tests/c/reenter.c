/* Callbacks that call back into their own store. A host function calls wasm functions of the
 * store (itself too, recursively through wasm), writes the caller's memory, reads and sets a
 * global, grows a table, makes a new global and spills the memory; a trap hook calls the very
 * function it guards and reads memory. A storage callback, which the engine calls while it is
 * in the middle of a spill, is refused: its calls on the store do nothing and say so. No
 * callback can delete the store it runs in. (ARCHITECTURE.md, invariant "A C API call reaches
 * its store through the store's access pointer".) */
#include "common.h"
#include "fayasm.h"

static wasm_store_t* store;
static wasm_func_t *square, *run;
static wasm_memory_t* memory;
static wasm_global_t* g;
static wasm_table_t* table;

/* One blob in RAM. */
static uint8_t* blob;
static size_t blob_size;

static int32_t call1(wasm_func_t* f, int32_t arg, wasm_trap_t** trap) {
  wasm_val_t as[1] = {WASM_I32_VAL(arg)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  *trap = wasm_func_call(f, &args, &results);
  return *trap ? -1 : rs[0].of.i32;
}

static int32_t global_i32(void) {
  wasm_val_t v = WASM_INIT_VAL;
  wasm_global_get(g, &v);
  return v.of.i32;
}

/* The storage: its write callback tries to use the store, which is in the middle of a
 * spill. */
static int32_t card_write(void* env, const char* key, const uint8_t* data, size_t size) {
  (void)env;
  (void)key;
  printf("  storage write: memory size %zu, data %s, global %d\n", wasm_memory_data_size(memory),
         wasm_memory_data(memory) ? "given" : "null", global_i32());
  wasm_trap_t* trap;
  call1(square, 3, &trap);
  CHECK(trap != NULL);
  print_trap("  storage write: square(3)", trap);
  wasm_store_delete(store); /* refused: the store is in use */
  free(blob);
  blob = malloc(size);
  CHECK(blob != NULL);
  memcpy(blob, data, size);
  blob_size = size;
  return 0;
}

static int32_t card_read(void* env, const char* key, wasm_byte_vec_t* out) {
  (void)env;
  (void)key;
  printf("  storage read: memory type %s\n", wasm_memory_type(memory) ? "given" : "null");
  if (!blob) return 0;
  wasm_byte_vec_new(out, blob_size, (const wasm_byte_t*)blob);
  return 1;
}

static int32_t card_remove(void* env, const char* key) {
  (void)env;
  (void)key;
  return 0;
}

/* host(n): square(n) through wasm, memory[0] = n, g += n, run(n - 1) while n > 1 (so wasm
 * and the host nest n deep), a spill when n == 2; returns square(n). */
static wasm_trap_t* host(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)env;
  int32_t n = args->data[0].of.i32;
  wasm_trap_t* trap;
  int32_t sq = call1(square, n, &trap);
  if (trap) return trap;
  byte_t* data = wasm_memory_data(memory);
  CHECK(data != NULL);
  printf("host(%d): square = %d, memory[0] was %d, global %d, arity %zu -> %zu\n", n, sq, data[0],
         global_i32(), wasm_func_param_arity(run), wasm_func_result_arity(run));
  data[0] = (byte_t)n;
  wasm_val_t v = WASM_I32_VAL(global_i32() + n);
  wasm_global_set(g, &v);
  CHECK(wasm_table_grow(table, 1, NULL));
  wasm_val_t init = WASM_I32_VAL(n);
  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new(WASM_I32), WASM_CONST);
  wasm_global_t* made = wasm_global_new(store, gt, &init);
  CHECK(made != NULL);
  wasm_globaltype_delete(gt);
  wasm_global_delete(made);
  if (n == 2) {
    printf("host(%d): spill: %s\n", n, fayasm_memory_spill(memory) > 0 ? "written" : "failed");
  }
  if (n > 1) {
    int32_t r = call1(run, n - 1, &trap);
    if (trap) return trap;
    printf("host(%d): run(%d) = %d\n", n, n - 1, r);
  }
  if (n == 1) {
    wasm_store_delete(store); /* refused: the store is in use */
    printf("host(%d): the store is still there: global %d\n", n, global_i32());
  }
  results->data[0] = (wasm_val_t)WASM_I32_VAL(sq);
  return NULL;
}

/* A trap hook that calls the function it guards (which does not run the hook again) and reads
 * the memory. */
static wasm_trap_t* hook(void* env, const wasm_func_t* func) {
  int* calls = env;
  (*calls)++;
  wasm_trap_t* trap;
  int32_t r = call1((wasm_func_t*)func, 5, &trap);
  CHECK(trap == NULL);
  printf("hook: %zu parameter, square(5) = %d, memory[0] = %d\n", wasm_func_param_arity(func), r,
         wasm_memory_data(memory)[0]);
  return NULL;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_functype_t* ty = wasm_functype_new_1_1(wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_I32));
  wasm_func_t* host_func = wasm_func_new_with_env(store, ty, host, NULL, NULL);
  wasm_functype_delete(ty);
  wasm_extern_t* imports_data[1] = {wasm_func_as_extern(host_func)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_data);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 5);
  memory = wasm_extern_as_memory(exports.data[0]);
  g = wasm_extern_as_global(exports.data[1]);
  table = wasm_extern_as_table(exports.data[2]);
  square = export_func(&exports, 3);
  run = export_func(&exports, 4);
  CHECK(memory && g && table);

  fayasm_storage_t storage = {NULL, card_read, card_write, card_remove, NULL, NULL};
  fayasm_store_set_storage(store, &storage);

  wasm_trap_t* trap;
  int32_t r = call1(run, 3, &trap);
  CHECK(trap == NULL);
  printf("run(3) = %d, global %d, table %u, resident %d\n", r, global_i32(), wasm_table_size(table),
         fayasm_memory_is_resident(memory));

  int hook_calls = 0;
  fayasm_store_set_trap_hook(store, hook, &hook_calls, NULL);
  fayasm_func_set_trap(square, true);
  r = call1(square, 4, &trap);
  CHECK(trap == NULL);
  printf("square(4) = %d, hook calls %d\n", r, hook_calls);
  fayasm_store_set_trap_hook(store, NULL, NULL, NULL);

  printf("main: spill: %s\n", fayasm_memory_spill(memory) > 0 ? "written" : "failed");

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host_func);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  free(blob);
  printf("done\n");
  return 0;
}
