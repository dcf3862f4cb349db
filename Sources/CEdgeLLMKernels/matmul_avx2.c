// Matrix x activations with AVX2 (x86-64). Each function carries its own target attribute so the
// package builds without -mavx2 and the dispatcher can fall back to scalar on older CPUs.
#if defined(__x86_64__)
#include "kernels_avx2.h"

#include <stdlib.h>

// ---- TQ2: ternary weights x permuted int8 activations ------------------------------------------
//
// Multiply-add (bitnet.cpp's I2_S idea): the 2-bit codes (0, 1, 2) are unpacked with a shift and a
// mask, vpmaddubsw multiplies them as unsigned bytes by the signed activations and adds pairs, and
// sum(code * x) - sum(x) gives the ternary dot product. The activation order (kernels_internal.h)
// makes bit pair k of a 32-byte run of codes meet 32 contiguous activations.

// Chunks of 4 blocks added in int16 before widening: 8 chunks plus the tails keep
// |sum| <= (8 * 4 + 3) * 2 * 3 * 128 = 26880 even for the unused code 3, so a corrupt file
// cannot wrap the sums.
#define TQ2_FLUSH 8

EL_AVX2 static inline __m256i tq2_chunk(__m256i c0, __m256i c1, __m256i c2, __m256i c3,
                                        const int8_t *x) {
    const __m256i s0 = _mm256_maddubs_epi16(c0, _mm256_loadu_si256((const __m256i *)x));
    const __m256i s1 = _mm256_maddubs_epi16(c1, _mm256_loadu_si256((const __m256i *)(x + 32)));
    const __m256i s2 = _mm256_maddubs_epi16(c2, _mm256_loadu_si256((const __m256i *)(x + 64)));
    const __m256i s3 = _mm256_maddubs_epi16(c3, _mm256_loadu_si256((const __m256i *)(x + 96)));
    return _mm256_add_epi16(_mm256_add_epi16(s0, s1), _mm256_add_epi16(s2, s3));
}

// sum(code * x) of one row for T tokens, left as int32x8 so that four of them share one
// horizontal reduction. T is a constant at every call site.
EL_AVX2 static inline __attribute__((always_inline)) void
tq2_row(const uint8_t *w, const int8_t *const *x, int64_t cols, int T, __m256i *acc) {
    const __m256i m3 = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
    const int64_t nb = cols / EL_QK, n4 = nb / 4;
    __m256i a16[4];
    for (int t = 0; t < T; t++) acc[t] = a16[t] = _mm256_setzero_si256();
    int64_t ch = 0;
    for (;;) {
        const int64_t end = ch + TQ2_FLUSH < n4 ? ch + TQ2_FLUSH : n4;
        for (; ch < end; ch++) {
            const __m256i v = _mm256_loadu_si256((const __m256i *)(w + ch * 32));
            // With several tokens per row the hardware prefetcher falls behind on rows from DRAM
            // (5 GB/s instead of 9 for 2560x6912, 4 tokens); decode streams faster without it.
            if (T > 1) _mm_prefetch((const char *)(w + ch * 32 + 2048), _MM_HINT_T0);
            const __m256i c0 = _mm256_and_si256(v, m3);
            const __m256i c1 = _mm256_and_si256(_mm256_srli_epi16(v, 2), m3);
            const __m256i c2 = _mm256_and_si256(_mm256_srli_epi16(v, 4), m3);
            const __m256i c3 = _mm256_and_si256(_mm256_srli_epi16(v, 6), m3);
            for (int t = 0; t < T; t++) a16[t] = _mm256_add_epi16(a16[t], tq2_chunk(c0, c1, c2, c3, x[t] + ch * 128));
        }
        if (ch == n4) break;
        for (int t = 0; t < T; t++) {
            acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(a16[t], ones));
            a16[t] = _mm256_setzero_si256();
        }
    }
    // The 2-block and 1-block chunks at full width: the codes are broadcast and shifted per
    // 32-bit (or 64-bit) lane so that each lane holds the bit pair its activations expect.
    int64_t b = n4 * 4;
    if (nb - b >= 2) {
        const __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(w + b * 8)));
        const __m256i c01 = _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_setr_epi32(0, 0, 0, 0, 2, 2, 2, 2)), m3);
        const __m256i c23 = _mm256_and_si256(_mm256_srlv_epi32(v, _mm256_setr_epi32(4, 4, 4, 4, 6, 6, 6, 6)), m3);
        for (int t = 0; t < T; t++) {
            const int8_t *xb = x[t] + b * EL_QK;
            const __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(c01, _mm256_loadu_si256((const __m256i *)xb)),
                                               _mm256_maddubs_epi16(c23, _mm256_loadu_si256((const __m256i *)(xb + 32))));
            a16[t] = _mm256_add_epi16(a16[t], s);
        }
        b += 2;
    }
    if (nb - b == 1) {
        int64_t q;
        __builtin_memcpy(&q, w + b * 8, 8);
        const __m256i c = _mm256_and_si256(_mm256_srlv_epi64(_mm256_set1_epi64x(q), _mm256_setr_epi64x(0, 2, 4, 6)), m3);
        for (int t = 0; t < T; t++) {
            a16[t] = _mm256_add_epi16(a16[t], _mm256_maddubs_epi16(c, _mm256_loadu_si256((const __m256i *)(x[t] + b * EL_QK))));
        }
    }
    for (int t = 0; t < T; t++) acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(a16[t], ones));
}

