/* Fixture: control flow: loops, nested conditions, switch statements, recursion, early exits. */
#include "common.h"

EXPORT("loop_sum") int32_t loop_sum(int32_t n) {
    int32_t s = 0;
    for (int32_t i = 0; i < n; i++) s += i * i - 3 * i;
    return s;
}

/* A nested loop with break and continue. */
EXPORT("nested") int32_t nested(int32_t n) {
    int32_t count = 0;
    for (int32_t i = 1; i <= n; i++) {
        if (i % 7 == 0) continue;
        for (int32_t j = i; j <= n; j++) {
            if ((i * j) % 11 == 10) break;
            if ((i ^ j) & 1) count += j; else count -= i;
        }
    }
    return count;
}

/* A dense switch (lowered to br_table) with fall-through. */
EXPORT("classify") int32_t classify(int32_t n) {
    int32_t r = 0;
    switch (n) {
    case 0: r += 1; /* fall through */
    case 1: r += 10; break;
    case 2: r = 200; break;
    case 3: r = 3000; break;
    case 4: r = -4; break;
    case 5: r += 50; /* fall through */
    case 6: r += 600; break;
    case 7: r = 7; break;
    case 9: r = 99; break;
    default: r = -1; break;
    }
    return r;
}

EXPORT("ackermann") uint32_t ackermann(uint32_t m, uint32_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

/* Mutual recursion. */
static NOINLINE int32_t is_odd(uint32_t n);
static NOINLINE int32_t is_even(uint32_t n) { return n == 0 ? 1 : is_odd(n - 1); }
static NOINLINE int32_t is_odd(uint32_t n) { return n == 0 ? 0 : is_even(n - 1); }
EXPORT("parity") int32_t parity(uint32_t n) { return is_even(n) * 2 + is_odd(n); }

/* A search that returns from inside two loops. */
EXPORT("find_pair") int32_t find_pair(int32_t target) {
    for (int32_t a = 1; a < 100; a++)
        for (int32_t b = a; b < 100; b++)
            if (a * a + b * b == target) return a * 1000 + b;
    return -1;
}

/* A do-while with a computed exit. */
EXPORT("digits") int32_t digits(uint32_t n) {
    int32_t d = 0;
    do {
        d++;
        n /= 10;
    } while (n);
    return d;
}

/* Deliberately reaches `unreachable`. */
EXPORT("crash") int32_t crash(int32_t n) {
    if (n > 3) __builtin_trap();
    return n;
}
