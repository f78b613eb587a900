// CO-RE relocations that are hard errors (not poisoned instructions) when
// relocated against core_target.bpf.c, one reason per program:
//   core_ambiguous    struct ct_amb has two candidates in the target
//                     (ct_amb___one, ct_amb___two) that give different
//                     offsets for x: "relocation decision ambiguity";
//   core_offset_range the target's ct_far::x is at offset 40000, beyond the
//                     16-bit signed offset of the LDX that reads it: ERANGE.
// Against a BTF without struct ct_marker (the running kernel) every program
// loads and returns 1: the other relocations find no candidate, so their
// instructions are poisoned, and they sit after the early return.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define PAI __attribute__((preserve_access_index))

struct ct_marker { int version; } PAI;
struct ct_amb { int x; } PAI;
struct ct_far { int x; } PAI;

__u64 far_mem[8];

SEC("syscall")
int core_ambiguous(void *ctx)
{
	struct ct_amb *amb = 0;

	if (!bpf_core_type_exists(struct ct_marker))
		return 1;
	return bpf_core_field_offset(amb->x);
}

SEC("syscall")
int core_offset_range(void *ctx)
{
	struct ct_far *far = (void *)far_mem;

	if (!bpf_core_type_exists(struct ct_marker))
		return 1;
	barrier_var(far);
	return far->x; // LDX with the relocated offset of x
}
