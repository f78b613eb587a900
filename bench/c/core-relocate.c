// Reference for bench/core.bench.ts: libbpf 1.8's CO-RE engine (linked
// statically, its internal bpf_core_* functions called the way
// bpf_object__relocate_core calls them: candidates from the target BTF cached
// per local type id, bpf_core_calc_relo_insn, bpf_core_patch_insn) relocating
// every record of an object against a target BTF, timed in-process.
//
//   core-relocate OBJ TARGET_BTF RUNS
// prints "relos <n>", "core_ns <median>" (target BTF already parsed) and
// "with_open_ns <median>" (opening the target included: btf__load_vmlinux_btf
// for the running kernel's, else btf__parse), and, when run
// as root, "prepare_ns <median>" and "open_ns <median>" for
// bpf_object__open_file + bpf_object__prepare (btf_custom_path = TARGET_BTF)
// and for bpf_object__open_file alone.
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "relo_core.h"
#include "bench.h"

// libbpf-internal (libbpf_internal.h), linkable from the static library.
int bpf_core_add_cands(struct bpf_core_cand *local_cand, size_t local_essent_len, const struct btf *targ_btf,
		       const char *targ_btf_name, int targ_start_id, struct bpf_core_cand_list *cands);
void bpf_core_free_cands(struct bpf_core_cand_list *cands);


static long long median(long long *xs, int n)
{
	qsort(xs, n, sizeof(*xs), cmp);
	return xs[n / 2];
}

struct section {
	const char *name;
	void *insns;
	size_t size;
	const struct bpf_core_relo *relos;
	int nrelos;
};

static struct section sections[64];
static int nsections;

static Elf_Data *section_data(Elf *elf, const char *want)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	elf_getshdrstrndx(elf, &shstrndx);
	while ((scn = elf_nextscn(elf, scn))) {
		gelf_getshdr(scn, &sh);
		if (!strcmp(elf_strptr(elf, shstrndx, sh.sh_name), want))
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

// Reads the CO-RE records of .BTF.ext and the code sections they patch.
static int read_object(const char *path, const struct btf *local)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	Elf_Data *ext;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	ext = elf ? section_data(elf, ".BTF.ext") : NULL;
	if (!ext)
		return -1;
	const unsigned char *d = ext->d_buf;
	unsigned hdr_len = *(const unsigned *)(d + 4);
	unsigned off = *(const unsigned *)(d + 24), len = *(const unsigned *)(d + 28);
	const unsigned char *p = d + hdr_len + off, *end = p + len;
	unsigned rec_size = *(const unsigned *)p;
	for (p += 4; p < end && nsections < 64; nsections++) {
		struct section *s = &sections[nsections];
		s->name = btf__name_by_offset(local, *(const unsigned *)p);
		s->nrelos = *(const unsigned *)(p + 4);
		s->relos = (const struct bpf_core_relo *)(p + 8);
		p += 8 + s->nrelos * rec_size;
		Elf_Data *code = section_data(elf, s->name);
		s->size = code->d_size;
		s->insns = malloc(s->size);
		memcpy(s->insns, code->d_buf, s->size);
	}
	return 0;
}

// One relocation pass over every record, as bpf_object__relocate_core does it.
static int relocate_all(const struct btf *local, const struct btf *target, int *count)
{
	int ntypes = btf__type_cnt(local), err = 0;
	struct bpf_core_cand_list **cache = calloc(ntypes, sizeof(*cache));
	struct bpf_core_spec specs[3];
	struct bpf_core_relo_res res;

	*count = 0;
	for (int si = 0; si < nsections && !err; si++) {
		struct section *s = &sections[si];
		struct bpf_insn *insns = malloc(s->size);

		memcpy(insns, s->insns, s->size);
		for (int i = 0; i < s->nrelos && !err; i++) {
			const struct bpf_core_relo *r = &s->relos[i];
			struct bpf_core_cand_list *cands = NULL;

			if (r->kind != BPF_CORE_TYPE_ID_LOCAL) {
				if (!cache[r->type_id]) {
					struct bpf_core_cand local_cand = { .btf = local, .id = r->type_id };
					const char *name = btf__name_by_offset(local, btf__type_by_id(local, r->type_id)->name_off);
					cands = calloc(1, sizeof(*cands));
					err = bpf_core_add_cands(&local_cand, bpf_core_essential_name_len(name), target, "vmlinux", 1, cands);
					cache[r->type_id] = cands;
				}
				cands = cache[r->type_id];
			}
			err = err ?: bpf_core_calc_relo_insn(s->name, r, i, local, cands, specs, &res);
			err = err ?: bpf_core_patch_insn(s->name, &insns[r->insn_off / 8], r->insn_off / 8, r, i, &res);
			(*count)++;
		}
		free(insns);
	}
	for (int i = 0; i < ntypes; i++)
		bpf_core_free_cands(cache[i]);
	free(cache);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	libbpf_set_print(quiet);
	int runs = atoi(argv[3]), count = 0;
	long long *core = calloc(runs, sizeof(long long)), *with_open = calloc(runs, sizeof(long long));
	struct btf *local = btf__parse_elf(argv[1], NULL);

	if (!local || read_object(argv[1], local)) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		long long t0 = now_ns();
		/* The running kernel's BTF is opened the way libbpf's loader opens it (mmap where allowed). */
		struct btf *target = strcmp(argv[2], "/sys/kernel/btf/vmlinux") == 0 ? btf__load_vmlinux_btf() : btf__parse(argv[2], NULL);
		long long t1 = now_ns();
		if (!target || relocate_all(local, target, &count)) {
			fprintf(stderr, "relocation failed\n");
			return 1;
		}
		long long t2 = now_ns();
		core[r] = t2 - t1;
		with_open[r] = t2 - t0;
		btf__free(target);
	}
	printf("relos %d\ncore_ns %lld\nwith_open_ns %lld\n", count, median(core, runs), median(with_open, runs));
	if (geteuid() != 0)
		return 0;
	long long *prepare = calloc(runs, sizeof(long long)), *open_only = calloc(runs, sizeof(long long));
	for (int r = 0; r < runs; r++) {
		LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = argv[2]);
		long long t0 = now_ns();
		struct bpf_object *obj = bpf_object__open_file(argv[1], &opts);
		long long t1 = now_ns();
		if (!obj || bpf_object__prepare(obj)) {
			fprintf(stderr, "open/prepare failed\n");
			return 1;
		}
		long long t2 = now_ns();
		bpf_object__close(obj);
		open_only[r] = t1 - t0;
		prepare[r] = t2 - t0;
	}
	printf("prepare_ns %lld\nopen_ns %lld\n", median(prepare, runs), median(open_only, runs));
	return 0;
}
