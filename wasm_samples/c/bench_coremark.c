/* Benchmark: a CoreMark-style mix, written for these samples. Each iteration does
 *   - list work: build a linked list, search it, reverse it, merge-sort it by two keys;
 *   - matrix work: integer matrix add, matrix-vector and matrix-matrix products with bit
 *     extraction;
 *   - a state machine that scans a text of numbers and classifies each token;
 * and folds every intermediate result into a CRC-16. run(iterations) returns the final CRC
 * combined with the iteration count. */
#include "common.h"

/* ---- CRC-16 (reflected polynomial 0xA001), bit by bit ---- */
static uint16_t crc16_byte(uint8_t b, uint16_t crc) {
    crc ^= b;
    for (int i = 0; i < 8; i++) crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    return crc;
}
static uint16_t crc16_u16(uint16_t v, uint16_t crc) { return crc16_byte((uint8_t)(v >> 8), crc16_byte((uint8_t)v, crc)); }
static uint16_t crc16_u32(uint32_t v, uint16_t crc) { return crc16_u16((uint16_t)(v >> 16), crc16_u16((uint16_t)v, crc)); }

/* ---- list ---- */
#define NODES 96
typedef struct node {
    struct node *next;
    int16_t key;
    int16_t value;
} node;
static node pool[NODES];