// [sum a, sum b, sum c, sum d] of four int32x8.
EL_AVX2 static inline __m128i hsum4_epi32(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i abcd = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
    return _mm_add_epi32(_mm256_castsi256_si128(abcd), _mm256_extracti128_si256(abcd, 1));
}

// ((float)(dot - sum x) * w_scale) * x_scale, lane by lane as the scalar code does it.
EL_AVX2 static inline __m128 tq2_finish(__m128i dot, __m128i xsum, __m128 ws, __m128 xs) {
    return _mm_mul_ps(_mm_mul_ps(_mm_cvtepi32_ps(_mm_sub_epi32(dot, xsum)), ws), xs);
}

// Decode: rows strictly one after another (rows interleaved side by side defeat the hardware
// prefetcher once the weights come from DRAM: 3-5 GB/s instead of 18 on the dev machine); each
// group of four shares the reduction and the store.
EL_AVX2 static void tq2_decode(float *y, const uint8_t *w, int64_t wrow, const uint8_t *xr, int64_t rows,
                               int64_t cols, const float *scales, int64_t n_scales, int64_t row0) {
    const int8_t *x[1] = {el_i8_values(xr)};
    const __m128i xsum = _mm_set1_epi32(el_i8_sum(xr));
    const __m128 xs = _mm_set1_ps(el_i8_scale(xr));
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        __m256i a[4];
        for (int i = 0; i < 4; i++) tq2_row(w + (r + i) * wrow, x, cols, 1, &a[i]);
        const __m128 ws = n_scales == 1 ? _mm_set1_ps(scales[0]) : _mm_loadu_ps(scales + row0 + r);
        _mm_storeu_ps(y + r, tq2_finish(hsum4_epi32(a[0], a[1], a[2], a[3]), xsum, ws, xs));
    }
    for (; r < rows; r++) {
        __m256i a;
        tq2_row(w + r * wrow, x, cols, 1, &a);
        const __m256i z = _mm256_setzero_si256();
        const __m128 ws = _mm_set1_ps(n_scales == 1 ? scales[0] : scales[row0 + r]);
        y[r] = _mm_cvtss_f32(tq2_finish(hsum4_epi32(a, z, z, z), xsum, ws, xs));
    }
}

