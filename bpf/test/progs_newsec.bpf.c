// Section names that libbpf 1.1 (bpftool 7.1) does not know, and newer libbpf
// (up to 1.5/1.6) maps to a program type and expected attach type:
//   tcx/ingress, tcx/egress          sched_cls  BPF_TCX_INGRESS / BPF_TCX_EGRESS      (libbpf 1.3)
//   tc/ingress, tc/egress            sched_cls  BPF_TCX_INGRESS / BPF_TCX_EGRESS      (libbpf 1.3)
//   netkit/primary, netkit/peer      sched_cls  BPF_NETKIT_PRIMARY / BPF_NETKIT_PEER  (libbpf 1.4)
//   uprobe.multi/..., uretprobe.multi/..., uprobe.multi.s/...
//                                    kprobe     BPF_TRACE_UPROBE_MULTI                (libbpf 1.3)
//   kprobe.session/...               kprobe     BPF_TRACE_KPROBE_SESSION              (libbpf 1.4)
//   uprobe.session/...               kprobe     BPF_TRACE_UPROBE_SESSION              (libbpf 1.6)
//   netfilter                        netfilter  BPF_NETFILTER                         (libbpf 1.2)
//   cgroup/connect_unix              cgroup_sock_addr BPF_CGROUP_UNIX_CONNECT         (libbpf 1.3)
// Each loads on this kernel (6.18) when given that type and attach type; only
// bpftool 7.1 cannot load the object ("missing BPF prog type").
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define NF_ACCEPT 1
// enum netkit_action (uapi), absent from vmlinux BTF when CONFIG_NETKIT is off.
#define NETKIT_NEXT -1
#define NETKIT_PASS 0

__u64 seen[12];

// tcx: returns TCX_NEXT (-1) to run the next program; test-run returns -1.
SEC("tcx/ingress")
int tcx_in(struct __sk_buff *skb)
{
	seen[0]++;
	return TCX_NEXT;
}

SEC("tcx/egress")
int tcx_out(struct __sk_buff *skb)
{
	seen[1]++;
	return TCX_PASS;
}

// The tc/ingress, tc/egress spellings of the same attach types.
SEC("tc/ingress")
int tc_in(struct __sk_buff *skb)
{
	seen[2]++;
	return TC_ACT_OK;
}

SEC("tc/egress")
int tc_out(struct __sk_buff *skb)
{
	seen[3]++;
	return skb->len > 1500 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("netkit/primary")
int netkit_primary(struct __sk_buff *skb)
{
	seen[4]++;
	return NETKIT_NEXT;
}

SEC("netkit/peer")
int netkit_peer(struct __sk_buff *skb)
{
	seen[5]++;
	return NETKIT_PASS;
}

// Multi-uprobes: binary path and a function glob.
SEC("uprobe.multi//proc/self/exe:corebpf_test_*")
int uprobe_multi(struct pt_regs *ctx)
{
	seen[6]++;
	return 0;
}

SEC("uretprobe.multi/libc.so.6:str*")
int uretprobe_multi(struct pt_regs *ctx)
{
	seen[7]++;
	return 0;
}

SEC("uprobe.multi.s//proc/self/exe:corebpf_test_target")
int uprobe_multi_sleepable(struct pt_regs *ctx)
{
	seen[8]++;
	return 0;
}

// Session kprobe/uprobe: one program at entry and exit; a nonzero return at
// entry cancels the exit run.
SEC("kprobe.session/do_nanosleep")
int kprobe_session(struct pt_regs *ctx)
{
	seen[9]++;
	return 0;
}

SEC("uprobe.session//proc/self/exe:corebpf_test_target")
int uprobe_session(struct pt_regs *ctx)
{
	seen[10]++;
	return 0;
}

// Netfilter hook program: accept everything.
SEC("netfilter")
int nf_accept(struct bpf_nf_ctx *ctx)
{
	seen[11]++;
	return NF_ACCEPT;
}

// connect() on AF_UNIX sockets.
SEC("cgroup/connect_unix")
int connect_unix(struct bpf_sock_addr *ctx)
{
	return 1;
}