static node *list_build(uint32_t seed) {
    node *head = 0;
    for (int i = NODES - 1; i >= 0; i--) {
        pool[i].key = (int16_t)i;
        pool[i].value = (int16_t)(lcg_next(&seed) >> 20);
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static node *list_find(node *l, int16_t key, int16_t value) {
    for (; l; l = l->next)
        if (l->key == key || l->value == value) return l;
    return 0;
}

static node *list_reverse(node *l) {
    node *prev = 0;
    while (l) {
        node *n = l->next;
        l->next = prev;
        prev = l;
        l = n;
    }
    return prev;
}

static int cmp_value(const node *a, const node *b) { return a->value != b->value ? a->value - b->value : a->key - b->key; }
static int cmp_key(const node *a, const node *b) { return a->key - b->key; }

/* Bottom-up merge sort of a singly linked list. */
static node *list_sort(node *list, int (*cmp)(const node *, const node *)) {
    for (int width = 1;; width *= 2) {
        node *p = list, *tail = 0;
        list = 0;
        int merges = 0;
        while (p) {
            merges++;
            node *q = p;
            int psize = 0;
            for (int i = 0; i < width && q; i++) {
                psize++;
                q = q->next;
            }
            int qsize = width;
            while (psize > 0 || (qsize > 0 && q)) {
                node *e;
                if (psize == 0) { e = q; q = q->next; qsize--; }
                else if (qsize == 0 || !q) { e = p; p = p->next; psize--; }
                else if (cmp(p, q) <= 0) { e = p; p = p->next; psize--; }
                else { e = q; q = q->next; qsize--; }
                if (tail) tail->next = e; else list = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1) return list;
    }
}

static uint16_t bench_list(uint32_t seed, uint16_t crc) {
    node *l = list_build(seed);
    int found = 0, missed = 0;
    for (int16_t i = 0; i < 24; i++) {
        node *n = list_find(l, (int16_t)(i * 5 + 100), (int16_t)(i * 37));
        if (n) { found++; crc = crc16_u16((uint16_t)n->key, crc); } else missed++;
    }
    l = list_reverse(l);
    l = list_sort(l, cmp_value);
    for (node *n = l; n; n = n->next) crc = crc16_u16((uint16_t)n->value, crc);
    l = list_sort(l, cmp_key);
    crc = crc16_u16((uint16_t)l->next->next->value, crc);
    return crc16_u16((uint16_t)(found * 256 + missed), crc);
}

/* ---- matrix ---- */
#define MN 16
static int16_t ma[MN * MN], mb[MN * MN];
static int32_t mc[MN * MN];

static uint16_t bench_matrix(uint32_t seed, uint16_t crc) {
    for (int i = 0; i < MN * MN; i++) {
        ma[i] = (int16_t)((lcg_next(&seed) >> 16) & 0x0fff);
        mb[i] = (int16_t)((lcg_next(&seed) >> 16) & 0x0fff) - 0x0800;
    }
    int16_t val = (int16_t)(seed & 0xff);
    for (int i = 0; i < MN * MN; i++) ma[i] = (int16_t)(ma[i] + val);
    /* matrix * vector (first column of mb) */
    int32_t acc = 0;
    for (int i = 0; i < MN; i++) {
        int32_t s = 0;
        for (int j = 0; j < MN; j++) s += ma[i * MN + j] * mb[j * MN];
        acc += s;
    }
    crc = crc16_u32((uint32_t)acc, crc);
    /* matrix * matrix */
    for (int i = 0; i < MN; i++)
        for (int j = 0; j < MN; j++) {
            int32_t s = 0;
            for (int k = 0; k < MN; k++) s += ma[i * MN + k] * mb[k * MN + j];
            mc[i * MN + j] = s;
        }
    /* bit extraction from the products */
    int32_t bits = 0;
    for (int i = 0; i < MN * MN; i++) bits += (mc[i] >> 2) & 0x0f, bits ^= (mc[i] >> 5) & 0x7f;
    crc = crc16_u32((uint32_t)bits, crc);
    for (int i = 0; i < MN * MN; i++) ma[i] = (int16_t)(ma[i] - val);
    return crc16_u16((uint16_t)ma[MN + 1], crc);
}

/* ---- state machine ---- */
enum state { S_START, S_INT, S_SIGN, S_FLOAT, S_EXP, S_EXP_SIGN, S_SCI, S_INVALID, S_COUNT };

static char text[512];

static uint32_t make_text(uint32_t seed) {
    static const char *const pieces[] = {"5012", "1.25", "-0.01e5", "+33", "abc", "7.e", "-", "1e+9",
                                         "0.5.5", "99999", "3.14159", "x1", "+.5", "-7E-2", "12a", "0"};
    uint32_t n = 0;
    while (n < sizeof text - 16) {
        const char *p = pieces[lcg_next(&seed) >> 28];
        while (*p) text[n++] = *p++;
        text[n++] = ',';
    }
    text[n] = 0;
    return n;
}

static enum state step(enum state s, char c) {
    int digit = c >= '0' && c <= '9';
    switch (s) {
    case S_START:
        if (digit) return S_INT;
        if (c == '+' || c == '-') return S_SIGN;
        if (c == '.') return S_FLOAT;
        return S_INVALID;
    case S_SIGN:
        if (digit) return S_INT;
        if (c == '.') return S_FLOAT;
        return S_INVALID;
    case S_INT:
        if (digit) return S_INT;
        if (c == '.') return S_FLOAT;
        if (c == 'e' || c == 'E') return S_EXP;
        return S_INVALID;
    case S_FLOAT:
        if (digit) return S_FLOAT;
        if (c == 'e' || c == 'E') return S_EXP;
        return S_INVALID;
    case S_EXP:
        if (c == '+' || c == '-') return S_EXP_SIGN;
        if (digit) return S_SCI;
        return S_INVALID;
    case S_EXP_SIGN:
        return digit ? S_SCI : S_INVALID;
    case S_SCI:
        return digit ? S_SCI : S_INVALID;
    default:
        return S_INVALID;
    }
}

static uint16_t bench_state(uint32_t seed, uint16_t crc) {
    uint32_t n = make_text(seed);
    uint32_t final_count[S_COUNT] = {0}, transitions = 0;
    enum state s = S_START;
    for (uint32_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == ',') {
            final_count[s]++;
            s = S_START;
            continue;
        }
        enum state t = step(s, c);
        if (t != s) transitions++;
        s = t;
    }
    for (int i = 0; i < S_COUNT; i++) crc = crc16_u32(final_count[i], crc);
    return crc16_u32(transitions, crc);
}

EXPORT("run") int32_t run(int32_t iterations) {
    uint16_t crc = 0;
    uint32_t seed = 0x66;
    for (int32_t i = 0; i < iterations; i++) {
        seed = seed * 69069u + 1u;
        crc = bench_list(seed, crc);
        crc = bench_matrix(seed ^ 0x5555u, crc);
        crc = bench_state(seed ^ 0xaaaau, crc);
    }
    return (int32_t)((uint32_t)crc << 16 | ((uint32_t)iterations & 0xffff));
}