// Prefill: a row's codes are unpacked once for up to 4 tokens. Rows go in blocks of about
// 128 KiB (they stay in L2) and each group of 4 tokens runs over the whole block, so the group's
// activations stay in L1 however wide the rows are. What the tokens contribute besides their
// values (pointers, sums, scales) is gathered once per block of tokens.
#define TQ2_TOKEN_BLOCK 64
#define TQ2_ROW_BLOCK_BYTES (128 << 10)
EL_AVX2 static void tq2_prefill(float *y, int64_t ldy, const uint8_t *w, int64_t wrow, const uint8_t *xa,
                                size_t xrow, int64_t rows, int64_t cols, int64_t ntok, const float *scales,
                                int64_t n_scales, int64_t row0) {
    const int8_t *x[TQ2_TOKEN_BLOCK + 3];
    int32_t sums[TQ2_TOKEN_BLOCK + 3];
    float xsc[TQ2_TOKEN_BLOCK + 3];
    const int64_t rblock = TQ2_ROW_BLOCK_BYTES / wrow > 4 ? TQ2_ROW_BLOCK_BYTES / wrow : 4;
    for (int64_t tb = 0; tb < ntok; tb += TQ2_TOKEN_BLOCK) {
        const int nt = ntok - tb < TQ2_TOKEN_BLOCK ? (int)(ntok - tb) : TQ2_TOKEN_BLOCK;
        for (int t = 0; t < nt + 3; t++) { // 3 spare lanes for a short last group
            const uint8_t *xr = xa + (size_t)(tb + (t < nt ? t : nt - 1)) * xrow;
            x[t] = el_i8_values(xr);
            sums[t] = el_i8_sum(xr);
            xsc[t] = el_i8_scale(xr);
        }
        for (int64_t rb = 0; rb < rows; rb += rblock) {
            const int64_t rend = rb + rblock < rows ? rb + rblock : rows;
            for (int t0 = 0; t0 < nt; t0 += 4) {
                const int T = nt - t0 >= 4 ? 4 : nt - t0;
                const __m128i xsum = _mm_loadu_si128((const __m128i *)(sums + t0));
                const __m128 xs = _mm_loadu_ps(xsc + t0);
                for (int64_t r = rb; r < rend; r++) {
                    const __m128 ws = _mm_set1_ps(n_scales == 1 ? scales[0] : scales[row0 + r]);
                    const uint8_t *wr = w + r * wrow;
                    __m256i a[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                                    _mm256_setzero_si256()};
                    switch (T) {
                    case 4: tq2_row(wr, x + t0, cols, 4, a); break;
                    case 3: tq2_row(wr, x + t0, cols, 3, a); break;
                    case 2: tq2_row(wr, x + t0, cols, 2, a); break;
                    default: tq2_row(wr, x + t0, cols, 1, a); break;
                    }
                    float out[4];
                    _mm_storeu_ps(out, tq2_finish(hsum4_epi32(a[0], a[1], a[2], a[3]), xsum, ws, xs));
                    float *yt = y + (tb + t0) * ldy + r;
                    for (int t = 0; t < T; t++) yt[t * ldy] = out[t];
                }
            }
        }
    }
}

EL_AVX2 void el_avx2_matmul_tq2(float *y, int64_t ldy, const void *wv, const void *xv,
                                int64_t rows, int64_t cols, int64_t ntok,
                                const float *scales, int64_t n_scales, int64_t row0) {
    const size_t xrow = el_act_row_size(EL_ACT_I8, cols);
    if (ntok == 1) {
        tq2_decode(y, wv, cols / 4, xv, rows, cols, scales, n_scales, row0);
    } else {
        tq2_prefill(y, ldy, wv, cols / 4, xv, xrow, rows, cols, ntok, scales, n_scales, row0);
    }
}

// ---- Q8_0 / Q4_0 weights x Q8_0 activations ----------------------------------------------------
//
// Per block: |w| times x signed like w (vpsignb) through vpmaddubsw/vpmaddwd gives 8 int32 lanes of
// 4 products; two blocks fold their halves into one register of [even block | odd block] lanes
// (the order kernels_internal.h fixes), then convert and FMA with the two blocks' scales.
// The activations come from el_quantize_act and lie in [-127, 127], so vpsignb cannot overflow
// and |w| * x pairs stay within int16 even for a weight of -128.

// What every row needs from one token's activations, computed once per token: the block scales
// as floats and, for Q4_0, 8 * (the activations' sums per lane) so that the unsigned nibbles can
// go straight into vpmaddubsw (sum((q - 8) x) = sum(q x) - 8 sum(x), exact in int32).
#define Q8_PREP_BLOCKS 256 // on the stack up to 8192 columns; wider rows allocate
typedef struct {
    float *dx;
    int32_t (*x8)[4];
} q8_prep;

EL_AVX2 static void q8_prepare(q8_prep *p, const el_block_q8_0 *x, int64_t nb, int q4) {
    const __m256i eights = _mm256_set1_epi8(8), ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < nb; b++) {
        p->dx[b] = _cvtsh_ss(x[b].d);
        if (q4) {
            const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(eights, _mm256_loadu_si256((const __m256i *)x[b].qs)), ones);
            _mm_storeu_si128((__m128i *)p->x8[b], _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1)));
        }
    }
}

