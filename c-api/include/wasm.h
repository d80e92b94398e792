/* The WebAssembly C API (wasm.h), the subset fayasm implements (see c-api/README.md for what
 * is left out and why).
 *
 * Names, types and ownership rules follow the WebAssembly C API project's wasm.h
 * (https://github.com/WebAssembly/wasm-c-api); this file is written from that published API
 * and declares only what `c-api/src/lib.rs` implements. Ownership: a function taking an
 * `own` argument takes it over; one returning `own` gives the caller a value to delete with
 * the matching `_delete`. Every object of a store must be deleted before the store.
 */
#ifndef FAYASM_WASM_H
#define FAYASM_WASM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define own

typedef char byte_t;
typedef float float32_t;
typedef double float64_t;

/* Vectors of bytes. */
typedef byte_t wasm_byte_t;
typedef struct wasm_byte_vec_t {
  size_t size;
  wasm_byte_t* data;
} wasm_byte_vec_t;
typedef wasm_byte_vec_t wasm_name_t;
typedef wasm_byte_vec_t wasm_message_t;

void wasm_byte_vec_new_empty(own wasm_byte_vec_t* out);
void wasm_byte_vec_new_uninitialized(own wasm_byte_vec_t* out, size_t size);
void wasm_byte_vec_new(own wasm_byte_vec_t* out, size_t size, const wasm_byte_t* data);
void wasm_byte_vec_copy(own wasm_byte_vec_t* out, const wasm_byte_vec_t* src);
void wasm_byte_vec_delete(own wasm_byte_vec_t* vec);

static inline void wasm_name_new_from_string(own wasm_name_t* out, const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  wasm_byte_vec_new(out, n, s);
}
static inline void wasm_name_new_from_string_nt(own wasm_name_t* out, const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  wasm_byte_vec_new(out, n + 1, s);
}

/* Engine and store. */
typedef struct wasm_config_t wasm_config_t;
own wasm_config_t* wasm_config_new(void);
void wasm_config_delete(own wasm_config_t* config);
/* fayasm's settings go into a config with fayasm_config_set (fayasm.h). */

typedef struct wasm_engine_t wasm_engine_t;
own wasm_engine_t* wasm_engine_new(void);
own wasm_engine_t* wasm_engine_new_with_config(own wasm_config_t* config);
void wasm_engine_delete(own wasm_engine_t* engine);

typedef struct wasm_store_t wasm_store_t;
own wasm_store_t* wasm_store_new(wasm_engine_t* engine);
void wasm_store_delete(own wasm_store_t* store);

/* Values. */
typedef uint8_t wasm_valkind_t;
enum wasm_valkind_enum {
  WASM_I32 = 0,
  WASM_I64 = 1,
  WASM_F32 = 2,
  WASM_F64 = 3,
  WASM_EXTERNREF = 128,
  WASM_FUNCREF = 129,
};

typedef struct wasm_ref_t wasm_ref_t;

typedef struct wasm_val_t {
  wasm_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float32_t f32;
    float64_t f64;
    struct wasm_ref_t* ref;
  } of;
} wasm_val_t;

typedef struct wasm_val_vec_t {
  size_t size;
  wasm_val_t* data;
} wasm_val_vec_t;

void wasm_val_vec_new_empty(own wasm_val_vec_t* out);
void wasm_val_vec_new_uninitialized(own wasm_val_vec_t* out, size_t size);
void wasm_val_vec_new(own wasm_val_vec_t* out, size_t size, const wasm_val_t* data);
/* Deletes the vector and the references its values own. */
void wasm_val_vec_delete(own wasm_val_vec_t* vec);
void wasm_val_vec_copy(own wasm_val_vec_t* out, const wasm_val_vec_t* src);
/* A reference value (WASM_FUNCREF) owns its wasm_ref_t (NULL: the null reference). */
void wasm_val_delete(own wasm_val_t* v);
void wasm_val_copy(own wasm_val_t* out, const wasm_val_t* src);

/* References: every external object is one (a function, global, table or memory: the
 * wasm_*_as_ref casts return the same object, wasm_ref_as_* NULL for another kind); only a
 * function reference can be a value (WASM_FUNCREF). fayasm's C API carries null externrefs
 * only. */
void wasm_ref_delete(own wasm_ref_t* ref);
own wasm_ref_t* wasm_ref_copy(const wasm_ref_t* ref);
bool wasm_ref_same(const wasm_ref_t* a, const wasm_ref_t* b);

/* Host information of an object (declared for each kind of object below): it belongs to the
 * C object (a copy starts without it); the finalizer runs once, when the object is deleted
 * or the information replaced. */
#define FAYASM_DECLARE_HOST_INFO(name)                                                  \
  void* wasm_##name##_get_host_info(const wasm_##name##_t*);                            \
  void wasm_##name##_set_host_info(wasm_##name##_t*, void*);                            \
  void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t*, void*, void (*)(void*));
