// A persistent worker pool with a spin-then-sleep barrier.
//
// Dispatch: the caller publishes fn/ctx, sets `remaining` to the number of other workers and bumps
// `generation`; workers waiting for a new generation run their share and count `remaining` down;
// the caller runs worker 0's share and waits for `remaining` to reach zero. Waiting spins for a
// bounded number of iterations (a step of a decode is tens of microseconds; a futex round trip
// would cost as much), then sleeps in the kernel so that an idle session costs no CPU.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE // RUSAGE_THREAD
#endif
#include "edgellm_threads.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define CACHE_LINE 64

typedef struct {
    el_pool *pool;
    int index;
} worker_arg;

typedef struct {
    int64_t minor, major;
} fault_slot;

struct el_pool {
    int n;
    int spin;
    int pin;
    _Atomic int pinned;
    _Atomic int started;
    pthread_t *threads; // n - 1 of them: worker 0 is the caller
    worker_arg *args;
    fault_slot *faults;

    // Written by the caller before a dispatch, read by workers after they see the new generation.
    el_pool_fn fn;
    void *ctx;
    _Atomic int stop;

    // Each on its own cache line: workers poll `generation` while they count `remaining` down.
    _Alignas(CACHE_LINE) _Atomic uint32_t generation;
    _Atomic uint32_t sleepers;
    _Alignas(CACHE_LINE) _Atomic uint32_t remaining;
    _Atomic uint32_t caller_sleeping;
#if !defined(__linux__)
    pthread_mutex_t mutex;
    pthread_cond_t cond;
#endif
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || (defined(__arm__) && __ARM_ARCH >= 7)
    __asm__ volatile("yield");
#endif
}

// Sleeps while *addr == value. Spurious returns are fine: every caller re-checks in a loop.
static void sleep_while_equal(el_pool *p, _Atomic uint32_t *addr, uint32_t value) {
#if defined(__linux__)
    (void)p;
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
#else
    pthread_mutex_lock(&p->mutex);
    while (atomic_load(addr) == value) pthread_cond_wait(&p->cond, &p->mutex);
    pthread_mutex_unlock(&p->mutex);
#endif
}

static void wake_all(el_pool *p, _Atomic uint32_t *addr) {
#if defined(__linux__)
    (void)p;
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
#else
    (void)addr;
    pthread_mutex_lock(&p->mutex);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mutex);
#endif
}

// Waits until `generation` differs from `seen` and returns it.
static uint32_t wait_for_generation(el_pool *p, uint32_t seen) {
    int spins = 0;
    for (;;) {
        uint32_t g = atomic_load_explicit(&p->generation, memory_order_acquire);
        if (g != seen) return g;
        if (spins < p->spin) {
            spins++;
            cpu_relax();
            continue;
        }
        // Announce the sleep before the last look (both sequentially consistent): either the
        // dispatcher sees `sleepers` and wakes us, or we see its new generation.
        atomic_fetch_add(&p->sleepers, 1);
        if (atomic_load(&p->generation) == seen) sleep_while_equal(p, &p->generation, seen);
        atomic_fetch_sub(&p->sleepers, 1);
        spins = 0;
    }
}

static void *worker_main(void *arg) {
    worker_arg *w = arg;
    el_pool *p = w->pool;
    el_fp_flush_denormals();
    if (p->pin && el_pin_current_thread(w->index)) atomic_fetch_add(&p->pinned, 1);
    uint32_t seen = 0;
    atomic_fetch_add(&p->started, 1);
    for (;;) {
        seen = wait_for_generation(p, seen);
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) break;
        p->fn(p->ctx, w->index, p->n);
        // The last one out wakes the caller if it went to sleep (same handshake as above).
        if (atomic_fetch_sub(&p->remaining, 1) == 1 && atomic_load(&p->caller_sleeping)) {
            wake_all(p, &p->remaining);
        }
    }
    return NULL;
}

static void wait_for_workers(el_pool *p) {
    int spins = 0;
    while (atomic_load_explicit(&p->remaining, memory_order_acquire) != 0) {
        if (spins < p->spin) {
            spins++;
            cpu_relax();
            continue;
        }
        atomic_store(&p->caller_sleeping, 1);
        uint32_t r;
        while ((r = atomic_load(&p->remaining)) != 0) sleep_while_equal(p, &p->remaining, r);
        atomic_store(&p->caller_sleeping, 0);
    }
}

static void dispatch(el_pool *p, el_pool_fn fn, void *ctx) {
    p->fn = fn;
    p->ctx = ctx;
    atomic_store_explicit(&p->remaining, (uint32_t)(p->n - 1), memory_order_relaxed);
    atomic_fetch_add(&p->generation, 1); // publishes fn, ctx and remaining
    if (atomic_load(&p->sleepers) > 0) wake_all(p, &p->generation);
}

