// CO-RE relocations of every kind against locally defined types
// (preserve_access_index), made to be relocated against the types of
// core_target.bpf.c (or the same types built with a BTF encoder): fields moved,
// renamed (___old/___new flavors), removed, resized, made bitfields and back,
// arrays and multi-dimensional arrays, flexible arrays, nested anonymous
// structs/unions, pointer chains, enum and enum64 values changed or gone,
// TYPE_* kinds including TYPE_MATCHES.
//
// Every program is a syscall program for BPF_PROG_TEST_RUN (no context) that
// returns
//   0         every expectation held (relocated against core_target),
//   1         the target has no struct ct_marker (e.g. the running kernel's
//             BTF): the program loads and stops before any other relocation,
//   __LINE__  of the first expectation that failed.
// Each checked value is also stored in the program's own out array (<prog>_out
// in .bss), slot numbers given beside the checks. Expected values hold for
// both byte orders (bitfield shifts differ and are written for each).
//
// core_direct and core_pointers store to / read from .bss buffers laid out as
// the target types; core_pointers stores a kernel address in a map value, which
// needs CAP_PERFMON (allow_ptr_leaks) like any pointer store to a map.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "corebpf_check.h"

char LICENSE[] SEC("license") = "GPL";

#include "core_local_types.h"

// FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS.
__u64 core_fields_out[32];

SEC("syscall")
int core_fields(void *ctx)
{
	__u64 *out = core_fields_out;
	struct ct_moved *m = 0;
	struct ct_state___new *sn = 0;
	struct ct_state___old *so = 0;
	struct ct_legacy___new *ln = 0;
	struct ct_legacy___old *lo = 0;
	struct ct_removed *r = 0;
	struct ct_resized *z = 0;
	struct ct_arrays *a = 0;
	struct ct_nested *n = 0;

	TARGET_PRESENT_OR_RETURN_1();
	// moved
	EXPECT(out, 0, bpf_core_field_offset(m->a), 20);
	EXPECT(out, 1, bpf_core_field_offset(m->b), 16);
	EXPECT(out, 2, bpf_core_field_offset(m->c), 0);
	EXPECT(out, 3, bpf_core_field_size(m->c), 1);
	// renamed, new style in the target: ___new matches, ___old does not
	EXPECT(out, 4, bpf_core_field_exists(sn->__state), 1);
	EXPECT(out, 5, bpf_core_field_offset(sn->__state), 4);
	EXPECT(out, 6, bpf_core_field_exists(so->state), 0);
	// renamed, old style in the target: the other way round
	EXPECT(out, 7, bpf_core_field_exists(ln->__state), 0);
	EXPECT(out, 8, bpf_core_field_exists(lo->state), 1);
	EXPECT(out, 9, bpf_core_field_size(lo->state), 8);
	// removed
	EXPECT(out, 10, bpf_core_field_exists(r->kept), 1);
	EXPECT(out, 11, bpf_core_field_exists(r->gone), 0);
	// resized
	EXPECT(out, 12, bpf_core_field_size(z->counter), 8);
	EXPECT(out, 13, bpf_core_field_offset(z->small), 8);
	EXPECT(out, 14, bpf_core_field_size(z->small), 1);
	// arrays: whole array, element in range, element out of the target's range,
	// element of a 2-D array with other dimensions and element type, flexible
	EXPECT(out, 15, bpf_core_field_size(a->one), 8);
	EXPECT(out, 16, bpf_core_field_offset(a->one[1]), 108);
	EXPECT(out, 17, bpf_core_field_exists(a->one[3]), 0);
	EXPECT(out, 18, bpf_core_field_offset(a->grid[1][2]), 56);
	EXPECT(out, 19, bpf_core_field_size(a->grid[1][2]), 8);
	EXPECT(out, 20, bpf_core_field_size(a->grid), 96);
	EXPECT(out, 21, bpf_core_field_offset(a->items[5]), 136);
	// nested anonymous members, nested differently in the target
	EXPECT(out, 22, bpf_core_field_offset(n->id), 8);
	EXPECT(out, 23, bpf_core_field_offset(n->as_int), 0);
	EXPECT(out, 24, bpf_core_field_exists(n->as_uint), 0);
	EXPECT(out, 25, bpf_core_field_offset(n->lo), 14);
	EXPECT(out, 26, bpf_core_field_offset(n->hi), 12);
	return 0;
}

