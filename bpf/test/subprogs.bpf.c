// Subprograms (bpf-to-bpf calls): static __noinline functions and global
// functions in .text, nested calls, subprograms shared by several programs,
// subprograms that reference maps and globals themselves, and callbacks passed
// to bpf_loop / bpf_for_each_map_elem (ldimm64 with src_reg BPF_PSEUDO_FUNC).
// A loader appends to each program the subprograms it reaches, fixes the call
// offsets and keeps func_info/line_info in step.
//
// Every program is a socket filter that BPF_PROG_TEST_RUN can run (packet of
// 64 bytes: skb->len is 50 once the Ethernet header is pulled); the expected
// return values are given beside each program.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

// An array the for_each callback walks; its 4 values are set by fill_table.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} table SEC(".maps");

// How many times each subprogram ran (read back by tests after a run).
__u64 subprog_calls[4];

// Leaf static subprogram.
static __noinline int square(int x)
{
	subprog_calls[0]++;
	return x * x;
}

// Nested: calls square twice.
static __noinline int sum_squares(int a, int b)
{
	return square(a) + square(b);
}

// Global function: verified on its own, with only its argument types known.
__noinline int global_add(int a, int b)
{
	return a + b;
}

// Global function taking the program context (recognised by its type).
__noinline int global_len(struct __sk_buff *skb)
{
	if (!skb)
		return 0;
	return skb->len;
}

// Subprogram with its own map and global data references.
static __noinline void fill_table(void)
{
	for (int i = 0; i < 4; i++) {
		__u32 key = i;
		__u64 v = (i + 1) * 10;

		bpf_map_update_elem(&table, &key, &v, BPF_ANY);
	}
	subprog_calls[1]++;
}

struct loop_state {
	__u64 sum;
	__u32 visits;
};

// bpf_loop callback: sum of 0..n-1.
static int add_index(__u32 index, void *data)
{
	struct loop_state *state = data;

	state->sum += index;
	state->visits++;
	return 0;
}

// bpf_for_each_map_elem callback: sums the map's values; calls a subprogram.
static long add_value(struct bpf_map *map, __u32 *key, __u64 *value, void *data)
{
	struct loop_state *state = data;

	state->sum += *value;
	state->visits += square(1);
	return 0;
}

// 3*3 + 4*4 + (1 + 2) = 28; square runs twice.
SEC("socket")
int calls_nested(struct __sk_buff *skb)
{
	return sum_squares(3, 4) + global_add(1, 2);
}

// Shares square with calls_nested; bpf_loop sums 0..9 = 45. 5*5 + 45 = 70.
SEC("socket")
int calls_loop(struct __sk_buff *skb)
{
	struct loop_state state = {};

	bpf_loop(10, add_index, &state, 0);
	return square(5) + state.sum;
}

// fill_table then for_each over it: 10+20+30+40 = 100, plus 4 visits, plus
// global_len (50 for a 64-byte packet): 154.
SEC("socket")
int calls_for_each(struct __sk_buff *skb)
{
	struct loop_state state = {};

	fill_table();
	bpf_for_each_map_elem(&table, add_value, &state, 0);
	return state.sum + state.visits + global_len(skb);
}

// Two callbacks and every subprogram kind in one program:
// global_add(28, 70) = 98, plus bpf_loop over 0..3 = 6: 104.
SEC("socket")
int calls_everything(struct __sk_buff *skb)
{
	struct loop_state state = {};

	bpf_loop(4, add_index, &state, 0);
	return global_add(sum_squares(3, 4) + global_add(1, 2), square(5) + 45) + state.sum;
}
