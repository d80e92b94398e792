/* Fixture (WASI): libc at work: printf of integers and floats, malloc/free, qsort, string
 * functions, and output to stdout and stderr. Exit code 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    const char *words[] = {"wasm", "fayasm", "interpreter", "microcode", "register", "bench", "alpha"};
    size_t n = sizeof words / sizeof words[0];
    char **copy = malloc(n * sizeof *copy);
    for (size_t i = 0; i < n; i++) {
        copy[i] = malloc(strlen(words[i]) + 1);
        strcpy(copy[i], words[i]);
    }
    qsort(copy, n, sizeof *copy, cmp_str);
    for (size_t i = 0; i < n; i++) printf("%zu:%s%s", i, copy[i], i + 1 < n ? " " : "\n");
    for (size_t i = 0; i < n; i++) free(copy[i]);
    free(copy);

    printf("int %d %u %x %o %5d|%-5d|\n", -42, 42u, 0xbeefu, 8u, 7, 7);
    printf("i64 %" PRId64 " %" PRIx64 "\n", (int64_t)-1234567890123LL, (uint64_t)0xfedcba9876543210ull);
    printf("float %.3f %e %g %g\n", 3.14159265, 6.02214076e23, 0.0001, 1e-10);
    char buf[64];
    snprintf(buf, sizeof buf, "%08.3f|%s", -2.5, "tail");
    puts(buf);
    fprintf(stderr, "this goes to stderr\n");
    return 0;
}
