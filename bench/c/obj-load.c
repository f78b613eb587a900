// Reference for bench/load.bench.ts: libbpf loading a BPF object into the
// kernel (bpf_object__open_file, bpf_object__load, bpf_object__close), timed
// in-process with clock_gettime. Usage: obj-load RUNS FILE -> "<median ns>".
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) { return 0; }

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	if (argc != 3) return 2;
	libbpf_set_print(quiet);
	int runs = atoi(argv[1]);
	long long *t = calloc(runs, sizeof(*t));
	for (int r = -2; r < runs; r++) {
		long long t0 = now_ns();
		struct bpf_object *obj = bpf_object__open_file(argv[2], NULL);
		if (!obj || bpf_object__load(obj)) {
			fprintf(stderr, "load failed\n");
			return 1;
		}
		bpf_object__close(obj);
		if (r >= 0) t[r] = now_ns() - t0;
	}
	qsort(t, runs, sizeof(*t), cmp);
	printf("%lld\n", t[runs / 2]);
	return 0;
}
