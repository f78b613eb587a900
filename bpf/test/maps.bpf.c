// BTF-defined maps of every common kind, and the map definition attributes the
// object model must read: type, key/value as a BTF type or as a size,
// max_entries (explicit and left 0), map_flags, numa_node, pinning, map_extra,
// inner map definitions (named and anonymous) and initial slot values of a prog
// array and of map-in-maps. Every map is used by some program, so none is dead
// code; what each program does is beside it.
//
// Loads on a kernel >= 6.2 (cgroup storage), with bpftool too. Inode storage is
// only usable from BPF LSM programs, so it lives in progs_trampoline.bpf.c.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct pkt_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct pkt_stats {
	__u64 packets;
	__u64 bytes;
};

// Hash, key and value as BTF types, memory allocated on demand, on NUMA node 0
// (numa_node plus BPF_F_NUMA_NODE; the kernel refuses it for per-CPU maps).
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct pkt_key);
	__type(value, struct pkt_stats);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
} flows SEC(".maps");

// Array, key and value given as sizes only (no BTF types for them), mmapable.
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
	__uint(map_flags, BPF_F_MMAPABLE);
} counters SEC(".maps");

// Per-CPU hash and array.
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct pkt_stats);
} pcpu_array SEC(".maps");

// LRU hash with a per-CPU free list, pinned by name (in /sys/fs/bpf by
// default; a loader must reuse a compatible pinned map of this name).
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} lru_pinned SEC(".maps");

// LRU per-CPU hash.
struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} lru_pcpu SEC(".maps");

// LPM trie: the key starts with a prefix length; BPF_F_NO_PREALLOC is required.
struct ipv4_lpm_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__type(key, struct ipv4_lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

// Ring buffer: max_entries is the buffer size in bytes (a power-of-2 pages).
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

// Perf event array: max_entries left 0, which a loader replaces by the number
// of possible CPUs (as libbpf does).
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

// Stack traces: value is an array of 127 instruction pointers.
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 128);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

// Queue and stack: no key at all.
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 32);
	__type(value, __u32);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 32);
	__type(value, __u64);
} lifo SEC(".maps");

// Bloom filter: no key; map_extra is the number of hash functions.
struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 100);
	__type(value, __u32);
	__uint(map_extra, 3);
} seen SEC(".maps");

// Local storages: key is an fd (int), BPF_F_NO_PREALLOC is required.
struct sk_info {
	__u64 created_ns;
	__u32 family;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sk_info);
} sk_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_store SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} cgrp_store SEC(".maps");

// Prog array with initial slots: [0] = tail_first, [2] = tail_second,
// slots 1 and 3 stay empty. The programs are declared before the map.
int tail_first(struct __sk_buff *skb);
int tail_second(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int(struct __sk_buff *));
} jump_table SEC(".maps") = {
	.values = {
		[0] = (void *)&tail_first,
		[2] = (void *)&tail_second,
	},
};

// Array of maps: the inner definition is a named struct type shared by the two
// inner maps; slot 0 holds inner_a, slot 1 holds inner_b, slot 2 is empty.
struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner_array inner_a SEC(".maps");
struct inner_array inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner_array);
} outer_array SEC(".maps") = {
	.values = { (void *)&inner_a, (void *)&inner_b },
};

// Hash of maps: the inner definition is anonymous; key 1 holds inner_h. The
// inner map's max_entries (8) may differ from inner_h's (4): the kernel only
// requires the same type, key and value sizes and flags.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner_h SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_HASH);
		__uint(max_entries, 8);
		__type(key, __u32);
		__type(value, __u64);
	});
} outer_hash SEC(".maps") = {
	.values = { [1] = (void *)&inner_h },
};

// --- programs ---