// 8 int32 lanes of 4 products (lane i: products 4i..4i+3), before the fold.
EL_AVX2 static inline __m256i q8_block(const uint8_t *blk, __m256i x) {
    const __m256i w = _mm256_loadu_si256((const __m256i *)(blk + 2));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w)), _mm256_set1_epi16(1));
}

// The same for Q4_0 without the -8: low nibbles are weights 0-15, high nibbles 16-31.
EL_AVX2 static inline __m256i q4_block(const uint8_t *blk, __m256i x) {
    const __m128i v = _mm_loadu_si128((const __m128i *)(blk + 2));
    const __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0f));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q, x), _mm256_set1_epi16(1));
}

// One row against one token. The fold of two blocks gives [even lanes | odd lanes]
// (kernels_internal.h), converted and fused-multiply-added with [d_even x4 | d_odd x4].
EL_AVX2 static inline __attribute__((always_inline)) float
q8_row(const uint8_t *w, size_t wblock, int q4, const el_block_q8_0 *x, const q8_prep *p, int64_t nb) {
    __m256 acc = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        const uint8_t *b0 = w + b * wblock, *b1 = b0 + wblock;
        const __m256i x0 = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i x1 = _mm256_loadu_si256((const __m256i *)x[b + 1].qs);
        const __m256i p0 = q4 ? q4_block(b0, x0) : q8_block(b0, x0);
        const __m256i p1 = q4 ? q4_block(b1, x1) : q8_block(b1, x1);
        __m256i s = _mm256_add_epi32(_mm256_permute2x128_si256(p0, p1, 0x20), _mm256_permute2x128_si256(p0, p1, 0x31));
        if (q4) s = _mm256_sub_epi32(s, _mm256_loadu_si256((const __m256i *)p->x8[b]));
        uint16_t d0, d1;
        __builtin_memcpy(&d0, b0, 2);
        __builtin_memcpy(&d1, b1, 2);
        const __m128 dw = _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)d0 | (uint32_t)d1 << 16)));
        const __m128 dx = _mm_castpd_ps(_mm_load_sd((const double *)&p->dx[b]));
        const __m256 d = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_mul_ps(dw, dx)),
                                                  _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), d, acc);
    }
    __m128 even = _mm256_castps256_ps128(acc);
    if (b < nb) { // an odd last block goes to the even half
        const uint8_t *b0 = w + b * wblock;
        const __m256i x0 = _mm256_loadu_si256((const __m256i *)x[b].qs);
        const __m256i p0 = q4 ? q4_block(b0, x0) : q8_block(b0, x0);
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(p0), _mm256_extracti128_si256(p0, 1));
        if (q4) s = _mm_sub_epi32(s, _mm_loadu_si128((const __m128i *)p->x8[b]));
        uint16_t d0;
        __builtin_memcpy(&d0, b0, 2);
        const float d = _cvtsh_ss(d0) * p->dx[b];
        even = _mm_fmadd_ps(_mm_cvtepi32_ps(s), _mm_set1_ps(d), even);
    }
    __m128 t = _mm_add_ps(even, _mm256_extractf128_ps(acc, 1));
    t = _mm_add_ps(t, _mm_movehl_ps(t, t)); // s0+s2, s1+s3
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

