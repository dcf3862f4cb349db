// Dequantisation of GGUF tensor types to float32 (see edgellm_gguf.h).
//
// Each kernel mirrors the arithmetic of gguf-py's quants.py (scale products first, then the
// multiply by the quant, then the offset) so that the results match it bit for bit; that is what
// the import tests check. Blocks are packed structures with no alignment, so multi-byte fields
// are read with memcpy. GGUF is little-endian, as are all hosts EdgeLLM targets.
#include "edgellm_gguf.h"

#include <string.h>

// A fused multiply-add rounds once instead of twice and would break bit-exactness.
#pragma STDC FP_CONTRACT OFF

#define QK_K 256

static const el_gguf_type_traits k_traits[] = {
    [EL_GGUF_F32] = {"F32", 1, 4, 1},
    [EL_GGUF_F16] = {"F16", 1, 2, 1},
    [EL_GGUF_Q4_0] = {"Q4_0", 32, 18, 1},
    [EL_GGUF_Q4_1] = {"Q4_1", 32, 20, 1},
    [EL_GGUF_Q5_0] = {"Q5_0", 32, 22, 1},
    [EL_GGUF_Q5_1] = {"Q5_1", 32, 24, 1},
    [EL_GGUF_Q8_0] = {"Q8_0", 32, 34, 1},
    [EL_GGUF_Q8_1] = {"Q8_1", 32, 36, 0}, // ggml's size; gguf-py still lists an older 40
    [EL_GGUF_Q2_K] = {"Q2_K", QK_K, 84, 1},
    [EL_GGUF_Q3_K] = {"Q3_K", QK_K, 110, 1},
    [EL_GGUF_Q4_K] = {"Q4_K", QK_K, 144, 1},
    [EL_GGUF_Q5_K] = {"Q5_K", QK_K, 176, 1},
    [EL_GGUF_Q6_K] = {"Q6_K", QK_K, 210, 1},
    [EL_GGUF_Q8_K] = {"Q8_K", QK_K, 292, 1},
    [EL_GGUF_IQ2_XXS] = {"IQ2_XXS", QK_K, 66, 0},
    [EL_GGUF_IQ2_XS] = {"IQ2_XS", QK_K, 74, 0},
    [EL_GGUF_IQ3_XXS] = {"IQ3_XXS", QK_K, 98, 0},
    [EL_GGUF_IQ1_S] = {"IQ1_S", QK_K, 50, 0},
    [EL_GGUF_IQ4_NL] = {"IQ4_NL", 32, 18, 1},
    [EL_GGUF_IQ3_S] = {"IQ3_S", QK_K, 110, 0},
    [EL_GGUF_IQ2_S] = {"IQ2_S", QK_K, 82, 0},
    [EL_GGUF_IQ4_XS] = {"IQ4_XS", QK_K, 136, 1},
    [EL_GGUF_I8] = {"I8", 1, 1, 0},
    [EL_GGUF_I16] = {"I16", 1, 2, 0},
    [EL_GGUF_I32] = {"I32", 1, 4, 0},
    [EL_GGUF_I64] = {"I64", 1, 8, 0},
    [EL_GGUF_F64] = {"F64", 1, 8, 0},
    [EL_GGUF_IQ1_M] = {"IQ1_M", QK_K, 56, 0},
    [EL_GGUF_BF16] = {"BF16", 1, 2, 1},
    [EL_GGUF_TQ1_0] = {"TQ1_0", QK_K, 54, 1},
    [EL_GGUF_TQ2_0] = {"TQ2_0", QK_K, 66, 1},
    [EL_GGUF_MXFP4] = {"MXFP4", 32, 17, 0},
};

int el_gguf_get_type_traits(uint32_t type, el_gguf_type_traits *traits) {
    if (type >= sizeof(k_traits) / sizeof(k_traits[0]) || k_traits[type].name == NULL) return -1;
    *traits = k_traits[type];
    return 0;
}

// ---- scalar conversions ------------------------------------------------------------------------

float el_gguf_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13); // inf or NaN, payload kept
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {
        // Subnormal half: shift the leading one into the implicit position.
        int e = -1;
        do {
            e++;
            mant <<= 1;
        } while ((mant & 0x400) == 0);
        bits = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3ff) << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float el_gguf_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t rd16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

