#include <stdio.h>
#include "wasm.h"
static char add[] = "\0asm\1\0\0\0\1\7\1`\2\177\177\1\177\3\2\1\0\7\7\1\3add\0\0\n\t\1\7\0 \0 \1j\13";
int main(void) {
  wasm_engine_t* engine = wasm_engine_new(); wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, &(wasm_byte_vec_t){sizeof add - 1, add});
  wasm_instance_t* instance = wasm_instance_new(store, module, &(wasm_extern_vec_t)WASM_EMPTY_VEC, NULL);
  wasm_extern_vec_t exports; wasm_instance_exports(instance, &exports);
  wasm_val_t args[2] = {WASM_I32_VAL(40), WASM_I32_VAL(2)}, results[1];
  wasm_val_vec_t a = WASM_ARRAY_VEC(args), r = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[0]), &a, &r);
  printf("add(40, 2) = %d\n", trap ? -1 : results[0].of.i32);
  wasm_extern_vec_delete(&exports), wasm_instance_delete(instance), wasm_module_delete(module);
  wasm_trap_delete(trap), wasm_store_delete(store), wasm_engine_delete(engine);
}
