// Reference for bench/load.bench.ts: libbpf loading a BPF object into the
// kernel (bpf_object__open_file, bpf_object__load, bpf_object__close), timed
// in-process with clock_gettime. Usage: obj-load RUNS FILE -> "<median ns>".
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "bench.h"


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
