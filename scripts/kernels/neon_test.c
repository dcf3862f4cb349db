// Every SIMD kernel against its scalar reference, in plain C so that it runs where Swift cannot
// (and the experimental LUT kernel of tq2_lut.c against the same reference):
// built with aarch64-linux-gnu-gcc and run under qemu-aarch64-static it checks NEON; built with
// the host gcc (no -mavx2: the kernels pick AVX2 at run time) it checks AVX2. test_neon.sh runs
// both. Integer paths must match bit for bit; float paths within the tolerances stated below.
//
// Closing line: "N passed, M failed"; exit status 1 when anything failed or no SIMD
// implementation was available to test.
#include "edgellm_kernels.h"
#include "tq2_lut.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Tolerances of the float kernels (relative to the size of the terms involved).
#define TOL_REDUCE 1e-5 // matmul f32/f16, attention: |a - b| <= TOL * sum |terms|
#define TOL_ELEM 1e-5   // rmsnorm, softmax, swiglu: |a - b| <= TOL * |b| (+ a tiny floor)

static int passed, failed;

static void check(int ok, const char *what) {
    if (ok) {
        passed++;
    } else {
        failed++;
        if (failed <= 40) printf("FAIL %s\n", what);
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static float uniform(void) { return (float)(next_u64() >> 40) / (float)(1 << 24); }
static float normal(void) {
    float u1 = uniform(), u2 = uniform();
    if (u1 < 1e-7f) u1 = 1e-7f;
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}
static void fill_normal(float *x, int64_t n, float scale) {
    for (int64_t i = 0; i < n; i++) x[i] = normal() * scale;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

// ---- matmul ------------------------------------------------------------------------------------

typedef struct {
    el_type type;
    int64_t rows, cols, n_scales;
    uint8_t *w;      // rows * row_size bytes, then the TQ2 scales
    float *wf;       // the same weights as floats (for the f32/f16 tolerance)
    float *scales;   // TQ2 scales (inside w)
    size_t row_size;
} matrix;

static matrix make_matrix(el_type type, int64_t rows, int64_t cols, int per_row_scales) {
    matrix m = {type, rows, cols, 0, NULL, NULL, NULL, el_row_size(type, cols)};
    m.n_scales = type == EL_TYPE_TQ2 ? (per_row_scales ? rows : 1) : 0;
    m.w = xmalloc(el_tensor_size(type, rows, cols, m.n_scales));
    m.wf = xmalloc((size_t)(rows * cols) * sizeof(float));
    float *src = xmalloc((size_t)cols * sizeof(float));
    m.scales = (float *)(m.w + rows * m.row_size);
    if (m.n_scales == 1) m.scales[0] = 0.05f;
    for (int64_t r = 0; r < rows; r++) {
        fill_normal(src, cols, 0.05f);
        uint8_t *dst = m.w + r * m.row_size;
        switch (type) {
        case EL_TYPE_F32: memcpy(dst, src, (size_t)cols * 4); break;
        case EL_TYPE_F16:
            for (int64_t c = 0; c < cols; c++) ((uint16_t *)dst)[c] = el_f32_to_f16(src[c]);
            break;
        case EL_TYPE_Q8_0: el_quantize_row_q8_0(src, (el_block_q8_0 *)dst, cols); break;
        case EL_TYPE_Q4_0: el_quantize_row_q4_0(src, (el_block_q4_0 *)dst, cols); break;
        case EL_TYPE_TQ2: {
            const float s = el_absmean(src, cols);
            if (r < m.n_scales) m.scales[r] = s;
            el_quantize_row_tq2(src, dst, cols, m.n_scales > 1 ? s : 0.05f);
            break;
        }
        default: break;
        }
        const float scale = m.n_scales > 1 ? m.scales[r] : (m.n_scales == 1 ? m.scales[0] : 1.0f);
        el_dequantize_row(type, dst, m.wf + r * cols, cols, scale);
    }
    free(src);
    return m;
}

static void free_matrix(matrix *m) {
    free(m->w);
    free(m->wf);
}

static int same_bits(const float *a, const float *b, int64_t n) { return memcmp(a, b, (size_t)n * 4) == 0; }

// Full product with `impl`, and the row range [r0, r0 + n) on its own (weight pointer offset and
// row0 for per-row scales, as a thread would run it), both against scalar.
static void test_matmul(el_impl impl, el_type type, int64_t rows, int64_t cols, int64_t ntok, int per_row) {
    matrix m = make_matrix(type, rows, cols, per_row);
    const el_act_type act = el_act_type_for(type);
    const size_t arow = el_act_row_size(act, cols);
    float *x = xmalloc((size_t)(ntok * cols) * sizeof(float));
    fill_normal(x, ntok * cols, 1.0f);
    // Activations quantised by the scalar code, so the matmuls alone are compared here.
    uint8_t *xq = xmalloc(arow * (size_t)ntok);
    el_quantize_act_impl(EL_IMPL_SCALAR, act, x, xq, cols, ntok);
    const int64_t ldy = rows + 3;
    float *ref = xmalloc((size_t)(ntok * ldy) * sizeof(float));
    float *got = xmalloc((size_t)(ntok * ldy) * sizeof(float));
    memset(ref, 0, (size_t)(ntok * ldy) * 4);
    memset(got, 0, (size_t)(ntok * ldy) * 4);
    el_matmul_impl(EL_IMPL_SCALAR, type, ref, ldy, m.w, xq, rows, cols, ntok, m.scales, m.n_scales, 0);
    el_matmul_impl(impl, type, got, ldy, m.w, xq, rows, cols, ntok, m.scales, m.n_scales, 0);
    char what[160];
    snprintf(what, sizeof what, "%s matmul %s %lldx%lld ntok %lld %s", el_impl_name(impl), el_type_name(type),
             (long long)rows, (long long)cols, (long long)ntok, per_row ? "row scales" : "tensor scale");
    const int exact = type == EL_TYPE_Q8_0 || type == EL_TYPE_Q4_0 || type == EL_TYPE_TQ2;
    if (exact) {
        check(same_bits(ref, got, ntok * ldy), what);
    } else {
        int ok = 1;
        for (int64_t t = 0; t < ntok; t++) {
            for (int64_t r = 0; r < rows; r++) {
                double mag = 0;
                for (int64_t c = 0; c < cols; c++) mag += fabs((double)m.wf[r * cols + c] * x[t * cols + c]);
                if (fabs((double)ref[t * ldy + r] - got[t * ldy + r]) > TOL_REDUCE * mag + 1e-30) ok = 0;
            }
        }
        check(ok, what);
    }
    // A sub-range of rows.
    if (rows >= 3) {
        const int64_t r0 = 1 + (int64_t)(next_u64() % (uint64_t)(rows - 2));
        const int64_t n = 1 + (int64_t)(next_u64() % (uint64_t)(rows - r0));
        float *part = xmalloc((size_t)(ntok * n) * sizeof(float));
        el_matmul_impl(impl, type, part, n, m.w + r0 * m.row_size, xq, n, cols, ntok, m.scales, m.n_scales, r0);
        int ok = 1;
        for (int64_t t = 0; t < ntok; t++) {
            for (int64_t r = 0; r < n; r++) {
                const float a = part[t * n + r], b = got[t * ldy + r0 + r];
                if (memcmp(&a, &b, 4) != 0) ok = 0; // same implementation: identical
            }
        }
        snprintf(what, sizeof what, "%s matmul %s rows [%lld, %lld) of %lldx%lld ntok %lld", el_impl_name(impl),
                 el_type_name(type), (long long)r0, (long long)(r0 + n), (long long)rows, (long long)cols, (long long)ntok);
        check(ok, what);
        free(part);
    }
    free(x);
    free(xq);
    free(ref);
    free(got);
    free_matrix(&m);
}

// The experimental LUT kernel (tq2_lut.c, benchmark only) must give the scalar TQ2 bits too.
static void test_lut(el_impl impl, int64_t rows, int64_t cols, int64_t ntok) {
    matrix m = make_matrix(EL_TYPE_TQ2, rows, cols, 1);
    float *x = xmalloc((size_t)(ntok * cols) * sizeof(float));
    fill_normal(x, ntok * cols, 1.0f);
    uint8_t *xq = xmalloc(el_act_row_size(EL_ACT_I8, cols) * (size_t)ntok);
    el_quantize_act_impl(EL_IMPL_SCALAR, EL_ACT_I8, x, xq, cols, ntok);
    uint8_t *packed = xmalloc(el_tq2_lut_packed_size(rows, cols));
    el_tq2_lut_pack(m.w, packed, rows, cols);
    el_tq2_lut_act *a = el_tq2_lut_act_new(cols, ntok);
    el_tq2_lut_quantize(impl, x, a, cols, ntok);
    float *ref = xmalloc((size_t)(rows * ntok) * 4), *got = xmalloc((size_t)(rows * ntok) * 4);
    el_matmul_impl(EL_IMPL_SCALAR, EL_TYPE_TQ2, ref, rows, m.w, xq, rows, cols, ntok, m.scales, m.n_scales, 0);
    el_tq2_lut_matmul(impl, got, rows, packed, a, rows, cols, ntok, m.scales, m.n_scales, 0);
    char what[128];
    snprintf(what, sizeof what, "%s tq2 lut %lldx%lld ntok %lld", el_impl_name(impl), (long long)rows, (long long)cols,
             (long long)ntok);
    check(same_bits(ref, got, rows * ntok), what);
    el_tq2_lut_act_free(a);
    free(packed);
    free(x);
    free(xq);
    free(ref);
    free(got);
    free_matrix(&m);
}

// ---- activation quantisation -------------------------------------------------------------------

static void test_quantize_act(el_impl impl, el_act_type act, int64_t cols, int64_t ntok, float scale) {
    float *x = xmalloc((size_t)(ntok * cols) * sizeof(float));
    fill_normal(x, ntok * cols, scale);
    if (scale == 127.0f) {
        // max|x| = 127 makes both quantisers' scale exactly 1, so k + 0.5 lands exactly on a
        // rounding half: roundf (Q8_0) and rintf (i8) must agree with scalar on every one.
        for (int64_t i = 0; i < ntok * cols; i++) {
            x[i] = i % 32 == 0 ? (i % 64 ? 127.0f : -127.0f) : (float)((int)(next_u64() % 253) - 126) + 0.5f;
        }
    }
    const size_t arow = el_act_row_size(act, cols);
    uint8_t *a = xmalloc(arow * (size_t)ntok), *b = xmalloc(arow * (size_t)ntok);
    memset(a, 0xAB, arow * (size_t)ntok);
    memset(b, 0xCD, arow * (size_t)ntok);
    el_quantize_act_impl(EL_IMPL_SCALAR, act, x, a, cols, ntok);
    el_quantize_act_impl(impl, act, x, b, cols, ntok);
    char what[128];
    snprintf(what, sizeof what, "%s quantize_act %d cols %lld ntok %lld", el_impl_name(impl), (int)act,
             (long long)cols, (long long)ntok);
    check(memcmp(a, b, arow * (size_t)ntok) == 0, what);
    if (act == EL_ACT_I8) {
        // The permuted row holds exactly el_quantize_row_i8's values.
        int8_t *q = xmalloc((size_t)cols);
        float *back = xmalloc((size_t)cols * sizeof(float));
        int ok = 1;
        for (int64_t t = 0; t < ntok; t++) {
            const float s = el_quantize_row_i8(x + t * cols, q, cols);
            el_dequantize_act(act, b + (size_t)t * arow, back, cols);
            for (int64_t c = 0; c < cols; c++) {
                if (back[c] != (float)q[c] * s) ok = 0;
            }
        }
        snprintf(what, sizeof what, "%s i8 activation order cols %lld", el_impl_name(impl), (long long)cols);
        check(ok, what);
        free(q);
        free(back);
    }
    free(x);
    free(a);
    free(b);
}

// ---- elementwise -------------------------------------------------------------------------------

static int close_elems(const float *ref, const float *got, int64_t n, double tol, double floor_) {
    for (int64_t i = 0; i < n; i++) {
        if (isnan(ref[i]) != isnan(got[i])) return 0;
        if (fabs((double)ref[i] - got[i]) > tol * fabs((double)ref[i]) + floor_) return 0;
    }
    return 1;
}

static void test_elementwise(el_impl impl, int64_t n) {
    char what[128];
    float *x = xmalloc((size_t)n * 4), *y = xmalloc((size_t)n * 4), *w = xmalloc((size_t)n * 4);
    float *a = xmalloc((size_t)n * 4), *b = xmalloc((size_t)n * 4);
    fill_normal(x, n, 3.0f);
    fill_normal(y, n, 1.0f);
    fill_normal(w, n, 1.0f);
    if (n > 4) {
        x[0] = 0.0f, x[1] = -0.0f, x[2] = 95.0f, x[3] = -95.0f; // exp overflow and underflow in SiLU
    }

    el_rmsnorm_impl(EL_IMPL_SCALAR, a, x, w, n, 1e-5f);
    el_rmsnorm_impl(impl, b, x, w, n, 1e-5f);
    snprintf(what, sizeof what, "%s rmsnorm n %lld", el_impl_name(impl), (long long)n);
    check(close_elems(a, b, n, TOL_ELEM, 1e-30), what);
    memcpy(b, x, (size_t)n * 4); // in place, as the engine calls it
    el_rmsnorm_impl(impl, b, b, w, n, 1e-5f);
    float *c = xmalloc((size_t)n * 4);
    el_rmsnorm_impl(impl, c, x, w, n, 1e-5f);
    snprintf(what, sizeof what, "%s rmsnorm in place n %lld", el_impl_name(impl), (long long)n);
    check(same_bits(b, c, n), what);
    free(c);

    memcpy(a, x, (size_t)n * 4);
    memcpy(b, x, (size_t)n * 4);
    el_swiglu_impl(EL_IMPL_SCALAR, a, y, n);
    el_swiglu_impl(impl, b, y, n);
    snprintf(what, sizeof what, "%s swiglu n %lld", el_impl_name(impl), (long long)n);
    check(close_elems(a, b, n, TOL_ELEM, 1e-30), what);

    memcpy(a, x, (size_t)n * 4);
    memcpy(b, x, (size_t)n * 4);
    el_relu2_glu_impl(EL_IMPL_SCALAR, a, y, n);
    el_relu2_glu_impl(impl, b, y, n);
    snprintf(what, sizeof what, "%s relu2_glu n %lld", el_impl_name(impl), (long long)n);
    check(same_bits(a, b, n), what);

    memcpy(a, x, (size_t)n * 4);
    memcpy(b, x, (size_t)n * 4);
    el_add_impl(EL_IMPL_SCALAR, a, y, n);
    el_add_impl(impl, b, y, n);
    snprintf(what, sizeof what, "%s add n %lld", el_impl_name(impl), (long long)n);
    check(same_bits(a, b, n), what);

    memcpy(a, x, (size_t)n * 4);
    memcpy(b, x, (size_t)n * 4);
    for (int64_t i = 0; i < n; i++) a[i] = b[i] = x[i] * 10.0f; // a wide range of exponents
    el_softmax_impl(EL_IMPL_SCALAR, a, n);
    el_softmax_impl(impl, b, n);
    snprintf(what, sizeof what, "%s softmax n %lld", el_impl_name(impl), (long long)n);
    check(close_elems(a, b, n, TOL_ELEM, 1e-35), what);

    for (int64_t i = 0; i < n; i++) {
        const float f = x[i] * 100.0f;
        uint16_t ha, hb;
        el_store_kv_impl(EL_IMPL_SCALAR, &ha, &f, 1, 1);
        el_store_kv_impl(impl, &hb, &f, 1, 1);
        if (ha != hb) {
            snprintf(what, sizeof what, "%s store_kv f16 single value %g", el_impl_name(impl), f);
            check(0, what);
            break;
        }
    }
    uint16_t *ha = xmalloc((size_t)n * 2), *hb = xmalloc((size_t)n * 2);
    for (int64_t i = 0; i < n; i++) a[i] = x[i] * (i % 3 == 0 ? 1e-6f : (i % 3 == 1 ? 1.0f : 3e4f));
    el_store_kv_impl(EL_IMPL_SCALAR, ha, a, n, 1);
    el_store_kv_impl(impl, hb, a, n, 1);
    snprintf(what, sizeof what, "%s store_kv f16 n %lld", el_impl_name(impl), (long long)n);
    check(memcmp(ha, hb, (size_t)n * 2) == 0, what);
    el_store_kv_impl(impl, b, a, n, 0);
    snprintf(what, sizeof what, "%s store_kv f32 n %lld", el_impl_name(impl), (long long)n);
    check(same_bits(a, b, n), what);
    free(ha);
    free(hb);

    free(x);
    free(y);
    free(w);
    free(a);
    free(b);
}

static void test_rope(el_impl impl, int64_t n_heads, int64_t head_dim, int64_t pos) {
    const int64_t n = n_heads * head_dim;
    float *x = xmalloc((size_t)n * 4), *a = xmalloc((size_t)n * 4), *b = xmalloc((size_t)n * 4);
    float *f = xmalloc((size_t)(head_dim / 2 + 1) * 4);
    fill_normal(x, n, 1.0f);
    for (int64_t i = 0; i < head_dim / 2; i++) f[i] = powf(10000.0f, -2.0f * (float)i / (float)head_dim);
    memcpy(a, x, (size_t)n * 4);
    memcpy(b, x, (size_t)n * 4);
    el_rope_impl(EL_IMPL_SCALAR, a, n_heads, head_dim, pos, f);
    el_rope_impl(impl, b, n_heads, head_dim, pos, f);
    char what[128];
    snprintf(what, sizeof what, "%s rope %lld heads x %lld pos %lld", el_impl_name(impl), (long long)n_heads,
             (long long)head_dim, (long long)pos);
    check(same_bits(a, b, n), what);
    free(x);
    free(a);
    free(b);
    free(f);
}

static void test_attention(el_impl impl, int kv_type, int64_t n_kv, int64_t head_dim, int64_t stride) {
    const size_t row_bytes = el_kv_bytes(kv_type, stride);
    float *q = xmalloc((size_t)head_dim * 4), *row = xmalloc((size_t)stride * 4);
    // Exactly the cache's bytes: a read past the last Q8_0 block would show under a checker.
    uint8_t *k = xmalloc((size_t)n_kv * row_bytes), *v = xmalloc((size_t)n_kv * row_bytes);
    uint8_t *stored = xmalloc(row_bytes);
    fill_normal(q, head_dim, 1.0f);
    float vmax = 0;
    for (int64_t p = 0; p < n_kv; p++) {
        fill_normal(row, stride, 1.0f);
        el_store_kv_impl(EL_IMPL_SCALAR, k + (size_t)p * row_bytes, row, stride, kv_type);
        el_store_kv_impl(impl, stored, row, stride, kv_type);
        if (memcmp(stored, k + (size_t)p * row_bytes, row_bytes) != 0) {
            char what[96];
            snprintf(what, sizeof what, "%s store_kv type %d stride %lld", el_impl_name(impl), kv_type, (long long)stride);
            check(0, what);
        }
        fill_normal(row, stride, 1.0f);
        for (int64_t i = 0; i < stride; i++) vmax = fmaxf(vmax, fabsf(row[i]));
        el_store_kv_impl(EL_IMPL_SCALAR, v + (size_t)p * row_bytes, row, stride, kv_type);
    }
    float *a = xmalloc((size_t)head_dim * 4), *b = xmalloc((size_t)head_dim * 4);
    float *sa = xmalloc((size_t)n_kv * 4), *sb = xmalloc((size_t)n_kv * 4);
    const float scale = 1.0f / sqrtf((float)head_dim);
    el_attention_head_impl(EL_IMPL_SCALAR, a, q, k, v, kv_type, n_kv, head_dim, stride, scale, sa);
    el_attention_head_impl(impl, b, q, k, v, kv_type, n_kv, head_dim, stride, scale, sb);
    // Scores come from dot products of ~head_dim terms of size ~1; the output is a convex
    // combination of values bounded by vmax.
    int ok = close_elems(sa, sb, n_kv, 1e-4, 1e-7);
    for (int64_t i = 0; i < head_dim; i++) {
        if (fabs((double)a[i] - b[i]) > TOL_REDUCE * vmax * 4) ok = 0;
    }
    char what[128];
    static const char *const kv_names[] = {"f32", "f16", "q8_0"};
    snprintf(what, sizeof what, "%s attention %s n_kv %lld head_dim %lld", el_impl_name(impl), kv_names[kv_type],
             (long long)n_kv, (long long)head_dim);
    check(ok, what);
    free(stored);
    free(q);
    free(row);
    free(k);
    free(v);
    free(a);
    free(b);
    free(sa);
    free(sb);
}

int main(void) {
    int tested = 0;
    for (int v = 1; v < EL_IMPL_COUNT; v++) {
        const el_impl impl = (el_impl)v;
        if (!el_impl_available(impl)) continue;
        tested++;
        printf("testing %s against scalar\n", el_impl_name(impl));

        // The model shapes, then odd sizes: every multiple of 32 up to 8 blocks covers each mix
        // of 4-, 2- and 1-block chunks.
        static const int64_t shapes[][2] = {
            {576, 576}, {192, 576}, {1536, 576}, {576, 1536}, {2560, 2560}, {640, 2560},
            {96, 6912}, {7, 32}, {5, 64}, {9, 96}, {4, 128}, {3, 160}, {6, 192}, {1, 224},
            {11, 256}, {13, 288}, {2, 800}, {33, 2560},
        };
        const el_type types[] = {EL_TYPE_TQ2, EL_TYPE_Q8_0, EL_TYPE_Q4_0, EL_TYPE_F32, EL_TYPE_F16};
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
                const int64_t rows = shapes[s][0], cols = shapes[s][1];
                const int big = rows * cols > 1000000;
                for (int64_t ntok = 1; ntok <= 5; ntok += (big ? 4 : 1)) {
                    test_matmul(impl, types[ti], rows, cols, ntok, 1);
                    if (types[ti] == EL_TYPE_TQ2) test_matmul(impl, types[ti], rows, cols, ntok, 0);
                }
            }
        }
        // Q8_0/Q4_0 prefill: tokens in groups of 4 and row blocks of ~128 KiB past one group, so
        // every count of whole and partial groups, odd row counts, several row blocks, and rows
        // wide enough for the heap path (16416 = 513 blocks for NEON, 8224 = 257 for AVX2).
        static const int64_t group_shapes[][2] = {{7, 32}, {9, 96}, {13, 288}, {437, 576}, {11, 1536},
                                                  {3, 8224}, {2, 16416}};
        static const int64_t group_ntoks[] = {1, 2, 3, 4, 5, 7, 8, 9};
        for (size_t s = 0; s < sizeof group_shapes / sizeof group_shapes[0]; s++) {
            for (size_t n = 0; n < sizeof group_ntoks / sizeof group_ntoks[0]; n++) {
                test_matmul(impl, EL_TYPE_Q8_0, group_shapes[s][0], group_shapes[s][1], group_ntoks[n], 1);
                test_matmul(impl, EL_TYPE_Q4_0, group_shapes[s][0], group_shapes[s][1], group_ntoks[n], 1);
            }
        }
        static const int64_t lut_shapes[][2] = {{576, 576}, {192, 576}, {33, 1536}, {40, 2560}, {7, 96}, {64, 32}};
        for (size_t s = 0; s < sizeof lut_shapes / sizeof lut_shapes[0]; s++) {
            test_lut(impl, lut_shapes[s][0], lut_shapes[s][1], 1);
            test_lut(impl, lut_shapes[s][0], lut_shapes[s][1], 3);
        }

        // Widths that are not a multiple of 32 for the float weights.
        for (int64_t cols = 1; cols <= 41; cols += 5) test_matmul(impl, EL_TYPE_F32, 5, cols, 2, 0);
        test_matmul(impl, EL_TYPE_F16, 3, 77, 3, 0);

        static const int64_t act_cols[] = {32, 64, 96, 128, 160, 192, 224, 256, 576, 1536, 2560, 6912};
        for (size_t i = 0; i < sizeof act_cols / sizeof act_cols[0]; i++) {
            test_quantize_act(impl, EL_ACT_Q8_0, act_cols[i], 3, 1.0f);
            test_quantize_act(impl, EL_ACT_I8, act_cols[i], 3, 1.0f);
            test_quantize_act(impl, EL_ACT_I8, act_cols[i], 1, 1e-7f); // below the absmax floor
            test_quantize_act(impl, EL_ACT_Q8_0, act_cols[i], 2, 127.0f);
            test_quantize_act(impl, EL_ACT_I8, act_cols[i], 2, 127.0f);
        }
        test_quantize_act(impl, EL_ACT_I8, 45, 2, 1.0f); // a partial last block
        test_quantize_act(impl, EL_ACT_Q8_0, 64, 1, 0.0f);

        static const int64_t lens[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 576, 1536, 2560, 6913};
        for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) test_elementwise(impl, lens[i]);

        test_rope(impl, 9, 64, 0);
        test_rope(impl, 9, 64, 17);
        test_rope(impl, 3, 64, 4095);
        test_rope(impl, 20, 128, 300);
        test_rope(impl, 2, 6, 5);
        test_rope(impl, 1, 400, 77);

        static const int64_t kvs[] = {1, 2, 7, 8, 9, 33, 200};
        for (size_t i = 0; i < sizeof kvs / sizeof kvs[0]; i++) {
            for (int type = EL_KV_F32; type <= EL_KV_Q8_0; type++) {
                test_attention(impl, type, kvs[i], 64, 192);
                test_attention(impl, type, kvs[i], 128, 128);
                if (type == EL_KV_Q8_0) continue; // blocks of 32: no smaller heads
                test_attention(impl, type, kvs[i], 20, 40);
                test_attention(impl, type, kvs[i], 8, 16);
            }
        }
    }
    if (!tested) {
        printf("no SIMD implementation available here\n");
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
