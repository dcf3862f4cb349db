// Weight quantisers (run at conversion time) and activation quantisers (run per token).
#include "edgellm_kernels.h"

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

// An i8 row is its float scale followed by the int8 values, padded to 4 bytes.
size_t el_act_row_size(el_act_type act, int64_t cols) {
    switch (act) {
    case EL_ACT_Q8_0: return (size_t)(cols / EL_QK) * sizeof(el_block_q8_0);
    case EL_ACT_I8: return sizeof(float) + (((size_t)cols + 3) & ~(size_t)3);
    default: return (size_t)cols * 4;
    }
}

float el_quantize_row_i8(const float *x, int8_t *q, int64_t k) {
    float amax = 0.0f;
    for (int64_t i = 0; i < k; i++) amax = fmaxf(amax, fabsf(x[i]));
    if (amax < 1e-5f) amax = 1e-5f;
    const float is = 127.0f / amax;
    for (int64_t i = 0; i < k; i++) {
        float v = rintf(x[i] * is);
        v = v > 127.0f ? 127.0f : (v < -128.0f ? -128.0f : v);
        q[i] = (int8_t)v;
    }
    return amax / 127.0f;
}

void el_quantize_act(el_act_type act, const float *x, void *out, int64_t cols, int64_t ntok) {
    const size_t row = el_act_row_size(act, cols);
    for (int64_t t = 0; t < ntok; t++) {
        uint8_t *dst = (uint8_t *)out + (size_t)t * row;
        const float *src = x + t * cols;
        switch (act) {
        case EL_ACT_Q8_0: el_quantize_row_q8_0(src, (el_block_q8_0 *)dst, cols); break;
        case EL_ACT_I8: {
            float s = el_quantize_row_i8(src, (int8_t *)(dst + sizeof(float)), cols);
            memcpy(dst, &s, sizeof(float));
            break;
        }
        default: memcpy(dst, src, (size_t)cols * 4); break;
        }
    }
}
