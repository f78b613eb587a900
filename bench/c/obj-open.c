// Reference for bench/obj.bench.ts: libbpf opening BPF objects from memory
// (bpf_object__open_mem, then close), timed in-process with clock_gettime.
// Usage: obj-open RUNS FILE... -> one line per file: "<file> <median ns> <bytes>".
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "bench.h"


int main(int argc, char **argv) {
	if (argc < 3) return 2;
	libbpf_set_print(quiet);
	int runs = atoi(argv[1]);
	long long *t = calloc(runs, sizeof(*t));
	for (int f = 2; f < argc; f++) {
		FILE *fp = fopen(argv[f], "rb");
		if (!fp) return 1;
		fseek(fp, 0, SEEK_END);
		long size = ftell(fp);
		fseek(fp, 0, SEEK_SET);
		char *buf = malloc(size);
		if (fread(buf, 1, size, fp) != (size_t)size) return 1;
		fclose(fp);
		LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "bench");
		for (int r = -runs / 4; r < runs; r++) {
			long long t0 = now_ns();
			struct bpf_object *obj = bpf_object__open_mem(buf, size, &opts);
			long long dt = now_ns() - t0;
			if (!obj) {
				printf("%s error %ld\n", argv[f], size);
				break;
			}
			bpf_object__close(obj);
			if (r >= 0) t[r] = dt;
		}
		qsort(t, runs, sizeof(*t), cmp);
		printf("%s %lld %ld\n", argv[f], t[runs / 2], size);
		free(buf);
	}
	return 0;
}
