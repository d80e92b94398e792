/* The SD-trap firmware's paged app (esp32/, `cargo xtask esp32 qemu`): 1 MiB of linear memory,
 * four times the firmware's heap, so it runs only through demand-paged memory. run(seed) fills
 * the buffer with an LCG stream front to back, then hashes it back to front (FNV-1a style, so
 * every page is evicted and read back at least once under a small resident budget). */
#include "common.h"

#define WORDS (1u << 18) /* 1 MiB of uint32_t */
static uint32_t buf[WORDS];

EXPORT("run") int32_t run(int32_t seed) {
    uint32_t s = (uint32_t)seed;
    for (uint32_t i = 0; i < WORDS; i++) buf[i] = lcg_next(&s);
    uint32_t h = 2166136261u;
    for (uint32_t i = WORDS; i-- > 0;) h = (h ^ buf[i]) * 16777619u;
    return (int32_t)h;
}
