/* Benchmark: int16 dot product over 4096-element vectors, `reps` times with the vectors
 * perturbed between rounds. Built twice: with -msimd128 (bench_dot_simd, i32x4.dot_i16x8_s)
 * and without (bench_dot_scalar); both return the same checksum. */
#include "common.h"
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define LEN 4096
static int16_t xs[LEN], ys[LEN];

static int32_t dot(const int16_t *a, const int16_t *b, int32_t n) {
#ifdef __wasm_simd128__
    v128_t acc = wasm_i32x4_splat(0);
    for (int32_t i = 0; i < n; i += 8)
        acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    return wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) + wasm_i32x4_extract_lane(acc, 2) +
           wasm_i32x4_extract_lane(acc, 3);
#else
    int32_t s = 0;
    for (int32_t i = 0; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
#endif
}

EXPORT("run") int32_t run(int32_t reps) {
    uint32_t seed = 2024;
    for (int32_t i = 0; i < LEN; i++) {
        xs[i] = (int16_t)(lcg_next(&seed) >> 18);
        ys[i] = (int16_t)(lcg_next(&seed) >> 18);
    }
    uint32_t check = 0;
    for (int32_t r = 0; r < reps; r++) {
        xs[(uint32_t)r % LEN] = (int16_t)r;
        check = check * 31u + (uint32_t)dot(xs, ys, LEN);
    }
    return (int32_t)check;
}