static inline uint32_t rd32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline float rdf16(const uint8_t *p) { return el_gguf_f16_to_f32(rd16(p)); }

// ---- 32-element blocks -------------------------------------------------------------------------

// d (f16), 16 bytes: low nibbles are elements 0..15, high nibbles 16..31; value q - 8.
static void dq_q4_0(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 18, y += 32) {
        const float d = rdf16(b);
        const uint8_t *qs = b + 2;
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)((int)(qs[j] & 0x0f) - 8);
            y[j + 16] = d * (float)((int)(qs[j] >> 4) - 8);
        }
    }
}

// d, m (f16), nibbles as Q4_0; value d * q + m.
static void dq_q4_1(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 20, y += 32) {
        const float d = rdf16(b), m = rdf16(b + 2);
        const uint8_t *qs = b + 4;
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)(qs[j] & 0x0f) + m;
            y[j + 16] = d * (float)(qs[j] >> 4) + m;
        }
    }
}

// d (f16), qh (32 fifth bits, bit j for element j), nibbles as Q4_0; value q - 16.
static void dq_q5_0(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 22, y += 32) {
        const float d = rdf16(b);
        const uint32_t qh = rd32(b + 2);
        const uint8_t *qs = b + 6;
        for (int j = 0; j < 16; j++) {
            const int lo = (qs[j] & 0x0f) | (int)(((qh >> j) & 1) << 4);
            const int hi = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            y[j] = d * (float)(lo - 16);
            y[j + 16] = d * (float)(hi - 16);
        }
    }
}

// d, m (f16), qh, nibbles; value d * q + m.
static void dq_q5_1(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 24, y += 32) {
        const float d = rdf16(b), m = rdf16(b + 2);
        const uint32_t qh = rd32(b + 4);
        const uint8_t *qs = b + 8;
        for (int j = 0; j < 16; j++) {
            const int lo = (qs[j] & 0x0f) | (int)(((qh >> j) & 1) << 4);
            const int hi = (qs[j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            y[j] = d * (float)lo + m;
            y[j + 16] = d * (float)hi + m;
        }
    }
}

static void dq_q8_0(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 34, y += 32) {
        const float d = rdf16(b);
        const int8_t *qs = (const int8_t *)(b + 2);
        for (int j = 0; j < 32; j++) y[j] = (float)qs[j] * d;
    }
}

// Non-linear 4-bit codebook shared by IQ4_NL and IQ4_XS.
static const int8_t k_iq4nl_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};

static void dq_iq4_nl(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 18, y += 32) {
        const float d = rdf16(b);
        const uint8_t *qs = b + 2;
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)k_iq4nl_values[qs[j] & 0x0f];
            y[j + 16] = d * (float)k_iq4nl_values[qs[j] >> 4];
        }
    }
}

// ---- 256-element super-blocks ------------------------------------------------------------------

// scales[16] (low nibble scale, high nibble min per 16 elements), qs[64] (2 bits), d, dmin.
// Element e = 128 h + 32 s + l takes bits 2s of qs[32 h + l].
static void dq_q2_k(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 84, y += QK_K) {
        const uint8_t *scales = b, *qs = b + 16;
        const float d = rdf16(b + 80), dmin = rdf16(b + 82);
        for (int e = 0; e < QK_K; e++) {
            const int h = e >> 7, s = (e >> 5) & 3, l = e & 31, g = e >> 4;
            const float dl = d * (float)(scales[g] & 0x0f);
            const float ml = dmin * (float)(scales[g] >> 4);
            const int q = (qs[32 * h + l] >> (2 * s)) & 3;
            y[e] = dl * (float)q - ml;
        }
    }
}

// hmask[32], qs[64] (low 2 bits), scales[12] (sixteen 6-bit scales), d.
// The value is the low bits minus 4 when the element's hmask bit is clear.
static void dq_q3_k(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 110, y += QK_K) {
        const uint8_t *hmask = b, *qs = b + 32, *sc = b + 96;
        const float d = rdf16(b + 108);
        float dl[16];
        for (int j = 0; j < 16; j++) {
            const int lo = (sc[j & 7] >> (4 * (j >> 3))) & 0x0f;
            const int hi = (sc[8 + (j & 3)] >> (2 * (j >> 2))) & 0x03;
            dl[j] = d * (float)((lo | (hi << 4)) - 32);
        }
        for (int e = 0; e < QK_K; e++) {
            const int h = e >> 7, s = (e >> 5) & 3, l = e & 31;
            const int low = (qs[32 * h + l] >> (2 * s)) & 3;
            const int high = (hmask[l] >> (e >> 5)) & 1;
            y[e] = dl[e >> 4] * (float)(low - (high ? 0 : 4));
        }
    }
}

