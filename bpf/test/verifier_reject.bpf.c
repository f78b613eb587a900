// Programs the verifier rejects, for VerifierError tests: the error must show
// the last verifier lines and the C source line of the failing instruction.
//   reject_out_of_bounds  (autoloaded) reads a map value at an index the
//                         verifier cannot bound: "invalid access to map value"
//                         at the line marked REJECTED-HERE-1;
//   reject_null_deref     ("?", autoload off; enable it to test this case)
//                         dereferences a lookup result without a NULL check:
//                         "invalid mem access 'map_value_or_null'" at the
//                         line marked REJECTED-HERE-2.
//   accept_ok             a valid program, so an object-level error must name
//                         the right program.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[4]);
} values SEC(".maps");

// A hash map: its lookups may always return NULL (recent kernels know that an
// array lookup with a constant in-range key cannot, and accept the deref).
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} sparse SEC(".maps");

SEC("socket")
int accept_ok(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&values, &key);

	return v ? v[skb->len & 3] : 0;
}

SEC("socket")
int reject_out_of_bounds(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&values, &key);

	if (!v)
		return 0;
	return v[skb->len & 0xff]; // REJECTED-HERE-1: up to 255 * 8 bytes past a 32-byte value
}

SEC("?socket")
int reject_null_deref(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&sparse, &key);

	return *v; // REJECTED-HERE-2: v may be NULL
}