FAYASM_DECLARE_HOST_INFO(ref)

/* Value and function types. */
typedef struct wasm_valtype_t wasm_valtype_t;
own wasm_valtype_t* wasm_valtype_new(wasm_valkind_t kind);
void wasm_valtype_delete(own wasm_valtype_t* type);
own wasm_valtype_t* wasm_valtype_copy(const wasm_valtype_t* type);
wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t* type);
static inline bool wasm_valkind_is_num(wasm_valkind_t k) { return k < WASM_EXTERNREF; }
static inline bool wasm_valkind_is_ref(wasm_valkind_t k) { return k >= WASM_EXTERNREF; }
static inline bool wasm_valtype_is_num(const wasm_valtype_t* t) {
  return wasm_valkind_is_num(wasm_valtype_kind(t));
}
static inline bool wasm_valtype_is_ref(const wasm_valtype_t* t) {
  return wasm_valkind_is_ref(wasm_valtype_kind(t));
}

typedef struct wasm_valtype_vec_t {
  size_t size;
  wasm_valtype_t** data;
} wasm_valtype_vec_t;
void wasm_valtype_vec_new_empty(own wasm_valtype_vec_t* out);
void wasm_valtype_vec_new(own wasm_valtype_vec_t* out, size_t size, own wasm_valtype_t* const data[]);
void wasm_valtype_vec_new_uninitialized(own wasm_valtype_vec_t* out, size_t size);
void wasm_valtype_vec_copy(own wasm_valtype_vec_t* out, const wasm_valtype_vec_t* src);
void wasm_valtype_vec_delete(own wasm_valtype_vec_t* vec);

typedef struct wasm_functype_t wasm_functype_t;
/* Takes over both vectors' elements. */
own wasm_functype_t* wasm_functype_new(own wasm_valtype_vec_t* params, own wasm_valtype_vec_t* results);
void wasm_functype_delete(own wasm_functype_t* type);
own wasm_functype_t* wasm_functype_copy(const wasm_functype_t* type);
const wasm_valtype_vec_t* wasm_functype_params(const wasm_functype_t* type);
const wasm_valtype_vec_t* wasm_functype_results(const wasm_functype_t* type);
typedef struct wasm_functype_vec_t {
  size_t size;
  wasm_functype_t** data;
} wasm_functype_vec_t;
void wasm_functype_vec_new_empty(own wasm_functype_vec_t* out);
void wasm_functype_vec_new_uninitialized(own wasm_functype_vec_t* out, size_t size);
void wasm_functype_vec_new(own wasm_functype_vec_t* out, size_t size, own wasm_functype_t* const data[]);
void wasm_functype_vec_copy(own wasm_functype_vec_t* out, const wasm_functype_vec_t* src);
void wasm_functype_vec_delete(own wasm_functype_vec_t* vec);

typedef uint8_t wasm_mutability_t;
enum wasm_mutability_enum { WASM_CONST = 0, WASM_VAR = 1 };
typedef struct wasm_globaltype_t wasm_globaltype_t;
own wasm_globaltype_t* wasm_globaltype_new(own wasm_valtype_t* content, wasm_mutability_t mutability);
void wasm_globaltype_delete(own wasm_globaltype_t* type);
own wasm_globaltype_t* wasm_globaltype_copy(const wasm_globaltype_t* type);
const wasm_valtype_t* wasm_globaltype_content(const wasm_globaltype_t* type);
wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t* type);
typedef struct wasm_globaltype_vec_t {
  size_t size;
  wasm_globaltype_t** data;
} wasm_globaltype_vec_t;
void wasm_globaltype_vec_new_empty(own wasm_globaltype_vec_t* out);
void wasm_globaltype_vec_new_uninitialized(own wasm_globaltype_vec_t* out, size_t size);
void wasm_globaltype_vec_new(own wasm_globaltype_vec_t* out, size_t size, own wasm_globaltype_t* const data[]);
void wasm_globaltype_vec_copy(own wasm_globaltype_vec_t* out, const wasm_globaltype_vec_t* src);
void wasm_globaltype_vec_delete(own wasm_globaltype_vec_t* vec);

/* Limits of tables and memories (in elements or 64 KiB pages). */
typedef struct wasm_limits_t {
  uint32_t min;
  uint32_t max;
} wasm_limits_t;
static const uint32_t wasm_limits_max_default = 0xffffffff;

