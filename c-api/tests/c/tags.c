/* Exception tags through the C API: tag types (new, copy, the external type casts, vectors),
 * a module's tag imports and exports, a tag exported by one instance imported by another,
 * a wasm exception caught in wasm and one reaching C as a trap, and an engine without the
 * exception-handling switch refusing the module. */
#include "common.h"
#include "fayasm.h"

static void print_valtypes(const wasm_valtype_vec_t* v) {
  printf("(");
  for (size_t i = 0; i < v->size; i++) {
    wasm_valkind_t k = wasm_valtype_kind(v->data[i]);
    printf("%s%s", i ? " " : "",
           k == WASM_I32 ? "i32" : k == WASM_I64 ? "i64" : k == WASM_F64 ? "f64" : "?");
  }
  printf(")");
}

static void print_externtype(const wasm_externtype_t* t) {
  if (wasm_externtype_kind(t) == WASM_EXTERN_TAG) {
    const wasm_tagtype_t* tag = wasm_externtype_as_tagtype_const(t);
    CHECK(tag != NULL);
    CHECK(wasm_externtype_as_functype_const(t) == NULL);
    const wasm_functype_t* f = wasm_tagtype_functype(tag);
    CHECK(wasm_functype_results(f)->size == 0);
    printf("tag ");
    print_valtypes(wasm_functype_params(f));
  } else if (wasm_externtype_kind(t) == WASM_EXTERN_FUNC) {
    const wasm_functype_t* f = wasm_externtype_as_functype_const(t);
    CHECK(wasm_externtype_as_tagtype_const(t) == NULL);
    printf("func ");
    print_valtypes(wasm_functype_params(f));
    printf(" -> ");
    print_valtypes(wasm_functype_results(f));
  } else {
    printf("kind %d", wasm_externtype_kind(t));
  }
}

/* (module (tag (export "t") (param i32 f64))) */
static const unsigned char PROVIDER[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,        /* header */
    0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7c, 0x00,        /* type 0: (i32 f64) -> () */
    0x0d, 0x03, 0x01, 0x00, 0x00,                          /* tag 0: type 0 */
    0x07, 0x05, 0x01, 0x01, 't', 0x04, 0x00,               /* export "t": tag 0 */
};

