// EdgeLLM C kernels: the only place where per-token math happens.
//
// Conventions
// - A weight matrix has `rows` output features and `cols` input features, stored row-major in one of
//   the tensor types below. y[t * ldy + r] = sum_c W[r][c] * x[t][c] for t in [0, ntok).
// - Activations are row-major [ntok][cols] float32, quantised first where the weight type asks for it
//   (see el_act_type): Q8_0 and Q4_0 weights take Q8_0 activations, TQ2 weights take int8 absmax
//   activations with one scale per token (BitNet b1.58).
// - Every kernel has a scalar reference (matmul.c, ops.c, attention.c, quantize.c) and SIMD variants
//   beside it (*_avx2.c on x86-64, *_neon.c on AArch64), chosen once at run time (dispatch.c). See
//   "Implementations" at the end.
#ifndef EDGELLM_KERNELS_H
#define EDGELLM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Tensor types, numbered as in the TM2 file format (docs/tm2-format.md).
typedef enum {
    EL_TYPE_F32 = 0,
    EL_TYPE_F16 = 1,
    EL_TYPE_Q8_0 = 2, // blocks of 32: f16 scale, 32 x int8                       (34 bytes)
    EL_TYPE_Q4_0 = 3, // blocks of 32: f16 scale, 16 bytes of nibbles, value q-8   (18 bytes)
    EL_TYPE_TQ2 = 4,  // ternary {-1,0,1}, 2-bit codes, 32 weights in 8 bytes, f32 scales after codes
    EL_TYPE_COUNT = 5
} el_type;

#define EL_QK 32 // weights per block for Q8_0, Q4_0 and TQ2

typedef struct {
    uint16_t d; // f16 scale
    int8_t qs[EL_QK];
} el_block_q8_0;

typedef struct {
    uint16_t d; // f16 scale
    uint8_t qs[EL_QK / 2]; // low nibble: weight j, high nibble: weight j + 16
} el_block_q4_0;

// ---- types -------------------------------------------------------------------------------------

// Bytes taken by one row of `cols` weights (cols must be a multiple of EL_QK for block types).
// For TQ2 this is the code bytes only; the scales follow all rows (see el_tq2_scales).
size_t el_row_size(el_type type, int64_t cols);
// Bytes of a whole [rows x cols] tensor, including TQ2 scales (n_scales of them).
size_t el_tensor_size(el_type type, int64_t rows, int64_t cols, int64_t n_scales);
const char *el_type_name(el_type type);

float el_f16_to_f32(uint16_t h);
uint16_t el_f32_to_f16(float f);       // round to nearest even
float el_bf16_to_f32(uint16_t h);

// ---- quantisation and dequantisation (weights, at conversion time) ------------------------------

void el_quantize_row_q8_0(const float *x, el_block_q8_0 *y, int64_t k);
void el_quantize_row_q4_0(const float *x, el_block_q4_0 *y, int64_t k);
void el_dequantize_row_q8_0(const el_block_q8_0 *x, float *y, int64_t k);
void el_dequantize_row_q4_0(const el_block_q4_0 *x, float *y, int64_t k);
// BitNet b1.58 absmean over n values: returns s = mean(|w|) (a tiny epsilon keeps it non-zero).
float el_absmean(const float *w, int64_t n);
// Quantise one row to TQ2 codes with scale s: q = clamp(round(w / s), -1, 1).
void el_quantize_row_tq2(const float *w, uint8_t *codes, int64_t k, float s);
// Row of TQ2 codes to floats in {-s, 0, s}.
void el_dequantize_row_tq2(const uint8_t *codes, float *y, int64_t k, float s);
// Any type, one row, into floats. `scale` is used by TQ2 only.
void el_dequantize_row(el_type type, const void *row, float *y, int64_t k, float scale);

// ---- activations -------------------------------------------------------------------------------

// The activation format a weight type consumes.
typedef enum { EL_ACT_F32 = 0, EL_ACT_Q8_0 = 1, EL_ACT_I8 = 2 } el_act_type;
el_act_type el_act_type_for(el_type weight_type);
// Bytes needed to hold one quantised activation row of `cols` values (i8 rows include their scale).
size_t el_act_row_size(el_act_type act, int64_t cols);
// Quantise ntok rows of activations into `out` (ntok * el_act_row_size bytes). F32 copies.
void el_quantize_act(el_act_type act, const float *x, void *out, int64_t cols, int64_t ntok);
// Per-token int8 absmax (BitNet b1.58): q = round(x * 127 / max|x|); returns max|x| / 127.
// (Plain order; the EL_ACT_I8 rows that el_quantize_act writes hold these values permuted.)
float el_quantize_row_i8(const float *x, int8_t *q, int64_t k);
// One quantised activation row back to floats in column order (for tests and debugging).
void el_dequantize_act(el_act_type act, const void *xq, float *y, int64_t cols);

// ---- matrix multiplication ---------------------------------------------------------------------