typedef struct wasm_tabletype_t wasm_tabletype_t;
own wasm_tabletype_t* wasm_tabletype_new(own wasm_valtype_t* element, const wasm_limits_t* limits);
void wasm_tabletype_delete(own wasm_tabletype_t* type);
own wasm_tabletype_t* wasm_tabletype_copy(const wasm_tabletype_t* type);
const wasm_valtype_t* wasm_tabletype_element(const wasm_tabletype_t* type);
const wasm_limits_t* wasm_tabletype_limits(const wasm_tabletype_t* type);
typedef struct wasm_tabletype_vec_t {
  size_t size;
  wasm_tabletype_t** data;
} wasm_tabletype_vec_t;
void wasm_tabletype_vec_new_empty(own wasm_tabletype_vec_t* out);
void wasm_tabletype_vec_new_uninitialized(own wasm_tabletype_vec_t* out, size_t size);
void wasm_tabletype_vec_new(own wasm_tabletype_vec_t* out, size_t size, own wasm_tabletype_t* const data[]);
void wasm_tabletype_vec_copy(own wasm_tabletype_vec_t* out, const wasm_tabletype_vec_t* src);
void wasm_tabletype_vec_delete(own wasm_tabletype_vec_t* vec);

typedef struct wasm_memorytype_t wasm_memorytype_t;
own wasm_memorytype_t* wasm_memorytype_new(const wasm_limits_t* limits);
void wasm_memorytype_delete(own wasm_memorytype_t* type);
own wasm_memorytype_t* wasm_memorytype_copy(const wasm_memorytype_t* type);
const wasm_limits_t* wasm_memorytype_limits(const wasm_memorytype_t* type);
typedef struct wasm_memorytype_vec_t {
  size_t size;
  wasm_memorytype_t** data;
} wasm_memorytype_vec_t;
void wasm_memorytype_vec_new_empty(own wasm_memorytype_vec_t* out);
void wasm_memorytype_vec_new_uninitialized(own wasm_memorytype_vec_t* out, size_t size);
void wasm_memorytype_vec_new(own wasm_memorytype_vec_t* out, size_t size, own wasm_memorytype_t* const data[]);
void wasm_memorytype_vec_copy(own wasm_memorytype_vec_t* out, const wasm_memorytype_vec_t* src);
void wasm_memorytype_vec_delete(own wasm_memorytype_vec_t* vec);

/* Tag types (exception handling): the function type's parameters are the values an
 * exception of the tag carries; it has no results. */
typedef struct wasm_tagtype_t wasm_tagtype_t;
own wasm_tagtype_t* wasm_tagtype_new(own wasm_functype_t* functype);
void wasm_tagtype_delete(own wasm_tagtype_t* type);
own wasm_tagtype_t* wasm_tagtype_copy(const wasm_tagtype_t* type);
const wasm_functype_t* wasm_tagtype_functype(const wasm_tagtype_t* type);
typedef struct wasm_tagtype_vec_t {
  size_t size;
  wasm_tagtype_t** data;
} wasm_tagtype_vec_t;
void wasm_tagtype_vec_new_empty(own wasm_tagtype_vec_t* out);
void wasm_tagtype_vec_new_uninitialized(own wasm_tagtype_vec_t* out, size_t size);
void wasm_tagtype_vec_new(own wasm_tagtype_vec_t* out, size_t size, own wasm_tagtype_t* const data[]);
void wasm_tagtype_vec_copy(own wasm_tagtype_vec_t* out, const wasm_tagtype_vec_t* src);
void wasm_tagtype_vec_delete(own wasm_tagtype_vec_t* vec);

/* External types: a function, global, table, memory or tag type seen as one (the casts
 * return the same object; the `as_` casts to a kind return NULL for another kind). */