// Direct loads and stores through relocated LDX/STX offsets; the target's
// field sizes change the load/store width (u32 -> u64, u16 -> u8).
__u64 core_direct_out[16];
__u64 direct_mem[32];

SEC("syscall")
int core_direct(void *ctx)
{
	__u64 *out = core_direct_out;
	char *mem = (char *)direct_mem;
	struct ct_moved *m = (void *)mem;
	struct ct_resized *z = (void *)(mem + 64);
	struct ct_nested *n = (void *)(mem + 96);
	struct ct_arrays *a = (void *)(mem + 112);

	TARGET_PRESENT_OR_RETURN_1();
	// Target layouts, written with fixed offsets.
	mem[0] = 'c';
	*(int *)(mem + 16) = 0xb0b;
	*(int *)(mem + 20) = 0xa0a;
	*(__u64 *)(mem + 64) = 0x55667788;
	mem[72] = 0x5a;
	mem[73] = (char)0xff;
	*(int *)(mem + 96 + 0) = 0x1d;
	*(int *)(mem + 96 + 8) = 77;
	*(short *)(mem + 96 + 12) = 0x4444;
	*(short *)(mem + 96 + 14) = 0x1111;
	*(int *)(mem + 112 + 108) = -5; // one[1]
	// Opaque base pointers: clang then puts each relocated offset on the
	// LDX/STX itself (with a known base it folds the base offset into the
	// LDX and relocates a separate MOV instead).
	barrier_var(m);
	barrier_var(z);
	barrier_var(n);
	barrier_var(a);
	COMPILER_BARRIER();
	EXPECT(out, 0, m->a, 0xa0a);
	EXPECT(out, 1, m->b, 0xb0b);
	EXPECT(out, 2, m->c, 'c');
	EXPECT(out, 3, z->counter, 0x55667788); // LDX W becomes LDX DW
	EXPECT(out, 4, z->small, 0x5a);         // LDX H becomes LDX B
	EXPECT(out, 5, n->as_int, 0x1d);
	EXPECT(out, 6, n->id, 77);
	EXPECT(out, 7, n->lo, 0x1111);
	EXPECT(out, 8, n->hi, 0x4444);
	EXPECT(out, 9, a->one[1], -5);
	// Stores: STX H becomes STX B (mem[73] untouched), STX W becomes STX DW.
	*(__u64 *)(mem + 64) = ~0ULL;
	COMPILER_BARRIER();
	z->small = 0x77;
	z->counter = 0x1234;
	COMPILER_BARRIER();
	EXPECT(out, 10, mem[72], 0x77);
	EXPECT(out, 11, (__u8)mem[73], 0xff);
	EXPECT(out, 12, *(__u64 *)(mem + 64), 0x1234);
	return 0;
}

// Bitfields: FIELD_SIGNED, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64, and
// BPF_CORE_READ_BITFIELD over plain fields that became bitfields and back.
__u64 core_bitfields_out[24];
__u64 bits_mem[2];