// Socket filter: hash, array (size-typed), per-CPU maps, LPM trie, queue,
// stack, bloom filter, then a tail call through jump_table slot 2. Under
// BPF_PROG_TEST_RUN it returns 2 (from tail_second) when the loader filled the
// prog array's initial slots, 0 when the tail call found slot 2 empty.
SEC("socket")
int use_basic_maps(struct __sk_buff *skb)
{
	struct pkt_key key = { .proto = skb->protocol, .sport = 1 };
	struct pkt_stats zero = {}, *stats;
	__u32 idx = 0, value = 7, got;
	__u64 *counter, big = 1;
	struct ipv4_lpm_key lpm = { .prefixlen = 32, .addr = { 10, 0, 0, 1 } };

	stats = bpf_map_lookup_elem(&flows, &key);
	if (!stats) {
		bpf_map_update_elem(&flows, &key, &zero, BPF_NOEXIST);
		stats = bpf_map_lookup_elem(&flows, &key);
	}
	if (stats) {
		stats->packets++;
		stats->bytes += skb->len;
	}
	counter = bpf_map_lookup_elem(&counters, &idx);
	if (counter)
		__sync_fetch_and_add(counter, 1);
	counter = bpf_map_lookup_elem(&pcpu_hash, &idx);
	if (!counter)
		bpf_map_update_elem(&pcpu_hash, &idx, &big, BPF_ANY);
	stats = bpf_map_lookup_elem(&pcpu_array, &idx);
	if (stats)
		stats->packets++;
	if (bpf_map_lookup_elem(&routes, &lpm))
		value = 8;
	bpf_map_push_elem(&fifo, &value, BPF_EXIST);
	if (bpf_map_pop_elem(&fifo, &got) == 0)
		value = got;
	bpf_map_push_elem(&lifo, &big, BPF_EXIST);
	bpf_map_push_elem(&seen, &value, 0);
	if (bpf_map_peek_elem(&seen, &value) == 0)
		idx = 2;
	bpf_tail_call(skb, &jump_table, idx);
	return 0;
}

// Tail call targets stored in jump_table by the object itself.
SEC("socket")
int tail_first(struct __sk_buff *skb)
{
	return 1;
}

SEC("socket")
int tail_second(struct __sk_buff *skb)
{
	return 2;
}

// Map-in-map lookups: outer array slot 0, outer hash key 1. Returns 2 when
// both initial slots were filled by the loader (0: outer_array slot 0 empty,
// 1: outer_hash key 1 empty, 3: someone stored key 1 in inner_h).
SEC("socket")
int use_map_in_map(struct __sk_buff *skb)
{
	__u32 key = 0, one = 1, *val;
	__u64 *v64;
	void *inner;

	inner = bpf_map_lookup_elem(&outer_array, &key);
	if (!inner)
		return 0;
	val = bpf_map_lookup_elem(inner, &key);
	if (val)
		*val += 1;
	inner = bpf_map_lookup_elem(&outer_hash, &one);
	if (!inner)
		return 1;
	v64 = bpf_map_lookup_elem(inner, &one);
	return v64 ? 3 : 2;
}

// Tracepoint: LRU maps, ring buffer, perf event array and stack traces.
SEC("tracepoint/sched/sched_process_fork")
int use_event_maps(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 now = bpf_ktime_get_ns(), *slot;
	long stack_id;

	bpf_map_update_elem(&lru_pinned, &pid, &now, BPF_ANY);
	slot = bpf_map_lookup_elem(&lru_pcpu, &pid);
	if (!slot)
		bpf_map_update_elem(&lru_pcpu, &pid, &now, BPF_ANY);
	stack_id = bpf_get_stackid(ctx, &stacks, 0);
	slot = bpf_ringbuf_reserve(&events, sizeof(*slot), 0);
	if (slot) {
		*slot = stack_id;
		bpf_ringbuf_submit(slot, 0);
	}
	bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &now, sizeof(now));
	return 0;
}

// Task and cgroup storage from a BTF-enabled tracepoint.
SEC("tp_btf/sched_switch")
int BPF_PROG(use_task_storage, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 *switches, *in_cgroup;

	switches = bpf_task_storage_get(&task_store, next, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (switches)
		*switches += 1;
	in_cgroup = bpf_cgrp_storage_get(&cgrp_store, next->cgroups->dfl_cgrp, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (in_cgroup)
		*in_cgroup += 1;
	return 0;
}

// Socket storage from a sockops program.
SEC("sockops")
int use_sk_storage(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk = skops->sk;
	struct sk_info *info;

	if (!sk)
		return 1;
	info = bpf_sk_storage_get(&sk_store, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (info) {
		info->created_ns = bpf_ktime_get_ns();
		info->family = skops->family;
	}
	return 1;
}

