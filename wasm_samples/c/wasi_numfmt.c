/* Fixture and benchmark (WASI): printf-heavy number formatting in a loop, the pattern that
 * exposed the code-cache cliff (issue 19): wasi-libc's printf core is one large function, and a
 * bounded microcode cache must not re-translate it on every call. Formats `n` rounds (argv[1],
 * default 4000) of integers, hex, fixed, exponent and %g floats with snprintf, folds every
 * formatted byte into an FNV-1a checksum, and prints the first and last lines and the checksum.
 * Exit code 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t fnv(uint32_t h, const char *s) {
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 4000;
    uint32_t h = 2166136261u;
    uint32_t x = 12345;
    char line[160], first[160] = "";
    for (long i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        int v = (int)(x >> 8) - (1 << 22);
        double d = (double)v / 977.0;
        snprintf(line, sizeof line, "%ld %d %u %x %08.3f %.4e %g %-6d|%+5d", i, v, x >> 16,
                 x, d, d * 1e3, d / 7.0, v % 1000, (int)(x % 200) - 100);
        h = fnv(h, line);
        if (i == 0) snprintf(first, sizeof first, "%s", line);
    }
    printf("first: %s\n", first);
    printf("last: %s\n", line);
    printf("rounds %ld checksum %08x\n", n, h);
    return 0;
}
