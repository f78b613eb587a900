// Usage: libbpf-sizes FILE BASE|- EVERY
// Prints, for every own type id of a BTF file (split over BASE unless "-"),
// what libbpf says: "<id> <btf__resolve_size> <btf__align_of> <btf__find_by_name_kind>"
// (the lookup only for every EVERY-th id, -1 otherwise: it is linear in libbpf 1.1).
// The test compares corebpf's answers with these line by line.
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) { return 0; }

int main(int argc, char **argv) {
	if (argc < 4) return 2;
	libbpf_set_print(quiet);
	struct btf *base = argv[2][0] == '-' ? NULL : btf__parse(argv[2], NULL);
	struct btf *btf = base ? btf__parse_split(argv[1], base) : btf__parse(argv[1], NULL);
	if (!btf) { perror("btf__parse"); return 1; }
	unsigned int every = (unsigned int)atoi(argv[3]);
	unsigned int start = base ? btf__type_cnt(base) : 1;
	unsigned int n = btf__type_cnt(btf);
	printf("ptr_size %zu\n", btf__pointer_size(btf));
	for (unsigned int id = start; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		long long size = btf__resolve_size(btf, id);
		errno = 0;
		int align = btf__align_of(btf, id);
		int found = -1;
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (name && name[0] && every && id % every == 0) found = btf__find_by_name_kind(btf, name, btf_kind(t));
		printf("%u %lld %d %d\n", id, size, align, found);
	}
	return 0;
}
