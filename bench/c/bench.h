// What the libbpf reference programs of bench/ share: a monotonic clock in
// ns, a comparison for qsort of timings, and libbpf kept quiet.
#ifndef COREBPF_BENCH_H
#define COREBPF_BENCH_H
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>

static inline int quiet(enum libbpf_print_level level, const char *fmt, va_list args) { return 0; }

static inline long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

#endif
