// Normalisation, activations, RoPE, attention, KV stores and activation quantisers with NEON
// (AArch64, ARMv8.0). As in ops_avx2.c: lane-for-lane the scalar arithmetic where the reference
// is exact (identical bits), a different summation order and a polynomial exp elsewhere.
#if defined(__aarch64__)
#include "kernels_neon.h"

#include <math.h>
#include <string.h>

void el_neon_rmsnorm(float *out, const float *x, const float *weight, int64_t n, float eps) {
    // Squares summed in double, as the reference: only the order of the additions differs.
    float64x2_t a0 = vdupq_n_f64(0.0), a1 = a0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t v = vld1q_f32(x + i);
        const float64x2_t lo = vcvt_f64_f32(vget_low_f32(v)), hi = vcvt_high_f64_f32(v);
        a0 = vfmaq_f64(a0, lo, lo);
        a1 = vfmaq_f64(a1, hi, hi);
    }
    double ss = vaddvq_f64(vaddq_f64(a0, a1));
    for (int64_t j = i; j < n; j++) ss += (double)x[j] * x[j];
    const float inv = 1.0f / sqrtf((float)(ss / (double)n) + eps);
    for (i = 0; i + 4 <= n; i += 4) {
        vst1q_f32(out + i, vmulq_f32(vmulq_n_f32(vld1q_f32(x + i), inv), vld1q_f32(weight + i)));
    }
    for (; i < n; i++) out[i] = (x[i] * inv) * weight[i];
}

void el_neon_swiglu(float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t g = vld1q_f32(gate + i);
        const float32x4_t silu = vdivq_f32(g, vaddq_f32(vdupq_n_f32(1.0f), el_neon_exp(vnegq_f32(g))));
        vst1q_f32(gate + i, vmulq_f32(silu, vld1q_f32(up + i)));
    }
    for (; i < n; i++) gate[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

void el_neon_relu2_glu(float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        // A mask of g > 0 rather than vmaxq: NaN and -0 become +0 exactly as `g > 0 ? g : 0`.
        const float32x4_t v = vld1q_f32(gate + i);
        const float32x4_t g = vreinterpretq_f32_u32(vandq_u32(vcgtq_f32(v, vdupq_n_f32(0.0f)), vreinterpretq_u32_f32(v)));
        vst1q_f32(gate + i, vmulq_f32(vmulq_f32(g, g), vld1q_f32(up + i)));
    }
    for (; i < n; i++) {
        const float g = gate[i] > 0.0f ? gate[i] : 0.0f;
        gate[i] = g * g * up[i];
    }
}

void el_neon_add(float *y, const float *x, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vaddq_f32(vld1q_f32(y + i), vld1q_f32(x + i)));
    for (; i < n; i++) y[i] += x[i];
}

void el_neon_softmax(float *x, int64_t n) {
    if (n <= 0) return;
    int64_t i = 0;
    float max = x[0];
    if (n >= 4) {
        float32x4_t m = vld1q_f32(x);
        for (i = 4; i + 4 <= n; i += 4) m = vmaxq_f32(m, vld1q_f32(x + i));
        max = vmaxvq_f32(m);
    }
    for (; i < n; i++) max = x[i] > max ? x[i] : max;
    const float32x4_t vmax = vdupq_n_f32(max);
    float32x4_t vsum = vdupq_n_f32(0.0f);
    for (i = 0; i + 4 <= n; i += 4) {
        const float32x4_t e = el_neon_exp(vsubq_f32(vld1q_f32(x + i), vmax));
        vst1q_f32(x + i, e);
        vsum = vaddq_f32(vsum, e);
    }
    float sum = vaddvq_f32(vsum);
    for (; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    const float inv = 1.0f / sum;
    for (i = 0; i + 4 <= n; i += 4) vst1q_f32(x + i, vmulq_n_f32(vld1q_f32(x + i), inv));
    for (; i < n; i++) x[i] *= inv;
}

// cosf/sinf once per frequency for all heads, then the reference's operations per lane.
#define ROPE_SPAN 128
void el_neon_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t pos, const float *inv_freq) {
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
            for (; i + 4 <= m; i += 4) {
                const float32x4_t a = vld1q_f32(v0 + i), b = vld1q_f32(v1 + i);
                const float32x4_t c = vld1q_f32(cs + i), s = vld1q_f32(sn + i);
                vst1q_f32(v0 + i, vsubq_f32(vmulq_f32(a, c), vmulq_f32(b, s)));
                vst1q_f32(v1 + i, vaddq_f32(vmulq_f32(b, c), vmulq_f32(a, s)));
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

static inline float32x4_t load_kv(const void *cache, int f16, int64_t index) {
    return f16 ? vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)cache + index)))
               : vld1q_f32((const float *)cache + index);
}

