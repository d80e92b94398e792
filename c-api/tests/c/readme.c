#include <stdio.h>
#include "wasm.h"

int main(void) {
  /* (module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))) */
  static const char add_wasm[] = "\000asm\001\000\000\000\001\007\001\140\002\177\177\001\177\003\002\001\000\007"
                                 "\007\001\003add\000\000\012\011\001\007\000 \000 \001j\013";
  wasm_byte_vec_t binary = {sizeof add_wasm - 1, (wasm_byte_t*)add_wasm};
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC, exports;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  wasm_instance_exports(instance, &exports);
  wasm_val_t args[2] = {WASM_I32_VAL(40), WASM_I32_VAL(2)}, results[1];
  wasm_val_vec_t a = WASM_ARRAY_VEC(args), r = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[0]), &a, &r);
  printf("add(40, 2) = %d\n", trap ? -1 : results[0].of.i32);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}
