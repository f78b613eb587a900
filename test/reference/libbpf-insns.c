// Reference for test/obj/libbpf-golden.test.ts: what libbpf (1.8) sends to the
// kernel for each program of an object, linked and relocated by
// bpf_object__prepare(), with CO-RE left out so that the result does not
// depend on the kernel: the object is opened from memory with its .BTF.ext
// core_relo table emptied. Every program is set to autoload first (libbpf
// links only those). Map fds and kernel-resolved values are zeroed: ldimm64 of
// MAP_FD/MAP_VALUE/BTF_ID (first imm; BTF_ID's second too) and kfunc calls
// (imm, off). Maps are recorded right after open (before the kernel sizes
// perf event arrays); initial values of .data/.rodata maps only. Needs root
// (prepare creates maps).
//
// Usage: libbpf-insns [--keep-core] OBJ... > JSON
//   {"objects":[{"file":F,"name":N,"maps":[{"name":..,"type":..,"key_size":..,
//    "value_size":..,"max_entries":..,"flags":..,"numa_node":..,"map_extra":..,
//    "key_type":..,"value_type":..,"autocreate":..,"inner":{..}|null,
//    "initial":"<hex>"|null}],"error":E|null,"programs":[{"name":..,
//    "section":..,"insns":["<16 hex digits>",..],"funcInfo":[[insn,type],..],
//    "lineInfo":[[insn,file_off,line_off,line_col],..]}]}]}
//   --keep-core: CO-RE applied against the running kernel (for tests that
//   check where CO-RE changed instructions).
// Or: libbpf-insns --sections NAME... > JSON
//   libbpf_prog_type_by_name of each name:
//   {"sections":[[name,type,attach]|[name,null,null],..]}
// Build: gcc -O2 -I$LIBBPF/usr/include libbpf-insns.c $LIBBPF/usr/lib64/libbpf.a -lelf -lz
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static char log_buf[1 << 16];
static size_t log_len;

static int collect_log(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || log_len >= sizeof(log_buf) - 1)
		return 0;
	int n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, args);
	if (n > 0)
		log_len += (size_t)n < sizeof(log_buf) - log_len ? (size_t)n : sizeof(log_buf) - log_len - 1;
	return 0;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *buf = malloc(n > 0 ? n : 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

/* Sets core_relo_len of .BTF.ext to 0 (the header is in the file's byte order). */
static void drop_core_relos(void *buf, size_t size)
{
	Elf *elf = elf_memory(buf, size);
	if (!elf)
		return;
	size_t shstrndx;
	int big = ((unsigned char *)buf)[EI_DATA] == ELFDATA2MSB;
	if (elf_getshdrstrndx(elf, &shstrndx) == 0) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh))
				continue;
			const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!name || strcmp(name, ".BTF.ext") || sh.sh_size < 32)
				continue;
			unsigned char *hdr = (unsigned char *)buf + sh.sh_offset;
			unsigned hdr_len = big ? (hdr[4] << 24 | hdr[5] << 16 | hdr[6] << 8 | hdr[7])
					       : (hdr[7] << 24 | hdr[6] << 16 | hdr[5] << 8 | hdr[4]);
			if (hdr_len >= 32)
				memset(hdr + 28, 0, 4);
		}
	}
	elf_end(elf);
}

/* libbpf's object name for a path: basename cut to 15 chars, then at the first '.'. */
static void object_name(const char *path, char *out)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	snprintf(out, 16, "%s", base);
	char *dot = strchr(out, '.');
	if (dot)
		*dot = 0;
}

static void print_program(struct bpf_program *prog)
{
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);
	printf("{\"name\":");
	json_string(bpf_program__name(prog));
	printf(",\"section\":");
	json_string(bpf_program__section_name(prog));
	printf(",\"insns\":[");
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn in = insns[i];
		if (in.code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < n) {
			if (in.src_reg == BPF_PSEUDO_MAP_FD || in.src_reg == BPF_PSEUDO_MAP_VALUE)
				in.imm = 0;
			if (in.src_reg == BPF_PSEUDO_BTF_ID) {
				in.imm = 0;
				struct bpf_insn next = insns[i + 1];
				next.imm = 0;
				unsigned char *b = (unsigned char *)&in;
				printf("%s\"", i ? "," : "");
				for (int k = 0; k < 8; k++)
					printf("%02x", b[k]);
				b = (unsigned char *)&next;
				printf("\",\"");
				for (int k = 0; k < 8; k++)
					printf("%02x", b[k]);
				printf("\"");
				i++;
				continue;
			}
		}
		if (in.code == (BPF_JMP | BPF_CALL) && in.src_reg == BPF_PSEUDO_KFUNC_CALL) {
			in.imm = 0;
			in.off = 0;
		}
		unsigned char *b = (unsigned char *)&in;
		printf("%s\"", i ? "," : "");
		for (int k = 0; k < 8; k++)
			printf("%02x", b[k]);
		printf("\"");
	}
	printf("],\"funcInfo\":[");
	const struct bpf_func_info *fi = bpf_program__func_info(prog);
	for (__u32 i = 0; fi && i < bpf_program__func_info_cnt(prog); i++)
		printf("%s[%u,%u]", i ? "," : "", fi[i].insn_off, fi[i].type_id);
	printf("],\"lineInfo\":[");
	const struct bpf_line_info *li = bpf_program__line_info(prog);
	for (__u32 i = 0; li && i < bpf_program__line_info_cnt(prog); i++)
		printf("%s[%u,%u,%u,%u]", i ? "," : "", li[i].insn_off, li[i].file_name_off, li[i].line_off, li[i].line_col);
	printf("]}");
}