// The 12-byte block of eight 6-bit scales and eight 6-bit mins used by Q4_K and Q5_K.
static inline void k_scale_min(const uint8_t *s, int j, int *sc, int *m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// d, dmin, scales[12], qs[128]: sub-block j of 32 uses nibble (j & 1) of qs[32 (j / 2) + l].
static void dq_q4_k(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 144, y += QK_K) {
        const float d = rdf16(b), dmin = rdf16(b + 2);
        const uint8_t *scales = b + 4, *qs = b + 16;
        for (int j = 0; j < 8; j++) {
            int sc, m;
            k_scale_min(scales, j, &sc, &m);
            const float dl = d * (float)sc, ml = dmin * (float)m;
            const uint8_t *q = qs + 32 * (j >> 1);
            const int shift = 4 * (j & 1);
            for (int l = 0; l < 32; l++) y[32 * j + l] = dl * (float)((q[l] >> shift) & 0x0f) - ml;
        }
    }
}

// d, dmin, scales[12], qh[32] (bit j of qh[l] is the fifth bit of element 32 j + l), qs[128].
static void dq_q5_k(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 176, y += QK_K) {
        const float d = rdf16(b), dmin = rdf16(b + 2);
        const uint8_t *scales = b + 4, *qh = b + 16, *qs = b + 48;
        for (int j = 0; j < 8; j++) {
            int sc, m;
            k_scale_min(scales, j, &sc, &m);
            const float dl = d * (float)sc, ml = dmin * (float)m;
            const uint8_t *q = qs + 32 * (j >> 1);
            const int shift = 4 * (j & 1);
            for (int l = 0; l < 32; l++) {
                const int v = ((q[l] >> shift) & 0x0f) | (((qh[l] >> j) & 1) << 4);
                y[32 * j + l] = dl * (float)v - ml;
            }
        }
    }
}

// ql[128] (low 4 bits), qh[64] (high 2 bits), scales[16] (int8, per 16 elements), d; value q - 32.
// Element e = 128 h + 64 k + l (l < 64) takes nibble k of ql[64 h + l]; the high bits of
// e = 128 h + 32 s + l (l < 32) are bits 2s of qh[32 h + l].
static void dq_q6_k(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 210, y += QK_K) {
        const uint8_t *ql = b, *qh = b + 128;
        const int8_t *scales = (const int8_t *)(b + 192);
        const float d = rdf16(b + 208);
        for (int e = 0; e < QK_K; e++) {
            const int h = e >> 7, r = e & 127;
            const int low = (ql[64 * h + (r & 63)] >> (4 * (r >> 6))) & 0x0f;
            const int high = (qh[32 * h + (r & 31)] >> (2 * (r >> 5))) & 0x03;
            const float dl = d * (float)scales[e >> 4];
            y[e] = dl * (float)((low | (high << 4)) - 32);
        }
    }
}

// d (f32), qs[256] (int8), bsums[16] (unused here).
static void dq_q8_k(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 292, y += QK_K) {
        float d;
        memcpy(&d, b, 4);
        const int8_t *qs = (const int8_t *)(b + 4);
        for (int j = 0; j < QK_K; j++) y[j] = d * (float)qs[j];
    }
}

// d, scales_h (u16, 2 high bits per sub-block), scales_l[4] (nibbles), qs[128] (codebook indices).
static void dq_iq4_xs(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 136, y += QK_K) {
        const float d = rdf16(b);
        const uint16_t scales_h = rd16(b + 2);
        const uint8_t *scales_l = b + 4, *qs = b + 8;
        for (int j = 0; j < 8; j++) {
            const int lo = (scales_l[j >> 1] >> (4 * (j & 1))) & 0x0f;
            const int hi = (scales_h >> (2 * j)) & 0x03;
            const float dl = d * (float)((lo | (hi << 4)) - 32);
            const uint8_t *q = qs + 16 * j;
            for (int l = 0; l < 16; l++) {
                y[32 * j + l] = dl * (float)k_iq4nl_values[q[l] & 0x0f];
                y[32 * j + l + 16] = dl * (float)k_iq4nl_values[q[l] >> 4];
            }
        }
    }
}

