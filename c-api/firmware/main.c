/* A bare-metal C program (no libc) that links the C API's no_std static library for rv32imc
 * and runs under QEMU `virt` (`cargo xtask c-api-no-std`): what a C firmware (ESP-IDF, a
 * bare-metal SDK) does. It provides what the library needs from the firmware (the C heap,
 * `abort`, `memcpy` & co., the `__sync_*` functions of a chip without atomics), then loads a
 * module, gives it a host function, calls an export and prints the result on the UART. */
#include <stddef.h>
#include <stdint.h>

#include "wasm.h"

/* ---- the board: UART and exit ---- */

#define UART ((volatile uint8_t*)0x10000000)
#define TEST_DEVICE ((volatile uint32_t*)0x100000)

static void put(const char* s) {
  while (*s) *UART = (uint8_t)*s++;
}

static void put_int(long v) {
  char buf[24];
  int i = 0;
  unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
  do buf[i++] = (char)('0' + u % 10); while ((u /= 10) != 0);
  if (v < 0) *UART = '-';
  while (i) *UART = (uint8_t)buf[--i];
}

void fw_exit(int code) {
  *TEST_DEVICE = code == 0 ? 0x5555 : (0x3333u | ((uint32_t)code << 16));
  for (;;) {
  }
}

void abort(void) {
  put("abort\n");
  fw_exit(3);
}

/* ---- the C heap: a bump allocator over 8 MiB, each block headed by its size ---- */

static uint8_t heap[8 << 20] __attribute__((aligned(16)));
static size_t heap_used;

void* aligned_alloc(size_t align, size_t size) {
  if (align < 8) align = 8;
  size_t start = (heap_used + 8 + align - 1) & ~(align - 1);
  if (start + size > sizeof heap) return NULL;
  ((size_t*)(heap + start))[-1] = size;
  heap_used = start + size;
  return heap + start;
}

void* malloc(size_t size) { return aligned_alloc(8, size); }

void* memcpy(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  uint8_t* d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

void* calloc(size_t n, size_t size) {
  void* p = malloc(n * size);
  if (p) memset(p, 0, n * size);
  return p;
}

void free(void* p) { (void)p; }

void* realloc(void* p, size_t size) {
  if (!p) return malloc(size);
  size_t old = ((size_t*)p)[-1];
  void* q = malloc(size);
  if (q) memcpy(q, p, old < size ? old : size);
  return q;
}

/* ---- atomics of a single hart without the A extension (C names differ from the symbols,
 * which the compiler reserves as builtins) ---- */

uint32_t sync_fetch_and_add_4(volatile uint32_t* p, uint32_t v) __asm__("__sync_fetch_and_add_4");
uint32_t sync_fetch_and_sub_4(volatile uint32_t* p, uint32_t v) __asm__("__sync_fetch_and_sub_4");
uint8_t sync_val_compare_and_swap_1(volatile uint8_t* p, uint8_t expected, uint8_t desired)
    __asm__("__sync_val_compare_and_swap_1");

uint32_t sync_fetch_and_add_4(volatile uint32_t* p, uint32_t v) {
  uint32_t old = *p;
  *p = old + v;
  return old;
}

uint32_t sync_fetch_and_sub_4(volatile uint32_t* p, uint32_t v) {
  uint32_t old = *p;
  *p = old - v;
  return old;
}

uint8_t sync_val_compare_and_swap_1(volatile uint8_t* p, uint8_t expected, uint8_t desired) {
  uint8_t old = *p;
  if (old == expected) *p = desired;
  return old;
}

/* ---- the application ---- */

/* (module (import "" "twice" (func $twice (param i32) (result i32)))
 *   (func (export "run") (param i32 i32) (result i32)
 *     (call $twice (i32.add (local.get 0) (local.get 1))))) */
static char module_bytes[] =
    "\0asm\1\0\0\0\1\14\2`\1\177\1\177`\2\177\177\1\177\2\12\1\0\5twice\0\0\3\2\1\1\7\7\1\3run"
    "\0\1\12\13\1\11\0 \0 \1j\20\0\13";

static int host_calls;

static wasm_trap_t* twice(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  host_calls++;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 2 * args->data[0].of.i32;
  return NULL;
}

int main(void) {
  put("c-api on rv32imc: ");
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary = {sizeof module_bytes - 1, module_bytes};
  wasm_module_t* module = wasm_module_new(store, &binary);
  if (!module) {
    put("the module does not load\n");
    return 1;
  }
  wasm_functype_t* ty = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* host = wasm_func_new(store, ty, twice);
  wasm_functype_delete(ty);
  wasm_extern_t* import_list[1] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(import_list);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  if (!instance) {
    put("instantiation failed\n");
    return 1;
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_val_t args[2] = {WASM_I32_VAL(19), WASM_I32_VAL(2)}, results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t a = WASM_ARRAY_VEC(args), r = WASM_ARRAY_VEC(results);
  trap = wasm_func_call(wasm_extern_as_func(exports.data[0]), &a, &r);
  if (trap) {
    put("run trapped\n");
    return 1;
  }
  put("run(19, 2) = ");
  put_int(results[0].of.i32);
  put(", host calls ");
  put_int(host_calls);
  put(", heap ");
  put_int((long)heap_used);
  put(" bytes\n");
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return results[0].of.i32 == 42 && host_calls == 1 ? 0 : 2;
}
