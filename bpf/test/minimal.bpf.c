// The smallest useful object: one map, one global, one program that runs under
// BPF_PROG_TEST_RUN. Seed for parser and loader tests.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

const volatile __u32 answer = 42;

SEC("socket")
int minimal(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *value = bpf_map_lookup_elem(&counter, &key);

	if (value)
		__sync_fetch_and_add(value, 1);
	return answer;
}
