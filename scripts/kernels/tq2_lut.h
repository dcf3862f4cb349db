// Experimental: ternary matmul by table lookup (T-MAC style), kept beside the benchmark to compare
// with the multiply-add kernels the engine uses. Not part of the library.
//
// A lookup table gives one value per 16-byte SIMD lane group, so each vpshufb / vqtbl1q_u8 must
// see codes of *different rows* for the *same activations*: the weights are re-laid out in tiles
// of 32 rows, byte j of block b of rows 0..31 side by side (el_tq2_lut_pack). Each code byte's low
// nibble indexes a 16-entry table of the pair (x[j], x[j+8]) of its block, the high nibble the pair
// (x[j+16], x[j+24]): entry c0 + 4 c1 = (c0 - 1) x_a + (c1 - 1) x_b. The entries need 10 bits, so
// each table is stored as a low-byte and a high-byte table, and the two lookups are interleaved
// back into int16: the result stays the exact integer dot product.
#ifndef EDGELLM_TQ2_LUT_H
#define EDGELLM_TQ2_LUT_H

#include "edgellm_kernels.h"

#define EL_LUT_TILE 32

size_t el_tq2_lut_packed_size(int64_t rows, int64_t cols);
void el_tq2_lut_pack(const uint8_t *tq2, uint8_t *packed, int64_t rows, int64_t cols);

typedef struct el_tq2_lut_act el_tq2_lut_act;
el_tq2_lut_act *el_tq2_lut_act_new(int64_t cols, int64_t ntok);
void el_tq2_lut_act_free(el_tq2_lut_act *a);
// int8 absmax per token (as el_quantize_act) and the tables.
void el_tq2_lut_quantize(el_impl impl, const float *x, el_tq2_lut_act *a, int64_t cols, int64_t ntok);

int el_tq2_lut_available(el_impl impl);
// The whole matrix (rows from 0); y[t * ldy + r] as el_matmul.
void el_tq2_lut_matmul(el_impl impl, float *y, int64_t ldy, const uint8_t *packed, const el_tq2_lut_act *a,
                       int64_t rows, int64_t cols, int64_t ntok, const float *scales, int64_t n_scales,
                       int64_t row0);

#endif
