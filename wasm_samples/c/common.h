/* Shared helpers for the freestanding (no libc) fixtures and benchmarks. */
#ifndef FAYASM_SAMPLES_COMMON_H
#define FAYASM_SAMPLES_COMMON_H

#include <stdint.h>
#include <stddef.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define NOINLINE __attribute__((noinline))

/* A 32-bit linear congruential generator (Numerical Recipes constants). */
static inline uint32_t lcg_next(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

#endif
