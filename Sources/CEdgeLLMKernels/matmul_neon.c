// Matrix x activations with NEON (AArch64, ARMv8.0). The same algorithms and the same integer
// lane grouping as the AVX2 kernels (matmul_avx2.c), with vmull/vmlal where x86 has vpmaddubsw.
#if defined(__aarch64__)
#include "kernels_neon.h"

#include <stdlib.h>

// ---- TQ2 ---------------------------------------------------------------------------------------
//
// Codes (0, 1, 2) unpacked with shifts and masks, multiplied by the permuted int8 activations
// (kernels_internal.h) with vmlal_s8 into int16, widened with vpadalq; sum(code * x) - sum(x) is
// the ternary dot product. Without the ARMv8.2 dot product this is the cheapest exact route:
// one vmlal per 8 weights, plus 7 unpacking operations per 64 weights.

// The four 2-bit fields of 16 code bytes, as int8 (0, 1, 2).
typedef struct {
    int8x16_t c[4];
} tq2_codes;

static inline tq2_codes tq2_unpack(uint8x16_t v) {
    const uint8x16_t m3 = vdupq_n_u8(3);
    tq2_codes k = {{vreinterpretq_s8_u8(vandq_u8(v, m3)), vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 2), m3)),
                    vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 4), m3)), vreinterpretq_s8_u8(vshrq_n_u8(v, 6))}};
    return k;
}

// acc += codes * activations, where bit pair k meets the 16 activations at x + k * stride.
static inline int16x8_t tq2_16(int16x8_t acc, const tq2_codes *k, const int8_t *x, int64_t stride) {
    const int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + stride);
    const int8x16_t x2 = vld1q_s8(x + 2 * stride), x3 = vld1q_s8(x + 3 * stride);
    int16x8_t a = vmlal_s8(acc, vget_low_s8(k->c[0]), vget_low_s8(x0));
    int16x8_t b = vmull_s8(vget_low_s8(k->c[1]), vget_low_s8(x1));
    a = vmlal_high_s8(a, k->c[0], x0);
    b = vmlal_high_s8(b, k->c[1], x1);
    a = vmlal_s8(a, vget_low_s8(k->c[2]), vget_low_s8(x2));
    b = vmlal_s8(b, vget_low_s8(k->c[3]), vget_low_s8(x3));
    a = vmlal_high_s8(a, k->c[2], x2);
    b = vmlal_high_s8(b, k->c[3], x3);
    return vaddq_s16(a, b);
}

// Halves of 4-block chunks added in int16 before widening: 8 of them (plus the tails) keep
// |sum| <= 8 * 8 * 3 * 128 = 24576 even for the unused code 3.
#define TQ2_FLUSH 8

