/* Benchmark: quicksort (median-of-three pivot, Hoare partition, insertion sort below 16
 * elements, recursion on the smaller half) of n pseudo-random integers (n at most 2^18).
 * Returns a checksum of the sorted array, or -1 if it is not sorted. */
#include "common.h"

#define MAXN (1 << 18)
static int32_t data[MAXN];

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static inline void swap(int32_t *a, int32_t i, int32_t j) {
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void quicksort(int32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo >= 16) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid];
        int32_t i = lo - 1, j = hi + 1;
        for (;;) {
            do i++; while (a[i] < pivot);
            do j--; while (a[j] > pivot);
            if (i >= j) break;
            swap(a, i, j);
        }
        if (j - lo < hi - j) {
            quicksort(a, lo, j);
            lo = j + 1;
        } else {
            quicksort(a, j + 1, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

EXPORT("run") int32_t run(int32_t n) {
    if (n < 1) n = 1;
    if (n > MAXN) n = MAXN;
    uint32_t seed = 42;
    for (int32_t i = 0; i < n; i++) data[i] = (int32_t)(lcg_next(&seed) >> 1) % 1000000 - 500000;
    quicksort(data, 0, n - 1);
    uint32_t sum = 0;
    for (int32_t i = 0; i < n; i++) {
        if (i > 0 && data[i - 1] > data[i]) return -1;
        sum = sum * 33u + (uint32_t)data[i];
    }
    return (int32_t)sum;
}
