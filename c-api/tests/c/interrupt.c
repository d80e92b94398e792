/* fayasm.h: stopping an endless wasm loop from C, from a host function and from another
 * thread. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "common.h"
#include "fayasm.h"

static fayasm_interrupt_handle_t* handle;
static int ticks = 0;

static wasm_trap_t* tick(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  if (++ticks == 100) fayasm_interrupt(handle);
  return NULL;
}

static void* interrupt_later(void* arg) {
  (void)arg;
  struct timespec wait = {0, 50 * 1000 * 1000};
  nanosleep(&wait, NULL);
  fayasm_interrupt(handle);
  return NULL;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  fayasm_config_t config = {0};
  config.interruptible = true;
  wasm_engine_t* engine = fayasm_engine_new_with_config(&config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  handle = fayasm_store_interrupt_handle(store);
  wasm_functype_t* type = wasm_functype_new_0_0();
  wasm_func_t* tick_func = wasm_func_new(store, type, tick);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(tick_func)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_vec_t none = WASM_EMPTY_VEC;

  wasm_trap_t* trap = wasm_func_call(export_func(&exports, 0), &none, &none);
  CHECK(trap != NULL);
  printf("ticks before the stop: %s\n", ticks >= 100 ? ">= 100" : "< 100");
  print_trap("ticking loop", trap);

  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, interrupt_later, NULL) == 0);
  trap = wasm_func_call(export_func(&exports, 1), &none, &none);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(trap != NULL);
  print_trap("spinning loop, from another thread", trap);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(tick_func);
  wasm_module_delete(module);
  wasm_store_delete(store);
  fayasm_interrupt_handle_delete(handle);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
