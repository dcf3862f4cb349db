// Tensor type sizes and float16 / bfloat16 conversions.
#include "edgellm_kernels.h"

#include <string.h>

size_t el_row_size(el_type type, int64_t cols) {
    switch (type) {
    case EL_TYPE_F32: return (size_t)cols * 4;
    case EL_TYPE_F16: return (size_t)cols * 2;
    case EL_TYPE_Q8_0: return (size_t)(cols / EL_QK) * sizeof(el_block_q8_0);
    case EL_TYPE_Q4_0: return (size_t)(cols / EL_QK) * sizeof(el_block_q4_0);
    case EL_TYPE_TQ2: return (size_t)cols / 4;
    default: return 0;
    }
}

size_t el_tensor_size(el_type type, int64_t rows, int64_t cols, int64_t n_scales) {
    size_t size = el_row_size(type, cols) * (size_t)rows;
    if (type == EL_TYPE_TQ2) size += (size_t)n_scales * sizeof(float);
    return size;
}

const char *el_type_name(el_type type) {
    switch (type) {
    case EL_TYPE_F32: return "f32";
    case EL_TYPE_F16: return "f16";
    case EL_TYPE_Q8_0: return "q8_0";
    case EL_TYPE_Q4_0: return "q4_0";
    case EL_TYPE_TQ2: return "ternary";
    default: return "unknown";
    }
}

static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

float el_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0) {
        if (mant == 0) return bits_f32(sign);
        // Subnormal: value = mant * 2^-24.
        float v = (float)mant * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    if (exp == 31) return bits_f32(sign | 0x7f800000u | (mant << 13));
    return bits_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t el_f32_to_f16(float f) {
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) { // inf or nan
        return sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0);
    }
    if (absx >= 0x477ff000u) return sign | 0x7c00; // rounds to >= 65520: overflow
    if (absx < 0x38800000u) { // below the smallest normal f16: subnormal or zero
        if (absx < 0x33000000u) return sign; // < 2^-25 rounds to zero
        uint32_t e = absx >> 23;
        uint32_t m = (absx & 0x7fffff) | 0x800000;
        uint32_t shift = 126 - e; // 14..24
        uint32_t q = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        return sign | (uint16_t)q;
    }
    uint32_t e = (absx >> 23) - 112;
    uint32_t m = absx & 0x7fffff;
    uint32_t q = (e << 10) | (m >> 13);
    uint32_t rem = m & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (q & 1))) q++;
    return sign | (uint16_t)q;
}

float el_bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }
