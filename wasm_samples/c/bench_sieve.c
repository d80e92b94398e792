/* Benchmark: sieve of Eratosthenes. run(n) sieves [0, n) (n at most 2^20) and returns a
 * checksum of the primes found: their count plus a rolling hash of their values. */
#include "common.h"

#define LIMIT (1u << 20)
static uint8_t composite[LIMIT];

EXPORT("run") int32_t run(int32_t n_) {
    uint32_t n = (uint32_t)n_;
    if (n > LIMIT) n = LIMIT;
    for (uint32_t i = 0; i < n; i++) composite[i] = 0;
    uint32_t count = 0, hash = 0;
    for (uint32_t i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        hash = hash * 31u + i;
        for (uint32_t j = i * i; i < 65536u && j < n; j += i) composite[j] = 1;
    }
    return (int32_t)(count ^ hash);
}
