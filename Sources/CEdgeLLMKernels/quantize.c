// Weight quantisers (run at conversion time) and activation quantisers (run per token).
#include "kernels_internal.h"

#include <math.h>
#include <string.h>

void el_quantize_row_q8_0(const float *x, el_block_q8_0 *y, int64_t k) {
    for (int64_t b = 0; b < k / EL_QK; b++) {
        const float *xb = x + b * EL_QK;
        float amax = 0.0f;
        for (int j = 0; j < EL_QK; j++) amax = fmaxf(amax, fabsf(xb[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = el_f32_to_f16(d);
        for (int j = 0; j < EL_QK; j++) y[b].qs[j] = (int8_t)roundf(xb[j] * id);
    }
}

void el_dequantize_row_q8_0(const el_block_q8_0 *x, float *y, int64_t k) {
    for (int64_t b = 0; b < k / EL_QK; b++) {
        const float d = el_f16_to_f32(x[b].d);
        for (int j = 0; j < EL_QK; j++) y[b * EL_QK + j] = x[b].qs[j] * d;
    }
}

// As GGML's Q4_0: the value of largest magnitude maps to -8, so the full [-8, 7] range is used.
void el_quantize_row_q4_0(const float *x, el_block_q4_0 *y, int64_t k) {
    for (int64_t b = 0; b < k / EL_QK; b++) {
        const float *xb = x + b * EL_QK;
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < EL_QK; j++) {
            if (fabsf(xb[j]) > amax) { amax = fabsf(xb[j]); max = xb[j]; }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = el_f32_to_f16(d);
        for (int j = 0; j < EL_QK / 2; j++) {
            int q0 = (int)(xb[j] * id + 8.5f);
            int q1 = (int)(xb[j + EL_QK / 2] * id + 8.5f);
            q0 = q0 > 15 ? 15 : q0;
            q1 = q1 > 15 ? 15 : q1;
            y[b].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

void el_dequantize_row_q4_0(const el_block_q4_0 *x, float *y, int64_t k) {
    for (int64_t b = 0; b < k / EL_QK; b++) {
        const float d = el_f16_to_f32(x[b].d);
        for (int j = 0; j < EL_QK / 2; j++) {
            y[b * EL_QK + j] = ((x[b].qs[j] & 0x0f) - 8) * d;
            y[b * EL_QK + j + EL_QK / 2] = ((x[b].qs[j] >> 4) - 8) * d;
        }
    }
}

float el_absmean(const float *w, int64_t n) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) sum += fabs((double)w[i]);
    float s = (float)(sum / (double)(n > 0 ? n : 1));
    return s > 1e-5f ? s : 1e-5f;
}

// TQ2 packing: in each block of 32 weights (8 bytes), byte j holds the codes of weights
// j, j+8, j+16, j+24 in bits 0-1, 2-3, 4-5, 6-7. A shift and a mask then unpack 8 consecutive
// weights at once, which is what the SIMD kernels want. Code = weight + 1.
void el_quantize_row_tq2(const float *w, uint8_t *codes, int64_t k, float s) {
    const float is = 1.0f / s;
    for (int64_t b = 0; b < k / EL_QK; b++) {
        uint8_t *out = codes + b * 8;
        memset(out, 0, 8);
        for (int j = 0; j < EL_QK; j++) {
            float q = rintf(w[b * EL_QK + j] * is);
            q = q > 1.0f ? 1.0f : (q < -1.0f ? -1.0f : q);
            out[j % 8] |= (uint8_t)(((int)q + 1) << (2 * (j / 8)));
        }
    }
}

void el_dequantize_row_tq2(const uint8_t *codes, float *y, int64_t k, float s) {
    for (int64_t b = 0; b < k / EL_QK; b++) {
        for (int j = 0; j < EL_QK; j++) {
            int code = (codes[b * 8 + j % 8] >> (2 * (j / 8))) & 3;
            y[b * EL_QK + j] = (float)(code - 1) * s;
        }
    }
}

void el_dequantize_row(el_type type, const void *row, float *y, int64_t k, float scale) {
    switch (type) {
    case EL_TYPE_F32: memcpy(y, row, (size_t)k * 4); break;
    case EL_TYPE_F16: {
        const uint16_t *h = row;
        for (int64_t i = 0; i < k; i++) y[i] = el_f16_to_f32(h[i]);
        break;
    }
    case EL_TYPE_Q8_0: el_dequantize_row_q8_0(row, y, k); break;
    case EL_TYPE_Q4_0: el_dequantize_row_q4_0(row, y, k); break;
    case EL_TYPE_TQ2: el_dequantize_row_tq2(row, y, k, scale); break;
    default: memset(y, 0, (size_t)k * 4); break;
    }
}

el_act_type el_act_type_for(el_type weight_type) {
    switch (weight_type) {
    case EL_TYPE_Q8_0:
    case EL_TYPE_Q4_0: return EL_ACT_Q8_0;
    case EL_TYPE_TQ2: return EL_ACT_I8;
    default: return EL_ACT_F32;
    }
}

// An i8 row: a 32-byte header (scale, sum of the int8 values) and the int8 values, permuted for the
// TQ2 kernels and padded to 32 (kernels_internal.h).
size_t el_act_row_size(el_act_type act, int64_t cols) {
    switch (act) {
    case EL_ACT_Q8_0: return (size_t)(cols / EL_QK) * sizeof(el_block_q8_0);
    case EL_ACT_I8: return EL_I8_HEADER + (size_t)el_i8_payload(cols);
    default: return (size_t)cols * 4;
    }
}

float el_scalar_absmax(const float *x, int64_t n) {
    float amax = 0.0f;
    for (int64_t i = 0; i < n; i++) amax = fmaxf(amax, fabsf(x[i]));
    return amax;
}

void el_scalar_round_i8(const float *x, float inv_scale, int8_t *q, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float v = rintf(x[i] * inv_scale);
        v = v > 127.0f ? 127.0f : (v < -128.0f ? -128.0f : v);
        q[i] = (int8_t)v;
    }
}

static float i8_inverse_scale(float amax, float *scale) {
    if (amax < 1e-5f) amax = 1e-5f;
    *scale = amax / 127.0f;
    return 127.0f / amax;
}

float el_quantize_row_i8(const float *x, int8_t *q, int64_t k) {
    float scale;
    const float is = i8_inverse_scale(el_scalar_absmax(x, k), &scale);
    el_scalar_round_i8(x, is, q, k);
    return scale;
}

// The chunk of blocks that starts at block b0 of nb: 4, then 2, then 1 (kernels_internal.h).
static inline int64_t chunk_blocks(int64_t b0, int64_t nb) {
    return nb - b0 >= 4 ? 4 : (nb - b0 >= 2 ? 2 : 1);
}

int64_t el_i8_position(int64_t c, int64_t cols) {
    const int64_t nb = cols / EL_QK, b = c / EL_QK, n4 = nb & ~(int64_t)3;
    if (b >= nb) return c; // the partial block past the last whole one stays in order
    int64_t b0, n;
    if (b < n4) b0 = b & ~(int64_t)3, n = 4;
    else if (nb - n4 >= 2 && b < n4 + 2) b0 = n4, n = 2;
    else b0 = b, n = 1;
    const int64_t k = (c % EL_QK) / 8, j = c % 8;
    return b0 * EL_QK + 8 * n * k + 8 * (b - b0) + j;
}

static void quantize_row_i8_permuted(const el_kernel_table *t, const float *x, uint8_t *row,
                                     int64_t cols) {
    float scale;
    const float is = i8_inverse_scale(t->absmax(x, cols), &scale);
    int8_t *v = (int8_t *)row + EL_I8_HEADER;
    const int64_t nb = cols / EL_QK;
    int32_t sum = 0;
    int8_t block[EL_QK];
    for (int64_t b0 = 0; b0 < nb;) {
        const int64_t n = chunk_blocks(b0, nb);
        for (int64_t b = 0; b < n; b++) {
            t->round_i8(x + (b0 + b) * EL_QK, is, block, EL_QK);
            for (int j = 0; j < EL_QK; j++) sum += block[j];
            for (int k = 0; k < 4; k++) {
                memcpy(v + b0 * EL_QK + 8 * n * k + 8 * b, block + 8 * k, 8);
            }
        }
        b0 += n;
    }
    const int64_t tail = cols - nb * EL_QK;
    memset(v + nb * EL_QK, 0, (size_t)(el_i8_payload(cols) - nb * EL_QK));
    if (tail > 0) {
        t->round_i8(x + nb * EL_QK, is, v + nb * EL_QK, tail);
        for (int64_t j = 0; j < tail; j++) sum += v[nb * EL_QK + j];
    }
    memset(row, 0, EL_I8_HEADER);
    memcpy(row, &scale, sizeof(float));
    memcpy(row + 4, &sum, sizeof(int32_t));
}

void el_quantize_act_with(const el_kernel_table *t, el_act_type act, const float *x, void *out,
                          int64_t cols, int64_t ntok) {
    const size_t row = el_act_row_size(act, cols);
    for (int64_t i = 0; i < ntok; i++) {
        uint8_t *dst = (uint8_t *)out + (size_t)i * row;
        const float *src = x + i * cols;
        switch (act) {
        case EL_ACT_Q8_0: t->quantize_row_q8_0(src, (el_block_q8_0 *)dst, cols); break;
        case EL_ACT_I8: quantize_row_i8_permuted(t, src, dst, cols); break;
        default: memcpy(dst, src, (size_t)cols * 4); break;
        }
    }
}

void el_dequantize_act(el_act_type act, const void *xq, float *y, int64_t cols) {
    switch (act) {
    case EL_ACT_Q8_0: el_dequantize_row_q8_0(xq, y, cols); break;
    case EL_ACT_I8: {
        const float s = el_i8_scale(xq);
        const int8_t *v = el_i8_values(xq);
        for (int64_t c = 0; c < cols; c++) y[c] = (float)v[el_i8_position(c, cols)] * s;
        break;
    }
    default: memcpy(y, xq, (size_t)cols * 4); break;
    }
}
