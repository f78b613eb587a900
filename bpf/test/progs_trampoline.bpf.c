// Program types that need BPF trampolines (attach_btf_id to a kernel
// function): fentry, fexit, fmod_ret (and their sleepable .s forms), BPF LSM
// (lsm, lsm.s, lsm_cgroup) and struct_ops (a TCP congestion control in a
// ".struct_ops" map). Also the inode storage map, usable only from BPF LSM.
//
// On a kernel without trampoline support (no CONFIG_FUNCTION_TRACER, or BPF
// LSM inactive) PROG_LOAD of these programs fails with EPERM: a loader should
// probe the feature and report NotSupportedError. The object model, CO-RE and
// the relocation output do not depend on the kernel and are fully testable.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 calls[8];

// fentry/fexit/fmod_ret on the functions the kernel provides for testing them:
// BPF_PROG_TEST_RUN of a tracing program calls bpf_fentry_test1..8 and
// bpf_modify_return_test. A test run of fentry_test1 sets calls[0] to 1 (it
// sees a == 1), of fexit_test2 sets calls[1] to 1 (a == 2, b == 3, ret == 5).
SEC("fentry/bpf_fentry_test1")
int BPF_PROG(fentry_test1, int a)
{
	calls[0] += a == 1;
	return 0;
}

SEC("fexit/bpf_fentry_test2")
int BPF_PROG(fexit_test2, int a, __u64 b, int ret)
{
	calls[1] += a == 2 && b == 3 && ret == 5;
	return 0;
}

// fmod_ret: runs before the function and may replace its return value; a
// nonzero return skips the function. Here: keep it (return 0), count calls.
SEC("fmod_ret/bpf_modify_return_test")
int BPF_PROG(fmod_ret_test, int a, int *b, int ret)
{
	calls[2]++;
	return 0;
}

// Sleepable fentry: only on functions of the error-injection list, such as the
// syscall entry points (needs CONFIG_FUNCTION_ERROR_INJECTION).
SEC("fentry.s/__x64_sys_nanosleep")
int BPF_PROG(fentry_sleepable, struct pt_regs *regs)
{
	calls[3]++;
	return 0;
}

// BPF LSM, with the inode storage map that only LSM programs may use.
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} inode_unlinks SEC(".maps");

SEC("lsm/inode_unlink")
int BPF_PROG(lsm_unlink, struct inode *dir, struct dentry *victim)
{
	__u32 *unlinks = bpf_inode_storage_get(&inode_unlinks, victim->d_inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (unlinks)
		*unlinks += 1;
	return 0; // 0 allows, -EPERM would deny
}

// Sleepable LSM hook: may call sleeping helpers such as bpf_copy_from_user.
SEC("lsm.s/bprm_committed_creds")
int BPF_PROG(lsm_sleepable_exec, struct linux_binprm *bprm)
{
	calls[4]++;
	return 0;
}

// Per-cgroup LSM hook.
SEC("lsm_cgroup/socket_bind")
int BPF_PROG(lsm_cgroup_bind, struct socket *sock, struct sockaddr *address, int addrlen)
{
	calls[5]++;
	return 1; // lsm_cgroup: 1 allows
}

// struct_ops: a minimal Reno-like TCP congestion control. The ".struct_ops"
// map binds the programs to members of struct tcp_congestion_ops by name.
SEC("struct_ops/corebpf_ssthresh")
__u32 BPF_PROG(corebpf_ssthresh, struct sock *sk)
{
	const struct tcp_sock *tp = (struct tcp_sock *)sk;

	return tp->snd_cwnd > 4 ? tp->snd_cwnd / 2 : 2;
}

SEC("struct_ops/corebpf_cong_avoid")
void BPF_PROG(corebpf_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	calls[6]++;
	if (tp->snd_cwnd < tp->snd_cwnd_clamp)
		tp->snd_cwnd++;
}

SEC("struct_ops/corebpf_undo_cwnd")
__u32 BPF_PROG(corebpf_undo_cwnd, struct sock *sk)
{
	return ((struct tcp_sock *)sk)->snd_cwnd;
}

SEC(".struct_ops")
struct tcp_congestion_ops corebpf_cc = {
	.ssthresh = (void *)corebpf_ssthresh,
	.cong_avoid = (void *)corebpf_cong_avoid,
	.undo_cwnd = (void *)corebpf_undo_cwnd,
	.name = "corebpf_cc",
};
