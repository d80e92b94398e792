/* Benchmark: dense f64 matrix multiply C = A * B of n x n matrices (n at most 128), i-k-j loop
 * order. Returns a checksum of C (weighted sum, truncated to an integer). */
#include "common.h"

#define MAXN 128
static double A[MAXN * MAXN], B[MAXN * MAXN], C[MAXN * MAXN];

EXPORT("run") int32_t run(int32_t n) {
    if (n < 1) n = 1;
    if (n > MAXN) n = MAXN;
    for (int32_t i = 0; i < n; i++)
        for (int32_t j = 0; j < n; j++) {
            A[i * n + j] = (double)((i * 7 + j * 3) % 17) * 0.125 - 1.0;
            B[i * n + j] = (double)((i * 5 + j * 11) % 13) * 0.25 - 1.5;
            C[i * n + j] = 0.0;
        }
    for (int32_t i = 0; i < n; i++)
        for (int32_t k = 0; k < n; k++) {
            double a = A[i * n + k];
            for (int32_t j = 0; j < n; j++) C[i * n + j] += a * B[k * n + j];
        }
    double sum = 0.0;
    for (int32_t i = 0; i < n * n; i++) sum += C[i] * (double)((i % 7) + 1);
    return (int32_t)(sum * 16.0);
}
