// Global data: .data, .bss, .rodata (const volatile, set before load),
// custom .data.foo and .rodata.bar sections, scalars, arrays and structs,
// static, global and hidden linkage. A loader turns each section into an
// array map of one element (mmapable; .rodata frozen after load) and points the
// programs' ldimm64 at it (src_reg BPF_PSEUDO_MAP_VALUE, offset of the variable).
//
// Test-run (socket filter, any packet): read_and_write_globals returns
//   rodata_multiplier * 100 + bar_limit   (default 3 * 100 + 42 = 342;
//                                          rodata_multiplier = 7 before load: 742)
// and writes .bss: bss_runs += 1, bss_result = data_seed * rodata_multiplier
// (5 * 3 = 15 by default), bss_name = rodata_name ("corebpf"),
// bss_static_total += data_static_counter + data_hidden (11 + 13 = 24); and
// .data.foo: foo_hits += 1 (starts at 7). With rodata_verbose = false (the default) the
// verifier drops the bpf_printk branch as dead code.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct config {
	__u32 id;
	__u16 ports[3];
	__u64 limit;
};

// .rodata: read-only for programs, settable by user space before load.
const volatile __u32 rodata_multiplier = 3;
const volatile bool rodata_verbose = false;
const volatile char rodata_name[8] = "corebpf";
const volatile struct config rodata_config = { .id = 1, .ports = { 80, 443, 8080 }, .limit = 1ULL << 40 };

// .data: initialised, writable.
__u32 data_seed = 5;
__u64 data_array[4] = { 1, 2, 3, 4 };
struct config data_config = { .id = 2, .limit = 99 };
static __u32 data_static_counter = 11; // static linkage, still a .data variable
__hidden __u32 data_hidden = 13;       // global in BTF, hidden ELF visibility

// .bss: zero-initialised, writable.
__u64 bss_runs;
__u64 bss_result;
char bss_name[8];
struct config bss_config;
static __u64 bss_static_total; // static .bss variable

// Custom sections: each becomes its own map named after the section.
__u32 foo_hits SEC(".data.foo") = 7;
__u64 foo_table[2] SEC(".data.foo") = { 0xf00, 0xf01 };
const volatile __u32 bar_limit SEC(".rodata.bar") = 42;
const volatile __u16 bar_ports[2] SEC(".rodata.bar") = { 22, 2222 };

SEC("socket")
int read_and_write_globals(struct __sk_buff *skb)
{
	bss_runs++;
	bss_result = (__u64)data_seed * rodata_multiplier;
	for (int i = 0; i < sizeof(bss_name); i++)
		bss_name[i] = rodata_name[i];
	foo_hits++;
	bss_static_total += data_static_counter + data_hidden;
	if (rodata_verbose)
		bpf_printk("runs %llu result %llu", bss_runs, bss_result);
	return rodata_multiplier * 100 + bar_limit;
}

// A second program sharing the same global maps (syscall, test-run without
// context): copies rodata_config into bss_config, sums data_array (10), adds
// data_config.limit (99) and bar_ports[1] (2222), returns 2331; stores the
// sum in foo_table[1]; data_seed and data_static_counter += 1 per run.
// Values above are for a fresh load, with read_and_write_globals run first.
SEC("syscall")
int copy_structs(void *ctx)
{
	__u64 sum = 0;

	bss_config.id = rodata_config.id;
	bss_config.limit = rodata_config.limit;
	for (int i = 0; i < 3; i++)
		bss_config.ports[i] = rodata_config.ports[i];
	for (int i = 0; i < 4; i++)
		sum += data_array[i];
	data_seed++;
	data_static_counter++; // written somewhere, so clang keeps it in .data
	foo_table[1] = sum;
	return sum + data_config.limit + bar_ports[1];
}