static void print_map(struct bpf_map *map, int with_inner)
{
	printf("{\"name\":");
	json_string(bpf_map__name(map));
	printf(",\"type\":%d,\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,\"flags\":%u,\"numa_node\":%u,\"map_extra\":%llu",
	       bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map), bpf_map__max_entries(map),
	       bpf_map__map_flags(map), bpf_map__numa_node(map), (unsigned long long)bpf_map__map_extra(map));
	printf(",\"key_type\":%u,\"value_type\":%u,\"autocreate\":%s", bpf_map__btf_key_type_id(map),
	       bpf_map__btf_value_type_id(map), bpf_map__autocreate(map) ? "true" : "false");
	if (with_inner) {
		struct bpf_map *inner = bpf_map__inner_map(map);
		printf(",\"inner\":");
		if (inner)
			print_map(inner, 0);
		else
			printf("null");
	}
	size_t size = 0;
	const char *name = bpf_map__name(map);
	const unsigned char *init = NULL;
	if (strstr(name, ".data") || strstr(name, ".rodata"))
		init = bpf_map__initial_value(map, &size);
	printf(",\"initial\":");
	if (init) {
		putchar('"');
		for (size_t i = 0; i < size; i++)
			printf("%02x", init[i]);
		putchar('"');
	} else {
		printf("null");
	}
	printf("}");
}

static int keep_core;

static void one_object(const char *path)
{
	char name[16];
	size_t size;
	log_len = 0;
	log_buf[0] = 0;
	object_name(path, name);
	printf("{\"file\":");
	json_string(path);
	printf(",\"name\":");
	json_string(name);
	void *buf = read_file(path, &size);
	if (!buf) {
		printf(",\"error\":\"cannot read\",\"programs\":[]}");
		return;
	}
	if (!keep_core)
		drop_core_relos(buf, size);
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	struct bpf_object *obj = bpf_object__open_mem(buf, size, &opts);
	int err = obj ? 0 : -errno;
	struct bpf_program *prog;
	struct bpf_map *map;
	printf(",\"maps\":[");
	if (!err) {
		int first_map = 1;
		bpf_object__for_each_map(map, obj) {
			printf("%s", first_map ? "" : ",");
			first_map = 0;
			print_map(map, 1);
		}
	}
	printf("]");
	if (!err) {
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_autoload(prog, true);
		err = bpf_object__prepare(obj);
	}
	printf(",\"error\":");
	if (err) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s: %.200s", strerror(-err), log_buf);
		json_string(msg);
	} else {
		printf("null");
	}
	printf(",\"programs\":[");
	int first = 1;
	if (!err) {
		bpf_object__for_each_program(prog, obj) {
			printf("%s", first ? "" : ",");
			first = 0;
			print_program(prog);
		}
	}
	printf("]}");
	bpf_object__close(obj);
	free(buf);
}

static void sections(int argc, char **argv)
{
	printf("{\"libbpf\":\"%u.%u\",\"sections\":[", libbpf_major_version(), libbpf_minor_version());
	for (int i = 0; i < argc; i++) {
		enum bpf_prog_type type;
		enum bpf_attach_type attach;
		printf("%s\n[", i ? "," : "");
		json_string(argv[i]);
		if (libbpf_prog_type_by_name(argv[i], &type, &attach) == 0)
			printf(",%d,%d]", type, attach);
		else
			printf(",null,null]");
	}
	printf("\n]}\n");
}

int main(int argc, char **argv)
{
	elf_version(EV_CURRENT);
	libbpf_set_print(collect_log);
	if (argc > 1 && strcmp(argv[1], "--sections") == 0) {
		sections(argc - 2, argv + 2);
		return 0;
	}
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--keep-core") == 0) {
		keep_core = 1;
		first = 2;
	}
	printf("{\"libbpf\":\"%u.%u\",\"objects\":[", libbpf_major_version(), libbpf_minor_version());
	for (int i = first; i < argc; i++) {
		printf("%s", i > first ? ",\n" : "\n");
		one_object(argv[i]);
	}
	printf("\n]}\n");
	return 0;
}
