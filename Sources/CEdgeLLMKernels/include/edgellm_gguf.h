// GGUF tensor types (ggml numbering) and their dequantisation to float32, for importing GGUF
// files. Only the import path uses this; the engine runs on TM2 types (edgellm_kernels.h).
//
// Block layouts follow ggml-common.h. Results are bit-identical to gguf-py's
// gguf.quants.dequantize: every value is computed with the same float operations in the same
// order, and contraction into fused multiply-adds is switched off in the implementation.
#ifndef EDGELLM_GGUF_H
#define EDGELLM_GGUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ggml's type numbers as stored in GGUF tensor infos. Gaps are types ggml has removed.
typedef enum {
    EL_GGUF_F32 = 0,
    EL_GGUF_F16 = 1,
    EL_GGUF_Q4_0 = 2,
    EL_GGUF_Q4_1 = 3,
    EL_GGUF_Q5_0 = 6,
    EL_GGUF_Q5_1 = 7,
    EL_GGUF_Q8_0 = 8,
    EL_GGUF_Q8_1 = 9,
    EL_GGUF_Q2_K = 10,
    EL_GGUF_Q3_K = 11,
    EL_GGUF_Q4_K = 12,
    EL_GGUF_Q5_K = 13,
    EL_GGUF_Q6_K = 14,
    EL_GGUF_Q8_K = 15,
    EL_GGUF_IQ2_XXS = 16,
    EL_GGUF_IQ2_XS = 17,
    EL_GGUF_IQ3_XXS = 18,
    EL_GGUF_IQ1_S = 19,
    EL_GGUF_IQ4_NL = 20,
    EL_GGUF_IQ3_S = 21,
    EL_GGUF_IQ2_S = 22,
    EL_GGUF_IQ4_XS = 23,
    EL_GGUF_I8 = 24,
    EL_GGUF_I16 = 25,
    EL_GGUF_I32 = 26,
    EL_GGUF_I64 = 27,
    EL_GGUF_F64 = 28,
    EL_GGUF_IQ1_M = 29,
    EL_GGUF_BF16 = 30,
    EL_GGUF_TQ1_0 = 34,
    EL_GGUF_TQ2_0 = 35,
    EL_GGUF_MXFP4 = 39,
} el_gguf_type;

// Size facts of a type ggml knows (whether or not it can be dequantised here).
typedef struct {
    const char *name;     // ggml's name, e.g. "Q4_K"
    int64_t block_size;   // elements per block (1 for plain types)
    size_t type_size;     // bytes per block
    int can_dequantize;   // el_gguf_dequantize handles it
} el_gguf_type_traits;

// Returns 0 and fills *traits for a known type, -1 for a number ggml does not (or no longer) use.
int el_gguf_get_type_traits(uint32_t type, el_gguf_type_traits *traits);

// Dequantises `n` elements (a whole number of blocks) from `src` into `dst`.
// Returns 0, or -1 when the type cannot be dequantised or n is not a multiple of the block size.
int el_gguf_dequantize(uint32_t type, const void *src, float *dst, int64_t n);

// Exact half / bfloat16 to float conversions (subnormals, infinities and NaNs included).
float el_gguf_f16_to_f32(uint16_t h);
float el_gguf_bf16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif

#endif
