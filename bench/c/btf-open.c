// Reference for bench/btf.bench.ts: libbpf parsing the kernel's BTF and
// looking up task_struct with its members resolved, timed in-process.
// Usage: btf-open PATH RUNS LATE_NAME -> prints "open_ns <median>",
// "lookup_ns <median>", "late_ns <median>" (btf__find_by_name_kind of a struct
// with a high id), "heap_bytes <malloc'd bytes held by one parsed btf>",
// "members <n> <checksum>".
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bench.h"


static size_t held(void) {
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

int main(int argc, char **argv) {
	if (argc < 4) return 2;
	libbpf_set_print(quiet);
	int runs = atoi(argv[2]);
	long long *open_ns = calloc(runs, sizeof(long long)), *lookup_ns = calloc(runs, sizeof(long long)), *late_ns = calloc(runs, sizeof(long long));
	int late = 0;
	unsigned long long checksum = 0;
	int members = 0;
	size_t heap = 0;
	for (int r = 0; r < runs; r++) {
		size_t before = held();
		long long t0 = now_ns();
		struct btf *btf = btf__parse(argv[1], NULL);
		long long t1 = now_ns();
		if (!btf) { perror("btf__parse"); return 1; }
		heap = held() - before;
		/* The lookup: task_struct, then each member's name, type name and size. */
		long long t2 = now_ns();
		int id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_member *m = btf_members(t);
		members = btf_vlen(t);
		checksum = 0;
		for (int i = 0; i < members; i++, m++) {
			const char *name = btf__name_by_offset(btf, m->name_off);
			const struct btf_type *mt = btf__type_by_id(btf, m->type);
			const char *type_name = btf__name_by_offset(btf, mt->name_off);
			long long size = btf__resolve_size(btf, m->type);
			checksum += (unsigned long long)size + name[0] + type_name[0] + btf_member_bit_offset(t, i);
		}
		long long t3 = now_ns();
		late = btf__find_by_name_kind(btf, argv[3], BTF_KIND_STRUCT);
		long long t4 = now_ns();
		open_ns[r] = t1 - t0;
		lookup_ns[r] = t3 - t2;
		late_ns[r] = t4 - t3;
		btf__free(btf);
	}
	qsort(open_ns, runs, sizeof(long long), cmp);
	qsort(lookup_ns, runs, sizeof(long long), cmp);
	qsort(late_ns, runs, sizeof(long long), cmp);
	printf("open_ns %lld\nlookup_ns %lld\nlate_ns %lld %d\nheap_bytes %zu\nmembers %d %llu\n", open_ns[runs / 2], lookup_ns[runs / 2],
	       late_ns[runs / 2], late, heap, members, checksum);
	return 0;
}
