// How steady is this machine? Times the same fixed work many times and prints the spread, as
// `edgellm bench` reports per-token latency: a floor for what any engine's p99/p50 can be here.
//   stream:  one pass over a buffer the size of a model's weights (memory-bound, like a decode step)
//   compute: a fixed chain of integer multiply-adds in registers (no memory traffic)
//
//   cc -O2 scripts/bench/noise_floor.c -o noise_floor && ./noise_floor [MiB (55)] [samples (1920)]
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int ascending(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, ascending);
    const double p50 = t[n / 2], p90 = t[(int)(n * 0.90)], p99 = t[(int)(n * 0.99)];
    printf("%-8s p50 %.3f ms  p90 %.3f  p99 %.3f  max %.3f  p99/p50 %.3f\n", name, p50, p90, p99, t[n - 1],
           p99 / p50);
}

int main(int argc, char **argv) {
    const size_t bytes = (size_t)((argc > 1 ? atof(argv[1]) : 55.0) * 1024 * 1024) & ~(size_t)63;
    const int samples = argc > 2 ? atoi(argv[2]) : 1920; // 30 runs of 64 tokens
    if (bytes < 64 || samples < 100) {
        fprintf(stderr, "usage: noise_floor [MiB >= 0.001] [samples >= 100]\n");
        return 2;
    }
    uint64_t *buffer = malloc(bytes);
    double *t = malloc(sizeof(double) * (size_t)samples);
    if (!buffer || !t) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    memset(buffer, 1, bytes);
    const size_t words = bytes / 8;
    volatile uint64_t sink = 0;

    // Warm-up passes first, as the benchmark's warm-up run.
    for (int s = -50; s < samples; s++) {
        const double t0 = now_ms();
        uint64_t acc = 0;
        for (size_t i = 0; i < words; i += 8) {
            acc += buffer[i] ^ buffer[i + 1] ^ buffer[i + 2] ^ buffer[i + 3] ^ buffer[i + 4] ^ buffer[i + 5] ^
                   buffer[i + 6] ^ buffer[i + 7];
        }
        sink += acc;
        if (s >= 0) t[s] = now_ms() - t0;
    }
    printf("%.1f MiB, %d samples each\n", bytes / 1048576.0, samples);
    report("stream", t, samples);

    // As many steps as take about as long as one pass above.
    const long steps = 4000000;
    for (int s = -50; s < samples; s++) {
        const double t0 = now_ms();
        uint64_t acc = (uint64_t)s;
        for (long i = 0; i < steps; i++) acc = acc * 6364136223846793005ULL + 1442695040888963407ULL;
        sink += acc;
        if (s >= 0) t[s] = now_ms() - t0;
    }
    report("compute", t, samples);
    free(buffer);
    free(t);
    return (int)(sink & 0);
}
