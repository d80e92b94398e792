/* Benchmark: Mandelbrot set over [-2, 0.5] x [-1.25, 1.25] on a size x size grid with at most
 * 100 iterations per point. Returns the number of points inside plus a hash of the escape
 * iteration counts. */
#include "common.h"

EXPORT("run") int32_t run(int32_t size) {
    if (size < 1) size = 1;
    uint32_t inside = 0, hash = 0;
    double scale = 2.5 / (double)size;
    for (int32_t py = 0; py < size; py++) {
        double ci = -1.25 + (double)py * scale;
        for (int32_t px = 0; px < size; px++) {
            double cr = -2.0 + (double)px * scale;
            double zr = 0.0, zi = 0.0, zr2 = 0.0, zi2 = 0.0;
            int32_t it = 0;
            while (it < 100 && zr2 + zi2 <= 4.0) {
                zi = 2.0 * zr * zi + ci;
                zr = zr2 - zi2 + cr;
                zr2 = zr * zr;
                zi2 = zi * zi;
                it++;
            }
            if (it == 100) inside++;
            hash = (hash ^ (uint32_t)it) * 16777619u;
        }
    }
    return (int32_t)(inside + hash);
}
