// CO-RE relocations inside subprograms, relocated against core_target.bpf.c
// (or the running kernel): libbpf relocates each function once, in .BTF.ext
// order, and every program that calls a subprogram gets the relocated copy.
//   moved_sum     a static subprogram shared by two programs (core_sub_one,
//                 core_sub_two) reading ct_moved's fields through their
//                 relocated offsets;
//   far_reader    a global subprogram no program calls: libbpf relocates it
//                 all the same, so against core_target its LDX of ct_far::x
//                 (offset 40000) fails the object with ERANGE, while against
//                 a kernel (no ct_far: poisoned) the object loads;
//   core_sub_late a "?" program (not autoloaded by libbpf) with its own
//                 relocation.
// Test-run (syscall, no context): every program returns 0 relocated against
// test/core/data/ct-no-far.btf (core_target's types without ct_far), 1
// without struct ct_marker, else the __LINE__ of the failed check.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "core_local_types.h"

char LICENSE[] SEC("license") = "GPL";

struct ct_far { int x; } PAI;

__u64 sub_mem[8];

static __noinline int moved_sum(struct ct_moved *m)
{
	return bpf_core_field_offset(m->a) + bpf_core_field_offset(m->b) * 100 + bpf_core_field_size(m->c) * 10000;
}

__noinline int far_reader(struct ct_far *f)
{
	if (!f)
		return 0;
	return f->x;
}

SEC("syscall")
int core_sub_one(void *ctx)
{
	TARGET_PRESENT_OR_RETURN_1();
	// target ct_moved: a@20, b@16, c size 1
	return moved_sum((void *)sub_mem) == 20 + 1600 + 10000 ? 0 : __LINE__;
}

SEC("syscall")
int core_sub_two(void *ctx)
{
	struct ct_moved *m = (void *)sub_mem;

	TARGET_PRESENT_OR_RETURN_1();
	if (bpf_core_field_offset(m->c) != 0)
		return __LINE__;
	return moved_sum(m) == 11620 ? 0 : __LINE__;
}

SEC("?syscall")
int core_sub_late(void *ctx)
{
	struct ct_moved *m = (void *)sub_mem;

	TARGET_PRESENT_OR_RETURN_1();
	return bpf_core_field_offset(m->b) == 16 ? 0 : __LINE__;
}