typedef struct wasm_externtype_t wasm_externtype_t;
typedef uint8_t wasm_externkind_t;
enum wasm_externkind_enum {
  WASM_EXTERN_FUNC = 0,
  WASM_EXTERN_GLOBAL = 1,
  WASM_EXTERN_TABLE = 2,
  WASM_EXTERN_MEMORY = 3,
  WASM_EXTERN_TAG = 4,
};
void wasm_externtype_delete(own wasm_externtype_t* type);
own wasm_externtype_t* wasm_externtype_copy(const wasm_externtype_t* type);
wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t* type);
typedef struct wasm_externtype_vec_t {
  size_t size;
  wasm_externtype_t** data;
} wasm_externtype_vec_t;
void wasm_externtype_vec_new_empty(own wasm_externtype_vec_t* out);
void wasm_externtype_vec_new_uninitialized(own wasm_externtype_vec_t* out, size_t size);
void wasm_externtype_vec_new(own wasm_externtype_vec_t* out, size_t size, own wasm_externtype_t* const data[]);
void wasm_externtype_vec_copy(own wasm_externtype_vec_t* out, const wasm_externtype_vec_t* src);
void wasm_externtype_vec_delete(own wasm_externtype_vec_t* vec);
wasm_externtype_t* wasm_functype_as_externtype(wasm_functype_t* type);
wasm_externtype_t* wasm_globaltype_as_externtype(wasm_globaltype_t* type);
wasm_externtype_t* wasm_tabletype_as_externtype(wasm_tabletype_t* type);
wasm_externtype_t* wasm_memorytype_as_externtype(wasm_memorytype_t* type);
wasm_externtype_t* wasm_tagtype_as_externtype(wasm_tagtype_t* type);
wasm_functype_t* wasm_externtype_as_functype(wasm_externtype_t* type);
wasm_globaltype_t* wasm_externtype_as_globaltype(wasm_externtype_t* type);
wasm_tabletype_t* wasm_externtype_as_tabletype(wasm_externtype_t* type);
wasm_memorytype_t* wasm_externtype_as_memorytype(wasm_externtype_t* type);
wasm_tagtype_t* wasm_externtype_as_tagtype(wasm_externtype_t* type);
const wasm_externtype_t* wasm_functype_as_externtype_const(const wasm_functype_t* type);
const wasm_externtype_t* wasm_globaltype_as_externtype_const(const wasm_globaltype_t* type);
const wasm_externtype_t* wasm_tabletype_as_externtype_const(const wasm_tabletype_t* type);
const wasm_externtype_t* wasm_memorytype_as_externtype_const(const wasm_memorytype_t* type);
const wasm_externtype_t* wasm_tagtype_as_externtype_const(const wasm_tagtype_t* type);
const wasm_functype_t* wasm_externtype_as_functype_const(const wasm_externtype_t* type);
const wasm_globaltype_t* wasm_externtype_as_globaltype_const(const wasm_externtype_t* type);
const wasm_tabletype_t* wasm_externtype_as_tabletype_const(const wasm_externtype_t* type);
const wasm_memorytype_t* wasm_externtype_as_memorytype_const(const wasm_externtype_t* type);
const wasm_tagtype_t* wasm_externtype_as_tagtype_const(const wasm_externtype_t* type);

/* Import and export types (they own their names and type). */
typedef struct wasm_importtype_t wasm_importtype_t;
own wasm_importtype_t* wasm_importtype_new(own wasm_name_t* module, own wasm_name_t* name,
                                           own wasm_externtype_t* type);
void wasm_importtype_delete(own wasm_importtype_t* type);
own wasm_importtype_t* wasm_importtype_copy(const wasm_importtype_t* type);
const wasm_name_t* wasm_importtype_module(const wasm_importtype_t* type);
const wasm_name_t* wasm_importtype_name(const wasm_importtype_t* type);
const wasm_externtype_t* wasm_importtype_type(const wasm_importtype_t* type);
typedef struct wasm_importtype_vec_t {
  size_t size;
  wasm_importtype_t** data;
} wasm_importtype_vec_t;
void wasm_importtype_vec_new_empty(own wasm_importtype_vec_t* out);
void wasm_importtype_vec_new_uninitialized(own wasm_importtype_vec_t* out, size_t size);
void wasm_importtype_vec_new(own wasm_importtype_vec_t* out, size_t size, own wasm_importtype_t* const data[]);
void wasm_importtype_vec_copy(own wasm_importtype_vec_t* out, const wasm_importtype_vec_t* src);
void wasm_importtype_vec_delete(own wasm_importtype_vec_t* vec);

typedef struct wasm_exporttype_t wasm_exporttype_t;
own wasm_exporttype_t* wasm_exporttype_new(own wasm_name_t* name, own wasm_externtype_t* type);
void wasm_exporttype_delete(own wasm_exporttype_t* type);
own wasm_exporttype_t* wasm_exporttype_copy(const wasm_exporttype_t* type);
const wasm_name_t* wasm_exporttype_name(const wasm_exporttype_t* type);
const wasm_externtype_t* wasm_exporttype_type(const wasm_exporttype_t* type);
typedef struct wasm_exporttype_vec_t {
  size_t size;
  wasm_exporttype_t** data;
} wasm_exporttype_vec_t;
void wasm_exporttype_vec_new_empty(own wasm_exporttype_vec_t* out);
void wasm_exporttype_vec_new_uninitialized(own wasm_exporttype_vec_t* out, size_t size);
void wasm_exporttype_vec_new(own wasm_exporttype_vec_t* out, size_t size, own wasm_exporttype_t* const data[]);
void wasm_exporttype_vec_copy(own wasm_exporttype_vec_t* out, const wasm_exporttype_vec_t* src);
void wasm_exporttype_vec_delete(own wasm_exporttype_vec_t* vec);

/* Traps. */
typedef struct wasm_trap_t wasm_trap_t;
/* A trap with `message` (a trailing NUL is dropped); host functions return one to trap. */
own wasm_trap_t* wasm_trap_new(wasm_store_t* store, const wasm_message_t* message);
void wasm_trap_delete(own wasm_trap_t* trap);
own wasm_trap_t* wasm_trap_copy(const wasm_trap_t* trap);
/* The same trap object (a copy is another trap). */
bool wasm_trap_same(const wasm_trap_t* a, const wasm_trap_t* b);
FAYASM_DECLARE_HOST_INFO(trap)
/* The message, NUL-terminated (the terminator is counted in `size`). */
void wasm_trap_message(const wasm_trap_t* trap, own wasm_message_t* out);

