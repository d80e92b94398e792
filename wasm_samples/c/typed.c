/* Fixture: typed values crossing the boundary: i64 and f64 (and f32) parameters and results,
 * many mixed parameters, and conversions. Built with -msign-ext -mnontrapping-fptoint so the
 * sign-extension and saturating-truncation opcodes appear too. */
#include "common.h"

EXPORT("mul64") int64_t mul64(int64_t a, int64_t b) { return a * b; }

EXPORT("mix64") uint64_t mix64(uint64_t a, uint64_t b) {
    uint64_t x = a ^ (b << 17) ^ (b >> 23);
    x *= 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    return x + (a > b ? a - b : b - a);
}

EXPORT("sum8") double sum8(int32_t a, int64_t b, float c, double d, int32_t e, int64_t f, float g, double h) {
    return (double)a + (double)b + (double)c + d - (double)e - (double)f + (double)g * h;
}

EXPORT("i64_to_f64") double i64_to_f64(int64_t x) { return (double)x; }
EXPORT("u64_to_f64") double u64_to_f64(uint64_t x) { return (double)x; }
EXPORT("f64_to_i64") int64_t f64_to_i64(double x) { return (int64_t)x; }
EXPORT("f64_to_u64") uint64_t f64_to_u64(double x) { return (uint64_t)x; }
EXPORT("f32_to_i32") int32_t f32_to_i32(float x) { return (int32_t)x; }

/* Saturating conversions via the builtins that clang maps to trunc_sat. */
EXPORT("sat") int64_t sat(double x) {
    int32_t a = __builtin_wasm_trunc_saturate_s_i32_f64(x);
    uint32_t b = __builtin_wasm_trunc_saturate_u_i32_f64(x);
    int64_t c = __builtin_wasm_trunc_saturate_s_i64_f64(x);
    return (int64_t)a + (int64_t)b + (c >> 8);
}

/* Sign extension from narrow integers. */
EXPORT("sext") int64_t sext(int64_t x) {
    int64_t a = (int8_t)x;
    int64_t b = (int16_t)x;
    int64_t c = (int32_t)x;
    int32_t d = (int8_t)(int32_t)x;
    int32_t e = (int16_t)(int32_t)x;
    return a + b * 3 + c * 5 + d * 7 + e * 11;
}

EXPORT("u64_div") uint64_t u64_div(uint64_t a, uint64_t b) { return a / b + a % b; }

EXPORT("i64_shifts") int64_t i64_shifts(int64_t x, int32_t s) {
    return (x << (s & 63)) ^ (x >> (s & 63)) ^ (int64_t)((uint64_t)x >> ((s + 7) & 63));
}

/* f64 bit manipulation through unions (reinterpret). */
EXPORT("f64_bits") uint64_t f64_bits(double x) {
    union { double d; uint64_t u; } v = {x};
    return v.u ^ (v.u >> 52);
}

EXPORT("f32_from_bits") float f32_from_bits(uint32_t u) {
    union { uint32_t u; float f; } v = {u};
    return v.f * 2.0f;
}

EXPORT("f64_min_max") double f64_min_max(double a, double b) {
    return __builtin_wasm_min_f64(a, b) * 1000.0 + __builtin_wasm_max_f64(a, b);
}
