/* The "reflect" scenario: a module's import and export types, and the types of an
 * instance's exported externals. */
#include "common.h"

static void print_kind(wasm_valkind_t k) {
  switch (k) {
    case WASM_I32: printf("i32"); break;
    case WASM_I64: printf("i64"); break;
    case WASM_F32: printf("f32"); break;
    case WASM_F64: printf("f64"); break;
    case WASM_FUNCREF: printf("funcref"); break;
    case WASM_EXTERNREF: printf("externref"); break;
    default: printf("?%d", k);
  }
}

static void print_valtypes(const wasm_valtype_vec_t* v) {
  printf("(");
  for (size_t i = 0; i < v->size; i++) {
    if (i) printf(" ");
    print_kind(wasm_valtype_kind(v->data[i]));
  }
  printf(")");
}

static void print_limits(const wasm_limits_t* l) {
  if (l->max == wasm_limits_max_default) {
    printf("%u..", l->min);
  } else {
    printf("%u..%u", l->min, l->max);
  }
}

static void print_externtype(const wasm_externtype_t* t) {
  switch (wasm_externtype_kind(t)) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype_t* f = wasm_externtype_as_functype_const(t);
      printf("func ");
      print_valtypes(wasm_functype_params(f));
      printf(" -> ");
      print_valtypes(wasm_functype_results(f));
      break;
    }
    case WASM_EXTERN_GLOBAL: {
      const wasm_globaltype_t* g = wasm_externtype_as_globaltype_const(t);
      printf("global %s ", wasm_globaltype_mutability(g) == WASM_VAR ? "var" : "const");
      print_kind(wasm_valtype_kind(wasm_globaltype_content(g)));
      break;
    }
    case WASM_EXTERN_TABLE: {
      const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(t);
      printf("table ");
      print_kind(wasm_valtype_kind(wasm_tabletype_element(tt)));
      printf(" ");
      print_limits(wasm_tabletype_limits(tt));
      break;
    }
    case WASM_EXTERN_MEMORY:
      printf("memory ");
      print_limits(wasm_memorytype_limits(wasm_externtype_as_memorytype_const(t)));
      break;
  }
  /* Casting to another kind gives NULL. */
  CHECK((wasm_externtype_as_functype_const(t) != NULL) == (wasm_externtype_kind(t) == WASM_EXTERN_FUNC));
}

static wasm_trap_t* log_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  return NULL;
}

int main(int argc, char** argv) {
  CHECK(argc == 2);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_importtype_vec_t imports_types;
  wasm_module_imports(module, &imports_types);
  for (size_t i = 0; i < imports_types.size; i++) {
    const wasm_importtype_t* it = imports_types.data[i];
    const wasm_name_t* m = wasm_importtype_module(it);
    const wasm_name_t* n = wasm_importtype_name(it);
    printf("import %.*s.%.*s: ", (int)m->size, m->data, (int)n->size, n->data);
    print_externtype(wasm_importtype_type(it));
    printf("\n");
  }
  wasm_importtype_t* copy = wasm_importtype_copy(imports_types.data[0]);
  printf("copied import: %.*s\n", (int)wasm_importtype_name(copy)->size, wasm_importtype_name(copy)->data);
  wasm_importtype_delete(copy);
  wasm_importtype_vec_delete(&imports_types);

  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  for (size_t i = 0; i < export_types.size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(export_types.data[i]);
    printf("export %.*s: ", (int)n->size, n->data);
    print_externtype(wasm_exporttype_type(export_types.data[i]));
    printf("\n");
  }

  /* Instantiate with a host function and a memory, then ask each export for its type. */
  wasm_valtype_t* ps[2] = {wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_F64)};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 2, ps);
  wasm_valtype_vec_new_empty(&results);
  wasm_functype_t* log_type = wasm_functype_new(&params, &results);
  wasm_func_t* log = wasm_func_new(store, log_type, log_callback);
  wasm_externtype_t* as_extern = wasm_functype_as_externtype(log_type);
  wasm_externtype_t* log_type_copy = wasm_externtype_copy(as_extern);
  printf("host function type: ");
  print_externtype(log_type_copy);
  printf("\n");
  wasm_externtype_delete(log_type_copy);
  wasm_functype_delete(log_type);
  wasm_limits_t limits = {1, 4};
  wasm_memorytype_t* mem_type = wasm_memorytype_new(&limits);
  wasm_memory_t* mem = wasm_memory_new(store, mem_type);
  wasm_memorytype_delete(mem_type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(log), wasm_memory_as_extern(mem)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == export_types.size);
  for (size_t i = 0; i < exports.size; i++) {
    wasm_externtype_t* t = wasm_extern_type(exports.data[i]);
    const wasm_name_t* n = wasm_exporttype_name(export_types.data[i]);
    printf("instance export %.*s: ", (int)n->size, n->data);
    print_externtype(t);
    printf(", kind matches: %d\n", wasm_extern_kind(exports.data[i]) == wasm_externtype_kind(t));
    wasm_externtype_delete(t);
  }
  wasm_exporttype_vec_delete(&export_types);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(log);
  wasm_memory_delete(mem);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