// Prefill: one row against T tokens (T constant at each call site), each weight block loaded once
// (and for Q8_0 its |w| taken, for Q4_0 its nibbles unpacked, its scale converted once) and
// dotted with the T tokens' activation blocks. Per token this is q8_row's exact sequence of
// integer and float operations, so every output has the bits q8_row gives it.
EL_AVX2 static inline __attribute__((always_inline)) void
q8_row_multi(const uint8_t *w, size_t wblock, int q4, const el_block_q8_0 *const *x, const q8_prep *p, int64_t nb,
             int T, float *out) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[4];
    for (int t = 0; t < T; t++) acc[t] = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        const uint8_t *b0 = w + b * wblock, *b1 = b0 + wblock;
        __m256i u0, u1, w0 = _mm256_setzero_si256(), w1 = _mm256_setzero_si256(); // u: unsigned operand
        if (q4) {
            const __m128i v0 = _mm_loadu_si128((const __m128i *)(b0 + 2)), v1 = _mm_loadu_si128((const __m128i *)(b1 + 2));
            u0 = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v0, 4), v0), _mm256_set1_epi8(0x0f));
            u1 = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v1, 4), v1), _mm256_set1_epi8(0x0f));
        } else {
            w0 = _mm256_loadu_si256((const __m256i *)(b0 + 2));
            w1 = _mm256_loadu_si256((const __m256i *)(b1 + 2));
            u0 = _mm256_sign_epi8(w0, w0);
            u1 = _mm256_sign_epi8(w1, w1);
        }
        uint16_t d0, d1;
        __builtin_memcpy(&d0, b0, 2);
        __builtin_memcpy(&d1, b1, 2);
        const __m128 dw = _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)d0 | (uint32_t)d1 << 16)));
        for (int t = 0; t < T; t++) {
            __m256i x0 = _mm256_loadu_si256((const __m256i *)x[t][b].qs);
            __m256i x1 = _mm256_loadu_si256((const __m256i *)x[t][b + 1].qs);
            if (!q4) x0 = _mm256_sign_epi8(x0, w0), x1 = _mm256_sign_epi8(x1, w1);
            const __m256i p0 = _mm256_madd_epi16(_mm256_maddubs_epi16(u0, x0), ones);
            const __m256i p1 = _mm256_madd_epi16(_mm256_maddubs_epi16(u1, x1), ones);
            __m256i s = _mm256_add_epi32(_mm256_permute2x128_si256(p0, p1, 0x20), _mm256_permute2x128_si256(p0, p1, 0x31));
            if (q4) s = _mm256_sub_epi32(s, _mm256_loadu_si256((const __m256i *)p[t].x8[b]));
            const __m128 dx = _mm_castpd_ps(_mm_load_sd((const double *)&p[t].dx[b]));
            const __m256 d = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_mul_ps(dw, dx)),
                                                      _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), d, acc[t]);
        }
    }
    __m128 even[4];
    for (int t = 0; t < T; t++) even[t] = _mm256_castps256_ps128(acc[t]);
    if (b < nb) { // an odd last block goes to the even half
        const uint8_t *b0 = w + b * wblock;
        uint16_t d0;
        __builtin_memcpy(&d0, b0, 2);
        const float dw = _cvtsh_ss(d0);
        for (int t = 0; t < T; t++) {
            const __m256i x0 = _mm256_loadu_si256((const __m256i *)x[t][b].qs);
            const __m256i p0 = q4 ? q4_block(b0, x0) : q8_block(b0, x0);
            __m128i s = _mm_add_epi32(_mm256_castsi256_si128(p0), _mm256_extracti128_si256(p0, 1));
            if (q4) s = _mm_sub_epi32(s, _mm_loadu_si128((const __m128i *)p[t].x8[b]));
            even[t] = _mm_fmadd_ps(_mm_cvtepi32_ps(s), _mm_set1_ps(dw * p[t].dx[b]), even[t]);
        }
    }
    for (int t = 0; t < T; t++) {
        __m128 h = _mm_add_ps(even[t], _mm256_extractf128_ps(acc[t], 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        out[t] = _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
    }
}

// Decode (and the scalar fallback's shape): the code from before token groups, kept in its own
// function so that its code generation does not change.
EL_AVX2 __attribute__((noinline)) static void q8_decode(float *y, int64_t ldy, const uint8_t *w, size_t wblock, int q4,
                                                           const el_block_q8_0 *x, int64_t rows, int64_t cols, int64_t ntok) {
    const int64_t nb = cols / EL_QK;
    const size_t wrow = (size_t)nb * wblock;
    float dx_stack[Q8_PREP_BLOCKS];
    int32_t x8_stack[Q8_PREP_BLOCKS][4];
    q8_prep p = {dx_stack, x8_stack};
    void *heap = NULL;
    if (nb > Q8_PREP_BLOCKS) {
        heap = malloc((size_t)nb * (sizeof(float) + 4 * sizeof(int32_t)));
        if (!heap) { // keep going, slowly, rather than fail
            (q4 ? el_scalar_matmul_q4_0 : el_scalar_matmul_q8_0)(y, ldy, w, x, rows, cols, ntok, NULL, 0, 0);
            return;
        }
        p.x8 = heap;
        p.dx = (float *)((int32_t(*)[4])heap + nb);
    }
    for (int64_t t = 0; t < ntok; t++) {
        // Rows one after another (one stream for the prefetcher).
        q8_prepare(&p, x + t * nb, nb, q4);
        for (int64_t r = 0; r < rows; r++) {
            y[t * ldy + r] = q4 ? q8_row(w + r * wrow, wblock, 1, x + t * nb, &p, nb)
                                : q8_row(w + r * wrow, wblock, 0, x + t * nb, &p, nb);
        }
    }
    free(heap);
}

// Tokens in groups of Q8_TOKEN_GROUP per row pass: each weight block is loaded and unpacked once
// per group instead of once per token, and each group keeps 4 float accumulators in registers.
// With more than one group, rows go in blocks of ~Q8_ROW_BLOCK_BYTES (L2) with every group
// running over the block, so a wide matrix (the 30 MB head) streams from DRAM once per call
// rather than once per group. Rows are still finished one after another (one stream for the
// prefetcher; see RESULTS.md on side-by-side rows).
#define Q8_TOKEN_GROUP 4
#define Q8_ROW_BLOCK_BYTES (128 << 10)

EL_AVX2 __attribute__((noinline)) static void q8_prefill(float *y, int64_t ldy, const uint8_t *w, size_t wblock, int q4,
                                                            const el_block_q8_0 *x, int64_t rows, int64_t cols, int64_t ntok) {
    const int64_t nb = cols / EL_QK;
    const size_t wrow = (size_t)nb * wblock;
    const int groups = ntok < Q8_TOKEN_GROUP ? (int)ntok : Q8_TOKEN_GROUP; // prepared tokens at once
    float dx_stack[Q8_TOKEN_GROUP][Q8_PREP_BLOCKS];
    int32_t x8_stack[Q8_TOKEN_GROUP][Q8_PREP_BLOCKS][4];
    q8_prep p[Q8_TOKEN_GROUP];
    for (int g = 0; g < Q8_TOKEN_GROUP; g++) p[g].dx = dx_stack[g], p[g].x8 = x8_stack[g];
    void *heap = NULL;
    if (nb > Q8_PREP_BLOCKS) {
        heap = malloc((size_t)groups * (size_t)nb * (sizeof(float) + 4 * sizeof(int32_t)));
        if (!heap) { // keep going, slowly, rather than fail
            (q4 ? el_scalar_matmul_q4_0 : el_scalar_matmul_q8_0)(y, ldy, w, x, rows, cols, ntok, NULL, 0, 0);
            return;
        }
        for (int g = 0; g < groups; g++) {
            p[g].x8 = (int32_t(*)[4])heap + (size_t)g * nb;
            p[g].dx = (float *)((int32_t(*)[4])heap + (size_t)groups * nb) + (size_t)g * nb;
        }
    }
    // One group needs no row blocks; otherwise a group's preparation is redone per row block
    // (nb blocks per token against rblock * nb block products: well under 1%).
    const int64_t per_block = wrow ? (int64_t)(Q8_ROW_BLOCK_BYTES / wrow) : rows; // wrow is 0 below 32 columns
    const int64_t rb_rows = per_block > 4 ? per_block : 4;
    const int64_t rblock = ntok <= Q8_TOKEN_GROUP ? rows : rb_rows;
    for (int64_t rb = 0; rb < rows; rb += rblock) {
        const int64_t rend = rows - rb > rblock ? rb + rblock : rows;
        for (int64_t t0 = 0; t0 < ntok; t0 += Q8_TOKEN_GROUP) {
            const int T = ntok - t0 >= Q8_TOKEN_GROUP ? Q8_TOKEN_GROUP : (int)(ntok - t0);
            const el_block_q8_0 *xt[Q8_TOKEN_GROUP];
            for (int t = 0; t < T; t++) {
                xt[t] = x + (t0 + t) * nb;
                q8_prepare(&p[t], xt[t], nb, q4);
            }
            float out[Q8_TOKEN_GROUP];
            float *yt = y + t0 * ldy;
            for (int64_t r = rb; r < rend; r++) {
                const uint8_t *wr = w + r * wrow;
                if (q4) {
                    switch (T) {
                    case 4: q8_row_multi(wr, wblock, 1, xt, p, nb, 4, out); break;
                    case 3: q8_row_multi(wr, wblock, 1, xt, p, nb, 3, out); break;
                    case 2: q8_row_multi(wr, wblock, 1, xt, p, nb, 2, out); break;
                    default: out[0] = q8_row(wr, wblock, 1, xt[0], &p[0], nb); break;
                    }
                } else {
                    switch (T) {
                    case 4: q8_row_multi(wr, wblock, 0, xt, p, nb, 4, out); break;
                    case 3: q8_row_multi(wr, wblock, 0, xt, p, nb, 3, out); break;
                    case 2: q8_row_multi(wr, wblock, 0, xt, p, nb, 2, out); break;
                    default: out[0] = q8_row(wr, wblock, 0, xt[0], &p[0], nb); break;
                    }
                }
                for (int t = 0; t < T; t++) yt[t * ldy + r] = out[t];
            }
        }
    }
    free(heap);
}

EL_AVX2 static void q8_matmul(float *y, int64_t ldy, const uint8_t *w, size_t wblock, int q4,
                              const el_block_q8_0 *x, int64_t rows, int64_t cols, int64_t ntok) {
    if (ntok == 1) q8_decode(y, ldy, w, wblock, q4, x, rows, cols, ntok);
    else q8_prefill(y, ldy, w, wblock, q4, x, rows, cols, ntok);
}

EL_AVX2 void el_avx2_matmul_q8_0(float *y, int64_t ldy, const void *w, const void *xq,
                                 int64_t rows, int64_t cols, int64_t ntok,
                                 const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    q8_matmul(y, ldy, w, sizeof(el_block_q8_0), 0, xq, rows, cols, ntok);
}

EL_AVX2 void el_avx2_matmul_q4_0(float *y, int64_t ldy, const void *w, const void *xq,
                                 int64_t rows, int64_t cols, int64_t ntok,
                                 const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    q8_matmul(y, ldy, w, sizeof(el_block_q4_0), 1, xq, rows, cols, ntok);
}

// ---- f32 / f16 weights x f32 activations -------------------------------------------------------
// Float models only serve as references, so these aim at clarity: 4 FMA chains over 32 columns.

EL_AVX2 static inline __m256 load_w(const void *w, int f16, int64_t c) {
    return f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)w + c)))
               : _mm256_loadu_ps((const float *)w + c);
}

