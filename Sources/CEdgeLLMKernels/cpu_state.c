// Per-thread floating-point mode and CPU affinity.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE // sched_getaffinity, CPU_COUNT
#endif
#include "edgellm_threads.h"

#include <float.h>
#include <unistd.h>
#include <pthread.h>
#if defined(__linux__)
#include <sched.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAVE_FP_MODE 1
// MXCSR: FTZ (bit 15) flushes denormal results, DAZ (bit 6) reads denormal inputs as zero.
#define FLUSH_BITS 0x8040u
static uint64_t get_fp_mode(void) { return _mm_getcsr(); }
static void set_fp_mode(uint64_t mode) { _mm_setcsr((unsigned)mode); }
#elif defined(__aarch64__)
#define HAVE_FP_MODE 1
// FPCR.FZ (bit 24) flushes denormal inputs and results of single and double precision.
#define FLUSH_BITS (1ull << 24)
static uint64_t get_fp_mode(void) {
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return v;
}
static void set_fp_mode(uint64_t v) { __asm__ volatile("msr fpcr, %0" : : "r"(v)); }
#elif defined(__arm__) && defined(__VFP_FP__) && !defined(__SOFTFP__)
#define HAVE_FP_MODE 1
// FPSCR.FZ (bit 24), as on AArch64; a 32-bit Raspberry Pi OS runs here.
#define FLUSH_BITS (1u << 24)
static uint64_t get_fp_mode(void) {
    uint32_t v;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(v));
    return v;
}
static void set_fp_mode(uint64_t v) { __asm__ volatile("vmsr fpscr, %0" : : "r"((uint32_t)v)); }
#else
#define HAVE_FP_MODE 0
#endif

el_fp_state el_fp_enter(void) {
    el_fp_state s = {0};
#if HAVE_FP_MODE
    s.saved = get_fp_mode();
    // Writing the control register stalls the pipeline, so skip it when nothing changes (workers,
    // and a caller that already flushes).
    if ((s.saved & FLUSH_BITS) != FLUSH_BITS) set_fp_mode(s.saved | FLUSH_BITS);
#endif
    return s;
}

void el_fp_leave(el_fp_state s) {
#if HAVE_FP_MODE
    if (get_fp_mode() != s.saved) set_fp_mode(s.saved);
#else
    (void)s;
#endif
}

int el_fp_flush_denormals(void) {
#if HAVE_FP_MODE
    set_fp_mode(get_fp_mode() | FLUSH_BITS);
    return 1;
#else
    return 0;
#endif
}

int el_fp_denormals_flushed(void) {
    // volatile keeps the compiler from folding the product at build time, in the build's mode.
    volatile float smallest_normal = FLT_MIN;
    volatile float half = 0.5f;
    float r = smallest_normal * half;
    return r == 0.0f;
}

// ---- CPUs --------------------------------------------------------------------------------------

int el_current_thread_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    return 0;
}

#if defined(__linux__)
static cpu_set_t allowed_cpus;
static int allowed_count;
static pthread_once_t allowed_once = PTHREAD_ONCE_INIT;

// Read once: after the caller pins itself its own mask is a single CPU, and a pool made later
// must still spread over every CPU the process was given (taskset, cgroup cpusets).
static void read_allowed_cpus(void) {
    CPU_ZERO(&allowed_cpus);
    if (sched_getaffinity(0, sizeof allowed_cpus, &allowed_cpus) == 0) allowed_count = CPU_COUNT(&allowed_cpus);
}

static int nth_allowed_cpu(int index) {
    pthread_once(&allowed_once, read_allowed_cpus);
    if (allowed_count <= 0 || index < 0) return -1;
    int want = index % allowed_count;
    for (int cpu = 0, seen = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed_cpus)) continue;
        if (seen++ == want) return cpu;
    }
    return -1;
}
#endif

int el_cpu_count(void) {
#if defined(__linux__)
    pthread_once(&allowed_once, read_allowed_cpus);
    if (allowed_count > 0) return allowed_count;
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int el_pin_current_thread(int index) {
#if defined(__linux__)
    int cpu = nth_allowed_cpu(index);
    if (cpu < 0) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
#else
    (void)index;
    return 0;
#endif
}
