/* fayasm.h: an engine configured from C (a paged memory with two resident 4 KiB pages, code
 * spilled on eviction), a storage written in C behind it, a function's microcode spilled and
 * reloaded, and the offload counts. */
#include "common.h"
#include "fayasm.h"

enum { MAX_BLOBS = 64 };
typedef struct {
  char key[64];
  uint8_t* data;
  size_t size;
} blob_t;
static blob_t blobs[MAX_BLOBS];

static blob_t* find(const char* key, int create) {
  for (int i = 0; i < MAX_BLOBS; i++)
    if (blobs[i].data && strcmp(blobs[i].key, key) == 0) return &blobs[i];
  if (!create) return NULL;
  for (int i = 0; i < MAX_BLOBS; i++)
    if (!blobs[i].data) {
      snprintf(blobs[i].key, sizeof blobs[i].key, "%s", key);
      return &blobs[i];
    }
  return NULL;
}

static int32_t ram_read(void* env, const char* key, wasm_byte_vec_t* out) {
  (void)env;
  blob_t* b = find(key, 0);
  if (!b) return 0;
  wasm_byte_vec_new(out, b->size, (const wasm_byte_t*)b->data);
  return 1;
}

static int32_t ram_write(void* env, const char* key, const uint8_t* data, size_t size) {
  (void)env;
  blob_t* b = find(key, 1);
  if (!b) return -1;
  free(b->data);
  b->data = malloc(size ? size : 1);
  memcpy(b->data, data, size);
  b->size = size;
  return 0;
}

static int32_t ram_remove(void* env, const char* key) {
  (void)env;
  blob_t* b = find(key, 0);
  if (b) {
    free(b->data);
    b->data = NULL;
  }
  return 0;
}

static void ram_finalize(void* env) {
  (void)env;
  for (int i = 0; i < MAX_BLOBS; i++) free(blobs[i].data);
}

static int32_t touch(wasm_func_t* f, int32_t pages) {
  wasm_val_t as[1] = {WASM_I32_VAL(pages)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  CHECK(trap == NULL);
  return rs[0].of.i32;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  fayasm_config_t bad = {0};
  bad.page_size = 1000;
  bad.resident_pages = 2;
  printf("engine with 1000-byte pages: %s\n", fayasm_engine_new_with_config(&bad) ? "made" : "null");
  fayasm_config_t config = {0};
  config.page_size = 4096;
  config.resident_pages = 2;
  config.code_spill = true;
  /* Through the standard config object this time. */
  wasm_config_t* standard = wasm_config_new();
  fayasm_config_set(standard, &config);
  wasm_engine_t* engine = wasm_engine_new_with_config(standard);
  CHECK(engine != NULL);
  wasm_store_t* store = wasm_store_new(engine);
  fayasm_storage_t storage = {NULL, ram_read, ram_write, ram_remove, NULL, ram_finalize};
  fayasm_store_set_storage(store, &storage);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[0]);
  wasm_func_t* f = export_func(&exports, 1);

  printf("touch(16 pages) = %d\n", touch(f, 16));
  printf("touch again = %d\n", touch(f, 16));
  printf("paged memory: resident %d, data %s, %zu bytes\n", fayasm_memory_is_resident(memory),
         wasm_memory_data(memory) ? "set" : "null", wasm_memory_data_size(memory));
  fayasm_offload_counts_t code, memories, pages;
  fayasm_store_offload_counts(store, &code, &memories, &pages);
  printf("pages: written %d, read back %d, failures %llu\n", pages.spills > 0, pages.loads > 0,
         (unsigned long long)pages.load_failures);

  printf("code spilled: %d\n", fayasm_func_spill_code(f) > 0);
  printf("touch after the code spill = %d\n", touch(f, 16));
  fayasm_store_offload_counts(store, &code, NULL, NULL);
  printf("code: spills %llu, loads %llu, failures %llu\n", (unsigned long long)code.spills,
         (unsigned long long)code.loads, (unsigned long long)code.load_failures);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
