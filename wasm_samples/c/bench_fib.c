/* Benchmark: naive doubly recursive Fibonacci. run(n) = fib(n). */
#include "common.h"

static NOINLINE uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

EXPORT("run") int32_t run(int32_t n) { return (int32_t)fib((uint32_t)n); }
