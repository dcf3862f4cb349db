// EdgeLLM worker pool and per-thread CPU state.
//
// One pool per session, created once: `n_threads` workers of which the calling thread is worker 0,
// so a 1-thread pool starts no thread at all. Work is split statically (the same worker always
// gets the same rows for a given shape), and no value is ever summed across workers, so the
// results are bit-identical for any thread count.
#ifndef EDGELLM_THREADS_H
#define EDGELLM_THREADS_H

#include <stddef.h>
#include <stdint.h>

#include "edgellm_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---- CPU state ---------------------------------------------------------------------------------

// Denormal floats take a slow microcoded path on x86 and some Arm cores; a few of them in one
// matmul turn into a latency spike. Flushing them to zero (x86 MXCSR FTZ+DAZ, AArch64 FPCR.FZ)
// makes every step cost the same. Every thread that computes part of a forward pass must be in
// the same mode, or the rows it computes could differ in the last bit from another thread's.
typedef struct {
    uint64_t saved;
} el_fp_state;

// Sets flush-to-zero on this thread and returns the previous mode for el_fp_leave.
el_fp_state el_fp_enter(void);
void el_fp_leave(el_fp_state state);
// Sets flush-to-zero on this thread for good (pool workers). Returns 0 where unsupported.
int el_fp_flush_denormals(void);
// 1 if a computation on this thread that would produce a denormal produces zero.
int el_fp_denormals_flushed(void);

// ---- CPUs --------------------------------------------------------------------------------------

// CPUs this process may run on (its affinity mask, so taskset and cgroup cpusets count).
int el_cpu_count(void);
// Pins the calling thread to the `index`-th CPU of the process's affinity mask (modulo their
// count). Returns 1 on success, 0 if the system refused.
int el_pin_current_thread(int index);
// Number of CPUs the calling thread may run on, or 0 if unknown.
int el_current_thread_cpu_count(void);

// ---- the pool ----------------------------------------------------------------------------------

typedef struct el_pool el_pool;

// Runs on every worker, including the caller as worker 0; returns when all have finished.
typedef void (*el_pool_fn)(void *ctx, int worker, int n_workers);

// Pin worker i (i >= 1) to the i-th CPU of the process's affinity mask. Worker 0 is the caller's
// thread and belongs to the application: see el_pin_current_thread.
#define EL_POOL_PIN 1

// Default spin budget (iterations of a CPU pause) before a waiting thread sleeps in the kernel.
// Between the steps of one token the gap is microseconds, so nobody sleeps mid-token; between
// requests the workers give their cores back within a fraction of a millisecond.
#define EL_POOL_DEFAULT_SPIN 20000

// NULL if a thread could not be started (errno says why). n_threads < 1 is taken as 1.
el_pool *el_pool_create(int n_threads, int flags, int spin);
void el_pool_destroy(el_pool *pool);
int el_pool_threads(const el_pool *pool);
// Workers (excluding the caller) that were pinned successfully.
int el_pool_pinned(const el_pool *pool);
// Runs fn(ctx, i, n) on every worker i and waits for all. A NULL or 1-thread pool runs it inline.
// Not reentrant: one caller at a time.
void el_pool_run(el_pool *pool, el_pool_fn fn, void *ctx);

// Sums getrusage(RUSAGE_THREAD) page faults over the pool's threads (the caller included), so a
// test can count the faults of one session while other tests run in the same process.
void el_pool_page_faults(el_pool *pool, int64_t *minor, int64_t *major);

// ---- static splits -----------------------------------------------------------------------------

// Chunk boundaries are multiples of this many rows: a SIMD kernel that handles rows in groups then
// sees the same groups whatever the split, and neighbouring workers' outputs do not share a cache
// line.
#define EL_POOL_ROW_ALIGN 16

// Rows [*begin, *end) of `rows` for worker `worker` of `n_workers`: contiguous chunks, boundaries
// multiples of `align`. Empty (begin == end) for workers past the end.
void el_split_rows(int64_t rows, int n_workers, int worker, int64_t align, int64_t *begin, int64_t *end);

// ---- parallel kernels --------------------------------------------------------------------------

// One matmul as el_matmul takes it (rows counted from `row0` of the tensor for per-row scales).
typedef struct {
    el_type type;
    float *y;
    int64_t ldy;
    const void *w;
    const void *xq;
    int64_t rows, cols, ntok;
    const float *scales;
    int64_t n_scales;
    int64_t row0;
} el_matmul_task;

// Runs `n_tasks` matmuls that read the same or independent inputs (Q, K and V; gate and up) in one
// dispatch: each worker computes its rows of every task, so there is one barrier for all of them.
void el_pool_matmul(el_pool *pool, const el_matmul_task *tasks, int n_tasks);

// Attention for `ntok` new tokens at positions start .. start + ntok - 1, every query head, over a
// KV cache that already holds them. Heads of all tokens are dealt round-robin to the workers;
// worker i uses scores + i * scores_stride as scratch.
typedef struct {
    float *out;              // [ntok][q_stride]
    const float *q;          // [ntok][q_stride]
    const void *k_cache;     // this layer's keys, kv_stride elements per position
    const void *v_cache;
    int kv_type;
    int64_t ntok, start;
    int64_t n_heads, group_size, head_dim, q_stride, kv_stride;
    float scale;
    float *scores;
    int64_t scores_stride;
} el_attention_task;

void el_pool_attention(el_pool *pool, const el_attention_task *task);

#ifdef __cplusplus
}
#endif

#endif