/* Frames of a trap raised in wasm code: the innermost one (wasm_trap_origin; NULL for a
 * trap no wasm code raised) and all of them, innermost first (wasm_trap_trace; at most 20
 * by default). Offsets are 0 when unknown; wasm_frame_instance is always NULL (a trap does
 * not keep the instance object). fayasm.h adds the function's name. */
typedef struct wasm_frame_t wasm_frame_t;
typedef struct wasm_frame_vec_t {
  size_t size;
  wasm_frame_t** data;
} wasm_frame_vec_t;
void wasm_frame_vec_new_empty(own wasm_frame_vec_t* out);
void wasm_frame_vec_new_uninitialized(own wasm_frame_vec_t* out, size_t size);
void wasm_frame_vec_new(own wasm_frame_vec_t* out, size_t size, own wasm_frame_t* const data[]);
void wasm_frame_vec_copy(own wasm_frame_vec_t* out, const wasm_frame_vec_t* src);
void wasm_frame_vec_delete(own wasm_frame_vec_t* vec);
void wasm_frame_delete(own wasm_frame_t* frame);
own wasm_frame_t* wasm_frame_copy(const wasm_frame_t* frame);
struct wasm_instance_t* wasm_frame_instance(const wasm_frame_t* frame);
uint32_t wasm_frame_func_index(const wasm_frame_t* frame);
size_t wasm_frame_func_offset(const wasm_frame_t* frame);
size_t wasm_frame_module_offset(const wasm_frame_t* frame);
own wasm_frame_t* wasm_trap_origin(const wasm_trap_t* trap);
void wasm_trap_trace(const wasm_trap_t* trap, own wasm_frame_vec_t* out);

/* Modules. */
typedef struct wasm_module_t wasm_module_t;
own wasm_module_t* wasm_module_new(wasm_store_t* store, const wasm_byte_vec_t* binary);
void wasm_module_delete(own wasm_module_t* module);
own wasm_module_t* wasm_module_copy(const wasm_module_t* module);
/* The same compiled module (a copy, or a module shared and obtained; not the same bytes
 * compiled twice). */
bool wasm_module_same(const wasm_module_t* a, const wasm_module_t* b);
FAYASM_DECLARE_HOST_INFO(module)
bool wasm_module_validate(wasm_store_t* store, const wasm_byte_vec_t* binary);
void wasm_module_imports(const wasm_module_t* module, own wasm_importtype_vec_t* out);
void wasm_module_exports(const wasm_module_t* module, own wasm_exporttype_vec_t* out);
/* fayasm runs a module from its binary, so the serialized form is the binary (and
 * deserializing validates it again). */
void wasm_module_serialize(const wasm_module_t* module, own wasm_byte_vec_t* out);
own wasm_module_t* wasm_module_deserialize(wasm_store_t* store, const wasm_byte_vec_t* binary);
/* A module for other stores of the same engine (and other threads); obtain gives NULL for a
 * store of another engine. */
typedef struct wasm_shared_module_t wasm_shared_module_t;
own wasm_shared_module_t* wasm_module_share(const wasm_module_t* module);
own wasm_module_t* wasm_module_obtain(wasm_store_t* store, const wasm_shared_module_t* shared);
void wasm_shared_module_delete(own wasm_shared_module_t* shared);

/* Externals and functions. */
typedef struct wasm_extern_t wasm_extern_t;
typedef struct wasm_func_t wasm_func_t;
typedef struct wasm_memory_t wasm_memory_t;
typedef struct wasm_global_t wasm_global_t;
typedef struct wasm_table_t wasm_table_t;

typedef struct wasm_extern_vec_t {
  size_t size;
  wasm_extern_t** data;
} wasm_extern_vec_t;

void wasm_extern_vec_new_empty(own wasm_extern_vec_t* out);
void wasm_extern_vec_new_uninitialized(own wasm_extern_vec_t* out, size_t size);
void wasm_extern_vec_new(own wasm_extern_vec_t* out, size_t size, own wasm_extern_t* const data[]);
void wasm_extern_vec_copy(own wasm_extern_vec_t* out, const wasm_extern_vec_t* src);
void wasm_extern_vec_delete(own wasm_extern_vec_t* vec);
void wasm_extern_delete(own wasm_extern_t* ext);
own wasm_extern_t* wasm_extern_copy(const wasm_extern_t* ext);
bool wasm_extern_same(const wasm_extern_t* a, const wasm_extern_t* b);
FAYASM_DECLARE_HOST_INFO(extern)
wasm_ref_t* wasm_extern_as_ref(wasm_extern_t* ext);
const wasm_ref_t* wasm_extern_as_ref_const(const wasm_extern_t* ext);
wasm_extern_t* wasm_ref_as_extern(wasm_ref_t* ref);
const wasm_extern_t* wasm_ref_as_extern_const(const wasm_ref_t* ref);
own wasm_externtype_t* wasm_extern_type(const wasm_extern_t* ext);

