/* What bench_native.cpp needs of C: a monotonic clock, a fatal error, and .fvecs reading. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_s(void) {
    struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *msg) { fprintf(stderr, "error: %s\n", msg); exit(1); }

/* Read a whole .fvecs file (int32 dim, then dim float32, repeated; little-endian). */
static float *read_fvecs(const char *path, int *dim_out, size_t *n_out) {
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(1); }
    int32_t d;
    if (fread(&d, 4, 1, f) != 1 || d <= 0) die("bad fvecs header");
    fseek(f, 0, SEEK_END);
    long long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t rec = 4 + 4 * (size_t)d;
    if (bytes % rec) die("fvecs size is not a multiple of the record size");
    size_t n = bytes / rec;
    float *x = (float *)aligned_alloc(64, ((n * d * sizeof(float)) + 63) / 64 * 64);
    if (!x) die("out of memory");
    for (size_t i = 0; i < n; i++) {
        int32_t dd;
        if (fread(&dd, 4, 1, f) != 1 || dd != d) die("inconsistent dim in fvecs");
        if (fread(x + i * d, 4, d, f) != (size_t)d) die("short read");
    }
    fclose(f);
    *dim_out = d; *n_out = n;
    return x;
}
#endif
