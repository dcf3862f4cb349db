// Kernel microbenchmark: matrix x vector (and x matrix) for the model shapes, against this
// machine's streaming-read bandwidth measured the same way (one thread).
//
//   scripts/kernels/bench.sh [--quick]          (builds with -O3 and runs)
//   scripts/kernels/bench.sh --prefill N        (q8_0/q4_0, SmolLM2-135M shapes and head, ntok 1 and N)
//
// For each shape it reports milliseconds per call and GB/s of weight bytes streamed, twice:
// "hot" repeats one matrix (it stays in cache when it fits), "cold" cycles through enough copies
// to overflow the last-level cache, which is what a decode step sees for a whole model.
#include "edgellm_kernels.h"
#include "tq2_lut.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static float frand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)(rng >> 40) / (float)(1 << 24) * 2.0f - 1.0f;
}

static void *xalloc(size_t n) {
    void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

// ---- streaming read bandwidth ------------------------------------------------------------------

#if defined(__x86_64__)
__attribute__((target("avx2"), noinline)) static uint64_t stream_read_avx2(const uint8_t *p, size_t n) {
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    for (size_t i = 0; i + 128 <= n; i += 128) {
        a = _mm256_add_epi64(a, _mm256_load_si256((const __m256i *)(p + i)));
        b = _mm256_add_epi64(b, _mm256_load_si256((const __m256i *)(p + i + 32)));
        c = _mm256_add_epi64(c, _mm256_load_si256((const __m256i *)(p + i + 64)));
        d = _mm256_add_epi64(d, _mm256_load_si256((const __m256i *)(p + i + 96)));
    }
    a = _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d));
    return (uint64_t)_mm256_extract_epi64(a, 0) ^ (uint64_t)_mm256_extract_epi64(a, 3);
}
#endif

__attribute__((noinline)) static uint64_t stream_read(const uint8_t *p, size_t n) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) return stream_read_avx2(p, n);
#endif
#if defined(__aarch64__)
    uint64x2_t a = vdupq_n_u64(0), b = a, c = a, d = a;
    for (size_t i = 0; i + 64 <= n; i += 64) {
        a = vaddq_u64(a, vld1q_u64((const uint64_t *)(p + i)));
        b = vaddq_u64(b, vld1q_u64((const uint64_t *)(p + i + 16)));
        c = vaddq_u64(c, vld1q_u64((const uint64_t *)(p + i + 32)));
        d = vaddq_u64(d, vld1q_u64((const uint64_t *)(p + i + 48)));
    }
    a = vaddq_u64(vaddq_u64(a, b), vaddq_u64(c, d));
    return vgetq_lane_u64(a, 0) ^ vgetq_lane_u64(a, 1);
#else
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    const uint64_t *q = (const uint64_t *)p;
    for (size_t i = 0; i + 4 <= n / 8; i += 4) s0 += q[i], s1 += q[i + 1], s2 += q[i + 2], s3 += q[i + 3];
    return s0 ^ s1 ^ s2 ^ s3;
#endif
}

static volatile uint64_t sink;

// Best of several passes over `n` bytes, in GB/s.
static double bandwidth(size_t n, double seconds) {
    uint8_t *p = xalloc(n);
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)i;
    double best = 0;
    const double end = now() + seconds;
    do {
        const double t0 = now();
        sink += stream_read(p, n);
        const double t = now() - t0;
        if (n / t > best) best = (double)n / t;
    } while (now() < end);
    free(p);
    return best / 1e9;
}

// ---- matmul timing -----------------------------------------------------------------------------

typedef struct {
    const char *name;
    el_type type;
    int lut; // 0: el_matmul_impl(impl); 1: the experimental LUT kernel (tq2_lut.h)
    el_impl impl;
} method;

typedef struct {
    double hot_ms, cold_ms;
} timing;

static size_t cold_bytes = (size_t)256 << 20;
static double budget = 0.25; // seconds per measurement

