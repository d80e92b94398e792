/* fayasm.h: a WASI program run from C with a storage written in C; its memory is spilled to
 * the storage before the program runs, and the program's first access (fd_write reading its
 * iovec) brings it back. */
#include "common.h"
#include "fayasm.h"

/* One blob in RAM, enough for one spilled memory. */
typedef struct {
  char key[64];
  uint8_t* data;
  size_t size;
  int reads, writes;
} card_t;

static int32_t card_read(void* env, const char* key, wasm_byte_vec_t* out) {
  card_t* card = env;
  card->reads++;
  if (!card->data || strcmp(card->key, key) != 0) return 0;
  wasm_byte_vec_new(out, card->size, (const wasm_byte_t*)card->data);
  return 1;
}

static int32_t card_write(void* env, const char* key, const uint8_t* data, size_t size) {
  card_t* card = env;
  card->writes++;
  free(card->data);
  card->data = malloc(size ? size : 1);
  if (!card->data) return -1;
  memcpy(card->data, data, size);
  card->size = size;
  snprintf(card->key, sizeof card->key, "%s", key);
  return 0;
}

static int32_t card_remove(void* env, const char* key) {
  card_t* card = env;
  if (card->data && strcmp(card->key, key) == 0) {
    free(card->data);
    card->data = NULL;
  }
  return 0;
}

static void card_finalize(void* env) { free(((card_t*)env)->data); }

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  card_t card = {0};
  fayasm_storage_t storage = {&card, card_read, card_write, card_remove, NULL, card_finalize};
  fayasm_store_set_storage(store, &storage);

  const char* program_argv[] = {"prog", "a", "b"};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = fayasm_wasi_instance_new(store, module, 3, program_argv, &trap);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[0]);
  CHECK(memory != NULL);
  int spilled = fayasm_memory_spill(memory) > 0;
  int resident = fayasm_memory_is_resident(memory);
  printf("spilled: %d, resident: %d, card writes: %d\n", spilled, resident, card.writes);
  fflush(stdout);

  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(export_func(&exports, 1), &none, &none);
  int32_t code = -1;
  if (!fayasm_wasi_exit_code(store, &code)) code = -1;
  printf("exit code: %d (%s)\n", code, trap ? "ended by proc_exit" : "returned");
  if (trap) wasm_trap_delete(trap);
  printf("resident: %d, card reads: %d\n", fayasm_memory_is_resident(memory), card.reads);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
