// Test support: counts heap allocations made by chosen threads.
//
// Linking this target into a process replaces malloc, calloc, realloc, free, posix_memalign,
// aligned_alloc, memalign, valloc and pvalloc with versions that forward to glibc's own
// (__libc_malloc and friends) and, on threads that have switched counting on, count each call.
// Counting per thread lets a test measure one decode loop while other tests run in parallel.
#ifndef EDGELLM_ALLOCATION_COUNTER_H
#define EDGELLM_ALLOCATION_COUNTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// 1 if the replacement functions are the ones this process calls (they are not on systems
// without glibc's __libc_* entry points, where nothing would be counted).
int el_alloc_counter_active(void);

// Switch counting on or off for the calling thread.
void el_alloc_count_this_thread(int on);

// The same, in the shape of an el_pool_fn, to switch every worker of a pool (ctx: NULL = off,
// anything else = on).
void el_alloc_count_pool_worker(void *ctx, int worker, int n_workers);

// Calls counted since the last reset: allocations (malloc, calloc, realloc, the aligned ones)
// and frees (free, and realloc to size 0).
int64_t el_alloc_count(void);
int64_t el_free_count(void);
void el_alloc_count_reset(void);

// The call stack of the index-th counted allocation since the reset (the first four are kept),
// one frame a line, into out. Returns 0 if there is no such allocation.
int el_alloc_stack(int index, char *out, size_t size);

#ifdef __cplusplus
}
#endif

#endif
