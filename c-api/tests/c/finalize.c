/* The "finalize" scenario: many instances carrying host information with a finalizer, and
 * host functions with an environment finalizer; each finalizer runs exactly once (the
 * instances' when they are deleted, the functions' when their store is). */
#include "common.h"

enum { INSTANCES = 50 };
static int finalized_instances = 0;
static int finalized_envs = 0;
static int seen[INSTANCES];

static void finalize_instance(void* info) {
  int i = (int)(intptr_t)info;
  CHECK(i >= 0 && i < INSTANCES && !seen[i]);
  seen[i] = 1;
  finalized_instances++;
}

static void finalize_env(void* env) {
  (void)env;
  finalized_envs++;
}

static wasm_trap_t* nothing(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)env;
  (void)args;
  (void)results;
  return NULL;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_instance_t* instances[INSTANCES];
  for (int i = 0; i < INSTANCES; i++) {
    wasm_functype_t* type = wasm_functype_new_0_0();
    wasm_func_t* f = wasm_func_new_with_env(store, type, nothing, NULL, finalize_env);
    wasm_functype_delete(type);
    wasm_extern_t* externs[] = {wasm_func_as_extern(f)};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
    instances[i] = wasm_instance_new(store, module, &imports, NULL);
    CHECK(instances[i] != NULL);
    wasm_func_delete(f);
    wasm_instance_set_host_info_with_finalizer(instances[i], (void*)(intptr_t)i, finalize_instance);
  }
  printf("host info of instance 7: %d\n", (int)(intptr_t)wasm_instance_get_host_info(instances[7]));
  for (int i = 0; i < INSTANCES / 2; i++) wasm_instance_delete(instances[i]);
  printf("after deleting half: %d instances finalized, %d environments\n", finalized_instances, finalized_envs);
  for (int i = INSTANCES / 2; i < INSTANCES; i++) wasm_instance_delete(instances[i]);
  printf("after deleting all: %d instances finalized\n", finalized_instances);
  wasm_module_delete(module);
  wasm_store_delete(store);
  printf("after deleting the store: %d environments finalized\n", finalized_envs);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