wasm_func_t* wasm_extern_as_func(wasm_extern_t* ext);
const wasm_func_t* wasm_extern_as_func_const(const wasm_extern_t* ext);
wasm_memory_t* wasm_extern_as_memory(wasm_extern_t* ext);
wasm_global_t* wasm_extern_as_global(wasm_extern_t* ext);
wasm_table_t* wasm_extern_as_table(wasm_extern_t* ext);
const wasm_memory_t* wasm_extern_as_memory_const(const wasm_extern_t* ext);
const wasm_global_t* wasm_extern_as_global_const(const wasm_extern_t* ext);
const wasm_table_t* wasm_extern_as_table_const(const wasm_extern_t* ext);
wasm_externkind_t wasm_extern_kind(const wasm_extern_t* ext);
wasm_extern_t* wasm_func_as_extern(wasm_func_t* func);
const wasm_extern_t* wasm_func_as_extern_const(const wasm_func_t* func);
wasm_extern_t* wasm_memory_as_extern(wasm_memory_t* memory);
const wasm_extern_t* wasm_memory_as_extern_const(const wasm_memory_t* memory);
wasm_extern_t* wasm_global_as_extern(wasm_global_t* global);
const wasm_extern_t* wasm_global_as_extern_const(const wasm_global_t* global);
wasm_extern_t* wasm_table_as_extern(wasm_table_t* table);
const wasm_extern_t* wasm_table_as_extern_const(const wasm_table_t* table);

/* Host functions. The callback gets the arguments and fills `results` (as many as the type
 * has, kinds included); returning a trap (wasm_trap_new) traps the calling wasm code. The
 * environment's finalizer runs once, when the store is deleted. */
typedef own wasm_trap_t* (*wasm_func_callback_t)(const wasm_val_vec_t* args, own wasm_val_vec_t* results);
typedef own wasm_trap_t* (*wasm_func_callback_with_env_t)(void* env, const wasm_val_vec_t* args,
                                                          own wasm_val_vec_t* results);
own wasm_func_t* wasm_func_new(wasm_store_t* store, const wasm_functype_t* type,
                               wasm_func_callback_t callback);
own wasm_func_t* wasm_func_new_with_env(wasm_store_t* store, const wasm_functype_t* type,
                                        wasm_func_callback_with_env_t callback, void* env,
                                        void (*finalizer)(void*));
void wasm_func_delete(own wasm_func_t* func);
own wasm_func_t* wasm_func_copy(const wasm_func_t* func);
bool wasm_func_same(const wasm_func_t* a, const wasm_func_t* b);
own wasm_functype_t* wasm_func_type(const wasm_func_t* func);
wasm_ref_t* wasm_func_as_ref(wasm_func_t* func);
const wasm_ref_t* wasm_func_as_ref_const(const wasm_func_t* func);
wasm_func_t* wasm_ref_as_func(wasm_ref_t* ref);
const wasm_func_t* wasm_ref_as_func_const(const wasm_ref_t* ref);
FAYASM_DECLARE_HOST_INFO(func)

size_t wasm_func_param_arity(const wasm_func_t* func);
size_t wasm_func_result_arity(const wasm_func_t* func);
/* Calls `func`; `results` must have `wasm_func_result_arity` elements. Returns NULL, or the
 * trap (owned by the caller) if the call trapped or the arguments do not fit. */
own wasm_trap_t* wasm_func_call(const wasm_func_t* func, const wasm_val_vec_t* args,
                                wasm_val_vec_t* results);

/* Memories. wasm_memory_data brings a spilled memory back into RAM first; it is NULL for a
 * paged memory or if that reload fails (fayasm.h). */
typedef uint32_t wasm_memory_pages_t;
static const size_t MEMORY_PAGE_SIZE = 0x10000;
own wasm_memory_t* wasm_memory_new(wasm_store_t* store, const wasm_memorytype_t* type);
void wasm_memory_delete(own wasm_memory_t* memory);
own wasm_memory_t* wasm_memory_copy(const wasm_memory_t* memory);
bool wasm_memory_same(const wasm_memory_t* a, const wasm_memory_t* b);
FAYASM_DECLARE_HOST_INFO(memory)
wasm_ref_t* wasm_memory_as_ref(wasm_memory_t* memory);
const wasm_ref_t* wasm_memory_as_ref_const(const wasm_memory_t* memory);
wasm_memory_t* wasm_ref_as_memory(wasm_ref_t* ref);
const wasm_memory_t* wasm_ref_as_memory_const(const wasm_ref_t* ref);
own wasm_memorytype_t* wasm_memory_type(const wasm_memory_t* memory);
byte_t* wasm_memory_data(wasm_memory_t* memory);
size_t wasm_memory_data_size(const wasm_memory_t* memory);
wasm_memory_pages_t wasm_memory_size(const wasm_memory_t* memory); /* in 64 KiB pages */
bool wasm_memory_grow(wasm_memory_t* memory, wasm_memory_pages_t delta);

