// The map kinds maps.bpf.c leaves out: redirect maps (devmap, devmap hash,
// cpumap, xskmap), socket maps (sockhash, reuseport array), cgroup array,
// cgroup storage (shared and per-CPU), user ring buffer and arena. Each is
// used by a program of a type the kernel lets use it (several kinds are only
// loadable or only useful that way: cgroup storage binds to the program that
// uses it, a user ring buffer is only read by bpf_user_ringbuf_drain, an
// arena's pages come from kfuncs).
//
// Loads on a kernel >= 6.9 (arena) with a JIT, with libbpf >= 1.4 too.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

// libbpf 1.1's bpf_helpers.h predates __ulong (a 64-bit map attribute: an
// enum with the value as its only enumerator).
#ifndef __ulong
#define __ulong_name(line) __ulong_value_##line
#define __ulong_at(name, val, line) enum { __ulong_name(line) = val } name
#define __ulong(name, val) __ulong_at(name, val, __LINE__)
#endif

#define TC_ACT_OK 0

char LICENSE[] SEC("license") = "GPL";

// --- XDP redirect maps ---

// Device map: value is struct bpf_devmap_val (ifindex and an optional
// program fd run on the egress device).
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

// Device hash map keyed by ifindex, value the egress ifindex alone; memory on
// NUMA node 0.
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 32);
	__type(key, __u32);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
} tx_by_ifindex SEC(".maps");

// CPU map: value is struct bpf_cpumap_val (queue size and an optional program).
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

// AF_XDP socket map, one slot per RX queue; the value is an XDP socket fd.
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 16);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} xsks SEC(".maps");

// --- socket maps ---

struct sock_key {
	__u32 sip;
	__u32 dip;
	__u32 sport;
	__u32 dport;
};

// Socket hash: any key; the value is a socket fd on update (8 bytes here so
// that a lookup can return the socket cookie).
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 64);
	__type(key, struct sock_key);
	__type(value, __u64);
} sock_hash SEC(".maps");

// SO_REUSEPORT socket array: value is a socket fd (4 bytes) or cookie.
struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} reuse_socks SEC(".maps");

// --- cgroups ---

// Cgroup array: the value is a cgroup directory fd (fd arrays refuse the
// BPF_F_*_PROG access flags).
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cgroups SEC(".maps");

// Cgroup storage, one value per (cgroup, attach type): max_entries must stay
// 0, the key is struct bpf_cgroup_storage_key.
struct cg_counts {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_STORAGE);
	__type(key, struct bpf_cgroup_storage_key);
	__type(value, struct cg_counts);
} cg_storage SEC(".maps");

// Per-CPU cgroup storage keyed by the cgroup inode id alone (a __u64 key:
// the storage is then shared by every attach type of the cgroup).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);
	__type(key, __u64);
	__type(value, __u64);
} cg_pcpu_storage SEC(".maps");

// --- user space to BPF ---

// User ring buffer: user space produces, bpf_user_ringbuf_drain consumes;
// max_entries is the size in bytes (a power-of-2 number of pages).
struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 8192);
} user_events SEC(".maps");

// Arena: max_entries is a page count, BPF_F_MMAPABLE is required and
// map_extra fixes the user space address (as the kernel selftests do on
// x86-64), so that programs load without the loader mapping the arena first.
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4);
	__ulong(map_extra, 1ull << 44);
} arena SEC(".maps");

#define __arena __attribute__((address_space(1)))

extern void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt, int node_id, __u64 flags) __ksym;
extern void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym;

// --- programs ---

// XDP: the first of xsks, cpus, tx_by_ifindex, tx_ports that holds a target
// redirects there. Under BPF_PROG_TEST_RUN with every map empty it returns
// XDP_PASS (2), the default action of the last bpf_redirect_map.
SEC("xdp")
int xdp_redirects(struct xdp_md *ctx)
{
	__u32 queue = ctx->rx_queue_index, zero = 0;
	long act;

	if (bpf_map_lookup_elem(&xsks, &queue))
		return bpf_redirect_map(&xsks, queue, XDP_DROP);
	act = bpf_redirect_map(&cpus, 0, 0);
	if (act == XDP_REDIRECT)
		return act;
	act = bpf_redirect_map(&tx_by_ifindex, ctx->ingress_ifindex, 0);
	if (act == XDP_REDIRECT)
		return act;
	return bpf_redirect_map(&tx_ports, zero, XDP_PASS);
}

// sk_msg: send each message to the socket stored under its 4-tuple (ports
// as the context holds them: no byte swap, so both builds share one code).
SEC("sk_msg")
int msg_redirect(struct sk_msg_md *msg)
{
	struct sock_key key = {
		.sip = msg->remote_ip4,
		.dip = msg->local_ip4,
		.sport = msg->remote_port,
		.dport = msg->local_port,
	};

	return bpf_msg_redirect_hash(msg, &sock_hash, &key, BPF_F_INGRESS);
}

// sk_reuseport: spread connections over the array by hash.
SEC("sk_reuseport")
int select_socket(struct sk_reuseport_md *reuse)
{
	__u32 slot = reuse->hash % 4;

	if (bpf_sk_select_reuseport(reuse, &reuse_socks, &slot, 0) == 0)
		return SK_PASS;
	return SK_DROP;
}

// tc: mark packets of sockets under the cgroup in slot 0. Returns TC_ACT_OK
// (0) whatever the outcome: an empty slot only makes the check fail.
SEC("tc")
int tc_under_cgroup(struct __sk_buff *skb)
{
	if (bpf_skb_under_cgroup(skb, &cgroups, 0) == 1)
		skb->mark = 1;
	return TC_ACT_OK;
}

// cgroup_skb: count packets per cgroup (shared storage) and per CPU
// (per-CPU storage). Both return 1 (allow).
SEC("cgroup_skb/ingress")
int count_ingress(struct __sk_buff *skb)
{
	struct cg_counts *c = bpf_get_local_storage(&cg_storage, 0);

	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, skb->len);
	return 1;
}

SEC("cgroup_skb/egress")
int count_egress_per_cpu(struct __sk_buff *skb)
{
	__u64 *packets = bpf_get_local_storage(&cg_pcpu_storage, 0);

	*packets += 1;
	return 1;
}

// User ring buffer consumer: sums the first 8 bytes of each sample into
// user_sum. Returns the number of samples drained (0 when empty).
__u64 user_sum;

static long add_sample(struct bpf_dynptr *sample, void *ctx)
{
	__u64 value;

	if (bpf_dynptr_read(&value, sizeof(value), sample, 0, 0) == 0)
		*(__u64 *)ctx += value;
	return 0;
}

SEC("syscall")
int drain_user_events(void *ctx)
{
	__u64 sum = 0;
	long n = bpf_user_ringbuf_drain(&user_events, add_sample, &sum, 0);

	user_sum += sum;
	return n;
}

// Arena: allocate a page, write through the arena pointer, read back, free.
// Returns 42 when the page was allocated, 1 when not.
SEC("syscall")
int arena_roundtrip(void *ctx)
{
	int __arena *page = bpf_arena_alloc_pages(&arena, NULL, 1, -1, 0);
	int got;

	if (!page)
		return 1;
	page[0] = 40;
	page[1] = 2;
	got = page[0] + page[1];
	bpf_arena_free_pages(&arena, page, 1);
	return got;
}
