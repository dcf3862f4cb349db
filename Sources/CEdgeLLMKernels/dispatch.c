// Choosing a kernel implementation once, and the public entry points that route through it.
#include "kernels_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

const el_kernel_table el_kernels_scalar = {
    .matmul = {
        [EL_TYPE_F32] = el_scalar_matmul_f32,
        [EL_TYPE_F16] = el_scalar_matmul_f16,
        [EL_TYPE_Q8_0] = el_scalar_matmul_q8_0,
        [EL_TYPE_Q4_0] = el_scalar_matmul_q4_0,
        [EL_TYPE_TQ2] = el_scalar_matmul_tq2,
    },
    .absmax = el_scalar_absmax,
    .quantize_row_q8_0 = el_quantize_row_q8_0,
    .round_i8 = el_scalar_round_i8,
    .rmsnorm = el_scalar_rmsnorm,
    .swiglu = el_scalar_swiglu,
    .relu2_glu = el_scalar_relu2_glu,
    .add = el_scalar_add,
    .softmax = el_scalar_softmax,
    .rope = el_scalar_rope,
    .attention_head = el_scalar_attention_head,
    .store_kv = el_scalar_store_kv,
};

#define EL_KERNEL_TABLE(prefix)                                 \
    {                                                           \
        .matmul = {                                             \
            [EL_TYPE_F32] = el_##prefix##_matmul_f32,           \
            [EL_TYPE_F16] = el_##prefix##_matmul_f16,           \
            [EL_TYPE_Q8_0] = el_##prefix##_matmul_q8_0,         \
            [EL_TYPE_Q4_0] = el_##prefix##_matmul_q4_0,         \
            [EL_TYPE_TQ2] = el_##prefix##_matmul_tq2,           \
        },                                                      \
        .absmax = el_##prefix##_absmax,                         \
        .quantize_row_q8_0 = el_##prefix##_quantize_row_q8_0,   \
        .round_i8 = el_##prefix##_round_i8,                     \
        .rmsnorm = el_##prefix##_rmsnorm,                       \
        .swiglu = el_##prefix##_swiglu,                         \
        .relu2_glu = el_##prefix##_relu2_glu,                   \
        .add = el_##prefix##_add,                               \
        .softmax = el_##prefix##_softmax,                       \
        .rope = el_##prefix##_rope,                             \
        .attention_head = el_##prefix##_attention_head,         \
        .store_kv = el_##prefix##_store_kv,                     \
    }

#if defined(__x86_64__)
const el_kernel_table el_kernels_avx2 = EL_KERNEL_TABLE(avx2);
#endif
#if defined(__aarch64__)
const el_kernel_table el_kernels_neon = EL_KERNEL_TABLE(neon);
#endif

#if defined(__x86_64__)
static int cpu_has_avx2(void) {
    // FMA and F16C come with every AVX2 CPU in practice, but the kernels use them, so ask.
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
}
#endif

static const el_kernel_table *raw_table(el_impl impl) {
    switch (impl) {
    case EL_IMPL_SCALAR: return &el_kernels_scalar;
#if defined(__x86_64__)
    case EL_IMPL_AVX2: return cpu_has_avx2() ? &el_kernels_avx2 : NULL;
#endif
#if defined(__aarch64__)
    case EL_IMPL_NEON: return &el_kernels_neon; // Advanced SIMD is mandatory in ARMv8-A
#endif
    default: return NULL;
    }
}

// Tables with their gaps filled from scalar (NULL where unavailable) and the active one, set up
// once. The active pointer stays atomic only because el_impl_use may swap it later.
static el_kernel_table merged[EL_IMPL_COUNT];
static int available[EL_IMPL_COUNT];
static _Atomic(const el_kernel_table *) active_table;
static atomic_int active_impl;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

#define FILL(field) t->field = src->field ? src->field : el_kernels_scalar.field

static void merge(el_kernel_table *t, const el_kernel_table *src) {
    for (int i = 0; i < EL_TYPE_COUNT; i++) FILL(matmul[i]);
    FILL(absmax);
    FILL(quantize_row_q8_0);
    FILL(round_i8);
    FILL(rmsnorm);
    FILL(swiglu);
    FILL(relu2_glu);
    FILL(add);
    FILL(softmax);
    FILL(rope);
    FILL(attention_head);
    FILL(store_kv);
}

static el_impl choose(void) {
    const char *env = getenv("EDGELLM_KERNELS");
    if (env && *env && strcmp(env, "auto") != 0) {
        for (int i = 0; i < EL_IMPL_COUNT; i++) {
            if (strcmp(env, el_impl_name((el_impl)i)) == 0 && available[i]) return (el_impl)i;
        }
        // An unknown or unavailable name falls through to the best available.
    }
    if (available[EL_IMPL_NEON]) return EL_IMPL_NEON;
    if (available[EL_IMPL_AVX2]) return EL_IMPL_AVX2;
    return EL_IMPL_SCALAR;
}

static void init(void) {
    for (int i = 0; i < EL_IMPL_COUNT; i++) {
        const el_kernel_table *src = raw_table((el_impl)i);
        available[i] = src != NULL;
        if (src) merge(&merged[i], src);
    }
    const el_impl impl = choose();
    atomic_store_explicit(&active_impl, (int)impl, memory_order_relaxed);
    atomic_store_explicit(&active_table, &merged[impl], memory_order_release);
}

int el_impl_available(el_impl impl) {
    pthread_once(&init_once, init);
    return (unsigned)impl < EL_IMPL_COUNT && available[impl];
}

const char *el_impl_name(el_impl impl) {
    switch (impl) {
    case EL_IMPL_SCALAR: return "scalar";
    case EL_IMPL_AVX2: return "avx2";
    case EL_IMPL_NEON: return "neon";
    default: return "unknown";
    }
}

