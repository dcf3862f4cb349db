// What the kernel implementations share behind the public API: one table of entry points per
// implementation (scalar, AVX2, NEON) and the helpers that must agree bit for bit between them.
#ifndef EDGELLM_KERNELS_INTERNAL_H
#define EDGELLM_KERNELS_INTERNAL_H

#include "edgellm_kernels.h"

typedef void (*el_matmul_fn)(float *y, int64_t ldy, const void *w, const void *xq,
                             int64_t rows, int64_t cols, int64_t ntok,
                             const float *scales, int64_t n_scales, int64_t row0);

// An implementation fills what it speeds up; the dispatcher takes NULL entries from the scalar
// table, so a variant never has to carry a copy of a kernel it does not improve.
typedef struct {
    el_matmul_fn matmul[EL_TYPE_COUNT];
    // Activation quantisation, split where the arithmetic must match the scalar code exactly.
    float (*absmax)(const float *x, int64_t n);
    void (*quantize_row_q8_0)(const float *x, el_block_q8_0 *y, int64_t k);
    void (*round_i8)(const float *x, float inv_scale, int8_t *q, int64_t n); // rint(x*s), clamped
    void (*rmsnorm)(float *out, const float *x, const float *weight, int64_t n, float eps);
    void (*swiglu)(float *gate, const float *up, int64_t n);
    void (*relu2_glu)(float *gate, const float *up, int64_t n);
    void (*add)(float *y, const float *x, int64_t n);
    void (*softmax)(float *x, int64_t n);
    void (*rope)(float *x, int64_t n_heads, int64_t head_dim, int64_t pos, const float *inv_freq);
    void (*attention_head)(float *out, const float *q, const void *k_cache, const void *v_cache,
                           int kv_type, int64_t n_kv, int64_t head_dim, int64_t kv_stride,
                           float scale, float *scores);
    void (*store_kv)(void *dst, const float *src, int64_t n, int kv_type);
} el_kernel_table;

// The scalar references (matmul.c, quantize.c, ops.c, attention.c).
void el_scalar_matmul_f32(float *y, int64_t ldy, const void *w, const void *xq, int64_t rows,
                          int64_t cols, int64_t ntok, const float *scales, int64_t n_scales,
                          int64_t row0);
void el_scalar_matmul_f16(float *y, int64_t ldy, const void *w, const void *xq, int64_t rows,
                          int64_t cols, int64_t ntok, const float *scales, int64_t n_scales,
                          int64_t row0);
void el_scalar_matmul_q8_0(float *y, int64_t ldy, const void *w, const void *xq, int64_t rows,
                           int64_t cols, int64_t ntok, const float *scales, int64_t n_scales,
                           int64_t row0);
void el_scalar_matmul_q4_0(float *y, int64_t ldy, const void *w, const void *xq, int64_t rows,
                           int64_t cols, int64_t ntok, const float *scales, int64_t n_scales,
                           int64_t row0);
void el_scalar_matmul_tq2(float *y, int64_t ldy, const void *w, const void *xq, int64_t rows,
                          int64_t cols, int64_t ntok, const float *scales, int64_t n_scales,
                          int64_t row0);
float el_scalar_absmax(const float *x, int64_t n);
void el_scalar_round_i8(const float *x, float inv_scale, int8_t *q, int64_t n);
void el_scalar_rmsnorm(float *out, const float *x, const float *weight, int64_t n, float eps);
void el_scalar_swiglu(float *gate, const float *up, int64_t n);
void el_scalar_relu2_glu(float *gate, const float *up, int64_t n);
void el_scalar_add(float *y, const float *x, int64_t n);
void el_scalar_softmax(float *x, int64_t n);
void el_scalar_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t pos, const float *inv_freq);
void el_scalar_attention_head(float *out, const float *q, const void *k_cache, const void *v_cache,
                              int kv_type, int64_t n_kv, int64_t head_dim, int64_t kv_stride,
                              float scale, float *scores);
void el_scalar_store_kv(void *dst, const float *src, int64_t n, int kv_type);

extern const el_kernel_table el_kernels_scalar;

// One cached value as a float (the scalar reference's reads; the f16/f32 tails of the vector code).
static inline float el_kv_at(const void *cache, int kv_type, int64_t index) {
    if (kv_type == EL_KV_Q8_0) {
        const el_block_q8_0 *b = (const el_block_q8_0 *)cache + index / 32;
        return el_f16_to_f32(b->d) * (float)b->qs[index % 32];
    }
    return kv_type == EL_KV_F16 ? el_f16_to_f32(((const uint16_t *)cache)[index]) : ((const float *)cache)[index];
}