// sum(code * x) of one row for T tokens (T constant at each call site): the codes are unpacked
// once for all of them.
static inline __attribute__((always_inline)) void
tq2_row(const uint8_t *w, const int8_t *const *x, int64_t cols, int T, int32_t *out) {
    const int64_t nb = cols / EL_QK, n4 = nb / 4;
    int32x4_t acc[4];
    int16x8_t a16[4];
    for (int t = 0; t < T; t++) acc[t] = vdupq_n_s32(0), a16[t] = vdupq_n_s16(0);
    int n = 0;
    for (int64_t ch = 0; ch < n4; ch++) {
        // Blocks 0-1 meet activations 32k + (0..15) of the chunk, blocks 2-3 32k + (16..31).
        const tq2_codes k0 = tq2_unpack(vld1q_u8(w + ch * 32)), k1 = tq2_unpack(vld1q_u8(w + ch * 32 + 16));
        for (int t = 0; t < T; t++) {
            a16[t] = tq2_16(a16[t], &k0, x[t] + ch * 128, 32);
            a16[t] = tq2_16(a16[t], &k1, x[t] + ch * 128 + 16, 32);
        }
        if ((n += 2) >= TQ2_FLUSH) {
            for (int t = 0; t < T; t++) acc[t] = vpadalq_s16(acc[t], a16[t]), a16[t] = vdupq_n_s16(0);
            n = 0;
        }
    }
    int64_t b = n4 * 4;
    if (nb - b >= 2) {
        const tq2_codes k = tq2_unpack(vld1q_u8(w + b * 8));
        for (int t = 0; t < T; t++) a16[t] = tq2_16(a16[t], &k, x[t] + b * EL_QK, 16);
        b += 2;
    }
    if (nb - b == 1) {
        const uint8x8_t v = vld1_u8(w + b * 8), m3 = vdup_n_u8(3);
        const int8x8_t c0 = vreinterpret_s8_u8(vand_u8(v, m3));
        const int8x8_t c1 = vreinterpret_s8_u8(vand_u8(vshr_n_u8(v, 2), m3));
        const int8x8_t c2 = vreinterpret_s8_u8(vand_u8(vshr_n_u8(v, 4), m3));
        const int8x8_t c3 = vreinterpret_s8_u8(vshr_n_u8(v, 6));
        for (int t = 0; t < T; t++) {
            const int8_t *xb = x[t] + b * EL_QK;
            a16[t] = vmlal_s8(a16[t], c0, vld1_s8(xb));
            a16[t] = vmlal_s8(a16[t], c1, vld1_s8(xb + 8));
            a16[t] = vmlal_s8(a16[t], c2, vld1_s8(xb + 16));
            a16[t] = vmlal_s8(a16[t], c3, vld1_s8(xb + 24));
        }
    }
    for (int t = 0; t < T; t++) out[t] = vaddvq_s32(vpadalq_s16(acc[t], a16[t]));
}

void el_neon_matmul_tq2(float *y, int64_t ldy, const void *wv, const void *xv,
                        int64_t rows, int64_t cols, int64_t ntok,
                        const float *scales, int64_t n_scales, int64_t row0) {
    const uint8_t *w = wv, *xa = xv;
    const size_t xrow = el_act_row_size(EL_ACT_I8, cols);
    const int64_t wrow = cols / 4;
    // Rows one after another (one stream for the prefetcher), tokens in groups of 4 inside, so a
    // row's codes are unpacked once per group and read from L1 after the first.
    for (int64_t r = 0; r < rows; r++) {
        const float ws = n_scales == 1 ? scales[0] : scales[row0 + r];
        for (int64_t t0 = 0; t0 < ntok; t0 += 4) {
            const int T = ntok - t0 >= 4 ? 4 : (int)(ntok - t0);
            const int8_t *x[4];
            for (int t = 0; t < T; t++) x[t] = el_i8_values(xa + (size_t)(t0 + t) * xrow);
            int32_t dot[4];
            switch (T) {
            case 4: tq2_row(w + r * wrow, x, cols, 4, dot); break;
            case 3: tq2_row(w + r * wrow, x, cols, 3, dot); break;
            case 2: tq2_row(w + r * wrow, x, cols, 2, dot); break;
            default: tq2_row(w + r * wrow, x, cols, 1, dot); break;
            }
            for (int t = 0; t < T; t++) {
                const uint8_t *xr = xa + (size_t)(t0 + t) * xrow;
                y[(t0 + t) * ldy + r] = (float)(dot[t] - el_i8_sum(xr)) * ws * el_i8_scale(xr);
            }
        }
    }
}

// ---- Q8_0 / Q4_0 x Q8_0 ------------------------------------------------------------------------
//
// Per block four vmull_s8 give the 32 products in int16; vpaddl/vpadal/vpadd fold them into the
// 4 int32 lanes kernels_internal.h fixes (products 4l..4l+3 and 16+4l..16+4l+3), converted and
// fused-multiply-added into the even or odd block accumulator.

static inline int32x4_t q8_lanes(int8x16_t w0, int8x16_t w1, const int8_t *x) {
    const int8x16_t x0 = vld1q_s8(x), x1 = vld1q_s8(x + 16);
    const int16x8_t m0 = vmull_s8(vget_low_s8(w0), vget_low_s8(x0));   // products 0-7
    const int16x8_t m1 = vmull_high_s8(w0, x0);                         // 8-15
    const int16x8_t m2 = vmull_s8(vget_low_s8(w1), vget_low_s8(x1));   // 16-23
    const int16x8_t m3 = vmull_high_s8(w1, x1);                         // 24-31
    const int32x4_t a = vpadalq_s16(vpaddlq_s16(m0), m2);
    const int32x4_t b = vpadalq_s16(vpaddlq_s16(m1), m3);
    return vpaddq_s32(a, b);
}

