// Reference runner (build machine only): loads a test object with the system
// libbpf, test-runs its programs and prints return values and global data.
// This is how the expectations in bpf/test/README.md were checked.
//
//   gcc -O1 -o /tmp/libbpf-check bpf/test/libbpf-check.c -lbpf
//   /tmp/libbpf-check OBJ [options]
//     --btf PATH           CO-RE target BTF (raw BTF or an ELF with .BTF)
//     --each               load each program alone and print the result
//     --only PROG          load only PROG
//     --autoload PROG      also load PROG (for "?" programs)
//     --type PROG=T:A      set program type T and expected attach type A
//                          (numbers), for section names libbpf does not know
//     --ctx PROG=HEX       test-run context of PROG
//     --ipv4               test-run packets carry ethertype IPv4
//     --rodata-u32 OFF=V   store V at offset OFF of .rodata before load
// Set V=1 in the environment for libbpf's debug log.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int argc_;
static char **argv_;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("V"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

// The value of "--opt NAME=VALUE" for this program name, or NULL.
static const char *prog_option(const char *opt, const char *name)
{
	size_t len = strlen(name);

	for (int i = 2; i + 1 < argc_; i++)
		if (!strcmp(argv_[i], opt) && !strncmp(argv_[i + 1], name, len) && argv_[i + 1][len] == '=')
			return argv_[i + 1] + len + 1;
	return NULL;
}

static const char *option(const char *opt)
{
	for (int i = 2; i + 1 < argc_; i++)
		if (!strcmp(argv_[i], opt))
			return argv_[i + 1];
	return NULL;
}

static int has_flag(const char *opt)
{
	for (int i = 2; i < argc_; i++)
		if (!strcmp(argv_[i], opt))
			return 1;
	return 0;
}

static struct bpf_object *open_object(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = option("--btf"));
	struct bpf_object *obj = bpf_object__open_file(argv_[1], &opts);
	struct bpf_program *prog;
	unsigned type, attach;

	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv_[1], strerror(errno));
		exit(1);
	}
	bpf_object__for_each_program(prog, obj) {
		const char *t = prog_option("--type", bpf_program__name(prog));

		if (t && sscanf(t, "%u:%u", &type, &attach) == 2) {
			bpf_program__set_type(prog, type);
			bpf_program__set_expected_attach_type(prog, attach);
		}
		if (option("--autoload") && !strcmp(option("--autoload"), bpf_program__name(prog)))
			bpf_program__set_autoload(prog, true);
		if (option("--only"))
			bpf_program__set_autoload(prog, !strcmp(option("--only"), bpf_program__name(prog)));
	}
	return obj;
}

static void set_rodata(struct bpf_object *obj)
{
	const char *arg = option("--rodata-u32");
	struct bpf_map *map;
	unsigned off, val;
	size_t size;

	if (!arg || sscanf(arg, "%u=%u", &off, &val) != 2)
		return;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		char *data;

		if (!strstr(name, ".rodata") || strstr(name, ".rodata."))
			continue;
		data = (char *)bpf_map__initial_value(map, &size);
		if (data && off + 4 <= size)
			memcpy(data + off, &val, 4);
	}
}

static void load_each(void)
{
	struct bpf_object *obj = open_object();
	struct bpf_program *prog;
	int count = 0;

	bpf_object__for_each_program(prog, obj)
		count++;
	bpf_object__close(obj);
	libbpf_set_print(NULL);
	for (int k = 0; k < count; k++) {
		const char *name = NULL, *sec = NULL;
		int j = 0, err;

		obj = open_object();
		bpf_object__for_each_program(prog, obj) {
			bpf_program__set_autoload(prog, j == k);
			if (j++ == k) {
				name = bpf_program__name(prog);
				sec = bpf_program__section_name(prog);
			}
		}
		err = bpf_object__load(obj);
		printf("%-28s %-48s %s\n", name, sec, err ? strerror(-err) : "loads");
		bpf_object__close(obj);
	}
}

static void test_run(struct bpf_program *prog)
{
	enum bpf_prog_type type = bpf_program__type(prog);
	static unsigned char packet[64], ctx[256];
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	const char *hex = prog_option("--ctx", bpf_program__name(prog));
	int err;

	memset(packet, 0, sizeof(packet));
	if (has_flag("--ipv4")) {
		packet[12] = 0x08;
		packet[14] = 0x45;
	}
	switch (type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		opts.data_in = packet;
		opts.data_size_in = sizeof(packet);
		break;
	case BPF_PROG_TYPE_SYSCALL:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		break;
	default:
		printf("prog %s: loaded (%s)\n", bpf_program__name(prog), bpf_program__section_name(prog));
		return;
	}
	if (hex) {
		size_t n = strlen(hex) / 2;

		for (size_t i = 0; i < n && i < sizeof(ctx); i++)
			sscanf(hex + 2 * i, "%2hhx", &ctx[i]);
		opts.ctx_in = ctx;
		opts.ctx_size_in = n;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	printf("prog %s: run err=%d retval=%d (%s)\n", bpf_program__name(prog), err, (int)opts.retval, bpf_program__section_name(prog));
}

static void dump_globals(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t size = bpf_map__value_size(map);
		unsigned char *value;
		int key = 0;

		if (!strchr(name, '.'))
			continue;
		value = calloc(1, size);
		if (!value || bpf_map_lookup_elem(bpf_map__fd(map), &key, value)) {
			printf("map %s: lookup failed\n", name);
			free(value);
			continue;
		}
		printf("map %s (%zu bytes):", name, size);
		for (size_t i = 0; i < size; i++)
			printf("%s%02x", i % 8 ? "" : " ", value[i]);
		printf("\n");
		free(value);
	}
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err;

	argc_ = argc;
	argv_ = argv;
	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJ [options] (see the source)\n", argv[0]);
		return 1;
	}
	libbpf_set_print(print_fn);
	if (has_flag("--each")) {
		load_each();
		return 0;
	}
	obj = open_object();
	set_rodata(obj);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "load failed: %s\n", strerror(-err));
		return 2;
	}
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__fd(prog) >= 0)
			test_run(prog);
	dump_globals(obj);
	bpf_object__close(obj);
	return 0;
}