// Times `fn` call by call, cycling over `copies` matrices, for about `budget` seconds, and returns
// the 20th percentile in ms: the machine is shared, and a low percentile drops the calls that
// were preempted without picking the single luckiest one.
typedef void (*call_fn)(void *ctx, int copy);

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double time_calls(call_fn fn, void *ctx, int copies) {
    enum { MAX_SAMPLES = 200000 };
    static double samples[MAX_SAMPLES];
    int n = 0;
    for (int i = 0; i < copies && i < 3; i++) fn(ctx, i); // warm up code and (hot) data
    const double end = now() + budget;
    int calls = 0;
    while ((now() < end || n < 2 * copies) && n < MAX_SAMPLES) {
        const double t0 = now();
        fn(ctx, calls % copies);
        samples[n++] = now() - t0;
        calls++;
    }
    qsort(samples, (size_t)n, sizeof(double), cmp_double);
    return samples[n / 5] * 1e3;
}

typedef struct {
    const method *m;
    int64_t rows, cols, ntok;
    size_t wbytes;
    uint8_t **w;
    float *scales;
    void *xq;
    el_tq2_lut_act *lut_act;
    float *y;
} bench_ctx;

static void call_matmul(void *vctx, int copy) {
    bench_ctx *c = vctx;
    if (c->m->lut) {
        el_tq2_lut_matmul(c->m->impl, c->y, c->rows, c->w[copy], c->lut_act, c->rows, c->cols, c->ntok, c->scales, 1, 0);
    } else {
        el_matmul_impl(c->m->impl, c->m->type, c->y, c->rows, c->w[copy], c->xq, c->rows, c->cols, c->ntok,
                       c->scales, 1, 0);
    }
}

static timing bench_matmul(const method *m, int64_t rows, int64_t cols, int64_t ntok) {
    bench_ctx c = {m, rows, cols, ntok, 0, NULL, NULL, NULL, NULL, NULL};
    c.wbytes = el_row_size(m->type, cols) * (size_t)rows;
    const int copies = (int)(cold_bytes / c.wbytes) + 1;
    c.w = malloc(sizeof(uint8_t *) * (size_t)copies);
    float *row = xalloc((size_t)cols * 4);
    uint8_t *first = xalloc(c.wbytes + 64);
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < cols; i++) row[i] = frand();
        uint8_t *dst = first + r * el_row_size(m->type, cols);
        switch (m->type) {
        case EL_TYPE_Q8_0: el_quantize_row_q8_0(row, (el_block_q8_0 *)dst, cols); break;
        case EL_TYPE_Q4_0: el_quantize_row_q4_0(row, (el_block_q4_0 *)dst, cols); break;
        case EL_TYPE_TQ2: el_quantize_row_tq2(row, dst, cols, 0.5f); break;
        default: memcpy(dst, row, (size_t)cols * 4); break;
        }
    }
    uint8_t *plain = NULL; // row-major weights, for the scalar check of the LUT kernel
    if (m->lut) { // the LUT kernel reads its own interleaved copy
        uint8_t *packed = xalloc(el_tq2_lut_packed_size(rows, cols));
        el_tq2_lut_pack(first, packed, rows, cols);
        plain = first;
        first = packed;
        c.wbytes = el_tq2_lut_packed_size(rows, cols);
    }
    for (int i = 0; i < copies; i++) {
        c.w[i] = i == 0 ? first : xalloc(c.wbytes);
        if (i) memcpy(c.w[i], first, c.wbytes);
    }
    c.scales = xalloc(sizeof(float));
    c.scales[0] = 0.02f;
    float *x = xalloc((size_t)(cols * ntok) * 4);
    for (int64_t i = 0; i < cols * ntok; i++) x[i] = frand();
    const el_act_type act = el_act_type_for(m->type);
    c.xq = xalloc(el_act_row_size(act, cols) * (size_t)ntok);
    el_quantize_act(act, x, c.xq, cols, ntok);
    if (m->lut) {
        c.lut_act = el_tq2_lut_act_new(cols, ntok);
        el_tq2_lut_quantize(m->impl, x, c.lut_act, cols, ntok);
    }
    c.y = xalloc((size_t)(rows * ntok) * 4);
    // Every kernel timed here must give the scalar reference's exact bits (integer paths).
    float *ref = xalloc((size_t)(rows * ntok) * 4);
    el_matmul_impl(EL_IMPL_SCALAR, m->type, ref, rows, plain ? plain : c.w[0], c.xq, rows, cols, ntok, c.scales, 1, 0);
    call_matmul(&c, 0);
    if (memcmp(ref, c.y, (size_t)(rows * ntok) * 4) != 0) {
        fprintf(stderr, "%s %lldx%lld ntok %lld differs from the scalar reference\n", m->name, (long long)rows,
                (long long)cols, (long long)ntok);
        exit(1);
    }
    free(ref);
    free(plain);
    timing t;
    t.hot_ms = time_calls(call_matmul, &c, 1);
    t.cold_ms = time_calls(call_matmul, &c, copies);
    for (int i = 0; i < copies; i++) free(c.w[i]);
    free(c.w);
    free(row);
    free(x);
    free(c.xq);
    free(c.y);
    free(c.scales);
    if (c.lut_act) el_tq2_lut_act_free(c.lut_act);
    return t;
}

