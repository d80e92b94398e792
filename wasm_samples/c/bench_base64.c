/* Benchmark: base64 (RFC 4648) encoding and decoding. run(reps) encodes and decodes a 16 KiB
 * pseudo-random buffer `reps` times, changing one byte per round; returns a checksum of the
 * encoded text, or -1 if a round trip fails. */
#include "common.h"

#define SIZE 16384
static uint8_t input[SIZE];
static char encoded[(SIZE + 2) / 3 * 4 + 4];
static uint8_t decoded[SIZE + 4];

static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static int8_t reverse[256];

static uint32_t encode(const uint8_t *in, uint32_t n, char *out) {
    uint32_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = ALPHABET[v >> 18];
        out[o++] = ALPHABET[(v >> 12) & 63];
        out[o++] = ALPHABET[(v >> 6) & 63];
        out[o++] = ALPHABET[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = ALPHABET[v >> 18];
        out[o++] = ALPHABET[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = ALPHABET[v >> 18];
        out[o++] = ALPHABET[(v >> 12) & 63];
        out[o++] = ALPHABET[(v >> 6) & 63];
        out[o++] = '=';
    }
    return o;
}

/* Returns the decoded length, or -1 on a character outside the alphabet. */
static int32_t decode(const char *in, uint32_t n, uint8_t *out) {
    uint32_t o = 0;
    for (uint32_t i = 0; i + 4 <= n; i += 4) {
        int32_t a = reverse[(uint8_t)in[i]], b = reverse[(uint8_t)in[i + 1]];
        int32_t c = in[i + 2] == '=' ? 0 : reverse[(uint8_t)in[i + 2]];
        int32_t d = in[i + 3] == '=' ? 0 : reverse[(uint8_t)in[i + 3]];
        if ((a | b | c | d) < 0) return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        if (in[i + 2] != '=') out[o++] = (uint8_t)(v >> 8);
        if (in[i + 3] != '=') out[o++] = (uint8_t)v;
    }
    return (int32_t)o;
}

EXPORT("run") int32_t run(int32_t reps) {
    for (int i = 0; i < 256; i++) reverse[i] = -1;
    for (int i = 0; i < 64; i++) reverse[(uint8_t)ALPHABET[i]] = (int8_t)i;
    uint32_t seed = 99;
    for (uint32_t i = 0; i < SIZE; i++) input[i] = (uint8_t)(lcg_next(&seed) >> 24);
    uint32_t check = 0;
    for (int32_t r = 0; r < reps; r++) {
        uint32_t n = SIZE - (uint32_t)(r % 3); /* exercise all padding cases */
        input[(uint32_t)r * 7919u % SIZE] ^= (uint8_t)r;
        uint32_t len = encode(input, n, encoded);
        int32_t back = decode(encoded, len, decoded);
        if (back != (int32_t)n) return -1;
        for (uint32_t i = 0; i < n; i++)
            if (decoded[i] != input[i]) return -1;
        for (uint32_t i = 0; i < len; i += 61) check = check * 31u + (uint8_t)encoded[i];
        check += len;
    }
    return (int32_t)check;
}