void el_pool_run(el_pool *p, el_pool_fn fn, void *ctx) {
    if (!p || p->n <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    dispatch(p, fn, ctx);
    fn(ctx, 0, p->n);
    wait_for_workers(p);
}

el_pool *el_pool_create(int n_threads, int flags, int spin) {
    if (n_threads < 1) n_threads = 1;
    el_pool *p = aligned_alloc(CACHE_LINE, (sizeof(el_pool) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
    if (!p) return NULL;
    *p = (el_pool){0};
    p->n = n_threads;
    p->spin = spin < 0 ? 0 : spin;
    // With more threads than CPUs a spinning thread holds the core that the thread it waits for
    // needs: a dispatch then costs a scheduler time slice (milliseconds, measured) instead of a
    // futex round trip (tens of microseconds). Sleep at once instead.
    if (n_threads > el_cpu_count()) p->spin = 0;
    p->faults = calloc((size_t)n_threads, sizeof(fault_slot));
    if (!p->faults) {
        free(p);
        return NULL;
    }
#if !defined(__linux__)
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->cond, NULL);
#endif
    if (n_threads == 1) return p;

    p->threads = calloc((size_t)n_threads, sizeof(pthread_t));
    p->args = calloc((size_t)n_threads, sizeof(worker_arg));
    if (!p->threads || !p->args) {
        el_pool_destroy(p);
        errno = ENOMEM;
        return NULL;
    }
    p->pin = (flags & EL_POOL_PIN) != 0;
    // Small stacks: a worker only runs kernels. Most systems default to 8 MiB of address space
    // each, which a 512 MB Pi Zero would rather keep.
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int created = 1;
    for (int i = 1; i < n_threads; i++) {
        p->args[i] = (worker_arg){.pool = p, .index = i};
        int err = pthread_create(&p->threads[i], &attr, worker_main, &p->args[i]);
        if (err) {
            pthread_attr_destroy(&attr);
            p->n = created; // destroy joins only the threads that exist
            el_pool_destroy(p);
            errno = err;
            return NULL;
        }
        created++;
    }
    pthread_attr_destroy(&attr);
    // Wait until every worker has pinned itself and set its FP mode, so el_pool_pinned is final
    // and the first dispatch finds them all polling.
    while (atomic_load(&p->started) < n_threads - 1) sched_yield();
    return p;
}

void el_pool_destroy(el_pool *p) {
    if (!p) return;
    if (p->threads && p->n > 1) {
        atomic_store(&p->stop, 1);
        atomic_fetch_add(&p->generation, 1);
        wake_all(p, &p->generation);
        for (int i = 1; i < p->n; i++) pthread_join(p->threads[i], NULL);
    }
#if !defined(__linux__)
    pthread_mutex_destroy(&p->mutex);
    pthread_cond_destroy(&p->cond);
#endif
    free(p->threads);
    free(p->args);
    free(p->faults);
    free(p);
}

int el_pool_threads(const el_pool *p) { return p ? p->n : 1; }

int el_pool_pinned(const el_pool *p) { return p ? atomic_load((_Atomic int *)&p->pinned) : 0; }

static void read_faults(void *ctx, int worker, int n) {
    (void)n;
    fault_slot *slots = ctx;
    struct rusage u;
#if defined(RUSAGE_THREAD)
    getrusage(RUSAGE_THREAD, &u);
#else
    getrusage(RUSAGE_SELF, &u);
#endif
    slots[worker].minor = u.ru_minflt;
    slots[worker].major = u.ru_majflt;
}

void el_pool_page_faults(el_pool *p, int64_t *minor, int64_t *major) {
    fault_slot one = {0, 0};
    fault_slot *slots = p ? p->faults : &one;
    el_pool_run(p, read_faults, slots);
    int64_t mi = 0, ma = 0;
    for (int i = 0; i < el_pool_threads(p); i++) {
        mi += slots[i].minor;
        ma += slots[i].major;
    }
    *minor = mi;
    *major = ma;
}

// ---- static splits and parallel kernels --------------------------------------------------------

void el_split_rows(int64_t rows, int n_workers, int worker, int64_t align, int64_t *begin, int64_t *end) {
    if (n_workers < 1) n_workers = 1;
    if (align < 1) align = 1;
    if (rows < 0) rows = 0;
    int64_t chunk = (rows + n_workers - 1) / n_workers;
    chunk = (chunk + align - 1) / align * align;
    int64_t b = chunk * worker;
    if (b > rows) b = rows;
    int64_t e = b + chunk;
    if (e > rows) e = rows;
    *begin = b;
    *end = e;
}

typedef struct {
    const el_matmul_task *tasks;
    int n_tasks;
} matmul_batch;

static void matmul_share(void *ctx, int worker, int n_workers) {
    const matmul_batch *batch = ctx;
    for (int k = 0; k < batch->n_tasks; k++) {
        const el_matmul_task *t = &batch->tasks[k];
        int64_t b, e;
        el_split_rows(t->rows, n_workers, worker, EL_POOL_ROW_ALIGN, &b, &e);
        if (b >= e) continue;
        const size_t row_bytes = el_row_size(t->type, t->cols);
        el_matmul(t->type, t->y + b, t->ldy, (const char *)t->w + (size_t)b * row_bytes, t->xq,
                  e - b, t->cols, t->ntok, t->scales, t->n_scales, t->row0 + b);
    }
}

void el_pool_matmul(el_pool *pool, const el_matmul_task *tasks, int n_tasks) {
    matmul_batch batch = {tasks, n_tasks};
    el_pool_run(pool, matmul_share, &batch);
}

static void attention_share(void *ctx, int worker, int n_workers) {
    const el_attention_task *t = ctx;
    float *scores = t->scores + (int64_t)worker * t->scores_stride;
    const int64_t items = t->ntok * t->n_heads;
    // Round-robin rather than chunks: in a prompt, later tokens see more positions, and dealing
    // (token, head) pairs in turn gives every worker a similar mix.
    for (int64_t i = worker; i < items; i += n_workers) {
        const int64_t tok = i / t->n_heads, h = i % t->n_heads;
        const size_t kv_offset = el_kv_bytes(t->kv_type, (h / t->group_size) * t->head_dim);
        const int64_t q_offset = tok * t->q_stride + h * t->head_dim;
        el_attention_head(t->out + q_offset, t->q + q_offset, (const char *)t->k_cache + kv_offset,
                          (const char *)t->v_cache + kv_offset, t->kv_type, t->start + tok + 1,
                          t->head_dim, t->kv_stride, t->scale, scores);
    }
}

void el_pool_attention(el_pool *pool, const el_attention_task *task) {
    el_pool_run(pool, attention_share, (void *)task);
}
