// An arena (BPF_MAP_TYPE_ARENA) with no fixed user address: map_extra is 0,
// so the verifier accepts programs that use it only once the loader has
// mapped it (the kernel then knows its user address), as libbpf does right
// after creating it. And __arena globals: clang puts them in .addr_space.1,
// whose bytes the loader copies into the arena (at its start, or at its end
// where the verifier takes ld_imm64 offsets past 512 MiB) and whose ldimm64s
// become map-value loads of the arena map.
//
// Test-run (syscall, no context): arena_sum allocates one arena page, writes
//   page[0] = arena_base + 7, page[1] = arena_scale * 2,
// stores the page's address in arena_page, adds 1 to arena_runs and returns
//   arena_base + arena_scale + page[0] + page[1]
// = 1000 + 3 + 1007 + 6 = 2016 by default (arena_base = 2000 before load:
// 4016); 1 when no page could be allocated.
//
// Loads on a kernel >= 6.9 (arena) with a JIT.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define __arena __attribute__((address_space(1)))

// max_entries is a page count; BPF_F_MMAPABLE is required.
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 16);
} arena SEC(".maps");

extern void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id, __u64 flags) __ksym;

// .addr_space.1, in the arena: initialised, zero, and a pointer into the arena.
int __arena arena_base = 1000;
__u64 __arena arena_scale = 3;
__u32 __arena arena_runs;
int __arena * __arena arena_page;

SEC("syscall")
int arena_sum(void *ctx)
{
	int __arena *page = bpf_arena_alloc_pages(&arena, NULL, 1, -1, 0);

	if (!page)
		return 1;
	page[0] = arena_base + 7;
	page[1] = arena_scale * 2;
	arena_page = page;
	arena_runs += 1;
	return arena_base + arena_scale + page[0] + page[1];
}