static inline float q8_finish(float32x4_t even, float32x4_t odd) {
    const float32x4_t s = vaddq_f32(even, odd);
    return vpadds_f32(vadd_f32(vget_low_f32(s), vget_high_f32(s)));
}

// Each row's block scale is f16(w) * dx[b]; the activations' scales are converted once per token.
static float q8_row(const el_block_q8_0 *w, const el_block_q8_0 *x, const float *dx, int64_t nb) {
    float32x4_t acc[2] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    for (int64_t b = 0; b < nb; b++) {
        const int32x4_t s = q8_lanes(vld1q_s8(w[b].qs), vld1q_s8(w[b].qs + 16), x[b].qs);
        acc[b & 1] = vfmaq_n_f32(acc[b & 1], vcvtq_f32_s32(s), el_neon_f16(w[b].d) * dx[b]);
    }
    return q8_finish(acc[0], acc[1]);
}

static float q4_row(const el_block_q4_0 *w, const el_block_q8_0 *x, const float *dx, int64_t nb) {
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    const int8x16_t eight = vdupq_n_s8(8);
    float32x4_t acc[2] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    for (int64_t b = 0; b < nb; b++) {
        const uint8x16_t v = vld1q_u8(w[b].qs);
        const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(v, m4)), eight); // weights 0-15
        const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(v, 4)), eight); // 16-31
        const int32x4_t s = q8_lanes(lo, hi, x[b].qs);
        acc[b & 1] = vfmaq_n_f32(acc[b & 1], vcvtq_f32_s32(s), el_neon_f16(w[b].d) * dx[b]);
    }
    return q8_finish(acc[0], acc[1]);
}

// Prefill: one row against T tokens (T constant at each call site). Each weight block is loaded
// (for Q4_0 unpacked) and its scale converted once, then dotted with the T tokens' activation
// blocks; per token this is q8_row's / q4_row's exact sequence of operations, so the outputs
// keep their bits. 4 tokens x 2 accumulators + the weights fit the 32 q registers.
static inline __attribute__((always_inline)) void
q8_row_multi(const void *w, int q4, const el_block_q8_0 *const *x, const float *const *dx, int64_t nb, int T,
             float *out) {
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    const int8x16_t eight = vdupq_n_s8(8);
    float32x4_t acc[4][2];
    for (int t = 0; t < T; t++) acc[t][0] = acc[t][1] = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; b++) {
        int8x16_t w0, w1;
        float wd;
        if (q4) {
            const el_block_q4_0 *wb = (const el_block_q4_0 *)w + b;
            const uint8x16_t v = vld1q_u8(wb->qs);
            w0 = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(v, m4)), eight); // weights 0-15
            w1 = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(v, 4)), eight); // 16-31
            wd = el_neon_f16(wb->d);
        } else {
            const el_block_q8_0 *wb = (const el_block_q8_0 *)w + b;
            w0 = vld1q_s8(wb->qs);
            w1 = vld1q_s8(wb->qs + 16);
            wd = el_neon_f16(wb->d);
        }
        for (int t = 0; t < T; t++) {
            const int32x4_t s = q8_lanes(w0, w1, x[t][b].qs);
            acc[t][b & 1] = vfmaq_n_f32(acc[t][b & 1], vcvtq_f32_s32(s), wd * dx[t][b]);
        }
    }
    for (int t = 0; t < T; t++) out[t] = q8_finish(acc[t][0], acc[t][1]);
}

#define Q8_DX_STACK 512 // activation scales on the stack up to 16384 columns; wider rows allocate

