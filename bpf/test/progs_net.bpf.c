// Networking program types, one small program per libbpf SEC() name, plus
// several programs sharing one section (split by their function symbols).
// Every program loads on this kernel, with bpftool 7.1 too; the section names
// that only newer libbpf knows (tcx/, netkit/, tc/ingress) are in
// progs_newsec.bpf.c. Programs marked "test-run" run under BPF_PROG_TEST_RUN
// with any packet of at least 14 bytes and return the value given.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

// Counts per program, so that every program touches a map (index = program).
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

// Sockets for sk_msg / sk_skb redirects.
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} sock_map SEC(".maps");

static __always_inline void hit(__u32 idx)
{
	__u64 *count = bpf_map_lookup_elem(&hits, &idx);

	if (count)
		__sync_fetch_and_add(count, 1);
}

// socket filter, test-run: returns the packet length (keep the whole packet).
SEC("socket")
int sock_keep_all(struct __sk_buff *skb)
{
	hit(0);
	return skb->len;
}

// A second program in the same "socket" section; test-run: returns 0 (drop).
SEC("socket")
int sock_drop_all(struct __sk_buff *skb)
{
	hit(1);
	return 0;
}

// xdp, test-run: XDP_PASS (2) for a packet of at least 14 bytes, XDP_DROP (1) else.
SEC("xdp")
int xdp_pass_eth(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	hit(2);
	return data + 14 <= end ? XDP_PASS : XDP_DROP;
}

// A second program in section "xdp"; test-run: XDP_TX (3).
SEC("xdp")
int xdp_bounce(struct xdp_md *ctx)
{
	hit(3);
	return XDP_TX;
}

// xdp.frags: same type, loaded with BPF_F_XDP_HAS_FRAGS; test-run: XDP_PASS.
SEC("xdp.frags")
int xdp_frags_len(struct xdp_md *ctx)
{
	hit(4);
	return bpf_xdp_get_buff_len(ctx) > 0 ? XDP_PASS : XDP_ABORTED;
}

// tc (sched_cls), test-run: TC_ACT_SHOT (2) for an IPv4 frame, TC_ACT_OK (0) else.
SEC("tc")
int tc_drop_ipv4(struct __sk_buff *skb)
{
	hit(5);
	return skb->protocol == bpf_htons(ETH_P_IP) ? TC_ACT_SHOT : TC_ACT_OK;
}

// classifier: the older name of the same program type; test-run: 0.
SEC("classifier")
int cls_mark(struct __sk_buff *skb)
{
	hit(6);
	skb->mark = 0x42;
	return TC_ACT_OK;
}

// cgroup_skb/ingress and egress: 1 allows the packet.
SEC("cgroup_skb/ingress")
int cgskb_ingress(struct __sk_buff *skb)
{
	hit(7);
	return 1;
}

SEC("cgroup_skb/egress")
int cgskb_egress(struct __sk_buff *skb)
{
	hit(8);
	return skb->len < 0xffff;
}

// cgroup/sock_create: allow every socket but raw ones.
SEC("cgroup/sock_create")
int sock_create_no_raw(struct bpf_sock *sk)
{
	hit(9);
	return sk->type != 3 /* SOCK_RAW */;
}

// cgroup/connect4: rewrite connects to 127.0.0.2 into 127.0.0.1.
SEC("cgroup/connect4")
int connect4_rewrite(struct bpf_sock_addr *ctx)
{
	hit(10);
	if (ctx->user_ip4 == bpf_htonl(0x7f000002))
		ctx->user_ip4 = bpf_htonl(0x7f000001);
	return 1;
}

// sk_msg: redirect every message to the socket in slot 0.
SEC("sk_msg")
int msg_redirect(struct sk_msg_md *msg)
{
	hit(11);
	return bpf_msg_redirect_map(msg, &sock_map, 0, 0);
}

// sk_skb/stream_parser and stream_verdict: whole skb is one message; pass it.
SEC("sk_skb/stream_parser")
int skb_parser(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("sk_skb/stream_verdict")
int skb_verdict(struct __sk_buff *skb)
{
	hit(12);
	return bpf_sk_redirect_map(skb, &sock_map, 0, 0);
}

// flow_dissector, test-run with an IPv4 frame: BPF_OK (0) after filling
// nhoff/thoff; BPF_DROP (2) for anything else.
SEC("flow_dissector")
int dissect_ipv4(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;

	hit(13);
	if (keys->n_proto != bpf_htons(ETH_P_IP))
		return BPF_DROP;
	keys->thoff = keys->nhoff + 20;
	keys->addr_proto = ETH_P_IP;
	return BPF_OK;
}

// sk_lookup: let the kernel pick the socket (SK_PASS = 1).
SEC("sk_lookup")
int lookup_pass(struct bpf_sk_lookup *ctx)
{
	hit(14);
	return SK_PASS;
}
