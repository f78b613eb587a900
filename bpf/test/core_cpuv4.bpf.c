// CO-RE relocations on cpu v4 instructions: with -mcpu=v4 clang reads signed
// fields with sign-extending loads (LDX MEMSX: *(s8/s16/s32 *)) and stores
// constants with ST (store immediate) instead of MOV + STX, each carrying a
// FIELD_BYTE_OFFSET relocation whose offset (and for ST, size) is patched.
// Same local types and target (core_target.bpf.c) as core_local.bpf.c.
//
// Test-run (syscall, no context): core_direct_v4 returns 0 when every
// expectation held, 1 without struct ct_marker in the target, else __LINE__;
// values in core_direct_v4_out.
// build-flags: -mcpu=v4
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "corebpf_check.h"
#include "core_local_types.h"

char LICENSE[] SEC("license") = "GPL";

__u64 core_direct_v4_out[16];
__u64 v4_mem[32];

SEC("syscall")
int core_direct_v4(void *ctx)
{
	__u64 *out = core_direct_v4_out;
	char *mem = (char *)v4_mem;
	struct ct_moved *m = (void *)mem;
	struct ct_resized *z = (void *)(mem + 64);
	struct ct_nested *n = (void *)(mem + 96);

	TARGET_PRESENT_OR_RETURN_1();
	// Target layouts (see core_local.bpf.c core_direct), negative values so
	// that sign extension shows.
	mem[0] = -3;
	*(int *)(mem + 16) = -0xb0b;
	*(int *)(mem + 20) = -0xa0a;
	*(short *)(mem + 96 + 12) = -0x4444;
	*(short *)(mem + 96 + 14) = -0x1111;
	*(__u64 *)(mem + 64) = ~0ULL;
	mem[72] = (char)0xee;
	mem[73] = (char)0xff;
	barrier_var(m);
	barrier_var(z);
	barrier_var(n);
	COMPILER_BARRIER();
	// LDX MEMSX with relocated offsets.
	EXPECT(out, 0, (__s64)m->a, -0xa0a);
	EXPECT(out, 1, (__s64)m->b, -0xb0b);
	EXPECT(out, 2, (__s64)m->c, -3);
	EXPECT(out, 3, (__s64)n->lo, -0x1111);
	EXPECT(out, 4, (__s64)n->hi, -0x4444);
	// ST with relocated offsets: ST H becomes ST B, ST W becomes ST DW.
	z->small = 0x77;
	z->counter = 0x1234;
	COMPILER_BARRIER();
	EXPECT(out, 5, mem[72], 0x77);
	EXPECT(out, 6, (__u8)mem[73], 0xff);
	EXPECT(out, 7, *(__u64 *)(mem + 64), 0x1234);
	return 0;
}