// Decode: the code from before token groups, in its own function so that it compiles as before.
__attribute__((noinline)) static void q8_decode(float *y, int64_t ldy, const void *w, int q4, const el_block_q8_0 *x,
                      int64_t rows, int64_t cols, int64_t ntok) {
    const int64_t nb = cols / EL_QK;
    float stack[Q8_DX_STACK];
    float *dx = nb <= Q8_DX_STACK ? stack : malloc((size_t)nb * sizeof(float));
    if (!dx) { // keep going, slowly, rather than fail
        (q4 ? el_scalar_matmul_q4_0 : el_scalar_matmul_q8_0)(y, ldy, w, x, rows, cols, ntok, NULL, 0, 0);
        return;
    }
    for (int64_t t = 0; t < ntok; t++) {
        const el_block_q8_0 *xt = x + t * nb;
        for (int64_t b = 0; b < nb; b++) dx[b] = el_neon_f16(xt[b].d);
        // Rows one after another: one stream for the prefetcher.
        for (int64_t r = 0; r < rows; r++) {
            y[t * ldy + r] = q4 ? q4_row((const el_block_q4_0 *)w + r * nb, xt, dx, nb)
                                : q8_row((const el_block_q8_0 *)w + r * nb, xt, dx, nb);
        }
    }
    if (dx != stack) free(dx);
}

// Tokens in groups of Q8_TOKEN_GROUP per row pass (weights loaded and unpacked once per group);
// with more than one group, rows go in blocks of ~Q8_ROW_BLOCK_BYTES with every group running
// over the block, so the weights come from L2 (512 KiB on the Pi Zero 2 W) for all groups but
// the first. Rows are still finished one after another: one stream for the prefetcher.
#define Q8_TOKEN_GROUP 4
#define Q8_ROW_BLOCK_BYTES (128 << 10)

__attribute__((noinline)) static void q8_prefill(float *y, int64_t ldy, const void *w, int q4, const el_block_q8_0 *x,
                      int64_t rows, int64_t cols, int64_t ntok) {
    const int64_t nb = cols / EL_QK;
    const int groups = ntok < Q8_TOKEN_GROUP ? (int)ntok : Q8_TOKEN_GROUP; // prepared tokens at once
    const size_t wrow = (size_t)nb * (q4 ? sizeof(el_block_q4_0) : sizeof(el_block_q8_0));
    float stack[Q8_TOKEN_GROUP][Q8_DX_STACK];
    float *dx[Q8_TOKEN_GROUP];
    float *heap = NULL;
    if (nb > Q8_DX_STACK) {
        heap = malloc((size_t)groups * (size_t)nb * sizeof(float));
        if (!heap) { // keep going, slowly, rather than fail
            (q4 ? el_scalar_matmul_q4_0 : el_scalar_matmul_q8_0)(y, ldy, w, x, rows, cols, ntok, NULL, 0, 0);
            return;
        }
    }
    for (int g = 0; g < groups; g++) dx[g] = heap ? heap + (size_t)g * nb : stack[g];
    const int64_t per_block = wrow ? (int64_t)(Q8_ROW_BLOCK_BYTES / wrow) : rows; // wrow is 0 below 32 columns
    const int64_t rb_rows = per_block > 4 ? per_block : 4;
    const int64_t rblock = ntok <= Q8_TOKEN_GROUP ? rows : rb_rows;
    for (int64_t rb = 0; rb < rows; rb += rblock) {
        const int64_t rend = rows - rb > rblock ? rb + rblock : rows;
        for (int64_t t0 = 0; t0 < ntok; t0 += Q8_TOKEN_GROUP) {
            const int T = ntok - t0 >= Q8_TOKEN_GROUP ? Q8_TOKEN_GROUP : (int)(ntok - t0);
            const el_block_q8_0 *xt[Q8_TOKEN_GROUP];
            const float *dxt[Q8_TOKEN_GROUP];
            for (int t = 0; t < T; t++) {
                xt[t] = x + (t0 + t) * nb;
                for (int64_t b = 0; b < nb; b++) dx[t][b] = el_neon_f16(xt[t][b].d);
                dxt[t] = dx[t];
            }
            float out[Q8_TOKEN_GROUP];
            float *yt = y + t0 * ldy;
            for (int64_t r = rb; r < rend; r++) {
                const uint8_t *wr = (const uint8_t *)w + (size_t)r * wrow;
                if (q4) {
                    switch (T) {
                    case 4: q8_row_multi(wr, 1, xt, dxt, nb, 4, out); break;
                    case 3: q8_row_multi(wr, 1, xt, dxt, nb, 3, out); break;
                    case 2: q8_row_multi(wr, 1, xt, dxt, nb, 2, out); break;
                    default: out[0] = q4_row((const el_block_q4_0 *)wr, xt[0], dxt[0], nb); break;
                    }
                } else {
                    switch (T) {
                    case 4: q8_row_multi(wr, 0, xt, dxt, nb, 4, out); break;
                    case 3: q8_row_multi(wr, 0, xt, dxt, nb, 3, out); break;
                    case 2: q8_row_multi(wr, 0, xt, dxt, nb, 2, out); break;
                    default: out[0] = q8_row((const el_block_q8_0 *)wr, xt[0], dxt[0], nb); break;
                    }
                }
                for (int t = 0; t < T; t++) yt[t * ldy + r] = out[t];
            }
        }
    }
    free(heap);
}