/* Tables of funcref (or externref, whose elements fayasm's C API reads as NULL). A NULL
 * reference is the null reference. */
typedef uint32_t wasm_table_size_t;
own wasm_table_t* wasm_table_new(wasm_store_t* store, const wasm_tabletype_t* type, wasm_ref_t* init);
void wasm_table_delete(own wasm_table_t* table);
own wasm_table_t* wasm_table_copy(const wasm_table_t* table);
bool wasm_table_same(const wasm_table_t* a, const wasm_table_t* b);
FAYASM_DECLARE_HOST_INFO(table)
wasm_ref_t* wasm_table_as_ref(wasm_table_t* table);
const wasm_ref_t* wasm_table_as_ref_const(const wasm_table_t* table);
wasm_table_t* wasm_ref_as_table(wasm_ref_t* ref);
const wasm_table_t* wasm_ref_as_table_const(const wasm_ref_t* ref);
own wasm_tabletype_t* wasm_table_type(const wasm_table_t* table);
own wasm_ref_t* wasm_table_get(const wasm_table_t* table, wasm_table_size_t index);
bool wasm_table_set(wasm_table_t* table, wasm_table_size_t index, wasm_ref_t* ref);
wasm_table_size_t wasm_table_size(const wasm_table_t* table);
bool wasm_table_grow(wasm_table_t* table, wasm_table_size_t delta, wasm_ref_t* init);

/* Globals. `wasm_global_new` returns NULL if the value does not fit the type;
 * `wasm_global_set` leaves an immutable global, or one given a value of another type, as is. */
own wasm_global_t* wasm_global_new(wasm_store_t* store, const wasm_globaltype_t* type,
                                   const wasm_val_t* val);
void wasm_global_delete(own wasm_global_t* global);
own wasm_global_t* wasm_global_copy(const wasm_global_t* global);
bool wasm_global_same(const wasm_global_t* a, const wasm_global_t* b);
FAYASM_DECLARE_HOST_INFO(global)
wasm_ref_t* wasm_global_as_ref(wasm_global_t* global);
const wasm_ref_t* wasm_global_as_ref_const(const wasm_global_t* global);
wasm_global_t* wasm_ref_as_global(wasm_ref_t* ref);
const wasm_global_t* wasm_ref_as_global_const(const wasm_ref_t* ref);
own wasm_globaltype_t* wasm_global_type(const wasm_global_t* global);
void wasm_global_get(const wasm_global_t* global, own wasm_val_t* out);
void wasm_global_set(wasm_global_t* global, const wasm_val_t* val);

/* Instances. Imports are given in the module's import order. */
typedef struct wasm_instance_t wasm_instance_t;
own wasm_instance_t* wasm_instance_new(wasm_store_t* store, const wasm_module_t* module,
                                       const wasm_extern_vec_t* imports,
                                       own wasm_trap_t** trap);
void wasm_instance_delete(own wasm_instance_t* instance);
own wasm_instance_t* wasm_instance_copy(const wasm_instance_t* instance);
bool wasm_instance_same(const wasm_instance_t* a, const wasm_instance_t* b);
/* The exports in the module's export order. */
void wasm_instance_exports(const wasm_instance_t* instance, own wasm_extern_vec_t* out);
/* Host information; the finalizer runs once, when the instance is deleted. */
void* wasm_instance_get_host_info(const wasm_instance_t* instance);
void wasm_instance_set_host_info(wasm_instance_t* instance, void* info);
void wasm_instance_set_host_info_with_finalizer(wasm_instance_t* instance, void* info,
                                                void (*finalizer)(void*));

#define WASM_I32_VAL(i) {.kind = WASM_I32, .of = {.i32 = i}}
#define WASM_I64_VAL(i) {.kind = WASM_I64, .of = {.i64 = i}}
#define WASM_F32_VAL(z) {.kind = WASM_F32, .of = {.f32 = z}}
#define WASM_F64_VAL(z) {.kind = WASM_F64, .of = {.f64 = z}}
#define WASM_REF_VAL(r) {.kind = WASM_FUNCREF, .of = {.ref = r}}
#define WASM_INIT_VAL {.kind = WASM_I32, .of = {.i32 = 0}}
#define WASM_ARRAY_VEC(array) {sizeof(array) / sizeof(*(array)), array}
#define WASM_EMPTY_VEC {0, NULL}

/* Function types of up to two parameters and one result (as the standard wasm.h's
 * wasm_functype_new_N_M helpers). */