EL_AVX2 static void float_matmul(float *y, int64_t ldy, const void *w, int f16, const float *x,
                                 int64_t rows, int64_t cols, int64_t ntok) {
    const size_t esize = f16 ? 2 : 4;
    for (int64_t r = 0; r < rows; r++) {
        const void *wr = (const uint8_t *)w + (size_t)r * cols * esize;
        for (int64_t t = 0; t < ntok; t++) {
            const float *xt = x + t * cols;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            int64_t c = 0;
            for (; c + 32 <= cols; c += 32) {
                a0 = _mm256_fmadd_ps(load_w(wr, f16, c), _mm256_loadu_ps(xt + c), a0);
                a1 = _mm256_fmadd_ps(load_w(wr, f16, c + 8), _mm256_loadu_ps(xt + c + 8), a1);
                a2 = _mm256_fmadd_ps(load_w(wr, f16, c + 16), _mm256_loadu_ps(xt + c + 16), a2);
                a3 = _mm256_fmadd_ps(load_w(wr, f16, c + 24), _mm256_loadu_ps(xt + c + 24), a3);
            }
            for (; c + 8 <= cols; c += 8) a0 = _mm256_fmadd_ps(load_w(wr, f16, c), _mm256_loadu_ps(xt + c), a0);
            float s = el_avx2_hsum_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
            for (; c < cols; c++) {
                const float wc = f16 ? el_f16_to_f32(((const uint16_t *)wr)[c]) : ((const float *)wr)[c];
                s += wc * xt[c];
            }
            y[t * ldy + r] = s;
        }
    }
}

EL_AVX2 void el_avx2_matmul_f32(float *y, int64_t ldy, const void *w, const void *xq,
                                int64_t rows, int64_t cols, int64_t ntok,
                                const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    float_matmul(y, ldy, w, 0, xq, rows, cols, ntok);
}

EL_AVX2 void el_avx2_matmul_f16(float *y, int64_t ldy, const void *w, const void *xq,
                                int64_t rows, int64_t cols, int64_t ntok,
                                const float *scales, int64_t n_scales, int64_t row0) {
    (void)scales, (void)n_scales, (void)row0;
    float_matmul(y, ldy, w, 1, xq, rows, cols, ntok);
}

#endif