static void q8_matmul(float *y, int64_t ldy, const void *w, int q4, const el_block_q8_0 *x,
                      int64_t rows, int64_t cols, int64_t ntok) {
    if (ntok == 1) q8_decode(y, ldy, w, q4, x, rows, cols, ntok);
    else q8_prefill(y, ldy, w, q4, x, rows, cols, ntok);
}

void el_neon_matmul_q8_0(float *y, int64_t ldy, const void *wv, const void *xv,
                         int64_t rows, int64_t cols, int64_t ntok,
                         const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    q8_matmul(y, ldy, wv, 0, xv, rows, cols, ntok);
}

void el_neon_matmul_q4_0(float *y, int64_t ldy, const void *wv, const void *xv,
                         int64_t rows, int64_t cols, int64_t ntok,
                         const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    q8_matmul(y, ldy, wv, 1, xv, rows, cols, ntok);
}

// ---- f32 / f16 x f32 ---------------------------------------------------------------------------

static inline float32x4_t load_w(const void *w, int f16, int64_t c) {
    return f16 ? vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)w + c)))
               : vld1q_f32((const float *)w + c);
}

static void float_matmul(float *y, int64_t ldy, const void *w, int f16, const float *x,
                         int64_t rows, int64_t cols, int64_t ntok) {
    const size_t esize = f16 ? 2 : 4;
    for (int64_t r = 0; r < rows; r++) {
        const void *wr = (const uint8_t *)w + (size_t)r * cols * esize;
        for (int64_t t = 0; t < ntok; t++) {
            const float *xt = x + t * cols;
            float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
            int64_t c = 0;
            for (; c + 16 <= cols; c += 16) {
                a0 = vfmaq_f32(a0, load_w(wr, f16, c), vld1q_f32(xt + c));
                a1 = vfmaq_f32(a1, load_w(wr, f16, c + 4), vld1q_f32(xt + c + 4));
                a2 = vfmaq_f32(a2, load_w(wr, f16, c + 8), vld1q_f32(xt + c + 8));
                a3 = vfmaq_f32(a3, load_w(wr, f16, c + 12), vld1q_f32(xt + c + 12));
            }
            for (; c + 4 <= cols; c += 4) a0 = vfmaq_f32(a0, load_w(wr, f16, c), vld1q_f32(xt + c));
            float s = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
            for (; c < cols; c++) {
                const float wc = f16 ? el_f16_to_f32(((const uint16_t *)wr)[c]) : ((const float *)wr)[c];
                s += wc * xt[c];
            }
            y[t * ldy + r] = s;
        }
    }
}

void el_neon_matmul_f32(float *y, int64_t ldy, const void *w, const void *xq,
                        int64_t rows, int64_t cols, int64_t ntok,
                        const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    float_matmul(y, ldy, w, 0, xq, rows, cols, ntok);
}

void el_neon_matmul_f16(float *y, int64_t ldy, const void *w, const void *xq,
                        int64_t rows, int64_t cols, int64_t ntok,
                        const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    float_matmul(y, ldy, w, 1, xq, rows, cols, ntok);
}

#endif
