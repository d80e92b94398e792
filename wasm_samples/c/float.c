/* Fixture: f32 and f64 arithmetic, rounding, conversions and the float intrinsics
 * (sqrt, floor, ceil, trunc, nearest, abs, copysign). */
#include "common.h"

EXPORT("hypot") double hypot2(double a, double b) { return __builtin_sqrt(a * a + b * b); }

/* Horner evaluation of a fixed polynomial. */
EXPORT("poly") double poly(double x) {
    static const double c[] = {1.0, -0.5, 0.25, -0.125, 1.0 / 3.0, -2.75, 0.001};
    double r = 0.0;
    for (int i = 6; i >= 0; i--) r = r * x + c[i];
    return r;
}

/* Leibniz series for pi with n terms. */
EXPORT("pi_series") double pi_series(int32_t n) {
    double s = 0.0;
    for (int32_t k = 0; k < n; k++) s += (k & 1 ? -4.0 : 4.0) / (2.0 * k + 1.0);
    return s;
}

EXPORT("f32_mix") float f32_mix(float a, float b) {
    float s = a * b - a / (b + 1.5f);
    s += __builtin_sqrtf(__builtin_fabsf(s));
    return __builtin_copysignf(s, b - a);
}

/* Packs floor/ceil/trunc/nearest of x into one integer so a single call checks all four. */
EXPORT("rounding") int32_t rounding(double x) {
    int32_t f = (int32_t)__builtin_floor(x);
    int32_t c = (int32_t)__builtin_ceil(x);
    int32_t t = (int32_t)__builtin_trunc(x);
    int32_t n = (int32_t)__builtin_nearbyint(x);
    return (f & 0xff) | (c & 0xff) << 8 | (t & 0xff) << 16 | (n & 0xff) << 24;
}

EXPORT("roundingf") int32_t roundingf(float x) {
    int32_t f = (int32_t)__builtin_floorf(x);
    int32_t c = (int32_t)__builtin_ceilf(x);
    int32_t t = (int32_t)__builtin_truncf(x);
    int32_t n = (int32_t)__builtin_nearbyintf(x);
    return (f & 0xff) | (c & 0xff) << 8 | (t & 0xff) << 16 | (n & 0xff) << 24;
}

/* int <-> float conversions, signed and unsigned, 32 and 64 bit. */
EXPORT("convert") double convert(int32_t i, uint32_t u, int64_t l) {
    float fi = (float)i;
    double du = (double)u;
    double dl = (double)l;
    float fl = (float)(uint64_t)l;
    return (double)fi + du * 0.5 + dl / 3.0 + (double)fl;
}

/* Newton iteration for the cube root. */
EXPORT("cbrt") double cbrt_newton(double x) {
    double y = x > 1.0 ? x / 3.0 : 1.0;
    for (int i = 0; i < 60; i++) y = y - (y * y * y - x) / (3.0 * y * y);
    return y;
}

/* NaN and infinity behaviour: counts which comparisons hold. */
EXPORT("nan_cmp") int32_t nan_cmp(double a, double b) {
    return (a < b) | (a <= b) << 1 | (a > b) << 2 | (a >= b) << 3 | (a == b) << 4 | (a != b) << 5;
}

/* f64 -> f32 demotion and back. */
EXPORT("demote") double demote(double x) { return (double)(float)x - x; }
