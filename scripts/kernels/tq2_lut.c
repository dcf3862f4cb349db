// Experimental LUT ternary matmul (see tq2_lut.h): scalar, AVX2 and NEON.
#include "tq2_lut.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

struct el_tq2_lut_act {
    int64_t cols, ntok;
    float *scale;    // per token
    uint8_t *tables; // per token: cols / 4 steps x 64 bytes (A lo, A hi, B lo, B hi)
};

static int64_t tiles_of(int64_t rows) { return (rows + EL_LUT_TILE - 1) / EL_LUT_TILE; }

size_t el_tq2_lut_packed_size(int64_t rows, int64_t cols) {
    return (size_t)(tiles_of(rows) * EL_LUT_TILE) * (size_t)(cols / 4);
}

void el_tq2_lut_pack(const uint8_t *tq2, uint8_t *packed, int64_t rows, int64_t cols) {
    const int64_t steps = cols / 4; // one step = byte j of block b = cols / 4 per row
    for (int64_t t = 0; t < tiles_of(rows); t++) {
        for (int64_t s = 0; s < steps; s++) {
            for (int r = 0; r < EL_LUT_TILE; r++) {
                const int64_t row = t * EL_LUT_TILE + r;
                // Padding rows hold code 1 (weight 0) everywhere.
                packed[(t * steps + s) * EL_LUT_TILE + r] = row < rows ? tq2[row * steps + s] : 0x55;
            }
        }
    }
}

el_tq2_lut_act *el_tq2_lut_act_new(int64_t cols, int64_t ntok) {
    el_tq2_lut_act *a = calloc(1, sizeof *a);
    a->cols = cols;
    a->ntok = ntok;
    a->scale = calloc((size_t)ntok, sizeof(float));
    a->tables = aligned_alloc(64, (size_t)(ntok * cols / 4) * 64);
    return a;
}

void el_tq2_lut_act_free(el_tq2_lut_act *a) {
    free(a->scale);
    free(a->tables);
    free(a);
}

void el_tq2_lut_quantize(el_impl impl, const float *x, el_tq2_lut_act *a, int64_t cols, int64_t ntok) {
    (void)impl; // table building is per token, small next to the matmul
    int8_t *q = malloc((size_t)cols);
    for (int64_t t = 0; t < ntok; t++) {
        a->scale[t] = el_quantize_row_i8(x + t * cols, q, cols);
        uint8_t *tab = a->tables + (size_t)(t * cols / 4) * 64;
        for (int64_t b = 0; b < cols / EL_QK; b++) {
            for (int j = 0; j < 8; j++) {
                uint8_t *e = tab + (b * 8 + j) * 64;
                for (int half = 0; half < 2; half++) {
                    const int xa = q[b * 32 + j + 16 * half], xb = q[b * 32 + j + 8 + 16 * half];
                    for (int i = 0; i < 16; i++) {
                        const int v = ((i & 3) - 1) * xa + ((i >> 2) - 1) * xb;
                        e[32 * half + i] = (uint8_t)(v & 0xff);
                        e[32 * half + 16 + i] = (uint8_t)((v >> 8) & 0xff);
                    }
                }
            }
        }
    }
    free(q);
}

static inline int16_t entry(const uint8_t *e, int i) { return (int16_t)(e[i] | (e[16 + i] << 8)); }

static void lut_scalar(int32_t *dot, const uint8_t *tile, const uint8_t *tab, int64_t steps) {
    for (int r = 0; r < EL_LUT_TILE; r++) dot[r] = 0;
    for (int64_t s = 0; s < steps; s++) {
        for (int r = 0; r < EL_LUT_TILE; r++) {
            const uint8_t c = tile[s * EL_LUT_TILE + r];
            dot[r] += entry(tab + s * 64, c & 15) + entry(tab + s * 64 + 32, c >> 4);
        }
    }
}

// int16 sums flushed every 16 steps: |A + B| <= 1024 per step even for code 3.
#define LUT_FLUSH 16

