// Matrix x activations for every weight type. Scalar reference implementations: correct and
// portable; the SIMD variants are checked against these.
#include "edgellm_kernels.h"

#include <string.h>

static void matmul_f32(float *y, int64_t ldy, const float *w, const float *x,
                       int64_t rows, int64_t cols, int64_t ntok) {
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

static void matmul_f16(float *y, int64_t ldy, const uint16_t *w, const float *x,
                       int64_t rows, int64_t cols, int64_t ntok) {
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

static void matmul_q8_0(float *y, int64_t ldy, const el_block_q8_0 *w, const el_block_q8_0 *x,
                        int64_t rows, int64_t cols, int64_t ntok) {
    const int64_t nb = cols / EL_QK;
    for (int64_t t = 0; t < ntok; t++) {
        const el_block_q8_0 *xt = x + t * nb;
        for (int64_t r = 0; r < rows; r++) {
            const el_block_q8_0 *wr = w + r * nb;
            float s = 0;
            for (int64_t b = 0; b < nb; b++) {
                int32_t acc = 0;
                for (int j = 0; j < EL_QK; j++) acc += (int32_t)wr[b].qs[j] * xt[b].qs[j];
                s += (float)acc * (el_f16_to_f32(wr[b].d) * el_f16_to_f32(xt[b].d));
            }
            y[t * ldy + r] = s;
        }
    }
}

static void matmul_q4_0(float *y, int64_t ldy, const el_block_q4_0 *w, const el_block_q8_0 *x,
                        int64_t rows, int64_t cols, int64_t ntok) {
    const int64_t nb = cols / EL_QK;
    for (int64_t t = 0; t < ntok; t++) {
        const el_block_q8_0 *xt = x + t * nb;
        for (int64_t r = 0; r < rows; r++) {
            const el_block_q4_0 *wr = w + r * nb;
            float s = 0;
            for (int64_t b = 0; b < nb; b++) {
                int32_t acc = 0;
                for (int j = 0; j < EL_QK / 2; j++) {
                    acc += ((wr[b].qs[j] & 0x0f) - 8) * (int32_t)xt[b].qs[j];
                    acc += ((wr[b].qs[j] >> 4) - 8) * (int32_t)xt[b].qs[j + EL_QK / 2];
                }
                s += (float)acc * (el_f16_to_f32(wr[b].d) * el_f16_to_f32(xt[b].d));
            }
            y[t * ldy + r] = s;
        }
    }
}

// Ternary weights against per-token int8 activations: an exact integer dot product, then one
// multiply by the weight scale and the activation scale.
static void matmul_tq2(float *y, int64_t ldy, const uint8_t *w, const uint8_t *x,
                       int64_t rows, int64_t cols, int64_t ntok,
                       const float *scales, int64_t n_scales, int64_t row0) {
    const size_t xrow = el_act_row_size(EL_ACT_I8, cols);
    const int64_t wrow = cols / 4;
    for (int64_t t = 0; t < ntok; t++) {
        float xs;
        memcpy(&xs, x + (size_t)t * xrow, sizeof(float));
        const int8_t *xq = (const int8_t *)(x + (size_t)t * xrow + sizeof(float));
        for (int64_t r = 0; r < rows; r++) {
            const uint8_t *codes = w + r * wrow;
            int32_t acc = 0;
            for (int64_t b = 0; b < cols / EL_QK; b++) {
                const int8_t *xb = xq + b * EL_QK;
                for (int j = 0; j < 8; j++) {
                    const uint8_t byte = codes[b * 8 + j];
                    acc += ((int)(byte & 3) - 1) * xb[j];
                    acc += ((int)((byte >> 2) & 3) - 1) * xb[j + 8];
                    acc += ((int)((byte >> 4) & 3) - 1) * xb[j + 16];
                    acc += ((int)(byte >> 6) - 1) * xb[j + 24];
                }
            }
            const float ws = n_scales == 1 ? scales[0] : scales[row0 + r];
            y[t * ldy + r] = (float)acc * ws * xs;
        }
    }
}

void el_matmul(el_type type, float *y, int64_t ldy, const void *w, const void *xq,
               int64_t rows, int64_t cols, int64_t ntok,
               const float *scales, int64_t n_scales, int64_t row0) {
    switch (type) {
    case EL_TYPE_F32: matmul_f32(y, ldy, w, xq, rows, cols, ntok); break;
    case EL_TYPE_F16: matmul_f16(y, ldy, w, xq, rows, cols, ntok); break;
    case EL_TYPE_Q8_0: matmul_q8_0(y, ldy, w, xq, rows, cols, ntok); break;
    case EL_TYPE_Q4_0: matmul_q4_0(y, ldy, w, xq, rows, cols, ntok); break;
    case EL_TYPE_TQ2: matmul_tq2(y, ldy, w, xq, rows, cols, ntok, scales, n_scales, row0); break;
    default: break;
    }
}