// y[t * ldy + r] = sum_c W[r][c] * x[t][c] for r in [0, rows), t in [0, ntok).
// `xq` holds ntok activation rows in the format el_act_type_for(type) (el_quantize_act).
// `scales`/`n_scales` are the TQ2 scales: 1 (per tensor) or `total_rows` (per row, indexed from
// `row0`, the first row of this call within the tensor, so callers can split rows across threads).
void el_matmul(el_type type, float *y, int64_t ldy, const void *w, const void *xq,
               int64_t rows, int64_t cols, int64_t ntok,
               const float *scales, int64_t n_scales, int64_t row0);

// ---- elementwise and normalisation -------------------------------------------------------------

void el_rmsnorm(float *out, const float *x, const float *weight, int64_t n, float eps);
// out = x * silu(gate) ... in place on gate: gate[i] = silu(gate[i]) * up[i]
void el_swiglu(float *gate, const float *up, int64_t n);
// gate[i] = relu(gate[i])^2 * up[i]
void el_relu2_glu(float *gate, const float *up, int64_t n);
void el_add(float *y, const float *x, int64_t n);
void el_softmax(float *x, int64_t n);

// Rotary embedding, "rotate half" (GPT-NeoX / Hugging Face) pairing: dimension i is paired with
// i + head_dim/2. `inv_freq` has head_dim/2 entries. Applies to n_heads heads laid out contiguously.
void el_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t pos, const float *inv_freq);

// ---- attention ---------------------------------------------------------------------------------

// How the KV cache stores its values. Q8_0 rows are blocks of 32 (el_block_q8_0): head_dim,
// kv_stride and a head's offset into a row must then be multiples of 32.
typedef enum { EL_KV_F32 = 0, EL_KV_F16 = 1, EL_KV_Q8_0 = 2 } el_kv_type;

// Bytes of `n` cached values (n a multiple of 32 for Q8_0): a row's size, or the byte offset of
// element n within a row.
size_t el_kv_bytes(int kv_type, int64_t n);

// One query head over `n_kv` cached positions of one KV head. The cache rows are `kv_stride`
// elements apart, stored as `kv_type` (an el_kv_type). `scores` is scratch of n_kv floats.
// out[head_dim] = softmax(q.K^T * scale) V
void el_attention_head(float *out, const float *q, const void *k_cache, const void *v_cache,
                       int kv_type, int64_t n_kv, int64_t head_dim, int64_t kv_stride,
                       float scale, float *scores);

// Store a row of `n` floats into the KV cache as `kv_type` (Q8_0: n a multiple of 32).
void el_store_kv(void *dst, const float *src, int64_t n, int kv_type);

// ---- implementations ---------------------------------------------------------------------------
//
// The functions above run the implementation chosen at first use: the best this CPU supports
// (AVX2+FMA+F16C on x86-64, found with cpuid; NEON on AArch64; scalar otherwise), unless the
// environment variable EDGELLM_KERNELS names another (`scalar`, `avx2`, `neon`).
// Integer paths (TQ2, Q8_0, Q4_0 dot products, activation quantisation, RoPE, ReLU^2, add, KV
// stores) give bit-identical results in every implementation; float reductions (f32/f16 matmul,
// RMSNorm, softmax, SiLU, attention) agree within about 1e-6 relative.
typedef enum { EL_IMPL_SCALAR = 0, EL_IMPL_AVX2 = 1, EL_IMPL_NEON = 2, EL_IMPL_COUNT = 3 } el_impl;

// 1 if the implementation is compiled in and this CPU runs it.
int el_impl_available(el_impl impl);
el_impl el_impl_active(void);
const char *el_impl_name(el_impl impl);
// Switch the implementation the public functions use; -1 (and no change) if it is not available.
// For tests and benchmarks: not safe while kernels run on other threads.
int el_impl_use(el_impl impl);

// The kernels with an explicit implementation, for tests and benchmarks. Each returns 0, or -1
// without touching its outputs when the implementation is not available.
int el_matmul_impl(el_impl impl, el_type type, float *y, int64_t ldy, const void *w, const void *xq,
                   int64_t rows, int64_t cols, int64_t ntok,
                   const float *scales, int64_t n_scales, int64_t row0);
int el_quantize_act_impl(el_impl impl, el_act_type act, const float *x, void *out, int64_t cols,
                         int64_t ntok);
int el_rmsnorm_impl(el_impl impl, float *out, const float *x, const float *weight, int64_t n, float eps);
int el_swiglu_impl(el_impl impl, float *gate, const float *up, int64_t n);
int el_relu2_glu_impl(el_impl impl, float *gate, const float *up, int64_t n);
int el_add_impl(el_impl impl, float *y, const float *x, int64_t n);
int el_softmax_impl(el_impl impl, float *x, int64_t n);
int el_rope_impl(el_impl impl, float *x, int64_t n_heads, int64_t head_dim, int64_t pos,
                 const float *inv_freq);
int el_attention_head_impl(el_impl impl, float *out, const float *q, const void *k_cache,
                           const void *v_cache, int kv_type, int64_t n_kv, int64_t head_dim,
                           int64_t kv_stride, float scale, float *scores);
int el_store_kv_impl(el_impl impl, void *dst, const float *src, int64_t n, int kv_type);

#ifdef __cplusplus
}
#endif

#endif
