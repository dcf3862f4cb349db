// Matrix x activations for every weight type: the scalar references. Correct and portable; the
// SIMD variants (matmul_avx2.c, matmul_neon.c) are tested against these, bit for bit where the
// arithmetic is integer (see kernels_internal.h for the float order Q8_0/Q4_0 share).
#include "kernels_internal.h"

#include <math.h>
#include <string.h>

void el_scalar_matmul_f32(float *y, int64_t ldy, const void *wv, const void *xv,
                          int64_t rows, int64_t cols, int64_t ntok,
                          const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    const float *w = wv, *x = xv;
    for (int64_t t = 0; t < ntok; t++) {
        const float *xt = x + t * cols;
        for (int64_t r = 0; r < rows; r++) {
            const float *wr = w + r * cols;
            // Four partial sums keep the reference close to what vector code computes.
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int64_t c = 0;
            for (; c + 4 <= cols; c += 4) {
                s0 += wr[c] * xt[c];
                s1 += wr[c + 1] * xt[c + 1];
                s2 += wr[c + 2] * xt[c + 2];
                s3 += wr[c + 3] * xt[c + 3];
            }
            for (; c < cols; c++) s0 += wr[c] * xt[c];
            y[t * ldy + r] = (s0 + s1) + (s2 + s3);
        }
    }
}

void el_scalar_matmul_f16(float *y, int64_t ldy, const void *wv, const void *xv,
                          int64_t rows, int64_t cols, int64_t ntok,
                          const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    const uint16_t *w = wv;
    const float *x = xv;
    for (int64_t t = 0; t < ntok; t++) {
        const float *xt = x + t * cols;
        for (int64_t r = 0; r < rows; r++) {
            const uint16_t *wr = w + r * cols;
            float s = 0;
            for (int64_t c = 0; c < cols; c++) s += el_f16_to_f32(wr[c]) * xt[c];
            y[t * ldy + r] = s;
        }
    }
}

// The 4 integer lanes of one block (see kernels_internal.h): lane l sums products 4l..4l+3 and
// 16+4l..16+4l+3; `wv(j)` is weight j of the block as an int.
#define Q8_LANES(lane, wv, xb)                                                              \
    for (int l = 0; l < 4; l++) {                                                           \
        int32_t s = 0;                                                                      \
        for (int j = 4 * l; j < 4 * l + 4; j++) s += (wv(j)) * (int32_t)(xb)[j];            \
        for (int j = 16 + 4 * l; j < 16 + 4 * l + 4; j++) s += (wv(j)) * (int32_t)(xb)[j];  \
        lane[l] = s;                                                                        \
    }

void el_scalar_matmul_q8_0(float *y, int64_t ldy, const void *wv, const void *xv,
                           int64_t rows, int64_t cols, int64_t ntok,
                           const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    const el_block_q8_0 *w = wv, *x = xv;
    const int64_t nb = cols / EL_QK;
    for (int64_t t = 0; t < ntok; t++) {
        const el_block_q8_0 *xt = x + t * nb;
        for (int64_t r = 0; r < rows; r++) {
            const el_block_q8_0 *wr = w + r * nb;
            float acc[2][4] = {{0}};
            for (int64_t b = 0; b < nb; b++) {
                int32_t lane[4];
#define W8(j) (int32_t) wr[b].qs[j]
                Q8_LANES(lane, W8, xt[b].qs)
#undef W8
                const float d = el_f16_to_f32(wr[b].d) * el_f16_to_f32(xt[b].d);
                for (int l = 0; l < 4; l++) acc[b & 1][l] = fmaf((float)lane[l], d, acc[b & 1][l]);
            }
            y[t * ldy + r] = el_q8_reduce(acc[0], acc[1]);
        }
    }
}

void el_scalar_matmul_q4_0(float *y, int64_t ldy, const void *wv, const void *xv,
                           int64_t rows, int64_t cols, int64_t ntok,
                           const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    const el_block_q4_0 *w = wv;
    const el_block_q8_0 *x = xv;
    const int64_t nb = cols / EL_QK;
    for (int64_t t = 0; t < ntok; t++) {
        const el_block_q8_0 *xt = x + t * nb;
        for (int64_t r = 0; r < rows; r++) {
            const el_block_q4_0 *wr = w + r * nb;
            float acc[2][4] = {{0}};
            for (int64_t b = 0; b < nb; b++) {
                int32_t lane[4];
                // Weight j < 16 is the low nibble of byte j, weight j >= 16 the high nibble of j-16.
#define W4(j) ((j) < 16 ? (int32_t)(wr[b].qs[(j)] & 0x0f) - 8 : (int32_t)(wr[b].qs[(j)-16] >> 4) - 8)
                Q8_LANES(lane, W4, xt[b].qs)
#undef W4
                const float d = el_f16_to_f32(wr[b].d) * el_f16_to_f32(xt[b].d);
                for (int l = 0; l < 4; l++) acc[b & 1][l] = fmaf((float)lane[l], d, acc[b & 1][l]);
            }
            y[t * ldy + r] = el_q8_reduce(acc[0], acc[1]);
        }
    }
}

// Ternary weights against per-token int8 activations: the exact integer dot product of the
// weights (code - 1) and the activations, then one multiply by the weight scale and one by the
// activation scale. The activations are stored permuted (kernels_internal.h); the loop walks
// the chunks in the same way so each code meets its own column's value.
void el_scalar_matmul_tq2(float *y, int64_t ldy, const void *wv, const void *xv,
                          int64_t rows, int64_t cols, int64_t ntok,
                          const float *scales, int64_t n_scales, int64_t row0) {
    const uint8_t *w = wv;
    const uint8_t *x = xv;
    const size_t xrow = el_act_row_size(EL_ACT_I8, cols);
    const int64_t wrow = cols / 4, nb = cols / EL_QK;
    for (int64_t t = 0; t < ntok; t++) {
        const float xs = el_i8_scale(x + (size_t)t * xrow);
        const int8_t *xq = el_i8_values(x + (size_t)t * xrow);
        for (int64_t r = 0; r < rows; r++) {
            const uint8_t *codes = w + r * wrow;
            int32_t acc = 0;
            int64_t b0 = 0;
            while (b0 < nb) {
                const int n = nb - b0 >= 4 ? 4 : (nb - b0 >= 2 ? 2 : 1);
                const int8_t *xc = xq + b0 * EL_QK;
                for (int b = 0; b < n; b++) {
                    for (int j = 0; j < 8; j++) {
                        const uint8_t byte = codes[(b0 + b) * 8 + j];
                        for (int k = 0; k < 4; k++) {
                            acc += ((int32_t)((byte >> (2 * k)) & 3) - 1) * xc[8 * n * k + 8 * b + j];
                        }
                    }
                }
                b0 += n;
            }
            const float ws = n_scales == 1 ? scales[0] : scales[row0 + r];
            y[t * ldy + r] = (float)acc * ws * xs;
        }
    }
}
