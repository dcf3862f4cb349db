// Normalisation, activations, RoPE and activation quantisers with AVX2+FMA (x86-64). Where the
// scalar reference is exact arithmetic in a fixed order (RoPE, ReLU^2, add, the quantisers), these
// do the same operations per lane and give identical bits; reductions and exp differ in the last
// bits (kernels' tests state the tolerance).
#if defined(__x86_64__)
#include "kernels_avx2.h"

#include <math.h>
#include <string.h>

EL_AVX2 void el_avx2_rmsnorm(float *out, const float *x, const float *weight, int64_t n, float eps) {
    // Squares summed in double as the reference does: a float product is exact in double, so
    // only the order of the additions differs.
    __m256d a0 = _mm256_setzero_pd(), a1 = a0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
        const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        a0 = _mm256_fmadd_pd(lo, lo, a0);
        a1 = _mm256_fmadd_pd(hi, hi, a1);
    }
    const __m256d a = _mm256_add_pd(a0, a1);
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    double ss = _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
    for (int64_t j = i; j < n; j++) ss += (double)x[j] * x[j];
    const float inv = 1.0f / sqrtf((float)(ss / (double)n) + eps);
    const __m256 vinv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv);
        _mm256_storeu_ps(out + i, _mm256_mul_ps(v, _mm256_loadu_ps(weight + i)));
    }
    for (; i < n; i++) out[i] = (x[i] * inv) * weight[i];
}

EL_AVX2 void el_avx2_swiglu(float *gate, const float *up, int64_t n) {
    const __m256 one = _mm256_set1_ps(1.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 e = el_avx2_exp(_mm256_sub_ps(_mm256_setzero_ps(), g));
        const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, e));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) gate[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

EL_AVX2 void el_avx2_relu2_glu(float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        // max returns its second operand for NaN and for +-0, matching `g > 0 ? g : 0`.
        const __m256 g = _mm256_max_ps(_mm256_loadu_ps(gate + i), _mm256_setzero_ps());
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_mul_ps(g, g), _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) {
        const float g = gate[i] > 0.0f ? gate[i] : 0.0f;
        gate[i] = g * g * up[i];
    }
}

EL_AVX2 void el_avx2_add(float *y, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
    }
    for (; i < n; i++) y[i] += x[i];
}

EL_AVX2 void el_avx2_softmax(float *x, int64_t n) {
    if (n <= 0) return;
    int64_t i = 0;
    float max = x[0];
    if (n >= 8) {
        __m256 m = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
        max = el_avx2_hmax_ps(m);
    }
    for (; i < n; i++) max = x[i] > max ? x[i] : max;
    const __m256 vmax = _mm256_set1_ps(max);
    __m256 vsum = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 e = el_avx2_exp(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(x + i, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    float sum = el_avx2_hsum_ps(vsum);
    for (; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    const float inv = 1.0f / sum;
    const __m256 vinv = _mm256_set1_ps(inv);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vinv));
    for (; i < n; i++) x[i] *= inv;
}

// The reference's cosf/sinf per frequency, computed once per call for all heads, then the same
// multiply and subtract per lane: identical results.
#define ROPE_SPAN 128
EL_AVX2 void el_avx2_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t pos, const float *inv_freq) {
    const int64_t half = head_dim / 2;
    float cs[ROPE_SPAN], sn[ROPE_SPAN];
    for (int64_t i0 = 0; i0 < half; i0 += ROPE_SPAN) {
        const int64_t m = half - i0 < ROPE_SPAN ? half - i0 : ROPE_SPAN;
        for (int64_t i = 0; i < m; i++) {
            const float angle = (float)pos * inv_freq[i0 + i];
            cs[i] = cosf(angle);
            sn[i] = sinf(angle);
        }
        for (int64_t h = 0; h < n_heads; h++) {
            float *v0 = x + h * head_dim + i0, *v1 = v0 + half;
            int64_t i = 0;
            for (; i + 8 <= m; i += 8) {
                const __m256 a = _mm256_loadu_ps(v0 + i), b = _mm256_loadu_ps(v1 + i);
                const __m256 c = _mm256_loadu_ps(cs + i), s = _mm256_loadu_ps(sn + i);
                _mm256_storeu_ps(v0 + i, _mm256_sub_ps(_mm256_mul_ps(a, c), _mm256_mul_ps(b, s)));
                _mm256_storeu_ps(v1 + i, _mm256_add_ps(_mm256_mul_ps(b, c), _mm256_mul_ps(a, s)));
            }
            for (; i < m; i++) {
                const float a = v0[i], b = v1[i];
                v0[i] = a * cs[i] - b * sn[i];
                v1[i] = b * cs[i] + a * sn[i];
            }
        }
    }
}

// ---- attention ---------------------------------------------------------------------------------

