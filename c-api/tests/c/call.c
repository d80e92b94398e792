/* Loads a module, calls its exports, reads a trap's message and an exported memory. Prints
 * one line per step; the Rust test (tests/c_programs.rs) compares the output. */
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

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);

  wasm_byte_vec_t binary;
  if (!read_file(argv[1], &binary)) return 2;
  printf("valid: %d\n", wasm_module_validate(store, &binary));
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) return 3;

  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  if (!instance) return 4;
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  printf("exports: %zu\n", exports.size);

  /* add(40, 2) */
  const wasm_func_t* add = wasm_extern_as_func(exports.data[0]);
  wasm_val_t args_val[2] = {WASM_I32_VAL(40), WASM_I32_VAL(2)};
  wasm_val_t results_val[1] = {WASM_I32_VAL(0)};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t results = WASM_ARRAY_VEC(results_val);
  printf("add arity: %zu -> %zu\n", wasm_func_param_arity(add), wasm_func_result_arity(add));
  trap = wasm_func_call(add, &args, &results);
  printf("add: %d (trap: %s)\n", results_val[0].of.i32, trap ? "yes" : "no");

  /* mix(i64, f64) -> f64 */
  const wasm_func_t* mix = wasm_extern_as_func(exports.data[1]);
  wasm_val_t mix_args_val[2] = {WASM_I64_VAL(3), WASM_F64_VAL(0.5)};
  wasm_val_t mix_results_val[1] = {WASM_F64_VAL(0)};
  wasm_val_vec_t mix_args = WASM_ARRAY_VEC(mix_args_val);
  wasm_val_vec_t mix_results = WASM_ARRAY_VEC(mix_results_val);
  trap = wasm_func_call(mix, &mix_args, &mix_results);
  printf("mix: %.2f\n", mix_results_val[0].of.f64);

  /* boom: a trap, with its message */
  const wasm_func_t* boom = wasm_extern_as_func(exports.data[2]);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(boom, &none, &none);
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    printf("boom: %s\n", message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
  }

  /* Wrong argument count: a trap saying so, not a crash. */
  trap = wasm_func_call(add, &none, &results);
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    printf("add(): %s\n", message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
  }

  /* The memory's bytes, written by the data segment. */
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[3]);
  printf("memory: %u pages, %zu bytes, \"%s\"\n", wasm_memory_size(memory),
         wasm_memory_data_size(memory), wasm_memory_data(memory) + 16);
  printf("as func of a memory: %s\n", wasm_extern_as_func(exports.data[3]) ? "yes" : "null");

  /* Bad bytes are refused. */
  wasm_byte_vec_t junk;
  wasm_byte_vec_new(&junk, 4, "junk");
  printf("junk valid: %d, module: %s\n", wasm_module_validate(store, &junk),
         wasm_module_new(store, &junk) ? "made" : "null");
  wasm_byte_vec_delete(&junk);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
