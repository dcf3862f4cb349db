// Attention of one query head over the KV cache, and KV stores: the scalar references.
#include "kernels_internal.h"

#include <math.h>
#include <string.h>

size_t el_kv_bytes(int kv_type, int64_t n) {
    switch (kv_type) {
    case EL_KV_F16: return (size_t)n * sizeof(uint16_t);
    case EL_KV_Q8_0: return (size_t)(n / 32) * sizeof(el_block_q8_0);
    default: return (size_t)n * sizeof(float);
    }
}

void el_scalar_attention_head(float *out, const float *q, const void *k_cache, const void *v_cache,
                              int kv_type, int64_t n_kv, int64_t head_dim, int64_t kv_stride,
                              float scale, float *scores) {
    for (int64_t p = 0; p < n_kv; p++) {
        float s = 0.0f;
        for (int64_t i = 0; i < head_dim; i++) s += q[i] * el_kv_at(k_cache, kv_type, p * kv_stride + i);
        scores[p] = s * scale;
    }
    el_scalar_softmax(scores, n_kv);
    memset(out, 0, (size_t)head_dim * sizeof(float));
    for (int64_t p = 0; p < n_kv; p++) {
        const float a = scores[p];
        for (int64_t i = 0; i < head_dim; i++) out[i] += a * el_kv_at(v_cache, kv_type, p * kv_stride + i);
    }
}

void el_scalar_store_kv(void *dst, const float *src, int64_t n, int kv_type) {
    if (kv_type == EL_KV_Q8_0) {
        el_quantize_row_q8_0(src, dst, n);
    } else if (kv_type == EL_KV_F16) {
        uint16_t *d = dst;
        for (int64_t i = 0; i < n; i++) d[i] = el_f32_to_f16(src[i]);
    } else {
        memcpy(dst, src, (size_t)n * sizeof(float));
    }
}
