/* Shared by the scenario programs: load a module file given on the command line, and fail
 * loudly. Each program prints one line per step; tests/c_programs.rs compares the output. */
#ifndef FAYASM_TEST_COMMON_H
#define FAYASM_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      printf("check failed at line %d: %s\n", __LINE__, #cond);       \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

/* The module at `path`, compiled in `store` (exits on failure). */
static inline wasm_module_t* load_module(wasm_store_t* store, const char* path) {
  FILE* f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new_uninitialized(&binary, (size_t)size);
  CHECK(fread(binary.data, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  return module;
}

/* Prints a trap's message and deletes it. */
static inline void print_trap(const char* what, wasm_trap_t* trap) {
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  printf("%s: %s\n", what, message.data);
  wasm_byte_vec_delete(&message);
  wasm_trap_delete(trap);
}

/* Export `i` of `exports` as a function (exits if it is not one). */
static inline wasm_func_t* export_func(const wasm_extern_vec_t* exports, size_t i) {
  CHECK(i < exports->size);
  wasm_func_t* f = wasm_extern_as_func(exports->data[i]);
  CHECK(f != NULL);
  return f;
}

#endif
