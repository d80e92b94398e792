/* Fixture: integer arithmetic (i32 and i64), bit operations and integer traps. */
#include "common.h"

EXPORT("add") int32_t add(int32_t a, int32_t b) { return a + b; }

EXPORT("sub_wrap") uint32_t sub_wrap(uint32_t a, uint32_t b) { return a - b; }

EXPORT("mul_hi_lo") int32_t mul_hi_lo(int32_t a, int32_t b) {
    int64_t p = (int64_t)a * (int64_t)b;
    return (int32_t)(p >> 32) ^ (int32_t)p;
}

EXPORT("div_s") int32_t div_s(int32_t a, int32_t b) { return a / b; }
EXPORT("rem_s") int32_t rem_s(int32_t a, int32_t b) { return a % b; }
EXPORT("div_u") uint32_t div_u(uint32_t a, uint32_t b) { return a / b; }
EXPORT("rem_u") uint32_t rem_u(uint32_t a, uint32_t b) { return a % b; }

EXPORT("gcd") uint32_t gcd(uint32_t a, uint32_t b) {
    while (b != 0) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Number of steps of the Collatz iteration until it reaches 1. */
EXPORT("collatz") int32_t collatz(uint32_t n) {
    int32_t steps = 0;
    uint64_t x = n;
    while (x > 1) {
        x = (x & 1) ? 3 * x + 1 : x / 2;
        steps++;
    }
    return steps;
}

EXPORT("bits") uint32_t bits(uint32_t x) {
    uint32_t pop = (uint32_t)__builtin_popcount(x);
    uint32_t clz = x ? (uint32_t)__builtin_clz(x) : 32;
    uint32_t ctz = x ? (uint32_t)__builtin_ctz(x) : 32;
    uint32_t rot = (x << 7) | (x >> 25);
    return (pop | (clz << 8) | (ctz << 16)) ^ rot;
}

EXPORT("bits64") uint64_t bits64(uint64_t x) {
    uint64_t pop = (uint64_t)__builtin_popcountll(x);
    uint64_t clz = x ? (uint64_t)__builtin_clzll(x) : 64;
    uint64_t ctz = x ? (uint64_t)__builtin_ctzll(x) : 64;
    uint64_t rot = (x >> 13) | (x << 51);
    return (pop | (clz << 8) | (ctz << 16)) ^ rot;
}

/* Integer square root by Newton's method. */
EXPORT("isqrt") uint32_t isqrt(uint32_t n) {
    if (n < 2) return n;
    uint32_t x = n, y = (uint32_t)(((uint64_t)x + 1) / 2);
    while (y < x) {
        x = y;
        y = (uint32_t)(((uint64_t)x + n / x) / 2);
    }
    return x;
}

/* Modular exponentiation with 64-bit intermediates. */
EXPORT("powmod") uint32_t powmod(uint32_t base, uint32_t exp, uint32_t mod) {
    uint64_t result = 1 % mod, b = base % mod;
    while (exp) {
        if (exp & 1) result = result * b % mod;
        b = b * b % mod;
        exp >>= 1;
    }
    return (uint32_t)result;
}

/* Mixes shifts (arithmetic and logical), comparisons and selects. */
EXPORT("mix") int32_t mix(int32_t a, int32_t b) {
    int32_t acc = 0;
    for (int32_t i = 0; i < 32; i++) {
        int32_t s = a >> (i & 31);
        uint32_t u = (uint32_t)b >> (i & 31);
        acc += (s < (int32_t)u) ? s : (int32_t)u;
        acc ^= (int32_t)((uint32_t)acc << 3);
        acc -= (a > b) - (a < b);
    }
    return acc;
}

/* 64-bit division and remainder, signed and unsigned. */
EXPORT("div64") int64_t div64(int64_t a, int64_t b) {
    return a / b + (int64_t)((uint64_t)a % (uint64_t)b) - a % b;
}