// A Q8_0 block's 32 values as eight vectors of floats (without its scale).
static inline void q8_0_floats(const el_block_q8_0 *b, float32x4_t f[8]) {
    const int8x16_t lo = vld1q_s8(b->qs), hi = vld1q_s8(b->qs + 16);
    const int16x8_t h[4] = {vmovl_s8(vget_low_s8(lo)), vmovl_s8(vget_high_s8(lo)),
                            vmovl_s8(vget_low_s8(hi)), vmovl_s8(vget_high_s8(hi))};
    for (int i = 0; i < 4; i++) {
        f[2 * i] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(h[i])));
        f[2 * i + 1] = vcvtq_f32_s32(vmovl_s16(vget_high_s16(h[i])));
    }
}

// The Q8_0 cache block by block: a block's scale multiplies its dot product (keys) or joins the
// attention weight (values) once, instead of every value.
static void attention_head_q8_0(float *out, const float *q, const void *k_cache, const void *v_cache,
                                int64_t n_kv, int64_t head_dim, int64_t kv_stride, float scale,
                                float *scores) {
    const int64_t blocks = head_dim / 32, row_blocks = kv_stride / 32;
    const el_block_q8_0 *keys = k_cache, *values = v_cache;
    for (int64_t p = 0; p < n_kv; p++) {
        const el_block_q8_0 *row = keys + p * row_blocks;
        float32x4_t acc = vdupq_n_f32(0.0f);
        for (int64_t b = 0; b < blocks; b++) {
            float32x4_t f[8];
            q8_0_floats(row + b, f);
            const float *qb = q + 32 * b;
            float32x4_t d0 = vmulq_f32(vld1q_f32(qb), f[0]), d1 = vmulq_f32(vld1q_f32(qb + 4), f[1]);
            for (int i = 2; i < 8; i += 2) {
                d0 = vfmaq_f32(d0, vld1q_f32(qb + 4 * i), f[i]);
                d1 = vfmaq_f32(d1, vld1q_f32(qb + 4 * i + 4), f[i + 1]);
            }
            acc = vfmaq_n_f32(acc, vaddq_f32(d0, d1), el_neon_f16(row[b].d));
        }
        scores[p] = vaddvq_f32(acc) * scale;
    }
    el_neon_softmax(scores, n_kv);
    for (int64_t b = 0; b < blocks; b++) {
        float32x4_t o[8];
        for (int i = 0; i < 8; i++) o[i] = vdupq_n_f32(0.0f);
        for (int64_t p = 0; p < n_kv; p++) {
            const el_block_q8_0 *block = values + p * row_blocks + b;
            float32x4_t f[8];
            q8_0_floats(block, f);
            const float a = scores[p] * el_neon_f16(block->d);
            for (int i = 0; i < 8; i++) o[i] = vfmaq_n_f32(o[i], f[i], a);
        }
        for (int i = 0; i < 8; i++) vst1q_f32(out + 32 * b + 4 * i, o[i]);
    }
}

void el_neon_attention_head(float *out, const float *q, const void *k_cache, const void *v_cache,
                            int kv_type, int64_t n_kv, int64_t head_dim, int64_t kv_stride,
                            float scale, float *scores) {
    if (kv_type == EL_KV_Q8_0) {
        attention_head_q8_0(out, q, k_cache, v_cache, n_kv, head_dim, kv_stride, scale, scores);
        return;
    }
    const int f16 = kv_type == EL_KV_F16;
    for (int64_t p = 0; p < n_kv; p++) {
        const int64_t base = p * kv_stride;
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
        int64_t i = 0;
        for (; i + 8 <= head_dim; i += 8) {
            a0 = vfmaq_f32(a0, vld1q_f32(q + i), load_kv(k_cache, f16, base + i));
            a1 = vfmaq_f32(a1, vld1q_f32(q + i + 4), load_kv(k_cache, f16, base + i + 4));
        }
        for (; i + 4 <= head_dim; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(q + i), load_kv(k_cache, f16, base + i));
        float s = vaddvq_f32(vaddq_f32(a0, a1));
        for (; i < head_dim; i++) s += q[i] * el_kv_at(k_cache, kv_type, base + i);
        scores[p] = s * scale;
    }
    el_neon_softmax(scores, n_kv);
    // 16 output dimensions at a time stay in registers while the positions stream past.
    int64_t i = 0;
    for (; i + 16 <= head_dim; i += 16) {
        float32x4_t o0 = vdupq_n_f32(0.0f), o1 = o0, o2 = o0, o3 = o0;
        for (int64_t p = 0; p < n_kv; p++) {
            const float a = scores[p];
            const int64_t base = p * kv_stride + i;
            o0 = vfmaq_n_f32(o0, load_kv(v_cache, f16, base), a);
            o1 = vfmaq_n_f32(o1, load_kv(v_cache, f16, base + 4), a);
            o2 = vfmaq_n_f32(o2, load_kv(v_cache, f16, base + 8), a);
            o3 = vfmaq_n_f32(o3, load_kv(v_cache, f16, base + 12), a);
        }
        vst1q_f32(out + i, o0);
        vst1q_f32(out + i + 4, o1);
        vst1q_f32(out + i + 8, o2);
        vst1q_f32(out + i + 12, o3);
    }
    for (; i + 4 <= head_dim; i += 4) {
        float32x4_t o = vdupq_n_f32(0.0f);
        for (int64_t p = 0; p < n_kv; p++) o = vfmaq_n_f32(o, load_kv(v_cache, f16, p * kv_stride + i), scores[p]);
        vst1q_f32(out + i, o);
    }
    for (; i < head_dim; i++) {
        float o = 0.0f;
        for (int64_t p = 0; p < n_kv; p++) o += scores[p] * el_kv_at(v_cache, kv_type, p * kv_stride + i);
        out[i] = o;
    }
}