SEC("syscall")
int core_bitfields(void *ctx)
{
	__u64 *out = core_bitfields_out;
	struct ct_bits *b = (void *)bits_mem;
	struct ct_unbits *u = (void *)(bits_mem + 1);

	TARGET_PRESENT_OR_RETURN_1();
	// Target ct_bits in one 32-bit unit: flags = 5, level = -3, rest = 0xbeef.
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	*(__u32 *)bits_mem = (0xbeefu << 16) | (0xffdu << 4) | 0x5u;
#else
	*(__u32 *)bits_mem = (0x5u << 28) | (0xffdu << 16) | 0xbeefu;
#endif
	// Target ct_unbits: mode@0 = 6 (u8), count@4 = -100 (int).
	*(__u8 *)(bits_mem + 1) = 6;
	*(int *)((char *)(bits_mem + 1) + 4) = -100;
	COMPILER_BARRIER();
	EXPECT(out, 0, __builtin_preserve_field_info(b->level, BPF_FIELD_SIGNED), 1);
	EXPECT(out, 1, __builtin_preserve_field_info(b->flags, BPF_FIELD_SIGNED), 0);
	EXPECT(out, 2, bpf_core_field_offset(b->level), 0);
	EXPECT(out, 3, bpf_core_field_size(b->level), 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	EXPECT(out, 4, __builtin_preserve_field_info(b->level, BPF_FIELD_LSHIFT_U64), 48);
	EXPECT(out, 5, __builtin_preserve_field_info(b->rest, BPF_FIELD_LSHIFT_U64), 32);
#else
	EXPECT(out, 4, __builtin_preserve_field_info(b->level, BPF_FIELD_LSHIFT_U64), 36);
	EXPECT(out, 5, __builtin_preserve_field_info(b->rest, BPF_FIELD_LSHIFT_U64), 48);
#endif
	EXPECT(out, 6, __builtin_preserve_field_info(b->level, BPF_FIELD_RSHIFT_U64), 52);
	EXPECT(out, 7, __builtin_preserve_field_info(b->rest, BPF_FIELD_RSHIFT_U64), 48);
	EXPECT(out, 8, BPF_CORE_READ_BITFIELD(b, flags), 5);
	EXPECT(out, 9, BPF_CORE_READ_BITFIELD(b, level), -3);
	EXPECT(out, 10, BPF_CORE_READ_BITFIELD(b, rest), 0xbeef);
	// Local bitfields, plain fields in the target.
	EXPECT(out, 11, bpf_core_field_offset(u->count), 4);
	EXPECT(out, 12, bpf_core_field_size(u->count), 4);
	EXPECT(out, 13, __builtin_preserve_field_info(u->count, BPF_FIELD_SIGNED), 1);
	EXPECT(out, 14, __builtin_preserve_field_info(u->mode, BPF_FIELD_SIGNED), 0);
	EXPECT(out, 15, __builtin_preserve_field_info(u->count, BPF_FIELD_LSHIFT_U64), 32);
	EXPECT(out, 16, __builtin_preserve_field_info(u->mode, BPF_FIELD_LSHIFT_U64), 56);
	EXPECT(out, 17, __builtin_preserve_field_info(u->count, BPF_FIELD_RSHIFT_U64), 32);
	EXPECT(out, 18, BPF_CORE_READ_BITFIELD(u, mode), 6);
	EXPECT(out, 19, BPF_CORE_READ_BITFIELD(u, count), -100);
	// The probed form (bpf_probe_read_kernel) gives the same values.
	EXPECT(out, 20, BPF_CORE_READ_BITFIELD_PROBED(b, level), -3);
	EXPECT(out, 21, BPF_CORE_READ_BITFIELD_PROBED(u, count), -100);
	return 0;
}

// Pointer chains: BPF_CORE_READ(a, next, value) relocates the offset of
// `next` and of `value`, each read through bpf_probe_read_kernel.
__u64 core_pointers_out[8];
__u64 node_mem[8];

SEC("syscall")
int core_pointers(void *ctx)
{
	__u64 *out = core_pointers_out;
	struct ct_node *head = (void *)node_mem;

	TARGET_PRESENT_OR_RETURN_1();
	// Target ct_node: next@0, value@16; node A at +0, node B at +32.
	node_mem[0] = (__u64)(node_mem + 4);
	*(int *)(node_mem + 2) = 1;
	node_mem[4] = 0;
	*(int *)(node_mem + 6) = 2;
	COMPILER_BARRIER();
	EXPECT(out, 0, BPF_CORE_READ(head, value), 1);
	EXPECT(out, 1, BPF_CORE_READ(head, next, value), 2);
	EXPECT(out, 2, BPF_CORE_READ(head, next, next), 0);
	EXPECT(out, 3, bpf_core_field_offset(head->next), 0);
	EXPECT(out, 4, bpf_core_field_offset(head->value), 16);
	return 0;
}

// TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, TYPE_MATCHES.
__u64 core_types_out[24];

SEC("syscall")
int core_types(void *ctx)
{
	__u64 *out = core_types_out;

	TARGET_PRESENT_OR_RETURN_1();
	// Type ids depend on the BTF: recorded for the test to compare.
	RECORD(out, 0, bpf_core_type_id_local(struct ct_moved));
	RECORD(out, 1, bpf_core_type_id_kernel(struct ct_moved));
	RECORD(out, 2, bpf_core_type_id_local(ct_word_t));
	RECORD(out, 3, bpf_core_type_id_kernel(ct_word_t));
	if (out[0] == 0 || out[1] == 0 || out[2] == 0 || out[3] == 0)
		return __LINE__;
	EXPECT(out, 4, bpf_core_type_exists(struct ct_moved), 1);
	EXPECT(out, 5, bpf_core_type_exists(struct ct_absent), 0);
	EXPECT(out, 6, bpf_core_type_exists(ct_word_t), 1);
	EXPECT(out, 7, bpf_core_type_exists(enum ct_color), 1);
	EXPECT(out, 8, bpf_core_type_size(struct ct_moved), 24);
	EXPECT(out, 9, bpf_core_type_size(ct_word_t), 8);
	EXPECT(out, 10, bpf_core_type_size(struct ct_arrays), 120);
	EXPECT(out, 11, bpf_core_type_size(enum ct_big), 8);
	EXPECT(out, 12, bpf_core_type_size(enum ct_narrow), 4);
	EXPECT(out, 13, bpf_core_type_matches(struct ct_match_ok), 1);
	EXPECT(out, 14, bpf_core_type_matches(struct ct_match_sign), 0);
	EXPECT(out, 15, bpf_core_type_matches(struct ct_match_missing), 0);
	EXPECT(out, 16, bpf_core_type_matches(enum ct_match_enum), 1);
	EXPECT(out, 17, bpf_core_type_exists(struct ct_loose), 1);
	EXPECT(out, 18, bpf_core_type_matches(struct ct_loose), 0);
	EXPECT(out, 19, bpf_core_type_matches(struct ct_absent), 0);
	return 0;
}

// ENUMVAL_EXISTS and ENUMVAL_VALUE, 32- and 64-bit.
__u64 core_enums_out[16];

SEC("syscall")
int core_enums(void *ctx)
{
	__u64 *out = core_enums_out;

	TARGET_PRESENT_OR_RETURN_1();
	EXPECT(out, 0, bpf_core_enum_value_exists(enum ct_color, CT_RED), 1);
	EXPECT(out, 1, bpf_core_enum_value_exists(enum ct_color, CT_PURPLE), 0);
	EXPECT(out, 2, bpf_core_enum_value(enum ct_color, CT_RED), 10);
	EXPECT(out, 3, bpf_core_enum_value(enum ct_color, CT_BLUE), 30);
	EXPECT(out, 4, bpf_core_enum_value(enum ct_color___v1, CT_GREEN___v1), 20);
	EXPECT(out, 5, bpf_core_enum_value_exists(enum ct_big, CT_BIG_LARGE), 1);
	EXPECT(out, 6, bpf_core_enum_value(enum ct_big, CT_BIG_LARGE), 0x200000000ULL);
	EXPECT(out, 7, bpf_core_enum_value(enum ct_big, CT_BIG_SMALL), 7);
	EXPECT(out, 8, bpf_core_enum_value(enum ct_narrow, CT_NARROW_A), 5);
	EXPECT(out, 9, bpf_core_enum_value_exists(enum ct_match_enum, CT_ME_TWO), 1);
	EXPECT(out, 10, bpf_core_enum_value(enum ct_match_enum, CT_ME_TWO), 200);
	return 0;
}

// The usual feature-detection pattern: relocations that fail on the target
// (missing field, type, enumerator) sit behind an EXISTS check, so their
// poisoned instructions are dead code for the verifier. Returns 0 (or 1
// without a target) and records which branch ran.
__u64 core_guarded_out[8];
__u64 guarded_mem[4];

SEC("syscall")
int core_guarded(void *ctx)
{
	__u64 *out = core_guarded_out;
	struct ct_removed *r = (void *)guarded_mem;
	struct ct_state___old *so = (void *)guarded_mem;
	struct ct_state___new *sn = (void *)guarded_mem;

	TARGET_PRESENT_OR_RETURN_1();
	guarded_mem[0] = 0x0000000700000009ULL;
	COMPILER_BARRIER();
	// r->gone is absent: read skipped.
	EXPECT(out, 0, bpf_core_field_exists(r->gone) ? r->gone : -1, -1);
	// ct_absent is absent: its size is never computed.
	EXPECT(out, 1, bpf_core_type_exists(struct ct_absent) ? bpf_core_type_size(struct ct_absent) : 0, 0);
	// CT_PURPLE is gone: its value is never used.
	EXPECT(out, 2, bpf_core_enum_value_exists(enum ct_color, CT_PURPLE) ? bpf_core_enum_value(enum ct_color, CT_PURPLE) : 99, 99);
	// __state or state, whichever the target has (here __state@4 = 7).
	if (bpf_core_field_exists(sn->__state))
		RECORD(out, 3, sn->__state);
	else
		RECORD(out, 3, so->state);
	if (out[3] != 7)
		return __LINE__;
	return 0;
}
