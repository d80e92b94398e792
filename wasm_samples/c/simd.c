/* Fixture: SIMD kernels (built with -msimd128). fayasm rejects SIMD at validation until the
 * SIMD issue lands; the smoke test checks that it does so cleanly. */
#include <wasm_simd128.h>
#include "common.h"

static int16_t xs[1024], ys[1024];
static float fa[1024], fb[1024];
static uint8_t bytes[1024];

static void fill_i16(uint32_t seed) {
    for (int i = 0; i < 1024; i++) {
        xs[i] = (int16_t)(lcg_next(&seed) >> 16);
        ys[i] = (int16_t)(lcg_next(&seed) >> 16);
    }
}

/* Dot product of two int16 vectors with i32x4.dot_i16x8_s. */
EXPORT("dot_i16") int32_t dot_i16(int32_t n, uint32_t seed) {
    if (n > 1024) n = 1024;
    fill_i16(seed);
    v128_t acc = wasm_i32x4_splat(0);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_v128_load(xs + i), wasm_v128_load(ys + i)));
    int32_t s = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
    for (; i < n; i++) s += xs[i] * ys[i];
    return s;
}

/* y = a*x + y over f32 lanes, then a horizontal sum (in a fixed order). */
EXPORT("saxpy") float saxpy(int32_t n, float a) {
    if (n > 1024) n = 1024;
    for (int i = 0; i < 1024; i++) {
        fa[i] = (float)i * 0.25f;
        fb[i] = 1.0f - (float)(i & 15);
    }
    v128_t va = wasm_f32x4_splat(a);
    int i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(fb + i, wasm_f32x4_add(wasm_f32x4_mul(va, wasm_v128_load(fa + i)), wasm_v128_load(fb + i)));
    for (; i < n; i++) fb[i] = a * fa[i] + fb[i];
    float s = 0.0f;
    for (int j = 0; j < n; j++) s += fb[j];
    return s;
}

/* Lane shuffles, saturating byte arithmetic, compares and bitmask. */
EXPORT("lanes") int32_t lanes(int32_t x) {
    v128_t v = wasm_i32x4_make(x, x * 3, x ^ 0x5a5a5a5a, ~x);
    v128_t s = wasm_i8x16_shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    v128_t sat = wasm_u8x16_add_sat(v, s);
    v128_t gt = wasm_i8x16_gt(sat, wasm_i8x16_splat(16));
    int32_t mask = (int32_t)wasm_i8x16_bitmask(gt);
    return mask ^ wasm_i32x4_extract_lane(sat, 2) ^ (int32_t)wasm_i16x8_extract_lane(s, 3);
}

/* A loop the compiler vectorises by itself (-O2 with simd128 enabled). */
EXPORT("autovec") uint32_t autovec(int32_t n) {
    if (n > 1024) n = 1024;
    for (int i = 0; i < 1024; i++) bytes[i] = (uint8_t)(i * 7);
    uint32_t sum = 0;
    for (int i = 0; i < n; i++) sum += (uint32_t)bytes[i] * 3u + 1u;
    return sum;
}
