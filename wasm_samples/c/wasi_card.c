/* WASI command for the firmware (issue 19): reads a text file (argv[1], default INPUT.TXT),
 * counts its lines, words and bytes and sums the integers in it, writes a line of figures per
 * input line and the totals to argv[2] (default RESULT.TXT), and prints a summary. Without
 * the input file (no card: the sample tests run it without a directory) it processes a
 * built-in text and writes nothing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char BUILTIN[] = "no card here\n3 plus 4 is 7\nminus -2\n";

struct totals {
    long lines, words, bytes, sum;
};

/* Figures of one NUL-terminated line, added to `t` and reported to `out` (if any). */
static void line(FILE *out, const char *text, struct totals *t) {
    long words = 0, sum = 0;
    int in_word = 0;
    for (const char *p = text; *p; p++) {
        if (isspace((unsigned char)*p)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    for (const char *p = text; *p;) {
        if (isdigit((unsigned char)*p) || (*p == '-' && isdigit((unsigned char)p[1]))) {
            char *end;
            sum += strtol(p, &end, 10);
            p = end;
        } else {
            p++;
        }
    }
    t->lines++;
    t->words += words;
    t->bytes += (long)strlen(text);
    t->sum += sum;
    if (out) fprintf(out, "%ld: %ld words, sum %ld\n", t->lines, words, sum);
}

int main(int argc, char **argv) {
    const char *in_name = argc > 1 ? argv[1] : "INPUT.TXT";
    const char *out_name = argc > 2 ? argv[2] : "RESULT.TXT";
    struct totals t = {0, 0, 0, 0};
    char buf[256];
    FILE *in = fopen(in_name, "r");
    if (!in) {
        for (const char *p = BUILTIN; *p;) {
            size_t n = strcspn(p, "\n") + 1;
            memcpy(buf, p, n);
            buf[n] = 0;
            line(NULL, buf, &t);
            p += n;
        }
        printf("wasi_card: no %s, built-in text: %ld lines, %ld words, %ld bytes, sum %ld\n",
               in_name, t.lines, t.words, t.bytes, t.sum);
        return 0;
    }
    FILE *out = fopen(out_name, "w");
    if (!out) {
        fprintf(stderr, "wasi_card: cannot create %s\n", out_name);
        return 1;
    }
    while (fgets(buf, sizeof buf, in)) line(out, buf, &t);
    fclose(in);
    fprintf(out, "total: %ld lines, %ld words, %ld bytes, sum %ld\n", t.lines, t.words, t.bytes,
            t.sum);
    if (fclose(out) != 0) {
        fprintf(stderr, "wasi_card: writing %s failed\n", out_name);
        return 1;
    }
    printf("wasi_card: %s -> %s: %ld lines, %ld words, %ld bytes, sum %ld\n", in_name, out_name,
           t.lines, t.words, t.bytes, t.sum);
    return 0;
}