// qs[48], qh[4], d: five (qs) or four (qh) base-3 digits per byte, stored as a fixed-point
// fraction of 3^5 so that digit p is the top of (byte * 3^p) mod 256, times 3, over 256.
static void dq_tq1_0(const uint8_t *b, float *y, int64_t nb) {
    static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
    for (int64_t i = 0; i < nb; i++, b += 54, y += QK_K) {
        const uint8_t *qs = b, *qh = b + 48;
        const float d = rdf16(b + 52);
        int e = 0;
        for (int p = 0; p < 5; p++)
            for (int l = 0; l < 32; l++, e++) {
                const uint8_t v = (uint8_t)(qs[l] * pow3[p]);
                y[e] = d * (float)((int)(((uint16_t)v * 3) >> 8) - 1);
            }
        for (int p = 0; p < 5; p++)
            for (int l = 0; l < 16; l++, e++) {
                const uint8_t v = (uint8_t)(qs[32 + l] * pow3[p]);
                y[e] = d * (float)((int)(((uint16_t)v * 3) >> 8) - 1);
            }
        for (int p = 0; p < 4; p++)
            for (int l = 0; l < 4; l++, e++) {
                const uint8_t v = (uint8_t)(qh[l] * pow3[p]);
                y[e] = d * (float)((int)(((uint16_t)v * 3) >> 8) - 1);
            }
    }
}

// qs[64] (2-bit codes q + 1), d. Element e = 128 h + 32 s + l is bits 2s of qs[32 h + l].
static void dq_tq2_0(const uint8_t *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b += 66, y += QK_K) {
        const float d = rdf16(b + 64);
        for (int e = 0; e < QK_K; e++) {
            const int h = e >> 7, s = (e >> 5) & 3, l = e & 31;
            y[e] = d * (float)((int)((b[32 * h + l] >> (2 * s)) & 3) - 1);
        }
    }
}

int el_gguf_dequantize(uint32_t type, const void *src, float *dst, int64_t n) {
    el_gguf_type_traits t;
    if (n < 0 || el_gguf_get_type_traits(type, &t) != 0 || !t.can_dequantize) return -1;
    if (n % t.block_size != 0) return -1;
    const uint8_t *b = (const uint8_t *)src;
    const int64_t nb = n / t.block_size;
    switch ((el_gguf_type)type) {
    case EL_GGUF_F32: memcpy(dst, src, (size_t)n * 4); break;
    case EL_GGUF_F16:
        for (int64_t i = 0; i < n; i++) dst[i] = el_gguf_f16_to_f32(rd16(b + 2 * i));
        break;
    case EL_GGUF_BF16:
        for (int64_t i = 0; i < n; i++) dst[i] = el_gguf_bf16_to_f32(rd16(b + 2 * i));
        break;
    case EL_GGUF_Q4_0: dq_q4_0(b, dst, nb); break;
    case EL_GGUF_Q4_1: dq_q4_1(b, dst, nb); break;
    case EL_GGUF_Q5_0: dq_q5_0(b, dst, nb); break;
    case EL_GGUF_Q5_1: dq_q5_1(b, dst, nb); break;
    case EL_GGUF_Q8_0: dq_q8_0(b, dst, nb); break;
    case EL_GGUF_Q2_K: dq_q2_k(b, dst, nb); break;
    case EL_GGUF_Q3_K: dq_q3_k(b, dst, nb); break;
    case EL_GGUF_Q4_K: dq_q4_k(b, dst, nb); break;
    case EL_GGUF_Q5_K: dq_q5_k(b, dst, nb); break;
    case EL_GGUF_Q6_K: dq_q6_k(b, dst, nb); break;
    case EL_GGUF_Q8_K: dq_q8_k(b, dst, nb); break;
    case EL_GGUF_IQ4_NL: dq_iq4_nl(b, dst, nb); break;
    case EL_GGUF_IQ4_XS: dq_iq4_xs(b, dst, nb); break;
    case EL_GGUF_TQ1_0: dq_tq1_0(b, dst, nb); break;
    case EL_GGUF_TQ2_0: dq_tq2_0(b, dst, nb); break;
    default: return -1;
    }
    return 0;
}