#if defined(__x86_64__)
__attribute__((target("avx2"))) static void lut_avx2(int32_t *dot, const uint8_t *tile, const uint8_t *tab,
                                                     int64_t steps) {
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i r0 = _mm256_setzero_si256(), r1 = r0, r2 = r0, r3 = r0;
    for (int64_t s0 = 0; s0 < steps; s0 += LUT_FLUSH) {
        const int64_t end = s0 + LUT_FLUSH < steps ? s0 + LUT_FLUSH : steps;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0;
        for (int64_t s = s0; s < end; s++) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)(tile + s * EL_LUT_TILE));
            const __m256i lo = _mm256_and_si256(v, m4), hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), m4);
            const uint8_t *e = tab + s * 64;
            const __m256i l1 = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)e)), lo);
            const __m256i h1 = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(e + 16))), lo);
            const __m256i l2 = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(e + 32))), hi);
            const __m256i h2 = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(e + 48))), hi);
            a0 = _mm256_add_epi16(a0, _mm256_add_epi16(_mm256_unpacklo_epi8(l1, h1), _mm256_unpacklo_epi8(l2, h2)));
            a1 = _mm256_add_epi16(a1, _mm256_add_epi16(_mm256_unpackhi_epi8(l1, h1), _mm256_unpackhi_epi8(l2, h2)));
        }
        // a0: rows 0-7 | 16-23, a1: rows 8-15 | 24-31
        r0 = _mm256_add_epi32(r0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(a0)));
        r1 = _mm256_add_epi32(r1, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(a1)));
        r2 = _mm256_add_epi32(r2, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(a0, 1)));
        r3 = _mm256_add_epi32(r3, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(a1, 1)));
    }
    _mm256_storeu_si256((__m256i *)dot, r0);
    _mm256_storeu_si256((__m256i *)(dot + 8), r1);
    _mm256_storeu_si256((__m256i *)(dot + 16), r2);
    _mm256_storeu_si256((__m256i *)(dot + 24), r3);
}
#endif

#if defined(__aarch64__)
static void lut_neon(int32_t *dot, const uint8_t *tile, const uint8_t *tab, int64_t steps) {
    const uint8x16_t m4 = vdupq_n_u8(0x0f);
    for (int half = 0; half < 2; half++) { // rows 0-15, then 16-31
        int32x4_t r[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
        for (int64_t s0 = 0; s0 < steps; s0 += LUT_FLUSH) {
            const int64_t end = s0 + LUT_FLUSH < steps ? s0 + LUT_FLUSH : steps;
            int16x8_t a0 = vdupq_n_s16(0), a1 = a0;
            for (int64_t s = s0; s < end; s++) {
                const uint8x16_t v = vld1q_u8(tile + s * EL_LUT_TILE + 16 * half);
                const uint8x16_t lo = vandq_u8(v, m4), hi = vshrq_n_u8(v, 4);
                const uint8_t *e = tab + s * 64;
                const uint8x16_t l1 = vqtbl1q_u8(vld1q_u8(e), lo), h1 = vqtbl1q_u8(vld1q_u8(e + 16), lo);
                const uint8x16_t l2 = vqtbl1q_u8(vld1q_u8(e + 32), hi), h2 = vqtbl1q_u8(vld1q_u8(e + 48), hi);
                a0 = vaddq_s16(a0, vaddq_s16(vreinterpretq_s16_u8(vzip1q_u8(l1, h1)), vreinterpretq_s16_u8(vzip1q_u8(l2, h2))));
                a1 = vaddq_s16(a1, vaddq_s16(vreinterpretq_s16_u8(vzip2q_u8(l1, h1)), vreinterpretq_s16_u8(vzip2q_u8(l2, h2))));
            }
            r[0] = vaddw_s16(r[0], vget_low_s16(a0));
            r[1] = vaddw_s16(r[1], vget_high_s16(a0));
            r[2] = vaddw_s16(r[2], vget_low_s16(a1));
            r[3] = vaddw_s16(r[3], vget_high_s16(a1));
        }
        for (int i = 0; i < 4; i++) vst1q_s32(dot + 16 * half + 4 * i, r[i]);
    }
}
#endif

int el_tq2_lut_available(el_impl impl) {
    if (!el_impl_available(impl)) return 0;
    return impl == EL_IMPL_SCALAR || impl == EL_IMPL_AVX2 || impl == EL_IMPL_NEON;
}

void el_tq2_lut_matmul(el_impl impl, float *y, int64_t ldy, const uint8_t *packed, const el_tq2_lut_act *a,
                       int64_t rows, int64_t cols, int64_t ntok, const float *scales, int64_t n_scales,
                       int64_t row0) {
    const int64_t steps = cols / 4;
    int32_t dot[EL_LUT_TILE];
    for (int64_t t = 0; t < tiles_of(rows); t++) {
        const uint8_t *tile = packed + (size_t)(t * steps) * EL_LUT_TILE;
        for (int64_t k = 0; k < ntok; k++) {
            const uint8_t *tab = a->tables + (size_t)(k * steps) * 64;
            switch (impl) {
#if defined(__x86_64__)
            case EL_IMPL_AVX2: lut_avx2(dot, tile, tab, steps); break;
#endif
#if defined(__aarch64__)
            case EL_IMPL_NEON: lut_neon(dot, tile, tab, steps); break;
#endif
            default: lut_scalar(dot, tile, tab, steps); break;
            }
            for (int r = 0; r < EL_LUT_TILE && t * EL_LUT_TILE + r < rows; r++) {
                const int64_t row = t * EL_LUT_TILE + r;
                const float ws = n_scales == 1 ? scales[0] : scales[row0 + row];
                y[k * ldy + row] = (float)dot[r] * ws * a->scale[k];
            }
        }
    }
}
