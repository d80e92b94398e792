/* The SD-trap firmware's main app (esp32/, `cargo xtask esp32 qemu`): small linear memory (one
 * 64 KiB page, linked with an 8 KiB stack) so it fits the firmware's 256 KiB heap even while its
 * whole memory is reloaded from the card. Function 0 (`checksum`) is the one the firmware
 * traps. */
#include "common.h"

static uint32_t crc_table[256];
static uint8_t data[4096];

NOINLINE static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

NOINLINE static uint32_t crc32(const uint8_t *p, uint32_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* CRC-32 of n bytes (at most 4096) of an LCG stream seeded with n. */
EXPORT("checksum") int32_t checksum(int32_t n_) {
    uint32_t n = (uint32_t)n_;
    if (n > sizeof data) n = sizeof data;
    crc_init();
    uint32_t s = n;
    for (uint32_t i = 0; i < n; i++) data[i] = (uint8_t)(lcg_next(&s) >> 24);
    return (int32_t)crc32(data, n);
}

NOINLINE static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

EXPORT("fib") int32_t fib_export(int32_t n) { return (int32_t)fib((uint32_t)n); }
