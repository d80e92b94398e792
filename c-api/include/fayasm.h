/* fayasm's additions to the WebAssembly C API (wasm.h), for what the standard lacks. */
#ifndef FAYASM_H
#define FAYASM_H

#include "wasm.h"

#define own

#ifdef __cplusplus
extern "C" {
#endif

/* The name of a trap frame's function from the module's `name` section (empty if it has
 * none). Owned by the frame. */
const wasm_name_t* fayasm_frame_func_name(const wasm_frame_t* frame);

/* A blob storage written in C (an SD card, a flash partition, a file system): the engine
 * keeps spilled memories, the pages of paged memories and evicted code there. Keys are short
 * ASCII names (NUL-terminated, such as "m-0123456789abcdef-00000000.b"). The engine checks
 * every blob it reads back (envelope, CRC, generation), so a storage may lose or tear blobs.
 *   read:   fill `out` with wasm_byte_vec_new and return 1; return 0 if there is no such blob;
 *           negative on error.
 *   write:  store `size` bytes under `key`, replacing what was there; 0, or negative.
 *   remove: remove the blob (a missing one is no error); 0, or negative.
 *   sync:   make earlier writes and removes durable; 0, or negative. May be NULL.
 *   finalizer: called once with `env` when the store lets the storage go. May be NULL. */
typedef struct fayasm_storage_t {
  void* env;
  int32_t (*read)(void* env, const char* key, wasm_byte_vec_t* out);
  int32_t (*write)(void* env, const char* key, const uint8_t* data, size_t size);
  int32_t (*remove)(void* env, const char* key);
  int32_t (*sync)(void* env);
  void (*finalizer)(void* env);
} fayasm_storage_t;

/* Gives the store the storage (the struct is copied; an earlier storage is finalized). */
void fayasm_store_set_storage(wasm_store_t* store, const fayasm_storage_t* storage);

/* Writes the memory to the store's storage and releases its RAM; the next access from wasm
 * or the host reads it back. Returns the bytes written, or -1 (no storage, a storage error). */
int64_t fayasm_memory_spill(wasm_memory_t* memory);
/* Brings a spilled memory back now; false (it stays spilled) if that fails. */
bool fayasm_memory_load(wasm_memory_t* memory);
/* Whether the memory's bytes are in RAM (wasm_memory_data reloads a spilled memory). */
bool fayasm_memory_is_resident(const wasm_memory_t* memory);

/* An engine whose stores meter fuel: a store starts with none, and a call that runs out
 * traps with "all fuel consumed". */
own wasm_engine_t* fayasm_engine_new_with_fuel(void);
/* Sets, or reads, the store's fuel; false if its engine does not meter fuel. */
bool fayasm_store_set_fuel(wasm_store_t* store, uint64_t fuel);
bool fayasm_store_get_fuel(const wasm_store_t* store, uint64_t* fuel);

/* Engine settings; fields left 0 (or false) take the defaults. */
typedef struct fayasm_config_t {
  bool consume_fuel;     /* meter fuel (fayasm_store_set_fuel) */
  size_t code_budget;    /* bytes of microcode kept in RAM; 0: no budget */
  bool code_spill;       /* evicted microcode goes to the store's storage (else re-translated) */
  uint32_t page_size;    /* demand-paged memories: bytes per page, 256..65536; 0: no paging */
  size_t resident_pages; /* pages of each paged memory kept in RAM (at least 1 when paging) */
  size_t max_call_depth; /* deepest wasm call nesting; 0: the default */
  bool interruptible;    /* fayasm_interrupt can stop running code */
  bool exceptions;       /* the exception-handling proposal: tags, try_table, throw, exnref */
} fayasm_config_t;
/* An engine with these settings; NULL for an unusable paging setting. */
own wasm_engine_t* fayasm_engine_new_with_config(const fayasm_config_t* config);
/* The same settings in a standard wasm_config_t (for wasm_engine_new_with_config). */
void fayasm_config_set(wasm_config_t* config, const fayasm_config_t* settings);

/* Writes the function's microcode to the store's storage and drops it from RAM; the next call
 * reads it back and verifies it. The bytes written (0 for a host function), or -1. */
int64_t fayasm_func_spill_code(wasm_func_t* func);

/* Stopping running wasm code from another thread or an interrupt handler: the code stops at
 * its next check (function entry, loop iteration) with the "interrupted" trap. Works on an
 * interruptible engine (fayasm_config_t.interruptible) or one that meters fuel. A trigger
 * while no code runs stops the next call at its first check. */
typedef struct fayasm_interrupt_handle_t fayasm_interrupt_handle_t;
own fayasm_interrupt_handle_t* fayasm_store_interrupt_handle(const wasm_store_t* store);
void fayasm_interrupt(const fayasm_interrupt_handle_t* handle);
void fayasm_interrupt_handle_delete(own fayasm_interrupt_handle_t* handle);

/* Trap hooks: the hook runs before every call of a function marked with
 * fayasm_func_set_trap (the firmware's way to fetch a function's code on first use, say). It
 * returns NULL to let the call run, or a trap (wasm_trap_new; the engine takes it) that the
 * call ends with. `func` is valid for the hook's duration. NULL as the hook removes it; the
 * finalizer (may be NULL) runs once with `env` when the hook is replaced or the store goes. */
typedef own wasm_trap_t* (*fayasm_trap_hook_t)(void* env, const wasm_func_t* func);
void fayasm_store_set_trap_hook(wasm_store_t* store, fayasm_trap_hook_t hook, void* env,
                                void (*finalizer)(void*));
void fayasm_func_set_trap(wasm_func_t* func, bool on);

/* What went to and came back from the storage, per kind of blob. */
typedef struct fayasm_offload_counts_t {
  uint64_t spills, loads, bytes_written, bytes_read, load_failures, fallbacks;
} fayasm_offload_counts_t;
/* The store's counts for code, whole memories and memory pages (any pointer may be NULL). */
void fayasm_store_offload_counts(const wasm_store_t* store, fayasm_offload_counts_t* code,
                                 fayasm_offload_counts_t* memories, fayasm_offload_counts_t* pages);

/* WASI preview 1 (wasi_snapshot_preview1). Instantiates a module whose imports are all WASI
 * functions: the program sees `argc` arguments `argv` (argv[0] its name) and, here, no
 * environment variables and no directories; it inherits standard input, output and error. Call the
 * `_start` export to run a command; a program that calls proc_exit ends with a trap, after
 * which fayasm_wasi_exit_code gives the code. NULL (and *trap set) on failure. A store holds
 * the WASI state of its last fayasm_wasi_instance_new. */
own wasm_instance_t* fayasm_wasi_instance_new(wasm_store_t* store, const wasm_module_t* module,
                                              size_t argc, const char* const* argv,
                                              own wasm_trap_t** trap);
bool fayasm_wasi_exit_code(const wasm_store_t* store, int32_t* code);

/* The same with a fuller view: arguments, environment variables ("KEY=VALUE") and directories
 * granted to the guest (host path, and the name the guest sees it by; `dirc` of each). A
 * directory that cannot be opened fails the instantiation (NULL, *trap says why). */
typedef struct fayasm_wasi_t {
  size_t argc;
  const char* const* argv;
  size_t envc;
  const char* const* env;
  size_t dirc;
  const char* const* dir_host;
  const char* const* dir_guest;
} fayasm_wasi_t;
own wasm_instance_t* fayasm_wasi_instance_new_with(wasm_store_t* store, const wasm_module_t* module,
                                                   const fayasm_wasi_t* wasi, own wasm_trap_t** trap);

#undef own

#ifdef __cplusplus
}
#endif

#endif