void el_neon_store_kv(void *dst, const float *src, int64_t n, int kv_type) {
    if (kv_type == EL_KV_Q8_0) {
        el_neon_quantize_row_q8_0(src, dst, n);
        return;
    }
    if (kv_type == EL_KV_F32) {
        memcpy(dst, src, (size_t)n * sizeof(float));
        return;
    }
    // FCVTN rounds to nearest even (the default FPCR mode), as el_f32_to_f16 (NaN payloads aside).
    uint16_t *d = dst;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) vst1_u16(d + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
    for (; i < n; i++) d[i] = el_f32_to_f16(src[i]);
}

// ---- activation quantisers ---------------------------------------------------------------------

float el_neon_absmax(const float *x, int64_t n) {
    // vmaxnm ignores a NaN operand as fmaxf does.
    float32x4_t m = vdupq_n_f32(0.0f);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(x + i)));
    float amax = vmaxnmvq_f32(m);
    for (; i < n; i++) amax = fmaxf(amax, fabsf(x[i]));
    return amax;
}

// 16 int32 lanes (integral, in range) to 16 int8 in order.
static inline int8x16_t narrow_i8(int32x4_t a, int32x4_t b, int32x4_t c, int32x4_t d) {
    const int16x8_t ab = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
    const int16x8_t cd = vcombine_s16(vqmovn_s32(c), vqmovn_s32(d));
    return vcombine_s8(vqmovn_s16(ab), vqmovn_s16(cd));
}

static inline int32x4_t round_clamp(const float *x, float s) {
    float32x4_t v = vrndnq_f32(vmulq_n_f32(vld1q_f32(x), s)); // rintf: ties to even
    v = vminq_f32(vmaxq_f32(v, vdupq_n_f32(-128.0f)), vdupq_n_f32(127.0f));
    return vcvtq_s32_f32(v);
}

void el_neon_round_i8(const float *x, float inv_scale, int8_t *q, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        vst1q_s8(q + i, narrow_i8(round_clamp(x + i, inv_scale), round_clamp(x + i + 4, inv_scale),
                                  round_clamp(x + i + 8, inv_scale), round_clamp(x + i + 12, inv_scale)));
    }
    el_scalar_round_i8(x + i, inv_scale, q + i, n - i);
}

static inline int32x4_t round_away(const float *x, float s) {
    return vcvtq_s32_f32(vrndaq_f32(vmulq_n_f32(vld1q_f32(x), s))); // roundf: ties away from zero
}

void el_neon_quantize_row_q8_0(const float *x, el_block_q8_0 *y, int64_t k) {
    for (int64_t b = 0; b < k / EL_QK; b++) {
        const float *xb = x + b * EL_QK;
        float32x4_t m = vabsq_f32(vld1q_f32(xb));
        for (int j = 4; j < EL_QK; j += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(xb + j)));
        const float amax = vmaxnmvq_f32(m);
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[b].d = el_f32_to_f16(d);
        for (int j = 0; j < EL_QK; j += 16) {
            vst1q_s8(y[b].qs + j, narrow_i8(round_away(xb + j, id), round_away(xb + j + 4, id),
                                            round_away(xb + j + 8, id), round_away(xb + j + 12, id)));
        }
    }
}

#endif