EL_AVX2 static inline __m256 load_kv(const void *cache, int f16, int64_t index) {
    return f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)cache + index)))
               : _mm256_loadu_ps((const float *)cache + index);
}

// A Q8_0 block's 32 values as four vectors of floats (without its scale).
EL_AVX2 static inline void q8_0_floats(const el_block_q8_0 *b, __m256 f[4]) {
    const __m128i lo = _mm_loadu_si128((const __m128i *)b->qs), hi = _mm_loadu_si128((const __m128i *)(b->qs + 16));
    f[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo));
    f[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)));
    f[2] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi));
    f[3] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)));
}

// The Q8_0 cache block by block: a block's scale multiplies its dot product (keys) or joins the
// attention weight (values) once, instead of every value.
EL_AVX2 static void attention_head_q8_0(float *out, const float *q, const void *k_cache, const void *v_cache,
                                        int64_t n_kv, int64_t head_dim, int64_t kv_stride, float scale,
                                        float *scores) {
    const int64_t blocks = head_dim / 32, row_blocks = kv_stride / 32;
    const el_block_q8_0 *keys = k_cache, *values = v_cache;
    for (int64_t p = 0; p < n_kv; p++) {
        const el_block_q8_0 *row = keys + p * row_blocks;
        __m256 acc = _mm256_setzero_ps();
        for (int64_t b = 0; b < blocks; b++) {
            __m256 f[4];
            q8_0_floats(row + b, f);
            const float *qb = q + 32 * b;
            __m256 dot = _mm256_mul_ps(_mm256_loadu_ps(qb), f[0]);
            dot = _mm256_fmadd_ps(_mm256_loadu_ps(qb + 8), f[1], dot);
            dot = _mm256_fmadd_ps(_mm256_loadu_ps(qb + 16), f[2], dot);
            dot = _mm256_fmadd_ps(_mm256_loadu_ps(qb + 24), f[3], dot);
            acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(row[b].d)), dot, acc);
        }
        scores[p] = el_avx2_hsum_ps(acc) * scale;
    }
    el_avx2_softmax(scores, n_kv);
    for (int64_t b = 0; b < blocks; b++) {
        __m256 o0 = _mm256_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
        for (int64_t p = 0; p < n_kv; p++) {
            const el_block_q8_0 *block = values + p * row_blocks + b;
            __m256 f[4];
            q8_0_floats(block, f);
            const __m256 a = _mm256_set1_ps(scores[p] * _cvtsh_ss(block->d));
            o0 = _mm256_fmadd_ps(a, f[0], o0);
            o1 = _mm256_fmadd_ps(a, f[1], o1);
            o2 = _mm256_fmadd_ps(a, f[2], o2);
            o3 = _mm256_fmadd_ps(a, f[3], o3);
        }
        _mm256_storeu_ps(out + 32 * b, o0);
        _mm256_storeu_ps(out + 32 * b + 8, o1);
        _mm256_storeu_ps(out + 32 * b + 16, o2);
        _mm256_storeu_ps(out + 32 * b + 24, o3);
    }
}

EL_AVX2 void el_avx2_attention_head(float *out, const float *q, const void *k_cache, const void *v_cache,
                                    int kv_type, int64_t n_kv, int64_t head_dim, int64_t kv_stride,
                                    float scale, float *scores) {
    if (kv_type == EL_KV_Q8_0) {
        attention_head_q8_0(out, q, k_cache, v_cache, n_kv, head_dim, kv_stride, scale, scores);
        return;
    }
    const int f16 = kv_type == EL_KV_F16;
    for (int64_t p = 0; p < n_kv; p++) {
        const int64_t base = p * kv_stride;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0;
        int64_t i = 0;
        for (; i + 16 <= head_dim; i += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_kv(k_cache, f16, base + i), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load_kv(k_cache, f16, base + i + 8), a1);
        }
        for (; i + 8 <= head_dim; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_kv(k_cache, f16, base + i), a0);
        float s = el_avx2_hsum_ps(_mm256_add_ps(a0, a1));
        for (; i < head_dim; i++) s += q[i] * el_kv_at(k_cache, kv_type, base + i);
        scores[p] = s * scale;
    }
    el_avx2_softmax(scores, n_kv);
    // 32 output dimensions at a time stay in registers while the positions stream past.
    int64_t i = 0;
    for (; i + 32 <= head_dim; i += 32) {
        __m256 o0 = _mm256_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
        for (int64_t p = 0; p < n_kv; p++) {
            const __m256 a = _mm256_set1_ps(scores[p]);
            const int64_t base = p * kv_stride + i;
            o0 = _mm256_fmadd_ps(a, load_kv(v_cache, f16, base), o0);
            o1 = _mm256_fmadd_ps(a, load_kv(v_cache, f16, base + 8), o1);
            o2 = _mm256_fmadd_ps(a, load_kv(v_cache, f16, base + 16), o2);
            o3 = _mm256_fmadd_ps(a, load_kv(v_cache, f16, base + 24), o3);
        }
        _mm256_storeu_ps(out + i, o0);
        _mm256_storeu_ps(out + i + 8, o1);
        _mm256_storeu_ps(out + i + 16, o2);
        _mm256_storeu_ps(out + i + 24, o3);
    }
    for (; i + 8 <= head_dim; i += 8) {
        __m256 o = _mm256_setzero_ps();
        for (int64_t p = 0; p < n_kv; p++) {
            o = _mm256_fmadd_ps(_mm256_set1_ps(scores[p]), load_kv(v_cache, f16, p * kv_stride + i), o);
        }
        _mm256_storeu_ps(out + i, o);
    }
    for (; i < head_dim; i++) {
        float o = 0.0f;
        for (int64_t p = 0; p < n_kv; p++) o += scores[p] * el_kv_at(v_cache, kv_type, p * kv_stride + i);
        out[i] = o;
    }
}