const el_kernel_table *el_kernel_table_for(el_impl impl) {
    return el_impl_available(impl) ? &merged[impl] : NULL;
}

static inline const el_kernel_table *active(void) {
    const el_kernel_table *t = atomic_load_explicit(&active_table, memory_order_acquire);
    if (__builtin_expect(t != NULL, 1)) return t;
    pthread_once(&init_once, init);
    return atomic_load_explicit(&active_table, memory_order_acquire);
}

el_impl el_impl_active(void) {
    (void)active();
    return (el_impl)atomic_load_explicit(&active_impl, memory_order_relaxed);
}

int el_impl_use(el_impl impl) {
    const el_kernel_table *t = el_kernel_table_for(impl);
    if (!t) return -1;
    atomic_store_explicit(&active_impl, (int)impl, memory_order_relaxed);
    atomic_store_explicit(&active_table, t, memory_order_release);
    return 0;
}

// ---- public entry points -----------------------------------------------------------------------

static void matmul_with(const el_kernel_table *t, el_type type, float *y, int64_t ldy,
                        const void *w, const void *xq, int64_t rows, int64_t cols, int64_t ntok,
                        const float *scales, int64_t n_scales, int64_t row0) {
    if ((unsigned)type >= EL_TYPE_COUNT || rows <= 0 || ntok <= 0) return;
    t->matmul[type](y, ldy, w, xq, rows, cols, ntok, scales, n_scales, row0);
}

void el_matmul(el_type type, float *y, int64_t ldy, const void *w, const void *xq,
               int64_t rows, int64_t cols, int64_t ntok,
               const float *scales, int64_t n_scales, int64_t row0) {
    matmul_with(active(), type, y, ldy, w, xq, rows, cols, ntok, scales, n_scales, row0);
}

void el_quantize_act(el_act_type act, const float *x, void *out, int64_t cols, int64_t ntok) {
    el_quantize_act_with(active(), act, x, out, cols, ntok);
}

void el_rmsnorm(float *out, const float *x, const float *weight, int64_t n, float eps) {
    active()->rmsnorm(out, x, weight, n, eps);
}
void el_swiglu(float *gate, const float *up, int64_t n) { active()->swiglu(gate, up, n); }
void el_relu2_glu(float *gate, const float *up, int64_t n) { active()->relu2_glu(gate, up, n); }
void el_add(float *y, const float *x, int64_t n) { active()->add(y, x, n); }
void el_softmax(float *x, int64_t n) { active()->softmax(x, n); }
void el_rope(float *x, int64_t n_heads, int64_t head_dim, int64_t pos, const float *inv_freq) {
    active()->rope(x, n_heads, head_dim, pos, inv_freq);
}
void el_attention_head(float *out, const float *q, const void *k_cache, const void *v_cache,
                       int kv_type, int64_t n_kv, int64_t head_dim, int64_t kv_stride,
                       float scale, float *scores) {
    active()->attention_head(out, q, k_cache, v_cache, kv_type, n_kv, head_dim, kv_stride, scale,
                             scores);
}
void el_store_kv(void *dst, const float *src, int64_t n, int kv_type) {
    active()->store_kv(dst, src, n, kv_type);
}

// ---- explicit implementations ------------------------------------------------------------------

#define WITH(impl) \
    const el_kernel_table *t = el_kernel_table_for(impl); \
    if (!t) return -1

int el_matmul_impl(el_impl impl, el_type type, float *y, int64_t ldy, const void *w, const void *xq,
                   int64_t rows, int64_t cols, int64_t ntok,
                   const float *scales, int64_t n_scales, int64_t row0) {
    WITH(impl);
    matmul_with(t, type, y, ldy, w, xq, rows, cols, ntok, scales, n_scales, row0);
    return 0;
}
int el_quantize_act_impl(el_impl impl, el_act_type act, const float *x, void *out, int64_t cols,
                         int64_t ntok) {
    WITH(impl);
    el_quantize_act_with(t, act, x, out, cols, ntok);
    return 0;
}
int el_rmsnorm_impl(el_impl impl, float *out, const float *x, const float *weight, int64_t n, float eps) {
    WITH(impl);
    t->rmsnorm(out, x, weight, n, eps);
    return 0;
}
int el_swiglu_impl(el_impl impl, float *gate, const float *up, int64_t n) {
    WITH(impl);
    t->swiglu(gate, up, n);
    return 0;
}
int el_relu2_glu_impl(el_impl impl, float *gate, const float *up, int64_t n) {
    WITH(impl);
    t->relu2_glu(gate, up, n);
    return 0;
}
int el_add_impl(el_impl impl, float *y, const float *x, int64_t n) {
    WITH(impl);
    t->add(y, x, n);
    return 0;
}
int el_softmax_impl(el_impl impl, float *x, int64_t n) {
    WITH(impl);
    t->softmax(x, n);
    return 0;
}
int el_rope_impl(el_impl impl, float *x, int64_t n_heads, int64_t head_dim, int64_t pos,
                 const float *inv_freq) {
    WITH(impl);
    t->rope(x, n_heads, head_dim, pos, inv_freq);
    return 0;
}
int el_attention_head_impl(el_impl impl, float *out, const float *q, const void *k_cache,
                           const void *v_cache, int kv_type, int64_t n_kv, int64_t head_dim,
                           int64_t kv_stride, float scale, float *scores) {
    WITH(impl);
    t->attention_head(out, q, k_cache, v_cache, kv_type, n_kv, head_dim, kv_stride, scale, scores);
    return 0;
}
int el_store_kv_impl(el_impl impl, void *dst, const float *src, int64_t n, int kv_type) {
    WITH(impl);
    t->store_kv(dst, src, n, kv_type);
    return 0;
}
