/* Fixture: memory operations. Built with -mbulk-memory, so memcpy/memmove/memset of
 * non-constant size become memory.copy/memory.fill; also narrow and wide loads and stores,
 * memory.size/memory.grow and an out-of-bounds fill. */
#include "common.h"

static uint8_t buf[4096];
static uint8_t other[4096];

static uint32_t checksum(const uint8_t *p, uint32_t n) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (uint32_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* memset then a checksum. */
EXPORT("fill") uint32_t fill(uint32_t n, uint32_t byte) {
    if (n > sizeof buf) n = sizeof buf;
    __builtin_memset(buf, 0, sizeof buf);
    __builtin_memset(buf + 1, (int)byte, n);
    return checksum(buf, sizeof buf);
}

/* memcpy between two buffers after filling the source with a pattern. */
EXPORT("copy") uint32_t copy(uint32_t n, uint32_t seed) {
    if (n > sizeof buf) n = sizeof buf;
    for (uint32_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)lcg_next(&seed);
    __builtin_memset(other, 0xAA, sizeof other);
    __builtin_memcpy(other + 3, buf, n > sizeof other - 3 ? sizeof other - 3 : n);
    return checksum(other, sizeof other);
}

/* Overlapping moves in both directions (memory.copy must behave like memmove). */
EXPORT("move_overlap") uint32_t move_overlap(uint32_t n, uint32_t shift) {
    if (n > 1024) n = 1024;
    if (shift > 512) shift = 512;
    for (uint32_t i = 0; i < 2048; i++) buf[i] = (uint8_t)i;
    __builtin_memmove(buf + shift, buf, n);
    uint32_t h1 = checksum(buf, 2048);
    __builtin_memmove(buf, buf + shift, n);
    return h1 ^ checksum(buf, 2048);
}

/* Narrow and wide loads and stores, signed and unsigned. */
EXPORT("widths") int64_t widths(int32_t x) {
    volatile int8_t *b = (volatile int8_t *)buf;
    volatile int16_t *h = (volatile int16_t *)(buf + 64);
    volatile int32_t *w = (volatile int32_t *)(buf + 128);
    volatile int64_t *d = (volatile int64_t *)(buf + 256);
    b[0] = (int8_t)x;
    h[0] = (int16_t)x;
    w[0] = x;
    d[0] = (int64_t)x * 0x100000001LL;
    int64_t r = b[0];
    r += (uint8_t)b[0];
    r += h[0];
    r += (uint16_t)h[0];
    r += w[0];
    r += (uint32_t)w[0];
    r ^= d[0];
    /* unaligned accesses */
    volatile uint32_t *u = (volatile uint32_t *)(buf + 301);
    *u = (uint32_t)x ^ 0xdeadbeefu;
    return r + *u;
}

EXPORT("mem_size") int32_t mem_size(void) { return (int32_t)__builtin_wasm_memory_size(0); }

/* Grows memory by n pages and writes to the last byte of the new memory. */
EXPORT("grow") int32_t grow(int32_t n) {
    int32_t old = (int32_t)__builtin_wasm_memory_grow(0, (size_t)n);
    if (old < 0) return old;
    uint32_t size = (uint32_t)__builtin_wasm_memory_size(0);
    volatile uint8_t *last = (volatile uint8_t *)(uintptr_t)(size * 65536u - 1u);
    *last = 42;
    return old * 1000 + (int32_t)size + *last;
}

/* memset running off the end of memory: `out of bounds memory access`. */
EXPORT("oob_fill") int32_t oob_fill(int32_t n) {
    uint32_t size = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    __builtin_memset((void *)(uintptr_t)(size - 16), 1, (size_t)n);
    return 0;
}

/* A plain load past the end of memory. */
EXPORT("oob_load") int32_t oob_load(int32_t off) {
    uint32_t size = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    return *(volatile int32_t *)(uintptr_t)(size - 2 + (uint32_t)off);
}