// Declares every entry point an implementation provides, named el_<prefix>_<kernel>.
#define EL_DECLARE_KERNELS(prefix)                                                                  \
    void el_##prefix##_matmul_f32(float *, int64_t, const void *, const void *, int64_t, int64_t,  \
                                  int64_t, const float *, int64_t, int64_t);                       \
    void el_##prefix##_matmul_f16(float *, int64_t, const void *, const void *, int64_t, int64_t,  \
                                  int64_t, const float *, int64_t, int64_t);                       \
    void el_##prefix##_matmul_q8_0(float *, int64_t, const void *, const void *, int64_t, int64_t, \
                                   int64_t, const float *, int64_t, int64_t);                      \
    void el_##prefix##_matmul_q4_0(float *, int64_t, const void *, const void *, int64_t, int64_t, \
                                   int64_t, const float *, int64_t, int64_t);                      \
    void el_##prefix##_matmul_tq2(float *, int64_t, const void *, const void *, int64_t, int64_t,  \
                                  int64_t, const float *, int64_t, int64_t);                       \
    float el_##prefix##_absmax(const float *x, int64_t n);                                          \
    void el_##prefix##_quantize_row_q8_0(const float *x, el_block_q8_0 *y, int64_t k);              \
    void el_##prefix##_round_i8(const float *x, float inv_scale, int8_t *q, int64_t n);             \
    void el_##prefix##_rmsnorm(float *out, const float *x, const float *weight, int64_t n, float eps); \
    void el_##prefix##_swiglu(float *gate, const float *up, int64_t n);                             \
    void el_##prefix##_relu2_glu(float *gate, const float *up, int64_t n);                          \
    void el_##prefix##_add(float *y, const float *x, int64_t n);                                    \
    void el_##prefix##_softmax(float *x, int64_t n);                                                \
    void el_##prefix##_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t pos,               \
                            const float *inv_freq);                                                 \
    void el_##prefix##_attention_head(float *out, const float *q, const void *k_cache,              \
                                      const void *v_cache, int kv_type, int64_t n_kv,                \
                                      int64_t head_dim, int64_t kv_stride, float scale,             \
                                      float *scores);                                               \
    void el_##prefix##_store_kv(void *dst, const float *src, int64_t n, int kv_type);

#if defined(__x86_64__)
EL_DECLARE_KERNELS(avx2) // matmul_avx2.c, ops_avx2.c
extern const el_kernel_table el_kernels_avx2;
#endif
#if defined(__aarch64__)
EL_DECLARE_KERNELS(neon) // matmul_neon.c, ops_neon.c
extern const el_kernel_table el_kernels_neon;
#endif

// The table for an implementation with its gaps filled from scalar; NULL if not available here.
const el_kernel_table *el_kernel_table_for(el_impl impl);

void el_quantize_act_with(const el_kernel_table *t, el_act_type act, const float *x, void *out,
                          int64_t cols, int64_t ntok);

// ---- the TQ2 activation row (EL_ACT_I8) --------------------------------------------------------
//
// [f32 scale][i32 sum of q][24 bytes zero][int8 q, permuted, padded to 32]
//
// The int8 values are reordered so that each 2-bit field of a run of code bytes meets its
// activations in one contiguous load. Columns split into chunks of 4 blocks (128 columns), then
// at most one chunk of 2 blocks, then at most one of 1 block. Within a chunk of n blocks, the
// activation of column 32b + 8k + j (block b, bit pair k, byte j) sits at 8n*k + 8b + j. The
// kernels then compute sum(code * x) with unsigned codes and subtract the stored sum of x, which
// equals sum((code - 1) * x) exactly.
#define EL_I8_HEADER 32
static inline int64_t el_i8_payload(int64_t cols) { return (cols + 31) & ~(int64_t)31; }
static inline float el_i8_scale(const void *row) {
    float s;
    __builtin_memcpy(&s, row, 4);
    return s;
}
static inline int32_t el_i8_sum(const void *row) {
    int32_t s;
    __builtin_memcpy(&s, (const char *)row + 4, 4);
    return s;
}
static inline const int8_t *el_i8_values(const void *row) {
    return (const int8_t *)row + EL_I8_HEADER;
}
// Where column c of a row of `cols` lands in the permuted order (for the scalar reference and for
// tests; the hot paths never call it).
int64_t el_i8_position(int64_t c, int64_t cols);

// ---- Q8_0 / Q4_0 float accumulation -----------------------------------------------------------
//
// All implementations sum a block's 32 products into 4 exact int32 lanes, lane l holding products
// 4l..4l+3 and 16+4l..16+4l+3 (what AVX2's maddubs/madd then a fold of the two 128-bit halves
// gives, and what NEON's vmull/vpadal/vpadd gives). Each lane then does
// acc[b & 1][l] = fma((float)lane, d_w * d_x, acc[b & 1][l]) and the result is
// ((acc0[0] + acc1[0]) + (acc0[2] + acc1[2])) + ((acc0[1] + acc1[1]) + (acc0[3] + acc1[3])).
// Fixing this order makes SIMD and scalar results identical while keeping the SIMD loops short.
static inline float el_q8_reduce(const float even[4], const float odd[4]) {
    const float s0 = even[0] + odd[0], s1 = even[1] + odd[1];
    const float s2 = even[2] + odd[2], s3 = even[3] + odd[3];
    return (s0 + s2) + (s1 + s3);
}

#endif
