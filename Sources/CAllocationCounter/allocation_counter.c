// Interposed allocator entry points that count calls (see allocation_counter.h).
#define _GNU_SOURCE
#include "allocation_counter.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__linux__) && defined(__GLIBC__)

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static _Atomic int64_t allocations;
static _Atomic int64_t frees;
// initial-exec: a TLS access must not itself allocate (the general dynamic model may call
// malloc on first use in a thread).
static __thread int counting __attribute__((tls_model("initial-exec")));
static _Atomic int interposed;

// The call stacks of the first few counted allocations, so that a failing test can say where
// they come from.
#define MAX_STACKS 4
#define STACK_DEPTH 16
static void *stacks[MAX_STACKS][STACK_DEPTH];
static int stack_depths[MAX_STACKS];
static _Atomic int stacks_taken;

static void record_stack(void) {
    int i = atomic_fetch_add(&stacks_taken, 1);
    if (i >= MAX_STACKS) return;
    counting = 0; // backtrace may allocate (the unwinder loads on first use)
    stack_depths[i] = backtrace(stacks[i], STACK_DEPTH);
    counting = 1;
}

static inline void count_allocation(void) {
    atomic_store_explicit(&interposed, 1, memory_order_relaxed);
    if (counting) {
        atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
        record_stack();
    }
}

static inline void count_free(void *p) {
    atomic_store_explicit(&interposed, 1, memory_order_relaxed);
    if (counting && p) atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
}

void *malloc(size_t size) {
    count_allocation();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size) {
    count_allocation();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size) {
    if (p && size == 0) count_free(p); else count_allocation();
    return __libc_realloc(p, size);
}

void free(void *p) {
    count_free(p);
    __libc_free(p);
}

void *memalign(size_t alignment, size_t size) {
    count_allocation();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_allocation();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    count_allocation();
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (!p && size) return ENOMEM;
    *out = p;
    return 0;
}

void *valloc(size_t size) {
    count_allocation();
    return __libc_valloc(size);
}

void *pvalloc(size_t size) {
    count_allocation();
    return __libc_pvalloc(size);
}

int el_alloc_counter_active(void) {
    // strdup allocates inside libc, through the dynamic linker's malloc: it reaches us only if
    // the whole process does.
    atomic_store(&interposed, 0);
    char *volatile p = strdup("edgellm");
    __libc_free(p);
    void *frames[2];
    backtrace(frames, 2); // load the unwinder now, not while counting
    return atomic_load(&interposed);
}

int el_alloc_stack(int index, char *out, size_t size) {
    if (size == 0) return 0;
    out[0] = 0;
    if (index < 0 || index >= MAX_STACKS || index >= atomic_load(&stacks_taken)) return 0;
    char **symbols = backtrace_symbols(stacks[index], stack_depths[index]);
    if (!symbols) return 0;
    size_t used = 0;
    for (int f = 0; f < stack_depths[index] && used + 1 < size; f++) {
        int n = snprintf(out + used, size - used, "%s\n", symbols[f]);
        if (n < 0) break;
        used += (size_t)n;
    }
    free(symbols);
    return 1;
}

void el_alloc_count_this_thread(int on) { counting = on; }

int64_t el_alloc_count(void) { return atomic_load(&allocations); }
int64_t el_free_count(void) { return atomic_load(&frees); }

void el_alloc_count_reset(void) {
    atomic_store(&allocations, 0);
    atomic_store(&frees, 0);
    atomic_store(&stacks_taken, 0);
}

#else

int el_alloc_counter_active(void) { return 0; }
void el_alloc_count_this_thread(int on) { (void)on; }
int64_t el_alloc_count(void) { return 0; }
int64_t el_free_count(void) { return 0; }
void el_alloc_count_reset(void) {}
int el_alloc_stack(int index, char *out, size_t size) {
    (void)index;
    if (size) out[0] = 0;
    return 0;
}

#endif

void el_alloc_count_pool_worker(void *ctx, int worker, int n_workers) {
    (void)worker;
    (void)n_workers;
    el_alloc_count_this_thread(ctx != NULL);
}
