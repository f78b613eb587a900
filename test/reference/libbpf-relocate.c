// Reference for `corebpf core relocate`: libbpf (1.8, linked statically)
// opens an object, relocates it with bpf_object__prepare() and prints every
// program's final instructions in the JSON shape of `corebpf core relocate -j`:
//   {"programs":[{"name":..,"section":..,"insns":["b701000000000000",...]}]}
// Map and global-data references keep their pseudo form with the fd zeroed.
// Every program is relocated, "?" ones included (autoload forced on).
// On failure it prints {"error":"EINVAL","libbpf":["<warnings>",...]} and exits 1.
//
//   gcc -O1 -I/work/ref/libbpf-1.8/usr/include -o libbpf-relocate libbpf-relocate.c
//       /work/ref/libbpf-1.8/usr/lib64/libbpf.a -lelf -lz
//   libbpf-relocate OBJ [TARGET_BTF]     (no TARGET_BTF: the running kernel's)
// Needs root (prepare creates the maps). V=1 in the environment shows libbpf's debug log.
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#define MAX_WARNINGS 64
static char *warnings[MAX_WARNINGS];
static int nwarnings;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *line = NULL;

	if (level == LIBBPF_DEBUG) {
		if (getenv("V"))
			vfprintf(stderr, fmt, ap);
		return 0;
	}
	if (vasprintf(&line, fmt, ap) < 0)
		return 0;
	fputs(line, stderr);
	if (nwarnings < MAX_WARNINGS)
		warnings[nwarnings++] = line;
	else
		free(line);
	return 0;
}

// A JSON string as JSON.stringify writes it (ASCII control characters escaped).
static void put_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\b': fputs("\\b", stdout); break;
		case '\f': fputs("\\f", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (c < 0x20)
				printf("\\u%04x", c);
			else
				putchar(c);
		}
	}
	putchar('"');
}

static int fail(const char *what, int err)
{
	const char *name = strerrorname_np(err < 0 ? -err : err);

	fprintf(stderr, "%s: %d\n", what, err);
	printf("{\"error\":");
	put_json_string(name ? name : "EUNKNOWN");
	printf(",\"libbpf\":[");
	for (int i = 0; i < nwarnings; i++) {
		size_t len = strlen(warnings[i]);
		if (len && warnings[i][len - 1] == '\n')
			warnings[i][len - 1] = 0;
		if (i)
			putchar(',');
		put_json_string(warnings[i]);
	}
	printf("]}\n");
	return 1;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err, first = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s OBJ [TARGET_BTF]\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_fn);
	if (argc == 3)
		opts.btf_custom_path = argv[2];
	obj = bpf_object__open_file(argv[1], &opts);
	if (!obj)
		return fail("bpf_object__open_file", -errno);
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, true);
	err = bpf_object__prepare(obj);
	if (err)
		return fail("bpf_object__prepare", err);

	printf("{\"programs\":[");
	bpf_object__for_each_program(prog, obj) {
		const struct bpf_insn *insns = bpf_program__insns(prog);
		size_t n = bpf_program__insn_cnt(prog);

		printf("%s{\"name\":", first ? "" : ",");
		first = 0;
		put_json_string(bpf_program__name(prog));
		printf(",\"section\":");
		put_json_string(bpf_program__section_name(prog));
		printf(",\"insns\":[");
		for (size_t i = 0; i < n; i++) {
			struct bpf_insn insn = insns[i];
			const unsigned char *b = (const unsigned char *)&insn;

			// The second slot of an ldimm64 is printed as it is.
			if (insn.code == (BPF_LD | BPF_IMM | BPF_DW) &&
			    (insn.src_reg == BPF_PSEUDO_MAP_FD || insn.src_reg == BPF_PSEUDO_MAP_VALUE))
				insn.imm = 0;
			printf("%s\"", i ? "," : "");
			for (int k = 0; k < 8; k++)
				printf("%02x", b[k]);
			putchar('"');
			if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < n) {
				b = (const unsigned char *)&insns[++i];
				printf(",\"");
				for (int k = 0; k < 8; k++)
					printf("%02x", b[k]);
				putchar('"');
			}
		}
		printf("]}");
	}
	printf("]}\n");
	bpf_object__close(obj);
	return 0;
}
