/* The rest of the standard's object functions: host information on every kind of object
 * (finalized when the object is deleted or the information replaced), externals seen as
 * references, copies and identity of modules, instances and traps, vectors of the type
 * kinds, and the value and function type short-hands. */
#include "common.h"

static int finalized[8];
static void finalize(void* info) { finalized[*(int*)info]++; }
static int ids[8] = {0, 1, 2, 3, 4, 5, 6, 7};

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 4);
  wasm_func_t* func = wasm_extern_as_func(exports.data[0]);
  wasm_global_t* global = wasm_extern_as_global(exports.data[1]);
  wasm_table_t* table = wasm_extern_as_table(exports.data[2]);
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[3]);
  CHECK(func && global && table && memory);

  /* Host information. */
  wasm_func_set_host_info_with_finalizer(func, &ids[0], finalize);
  wasm_global_set_host_info_with_finalizer(global, &ids[1], finalize);
  wasm_table_set_host_info(table, &ids[2]);
  wasm_memory_set_host_info_with_finalizer(memory, &ids[3], finalize);
  wasm_module_set_host_info_with_finalizer(module, &ids[4], finalize);
  printf("host info: func %d, global %d, table %d, memory %d, module %d, as extern %d\n",
         *(int*)wasm_func_get_host_info(func), *(int*)wasm_global_get_host_info(global),
         *(int*)wasm_table_get_host_info(table), *(int*)wasm_memory_get_host_info(memory),
         *(int*)wasm_module_get_host_info(module), *(int*)wasm_extern_get_host_info(exports.data[1]));
  wasm_func_t* func_copy = wasm_func_copy(func);
  printf("a copy: same %d, host info %s\n", wasm_func_same(func, func_copy),
         wasm_func_get_host_info(func_copy) ? "set" : "none");
  wasm_func_delete(func_copy);
  wasm_func_set_host_info_with_finalizer(func, &ids[5], finalize);
  printf("replaced: finalized %d, now %d\n", finalized[0], *(int*)wasm_ref_get_host_info(wasm_func_as_ref(func)));

  /* Externals as references. */
  wasm_ref_t* global_ref = wasm_global_as_ref(global);
  printf("global as ref: as global %d, as table %s, as memory %s, as func %s, as extern kind %d\n",
         wasm_ref_as_global(global_ref) == global, wasm_ref_as_table(global_ref) ? "set" : "null",
         wasm_ref_as_memory_const(wasm_global_as_ref_const(global)) ? "set" : "null",
         wasm_ref_as_func(global_ref) ? "set" : "null", wasm_extern_kind(wasm_ref_as_extern(global_ref)));
  printf("table, memory, extern round trips: %d %d %d\n",
         wasm_ref_as_table(wasm_table_as_ref(table)) == table,
         wasm_ref_as_memory(wasm_memory_as_ref(memory)) == memory,
         wasm_ref_as_extern_const(wasm_extern_as_ref_const(exports.data[0])) == exports.data[0]);
  wasm_ref_t* ref_copy = wasm_ref_copy(global_ref);
  wasm_ref_set_host_info_with_finalizer(ref_copy, &ids[6], finalize);
  printf("a copied reference: same %d\n", wasm_ref_same(ref_copy, global_ref));
  wasm_ref_delete(ref_copy);
  printf("deleted: finalized %d\n", finalized[6]);

  /* Modules, instances and traps. */
  wasm_module_t* module_copy = wasm_module_copy(module);
  wasm_module_t* compiled_again = load_module(store, argv[1]);
  printf("module copy same %d, compiled again same %d, host info of the copy %s\n",
         wasm_module_same(module, module_copy), wasm_module_same(module, compiled_again),
         wasm_module_get_host_info(module_copy) ? "set" : "none");
  wasm_module_delete(compiled_again);
  wasm_module_delete(module_copy);
  wasm_instance_t* instance_copy = wasm_instance_copy(instance);
  wasm_instance_t* other = wasm_instance_new(store, module, &imports, NULL);
  printf("instance copy same %d, another instance same %d\n", wasm_instance_same(instance, instance_copy),
         wasm_instance_same(instance, other));
  wasm_instance_delete(other);
  wasm_instance_delete(instance_copy);
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "made by the host");
  wasm_trap_t* trap = wasm_trap_new(store, &message);
  wasm_byte_vec_delete(&message);
  wasm_trap_t* trap_copy = wasm_trap_copy(trap);
  wasm_trap_set_host_info_with_finalizer(trap, &ids[7], finalize);
  printf("trap same as itself %d, as its copy %d, host info %d\n", wasm_trap_same(trap, trap),
         wasm_trap_same(trap, trap_copy), *(int*)wasm_trap_get_host_info(trap));
  wasm_trap_delete(trap_copy);
  wasm_trap_delete(trap);
  printf("trap deleted: finalized %d\n", finalized[7]);

  /* Vectors of the type kinds. */
  wasm_functype_t* ft = wasm_functype_new_3_2(wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                                              wasm_valtype_new_f32(), wasm_valtype_new_f64(),
                                              wasm_valtype_new_funcref());
  wasm_functype_t* fts[2] = {ft, wasm_functype_new_2_2(wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                                       wasm_valtype_new_externref(), wasm_valtype_new_i64())};
  wasm_functype_vec_t fvec, fcopy;
  wasm_functype_vec_new(&fvec, 2, fts);
  wasm_functype_vec_copy(&fcopy, &fvec);
  const wasm_valtype_vec_t* results = wasm_functype_results(fcopy.data[0]);
  printf("function types: %zu, first copied: %zu -> %zu, last result kind %d\n", fcopy.size,
         wasm_functype_params(fcopy.data[0])->size, results->size, wasm_valtype_kind(results->data[1]));
  wasm_functype_vec_delete(&fcopy);
  wasm_functype_vec_delete(&fvec);
  wasm_globaltype_vec_t gvec;
  wasm_globaltype_vec_new_uninitialized(&gvec, 2);
  gvec.data[0] = wasm_global_type(global);
  wasm_limits_t limits = {1, 2};
  wasm_memorytype_t* mts[1] = {wasm_memorytype_new(&limits)};
  wasm_memorytype_vec_t mvec;
  wasm_memorytype_vec_new(&mvec, 1, mts);
  wasm_tabletype_vec_t tvec;
  wasm_tabletype_vec_new_empty(&tvec);
  wasm_externtype_vec_t evec, ecopy;
  wasm_externtype_vec_new_uninitialized(&evec, 1);
  evec.data[0] = wasm_extern_type(exports.data[2]);
  wasm_externtype_vec_copy(&ecopy, &evec);
  printf("global types: %zu (second null), memory types: %zu, table types: %zu, extern types: %zu, kind %d\n",
         gvec.size, mvec.size, tvec.size, ecopy.size, wasm_externtype_kind(ecopy.data[0]));
  wasm_globaltype_vec_delete(&gvec);
  wasm_memorytype_vec_delete(&mvec);
  wasm_tabletype_vec_delete(&tvec);
  wasm_externtype_vec_delete(&evec);
  wasm_externtype_vec_delete(&ecopy);
  wasm_val_t v;
  wasm_val_init_ptr(&v, &ids[3]);
  printf("a pointer in a value: %d\n", *(int*)wasm_val_ptr(&v));

  wasm_extern_vec_delete(&exports);
  printf("exports deleted: finalized func %d %d, global %d, memory %d, module %d\n", finalized[0],
         finalized[5], finalized[1], finalized[3], finalized[4]);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  printf("module deleted: finalized %d\n", finalized[4]);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