EL_AVX2 void el_avx2_store_kv(void *dst, const float *src, int64_t n, int kv_type) {
    if (kv_type == EL_KV_Q8_0) {
        el_avx2_quantize_row_q8_0(src, dst, n);
        return;
    }
    if (kv_type == EL_KV_F32) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    // Round to nearest even, as el_f32_to_f16 (NaN payloads aside).
    uint16_t *d = dst;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128((__m128i *)(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; i++) d[i] = el_f32_to_f16(src[i]);
}

// ---- activation quantisers ---------------------------------------------------------------------

EL_AVX2 static inline __m256 abs_ps(__m256 v) {
    return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}

EL_AVX2 float el_avx2_absmax(const float *x, int64_t n) {
    // max(v, acc) keeps acc when v is NaN, as fmaxf does.
    __m256 m = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(abs_ps(_mm256_loadu_ps(x + i)), m);
    float amax = el_avx2_hmax_ps(m);
    for (; i < n; i++) amax = fmaxf(amax, fabsf(x[i]));
    return amax;
}

// 32 int32 lanes (already integral and in range) to 32 int8 in order.
EL_AVX2 static inline __m256i pack_i8(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i ab = _mm256_packs_epi32(a, b), cd = _mm256_packs_epi32(c, d);
    return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

EL_AVX2 static inline __m256i round_clamp(const float *x, __m256 s) {
    __m256 v = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x), s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(-128.0f)), _mm256_set1_ps(127.0f));
    return _mm256_cvtps_epi32(v);
}

EL_AVX2 void el_avx2_round_i8(const float *x, float inv_scale, int8_t *q, int64_t n) {
    const __m256 s = _mm256_set1_ps(inv_scale);
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        const __m256i r = pack_i8(round_clamp(x + i, s), round_clamp(x + i + 8, s),
                                  round_clamp(x + i + 16, s), round_clamp(x + i + 24, s));
        _mm256_storeu_si256((__m256i *)(q + i), r);
    }
    el_scalar_round_i8(x + i, inv_scale, q + i, n - i);
}

// roundf (halves away from zero) exactly: truncate, then step away from zero when the exact
// remainder is at least one half.
EL_AVX2 static inline __m256i round_away(const float *x, __m256 s) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x), s);
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 f = _mm256_sub_ps(v, t);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 up = _mm256_and_ps(_mm256_cmp_ps(f, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one);
    const __m256 down = _mm256_and_ps(_mm256_cmp_ps(f, _mm256_set1_ps(-0.5f), _CMP_LE_OQ), one);
    return _mm256_cvtps_epi32(_mm256_sub_ps(_mm256_add_ps(t, up), down));
}

EL_AVX2 void el_avx2_quantize_row_q8_0(const float *x, el_block_q8_0 *y, int64_t k) {
    for (int64_t b = 0; b < k / EL_QK; b++) {
        const float *xb = x + b * EL_QK;
        __m256 m = _mm256_max_ps(abs_ps(_mm256_loadu_ps(xb)), abs_ps(_mm256_loadu_ps(xb + 8)));
        m = _mm256_max_ps(m, _mm256_max_ps(abs_ps(_mm256_loadu_ps(xb + 16)), abs_ps(_mm256_loadu_ps(xb + 24))));
        const float amax = el_avx2_hmax_ps(m);
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = el_f32_to_f16(d);
        const __m256 s = _mm256_set1_ps(id);
        const __m256i q = pack_i8(round_away(xb, s), round_away(xb + 8, s), round_away(xb + 16, s),
                                  round_away(xb + 24, s));
        _mm256_storeu_si256((__m256i *)y[b].qs, q);
    }
}

#endif