static inline own wasm_functype_t* wasm_functype_new_0_0(void) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new_empty(&params);
  wasm_valtype_vec_new_empty(&results);
  return wasm_functype_new(&params, &results);
}
static inline own wasm_functype_t* wasm_functype_new_0_1(own wasm_valtype_t* r) {
  wasm_valtype_t* rs[1] = {r};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new_empty(&params);
  wasm_valtype_vec_new(&results, 1, rs);
  return wasm_functype_new(&params, &results);
}
static inline own wasm_functype_t* wasm_functype_new_1_0(own wasm_valtype_t* p) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 1, ps);
  wasm_valtype_vec_new_empty(&results);
  return wasm_functype_new(&params, &results);
}
static inline own wasm_functype_t* wasm_functype_new_1_1(own wasm_valtype_t* p, own wasm_valtype_t* r) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[1] = {r};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 1, ps);
  wasm_valtype_vec_new(&results, 1, rs);
  return wasm_functype_new(&params, &results);
}
static inline own wasm_functype_t* wasm_functype_new_2_1(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* r) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[1] = {r};
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, 2, ps);
  wasm_valtype_vec_new(&results, 1, rs);
  return wasm_functype_new(&params, &results);
}

/* The rest of the standard's short-hands: value types of each kind, function types of up to
 * three parameters and two results, and pointers carried in an i32 or i64 value. */
static inline own wasm_valtype_t* wasm_valtype_new_i32(void) { return wasm_valtype_new(WASM_I32); }
static inline own wasm_valtype_t* wasm_valtype_new_i64(void) { return wasm_valtype_new(WASM_I64); }
static inline own wasm_valtype_t* wasm_valtype_new_f32(void) { return wasm_valtype_new(WASM_F32); }
static inline own wasm_valtype_t* wasm_valtype_new_f64(void) { return wasm_valtype_new(WASM_F64); }
static inline own wasm_valtype_t* wasm_valtype_new_externref(void) {
  return wasm_valtype_new(WASM_EXTERNREF);
}
static inline own wasm_valtype_t* wasm_valtype_new_funcref(void) {
  return wasm_valtype_new(WASM_FUNCREF);
}

/* A function type of `np` parameters and `nr` results (taking them over). */
static inline own wasm_functype_t* fayasm_functype_of(size_t np, wasm_valtype_t* const ps[],
                                                      size_t nr, wasm_valtype_t* const rs[]) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new(&params, np, ps);
  wasm_valtype_vec_new(&results, nr, rs);
  return wasm_functype_new(&params, &results);
}
static inline own wasm_functype_t* wasm_functype_new_2_0(own wasm_valtype_t* p1, own wasm_valtype_t* p2) {
  wasm_valtype_t* ps[2] = {p1, p2};
  return fayasm_functype_of(2, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_3_0(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* p3) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  return fayasm_functype_of(3, ps, 0, NULL);
}
static inline own wasm_functype_t* wasm_functype_new_3_1(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* p3, own wasm_valtype_t* r) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[1] = {r};
  return fayasm_functype_of(3, ps, 1, rs);
}
static inline own wasm_functype_t* wasm_functype_new_0_2(own wasm_valtype_t* r1, own wasm_valtype_t* r2) {
  wasm_valtype_t* rs[2] = {r1, r2};
  return fayasm_functype_of(0, NULL, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_1_2(own wasm_valtype_t* p, own wasm_valtype_t* r1,
                                                         own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[1] = {p};
  wasm_valtype_t* rs[2] = {r1, r2};
  return fayasm_functype_of(1, ps, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_2_2(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* r1, own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[2] = {p1, p2};
  wasm_valtype_t* rs[2] = {r1, r2};
  return fayasm_functype_of(2, ps, 2, rs);
}
static inline own wasm_functype_t* wasm_functype_new_3_2(own wasm_valtype_t* p1, own wasm_valtype_t* p2,
                                                         own wasm_valtype_t* p3, own wasm_valtype_t* r1,
                                                         own wasm_valtype_t* r2) {
  wasm_valtype_t* ps[3] = {p1, p2, p3};
  wasm_valtype_t* rs[2] = {r1, r2};
  return fayasm_functype_of(3, ps, 2, rs);
}

static inline void wasm_val_init_ptr(own wasm_val_t* out, void* p) {
#if UINTPTR_MAX == UINT32_MAX
  out->kind = WASM_I32;
  out->of.i32 = (int32_t)(intptr_t)p;
#else
  out->kind = WASM_I64;
  out->of.i64 = (int64_t)(intptr_t)p;
#endif
}
static inline void* wasm_val_ptr(const wasm_val_t* val) {
#if UINTPTR_MAX == UINT32_MAX
  return (void*)(intptr_t)val->of.i32;
#else
  return (void*)(intptr_t)val->of.i64;
#endif
}

#undef own

#ifdef __cplusplus
}
#endif

#endif
