/* Benchmark: alpha blending of two 64x64 RGBA8 images, out = (a*alpha + b*(255-alpha)) / 255
 * with the usual exact "x + 128, then (x + (x >> 8)) >> 8" division, `reps` times with a
 * changing alpha. Built twice: with -msimd128 (bench_blend_simd, u16x8 lanes) and without
 * (bench_blend_scalar); both return the same checksum. */
#include "common.h"
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define PIXELS (64 * 64)
#define BYTES (PIXELS * 4)
static uint8_t img_a[BYTES], img_b[BYTES], out[BYTES];

static void blend(uint8_t alpha) {
#ifdef __wasm_simd128__
    v128_t va = wasm_i16x8_splat(alpha), vb = wasm_i16x8_splat((int16_t)(255 - alpha));
    v128_t round = wasm_i16x8_splat(128);
    for (int32_t i = 0; i < BYTES; i += 16) {
        v128_t a = wasm_v128_load(img_a + i), b = wasm_v128_load(img_b + i);
        v128_t lo = wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(a), va),
                                                  wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(b), vb)),
                                   round);
        v128_t hi = wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(a), va),
                                                  wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(b), vb)),
                                   round);
        lo = wasm_u16x8_shr(wasm_i16x8_add(lo, wasm_u16x8_shr(lo, 8)), 8);
        hi = wasm_u16x8_shr(wasm_i16x8_add(hi, wasm_u16x8_shr(hi, 8)), 8);
        wasm_v128_store(out + i, wasm_u8x16_narrow_i16x8(lo, hi));
    }
#else
    for (int32_t i = 0; i < BYTES; i++) {
        uint32_t x = (uint32_t)img_a[i] * alpha + (uint32_t)img_b[i] * (255u - alpha) + 128u;
        out[i] = (uint8_t)((x + (x >> 8)) >> 8);
    }
#endif
}

EXPORT("run") int32_t run(int32_t reps) {
    uint32_t seed = 7;
    for (int32_t i = 0; i < BYTES; i++) {
        img_a[i] = (uint8_t)(lcg_next(&seed) >> 24);
        img_b[i] = (uint8_t)(i * 3);
    }
    uint32_t check = 0;
    for (int32_t r = 0; r < reps; r++) {
        blend((uint8_t)(r * 37));
        for (int32_t i = r % 16; i < BYTES; i += 16) check = check * 17u + out[i];
    }
    return (int32_t)check;
}
