/* Host functions, types and globals: a module importing two C functions (one with an
 * environment) and a global, calling them, a host trap, and the type objects. Prints one line
 * per step; the Rust test (tests/c_programs.rs) compares the output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

static int read_file(const char* path, wasm_byte_vec_t* out) {
  FILE* f = fopen(path, "rb");
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  size_t got = fread(out->data, 1, (size_t)size, f);
  fclose(f);
  return got == (size_t)size;
}

/* host.double: x -> 2x, or a trap for a negative x. */
static wasm_trap_t* double_it(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  int32_t x = args->data[0].of.i32;
  if (x < 0) {
    wasm_byte_vec_t message;
    const char* text = "negative input";
    wasm_byte_vec_new(&message, strlen(text) + 1, text);
    wasm_trap_t* trap = wasm_trap_new(NULL, &message);
    wasm_byte_vec_delete(&message);
    return trap;
  }
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = x * 2;
  return NULL;
}

struct counter {
  int calls;
  int64_t total;
};
static int finalized = 0;

/* host.count: adds its i64 argument to the environment's total. */
static wasm_trap_t* count(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)results;
  struct counter* c = env;
  c->calls += 1;
  c->total += args->data[0].of.i64;
  return NULL;
}

static void finalize(void* env) {
  (void)env;
  finalized += 1;
}

static void print_trap(const char* what, wasm_trap_t* trap) {
  if (!trap) {
    printf("%s: no trap\n", what);
    return;
  }
  wasm_byte_vec_t message;
  wasm_trap_message(trap, &message);
  printf("%s: %s\n", what, message.data);
  wasm_byte_vec_delete(&message);
  wasm_trap_delete(trap);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  if (!read_file(argv[1], &binary)) return 2;
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) return 3;

  /* The imports, in the module's order: double, count, offset. */
  wasm_functype_t* double_type =
      wasm_functype_new_1_1(wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_I32));
  wasm_func_t* double_func = wasm_func_new(store, double_type, double_it);
  wasm_functype_delete(double_type);

  struct counter counter = {0, 0};
  wasm_functype_t* count_type = wasm_functype_new_1_0(wasm_valtype_new(WASM_I64));
  wasm_func_t* count_func = wasm_func_new_with_env(store, count_type, count, &counter, finalize);
  wasm_functype_delete(count_type);

  wasm_globaltype_t* offset_type =
      wasm_globaltype_new(wasm_valtype_new(WASM_I32), WASM_VAR);
  wasm_val_t five = WASM_I32_VAL(5);
  wasm_global_t* offset = wasm_global_new(store, offset_type, &five);
  wasm_globaltype_delete(offset_type);
  wasm_val_t wrong = WASM_I64_VAL(5);
  wasm_globaltype_t* const_type = wasm_globaltype_new(wasm_valtype_new(WASM_I32), WASM_CONST);
  printf("global of the wrong type: %s\n",
         wasm_global_new(store, const_type, &wrong) ? "made" : "null");
  wasm_globaltype_delete(const_type);

  wasm_extern_t* import_list[3] = {wasm_func_as_extern(double_func),
                                   wasm_func_as_extern(count_func),
                                   wasm_global_as_extern(offset)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(import_list);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  if (!instance) {
    print_trap("instantiate", trap);
    return 4;
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  printf("exports: %zu, kinds:", exports.size);
  for (size_t i = 0; i < exports.size; i++) printf(" %d", wasm_extern_kind(exports.data[i]));
  printf("\n");

  /* run(x) = double(x) + offset, counting x. */
  const wasm_func_t* run = wasm_extern_as_func(exports.data[0]);
  wasm_functype_t* run_type = wasm_func_type(run);
  const wasm_valtype_vec_t* params = wasm_functype_params(run_type);
  const wasm_valtype_vec_t* results_types = wasm_functype_results(run_type);
  printf("run type: %zu params (kind %d) -> %zu results (kind %d)\n", params->size,
         wasm_valtype_kind(params->data[0]), results_types->size,
         wasm_valtype_kind(results_types->data[0]));
  wasm_functype_delete(run_type);

  wasm_val_t args_val[1] = {WASM_I32_VAL(20)};
  wasm_val_t results_val[1] = {WASM_I32_VAL(0)};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_val);
  print_trap("run(20)", wasm_func_call(run, &args, &results));
  printf("run(20) = %d\n", results_val[0].of.i32);

  wasm_val_t seven = WASM_I32_VAL(7);
  wasm_global_set(offset, &seven);
  wasm_val_t got;
  wasm_global_get(offset, &got);
  printf("offset: %d\n", got.of.i32);
  args_val[0].of.i32 = 1;
  print_trap("run(1)", wasm_func_call(run, &args, &results));
  printf("run(1) = %d\n", results_val[0].of.i32);

  args_val[0].of.i32 = -3;
  print_trap("run(-3)", wasm_func_call(run, &args, &results));
  printf("count: %d calls, total %lld\n", counter.calls, (long long)counter.total);

  /* The exported global `seen` is the module's own. */
  wasm_global_t* seen = wasm_extern_as_global(exports.data[1]);
  wasm_global_get(seen, &got);
  printf("seen: %d\n", got.of.i32);
  wasm_globaltype_t* seen_type = wasm_global_type(seen);
  printf("seen type: kind %d, %s\n", wasm_valtype_kind(wasm_globaltype_content(seen_type)),
         wasm_globaltype_mutability(seen_type) == WASM_VAR ? "var" : "const");
  wasm_globaltype_delete(seen_type);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(double_func);
  wasm_func_delete(count_func);
  wasm_global_delete(offset);
  wasm_module_delete(module);
  printf("finalized before the store: %d\n", finalized);
  wasm_store_delete(store);
  printf("finalized after the store: %d\n", finalized);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