int main(int argc, char **argv) {
    int quick = 0;
    int64_t prefill = 0; // --prefill N: only q8_0/q4_0 on the SmolLM2-135M shapes, ntok 1 and N
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) quick = 1;
        if (strcmp(argv[i], "--prefill") == 0 && i + 1 < argc) prefill = atoll(argv[++i]);
    }
    if (quick) budget = 0.08, cold_bytes = (size_t)96 << 20;
    const el_impl simd = el_impl_available(EL_IMPL_AVX2) ? EL_IMPL_AVX2
                         : el_impl_available(EL_IMPL_NEON) ? EL_IMPL_NEON
                                                           : EL_IMPL_SCALAR;
    printf("kernels: %s (active by default: %s)\n", el_impl_name(simd), el_impl_name(el_impl_active()));
    const double bw_dram = bandwidth((size_t)256 << 20, quick ? 0.5 : 1.5);
    const double bw_l2 = bandwidth((size_t)256 << 10, 0.3);
    const double bw_l3 = bandwidth((size_t)8 << 20, 0.3);
    printf("streaming read, 1 thread: 256 MiB %.1f GB/s, 8 MiB %.1f GB/s, 256 KiB %.1f GB/s\n\n", bw_dram, bw_l3, bw_l2);

    static const struct { const char *model; int64_t rows, cols; int per_layer; } shapes[] = {
        {"SmolLM2-135M q/o", 576, 576, 2},    {"SmolLM2-135M k/v", 192, 576, 2},
        {"SmolLM2-135M gate/up", 1536, 576, 2}, {"SmolLM2-135M down", 576, 1536, 1},
        {"BitNet-2B q/o", 2560, 2560, 2},     {"BitNet-2B k/v", 640, 2560, 2},
        {"BitNet-2B gate/up", 6912, 2560, 2}, {"BitNet-2B down", 2560, 6912, 1},
        {"SmolLM2-135M head", 49152, 576, 0},
    };
    enum { N_SHAPES = sizeof shapes / sizeof shapes[0] };
    const method methods[] = {
        {"tq2 mad", EL_TYPE_TQ2, 0, simd},
        {"tq2 lut", EL_TYPE_TQ2, 1, simd},
        {"q8_0", EL_TYPE_Q8_0, 0, simd},
        {"q4_0", EL_TYPE_Q4_0, 0, simd},
        {"tq2 scalar", EL_TYPE_TQ2, 0, EL_IMPL_SCALAR},
        {"q8_0 scalar", EL_TYPE_Q8_0, 0, EL_IMPL_SCALAR},
    };
    enum { N_METHODS = sizeof methods / sizeof methods[0] };
    static double cold1[N_SHAPES][N_METHODS]; // ms per decode matvec, for the per-token sums
    const int64_t ntoks[] = {1, prefill > 1 ? prefill : 4};
    printf("| shape | rows x cols | method | ntok | weight bytes | hot ms | hot GB/s | cold ms | cold GB/s | cold / DRAM |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t s = 0; s < N_SHAPES; s++) {
        for (size_t mi = 0; mi < N_METHODS; mi++) {
            const method *m = &methods[mi];
            const int head = shapes[s].per_layer == 0;
            if (head && m->type == EL_TYPE_TQ2) continue; // the head stays q8_0 (or q4_0)
            if (m->impl == EL_IMPL_SCALAR && (quick || shapes[s].rows * shapes[s].cols > 4000000)) continue;
            if (m->lut && !el_tq2_lut_available(m->impl)) continue;
            if (prefill && (m->impl == EL_IMPL_SCALAR || (m->type != EL_TYPE_Q8_0 && m->type != EL_TYPE_Q4_0) ||
                            strncmp(shapes[s].model, "SmolLM2", 7) != 0)) continue;
            for (size_t ti = 0; ti < sizeof ntoks / sizeof ntoks[0]; ti++) {
                const int64_t ntok = ntoks[ti];
                if (ntok > 1 && (m->impl == EL_IMPL_SCALAR || m->lut || (head && !prefill))) continue;
                const timing t = bench_matmul(m, shapes[s].rows, shapes[s].cols, ntok);
                if (ntok == 1) cold1[s][mi] = t.cold_ms;
                const double bytes = (double)el_row_size(m->type, shapes[s].cols) * (double)shapes[s].rows;
                printf("| %s | %lldx%lld | %s | %lld | %.2f MB | %.4f | %.1f | %.4f | %.1f | %.2f |\n", shapes[s].model,
                       (long long)shapes[s].rows, (long long)shapes[s].cols, m->name, (long long)ntok, bytes / 1e6,
                       t.hot_ms, bytes / t.hot_ms / 1e6, t.cold_ms, bytes / t.cold_ms / 1e6,
                       bytes / t.cold_ms / 1e6 / bw_dram);
                fflush(stdout);
            }
        }
    }
    // Per-token weight time of a decode step, one thread: every layer's matrices (cold), times the
    // layer count, plus the head. Attention, norms and the rest of the step are not included.
    printf("\nPer-token matmul time, 1 thread, weights from DRAM (sum of the cold decode rows above):\n");
    for (int model = 0; model < 2; model++) {
        const int layers = 30; // SmolLM2-135M and BitNet-b1.58-2B-4T both have 30
        for (size_t mi = 0; mi < N_METHODS; mi++) {
            if (methods[mi].impl == EL_IMPL_SCALAR) continue;
            double ms = 0;
            int complete = 1;
            for (size_t s = (size_t)model * 4; s < (size_t)model * 4 + 4; s++) {
                if (cold1[s][mi] == 0) complete = 0;
                ms += layers * shapes[s].per_layer * cold1[s][mi];
            }
            if (!complete) continue;
            if (model == 0) {
                printf("- SmolLM2-135M, layers %s: %.2f ms; + q8_0 head %.2f ms = %.2f ms; + q4_0 head %.2f ms = %.2f ms\n",
                       methods[mi].name, ms, cold1[8][2], ms + cold1[8][2], cold1[8][3], ms + cold1[8][3]);
            } else {
                printf("- BitNet-2B, layers %s: %.2f ms\n", methods[mi].name, ms);
            }
        }
    }
    return 0;
}
