/* fayasm.h: a storage written in C (blobs in RAM, counted) that a memory is spilled to and
 * reloaded from, on request and on the next access from wasm; and fuel. */
#include "common.h"
#include "fayasm.h"

enum { MAX_BLOBS = 16 };
typedef struct {
  char key[64];
  uint8_t* data;
  size_t size;
} blob_t;
typedef struct {
  blob_t blobs[MAX_BLOBS];
  int reads, writes, removes, syncs;
  int finalized;
} card_t;

static blob_t* find(card_t* card, const char* key, int create) {
  for (int i = 0; i < MAX_BLOBS; i++)
    if (card->blobs[i].data && strcmp(card->blobs[i].key, key) == 0) return &card->blobs[i];
  if (!create) return NULL;
  for (int i = 0; i < MAX_BLOBS; i++)
    if (!card->blobs[i].data) {
      snprintf(card->blobs[i].key, sizeof card->blobs[i].key, "%s", key);
      return &card->blobs[i];
    }
  return NULL;
}

static int32_t card_read(void* env, const char* key, wasm_byte_vec_t* out) {
  card_t* card = env;
  card->reads++;
  blob_t* b = find(card, key, 0);
  if (!b) return 0;
  wasm_byte_vec_new(out, b->size, (const wasm_byte_t*)b->data);
  return 1;
}

static int32_t card_write(void* env, const char* key, const uint8_t* data, size_t size) {
  card_t* card = env;
  card->writes++;
  blob_t* b = find(card, key, 1);
  if (!b) return -1;
  free(b->data);
  b->data = malloc(size ? size : 1);
  if (!b->data) return -1;
  memcpy(b->data, data, size);
  b->size = size;
  return 0;
}

static int32_t card_remove(void* env, const char* key) {
  card_t* card = env;
  card->removes++;
  blob_t* b = find(card, key, 0);
  if (b) {
    free(b->data);
    b->data = NULL;
  }
  return 0;
}

static int32_t card_sync(void* env) {
  ((card_t*)env)->syncs++;
  return 0;
}

static void card_finalize(void* env) {
  card_t* card = env;
  card->finalized++;
  for (int i = 0; i < MAX_BLOBS; i++) free(card->blobs[i].data);
}

static int32_t call_i32(wasm_func_t* f, int32_t arg, wasm_trap_t** trap) {
  wasm_val_t as[1] = {WASM_I32_VAL(arg)};
  wasm_val_t rs[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(as);
  wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
  *trap = wasm_func_call(f, &args, &results);
  return rs[0].of.i32;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = fayasm_engine_new_with_fuel();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  card_t card = {0};
  fayasm_storage_t storage = {&card, card_read, card_write, card_remove, card_sync, card_finalize};
  printf("fuel set: %d\n", fayasm_store_set_fuel(store, 100000));

  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* m = wasm_extern_as_memory(exports.data[0]);
  wasm_func_t* sum = export_func(&exports, 1);
  wasm_trap_t* trap = NULL;
  printf("spill without a storage: %lld\n", (long long)fayasm_memory_spill(m));
  fayasm_store_set_storage(store, &storage);

  printf("sum of the first 100 bytes: %d\n", call_i32(sum, 100, &trap));
  CHECK(trap == NULL);
  wasm_memory_data(m)[50] = 100;
  int64_t written = fayasm_memory_spill(m);
  /* (wasm_memory_data would reload it: the residency is read first.) */
  int resident = fayasm_memory_is_resident(m);
  printf("spilled: %s, resident: %d, card writes: %d\n", written > 65536 ? "> 64 KiB" : "no",
         resident, card.writes);
  printf("sum after the spill (wasm reloads it): %d\n", call_i32(sum, 100, &trap));
  CHECK(trap == NULL);
  printf("resident: %d, card reads: %d\n", fayasm_memory_is_resident(m), card.reads);
  CHECK(fayasm_memory_spill(m) > 0);
  printf("load: %d, resident: %d, data[50]: %d\n", fayasm_memory_load(m), fayasm_memory_is_resident(m),
         wasm_memory_data(m)[50]);

  /* A damaged blob: the reload fails, the memory stays spilled and wasm traps. */
  CHECK(fayasm_memory_spill(m) > 0);
  for (int i = 0; i < MAX_BLOBS; i++)
    if (card.blobs[i].data && card.blobs[i].size > 1000) card.blobs[i].data[1000] ^= 0xff;
  printf("load of a damaged blob: %d, resident: %d\n", fayasm_memory_load(m), fayasm_memory_is_resident(m));
  call_i32(sum, 100, &trap);
  CHECK(trap != NULL);
  print_trap("sum over the damaged blob", trap);

  uint64_t fuel = 0;
  CHECK(fayasm_store_get_fuel(store, &fuel));
  printf("fuel used: %s\n", fuel < 100000 ? "some" : "none");
  CHECK(fayasm_store_set_fuel(store, 10));
  call_i32(sum, 1000, &trap);
  CHECK(trap != NULL);
  print_trap("sum with 10 fuel", trap);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  printf("finalized before the store: %d\n", card.finalized);
  wasm_store_delete(store);
  printf("finalized after the store: %d\n", card.finalized);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