int main(int argc, char** argv) {
  CHECK(argc == 2);

  /* A tag type made in C. */
  wasm_valtype_t* ps[2] = {wasm_valtype_new(WASM_I32), wasm_valtype_new(WASM_F64)};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 2, ps);
  wasm_valtype_vec_new_empty(&results);
  wasm_tagtype_t* tt = wasm_tagtype_new(wasm_functype_new(&params, &results));
  CHECK(tt != NULL);
  CHECK(wasm_tagtype_new(NULL) == NULL);
  wasm_externtype_t* as_extern = wasm_tagtype_as_externtype(tt);
  CHECK(wasm_externtype_kind(as_extern) == WASM_EXTERN_TAG);
  CHECK(wasm_externtype_as_tagtype(as_extern) == tt);
  CHECK(wasm_externtype_as_memorytype(as_extern) == NULL);
  wasm_externtype_t* ext_copy = wasm_externtype_copy(as_extern);
  printf("made in C: ");
  print_externtype(ext_copy);
  printf("\n");
  wasm_externtype_delete(ext_copy);
  wasm_tagtype_t* items[2] = {wasm_tagtype_copy(tt), wasm_tagtype_copy(tt)};
  wasm_tagtype_vec_t vec, vec_copy;
  wasm_tagtype_vec_new(&vec, 2, items);
  wasm_tagtype_vec_copy(&vec_copy, &vec);
  CHECK(vec_copy.size == 2 && vec_copy.data[1] != items[1]);
  CHECK(wasm_functype_params(wasm_tagtype_functype(vec_copy.data[1]))->size == 2);
  wasm_tagtype_vec_delete(&vec);
  wasm_tagtype_vec_delete(&vec_copy);
  wasm_tagtype_delete(tt);

  /* Without the switch the module is refused. */
  wasm_engine_t* plain = wasm_engine_new();
  wasm_store_t* plain_store = wasm_store_new(plain);
  FILE* f = fopen(argv[1], "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new_uninitialized(&binary, (size_t)size);
  CHECK(fread(binary.data, 1, (size_t)size, f) == (size_t)size);
  fclose(f);
  printf("without exceptions: %s\n",
         wasm_module_new(plain_store, &binary) == NULL ? "refused" : "accepted");
  wasm_byte_vec_delete(&binary);
  wasm_store_delete(plain_store);
  wasm_engine_delete(plain);

  fayasm_config_t config = {0};
  config.exceptions = true;
  wasm_engine_t* engine = fayasm_engine_new_with_config(&config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, argv[1]);

  wasm_importtype_vec_t import_types;
  wasm_module_imports(module, &import_types);
  for (size_t i = 0; i < import_types.size; i++) {
    const wasm_name_t* m = wasm_importtype_module(import_types.data[i]);
    const wasm_name_t* n = wasm_importtype_name(import_types.data[i]);
    printf("import %.*s.%.*s: ", (int)m->size, m->data, (int)n->size, n->data);
    print_externtype(wasm_importtype_type(import_types.data[i]));
    printf("\n");
  }
  wasm_importtype_vec_delete(&import_types);
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  for (size_t i = 0; i < export_types.size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(export_types.data[i]);
    printf("export %.*s: ", (int)n->size, n->data);
    print_externtype(wasm_exporttype_type(export_types.data[i]));
    printf("\n");
  }

  /* The tag another instance exports is this one's import. */
  wasm_byte_vec_t provider_bytes;
  wasm_byte_vec_new(&provider_bytes, sizeof PROVIDER, (const wasm_byte_t*)PROVIDER);
  wasm_module_t* provider = wasm_module_new(store, &provider_bytes);
  wasm_byte_vec_delete(&provider_bytes);
  CHECK(provider != NULL);
  wasm_instance_t* provider_instance = wasm_instance_new(store, provider, NULL, NULL);
  CHECK(provider_instance != NULL);
  wasm_extern_vec_t provided;
  wasm_instance_exports(provider_instance, &provided);
  CHECK(provided.size == 1);
  CHECK(wasm_extern_kind(provided.data[0]) == WASM_EXTERN_TAG);
  CHECK(wasm_extern_as_func(provided.data[0]) == NULL);
  wasm_instance_t* instance = wasm_instance_new(store, module, &provided, NULL);
  CHECK(instance != NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == export_types.size);
  for (size_t i = 0; i < exports.size; i++) {
    wasm_externtype_t* t = wasm_extern_type(exports.data[i]);
    CHECK(t != NULL);
    const wasm_name_t* n = wasm_exporttype_name(export_types.data[i]);
    printf("instance export %.*s: ", (int)n->size, n->data);
    print_externtype(t);
    printf(", kind matches: %d\n", wasm_extern_kind(exports.data[i]) == wasm_externtype_kind(t));
    wasm_externtype_delete(t);
  }
  wasm_exporttype_vec_delete(&export_types);

  /* "catch" throws the imported tag and catches it; "throw" lets it out. */
  wasm_val_t args_val[1] = {WASM_I32_VAL(41)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  wasm_trap_t* trap = wasm_func_call(export_func(&exports, 2), &args, &res);
  CHECK(trap == NULL);
  printf("catch(41) = %d\n", results_val[0].of.i32);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(export_func(&exports, 3), &args, &none);
  CHECK(trap != NULL);
  print_trap("throw(41)", trap);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_extern_vec_delete(&provided);
  wasm_instance_delete(provider_instance);
  wasm_module_delete(provider);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("done\n");
  return 0;
}
