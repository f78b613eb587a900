// CO-RE relocations against real kernel types (vmlinux.h, relocated against
// the running kernel's BTF or any vmlinux BTF): task_struct fields read
// directly (LDX with relocated offsets) and through BPF_CORE_READ pointer
// chains, the state/__state flavors, kernel bitfields (task_struct, sk_buff,
// sock), nested anonymous members (mm_struct), enums and enum64 values,
// TYPE_ID_LOCAL/TARGET, TYPE_EXISTS/SIZE/MATCHES on kernel types.
//
// Test-run programs (syscall, or raw_tp that BPF_PROG_TEST_RUN runs on the
// calling thread): each returns 0 when every kernel-independent expectation
// holds, else the __LINE__ of the first that failed; each also stores values
// in its <prog>_out array (.bss), with slots given beside the checks. Values
// marked RECORD depend on the kernel (offsets, type ids, the caller's parent):
// a test compares them with what it reads from the same BTF or from /proc.
// core_kernel_switch (tp_btf) loads here; it runs on a real sched_switch.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "corebpf_check.h"

char LICENSE[] SEC("license") = "GPL";

// task_struct::state became __state (and int -> unsigned int) in Linux 5.14.
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

// A field that no kernel has.
struct task_struct___corebpf {
	int corebpf_absent_field;
} __attribute__((preserve_access_index));

// A type that no kernel has.
struct corebpf_absent_kernel_type {
	int x;
} __attribute__((preserve_access_index));

// TYPE_MATCHES: same member names and kinds as the kernel's list_head / not.
struct list_head___match {
	struct list_head *next;
	struct list_head *prev;
};

struct list_head___nomatch {
	int next;
};

// An enumerator no kernel has (essential name BPF_FUNC_corebpf_absent).
enum bpf_func_id___corebpf {
	BPF_FUNC_corebpf_absent___corebpf = 100000,
};

// Direct reads of the current task (trusted BTF pointer), and field info.
__u64 core_kernel_fields_out[24];

SEC("syscall")
int core_kernel_fields(void *ctx)
{
	__u64 *out = core_kernel_fields_out;
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 exists_new, exists_old;

	EXPECT(out, 0, task->tgid, pid_tgid >> 32);
	EXPECT(out, 1, task->pid, (__u32)pid_tgid);
	EXPECT(out, 2, task->group_leader->pid, pid_tgid >> 32);
	RECORD(out, 3, task->real_parent->tgid); // the caller's parent process
	EXPECT(out, 4, bpf_core_field_size(task->pid), 4);
	EXPECT(out, 5, __builtin_preserve_field_info(task->pid, BPF_FIELD_SIGNED), 1);
	EXPECT(out, 6, bpf_core_field_size(task->comm), 16);
	RECORD(out, 7, bpf_core_field_offset(task->comm));
	EXPECT(out, 8, bpf_core_field_offset(task->comm[3]), out[7] + 3);
	// Exactly one of the two flavors exists on any kernel.
	exists_new = bpf_core_field_exists(task->__state);
	exists_old = bpf_core_field_exists(((struct task_struct___old *)task)->state);
	RECORD(out, 9, exists_new);
	RECORD(out, 10, exists_old);
	if (exists_new + exists_old != 1)
		return __LINE__;
	// A running task: state 0 (TASK_RUNNING) in either form.
	if (exists_new)
		EXPECT(out, 11, task->__state, 0);
	else
		EXPECT(out, 11, ((struct task_struct___old *)task)->state, 0);
	EXPECT(out, 12, bpf_core_field_exists(((struct task_struct___corebpf *)task)->corebpf_absent_field), 0);
	RECORD(out, 13, bpf_core_field_offset(task->real_parent));
	RECORD(out, 14, bpf_core_field_offset(task->tgid));
	EXPECT(out, 15, task->mm != 0, 1); // a user process
	return 0;
}

// BPF_CORE_READ chains (bpf_probe_read_kernel per step) from a raw tracepoint
// program; test-run runs it on the calling thread.
__u64 core_kernel_chains_out[16];
char core_kernel_comm[16];

SEC("raw_tp")
int core_kernel_chains(void *ctx)
{
	__u64 *out = core_kernel_chains_out;
	struct task_struct *task = (void *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	EXPECT(out, 0, BPF_CORE_READ(task, tgid), pid_tgid >> 32);
	EXPECT(out, 1, BPF_CORE_READ(task, group_leader, tgid), pid_tgid >> 32);
	RECORD(out, 2, BPF_CORE_READ(task, real_parent, tgid));
	EXPECT(out, 3, BPF_CORE_READ(task, cred, uid.val), (__u32)uid_gid);
	EXPECT(out, 4, BPF_CORE_READ(task, cred, gid.val), uid_gid >> 32);
	// mm_users sits in an anonymous struct inside mm_struct.
	RECORD(out, 5, BPF_CORE_READ(task, mm, mm_users.counter));
	if (out[5] < 1)
		return __LINE__;
	RECORD(out, 6, BPF_CORE_READ(task, mm, map_count));
	RECORD(out, 7, BPF_CORE_READ(task, files, fdt, max_fds));
	if (out[7] < 64)
		return __LINE__;
	RECORD(out, 8, BPF_CORE_READ(task, fs, umask));
	RECORD(out, 9, BPF_CORE_READ(task, nsproxy, pid_ns_for_children, level));
	// Same as bpf_get_current_comm.
	BPF_CORE_READ_STR_INTO(&core_kernel_comm, task, comm);
	{
		char comm[16];

		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < 16; i++)
			if (comm[i] != core_kernel_comm[i])
				return __LINE__;
	}
	// Kernel bitfields read through probe reads: the caller is not in execve.
	EXPECT(out, 10, BPF_CORE_READ_BITFIELD_PROBED(task, in_execve), 0);
	RECORD(out, 11, BPF_CORE_READ_BITFIELD_PROBED(task, sched_reset_on_fork));
	return 0;
}

// Field info of kernel bitfields, TYPE_* and ENUMVAL_* kinds.
__u64 core_kernel_types_out[40];

SEC("syscall")
int core_kernel_types(void *ctx)
{
	__u64 *out = core_kernel_types_out;
	struct task_struct *task = 0;
	struct sk_buff *skb = 0;
	struct sock *sk = 0;

	// task_struct::in_execve:1, sk_buff::pkt_type:3, sock::sk_protocol (a u16,
	// an 8-bit bitfield before Linux 5.6), sock::sk_kern_sock:1.
	RECORD(out, 0, bpf_core_field_offset(task->in_execve));
	EXPECT(out, 1, __builtin_preserve_field_info(task->in_execve, BPF_FIELD_RSHIFT_U64), 63);
	RECORD(out, 2, __builtin_preserve_field_info(task->in_execve, BPF_FIELD_LSHIFT_U64));
	EXPECT(out, 3, __builtin_preserve_field_info(task->in_execve, BPF_FIELD_SIGNED), 0);
	RECORD(out, 4, bpf_core_field_offset(skb->pkt_type));
	RECORD(out, 5, bpf_core_field_size(skb->pkt_type));
	RECORD(out, 6, __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_LSHIFT_U64));
	EXPECT(out, 7, __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_RSHIFT_U64), 61);
	EXPECT(out, 8, __builtin_preserve_field_info(skb->pkt_type, BPF_FIELD_SIGNED), 0);
	RECORD(out, 9, bpf_core_field_offset(sk->sk_protocol));
	RECORD(out, 10, bpf_core_field_size(sk->sk_protocol));
	RECORD(out, 11, __builtin_preserve_field_info(sk->sk_protocol, BPF_FIELD_RSHIFT_U64));
	RECORD(out, 12, __builtin_preserve_field_info(sk->sk_kern_sock, BPF_FIELD_LSHIFT_U64));
	EXPECT(out, 13, __builtin_preserve_field_info(sk->sk_kern_sock, BPF_FIELD_RSHIFT_U64), 63);
	// Types.
	EXPECT(out, 14, bpf_core_type_exists(struct task_struct), 1);
	EXPECT(out, 15, bpf_core_type_exists(struct corebpf_absent_kernel_type), 0);
	RECORD(out, 16, bpf_core_type_size(struct task_struct));
	if (out[16] < 1000)
		return __LINE__;
	RECORD(out, 17, bpf_core_type_id_local(struct task_struct));
	RECORD(out, 18, bpf_core_type_id_kernel(struct task_struct));
	if (out[17] == 0 || out[18] == 0)
		return __LINE__;
	EXPECT(out, 19, bpf_core_type_size(struct list_head), 16);
	EXPECT(out, 20, bpf_core_type_matches(struct list_head___match), 1);
	EXPECT(out, 21, bpf_core_type_matches(struct list_head___nomatch), 0);
	EXPECT(out, 22, bpf_core_type_exists(struct list_head___nomatch), 1);
	EXPECT(out, 23, bpf_core_type_matches(pid_t), 1);
	EXPECT(out, 24, bpf_core_type_size(pid_t), 4);
	// Enums: UAPI values are stable on every kernel.
	EXPECT(out, 25, bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_map_lookup_elem), 1);
	EXPECT(out, 26, bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_map_lookup_elem), 1);
	EXPECT(out, 27, bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_trace_printk), 6);
	EXPECT(out, 28, bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF), 27);
	EXPECT(out, 29, bpf_core_enum_value_exists(enum bpf_func_id___corebpf, BPF_FUNC_corebpf_absent___corebpf), 0);
	// 64-bit enumerators (ENUM64 in BTF from pahole >= 1.24).
	EXPECT(out, 30, bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_MAX), (__u64)-4095);
	EXPECT(out, 31, bpf_core_enum_value(enum perf_callchain_context, PERF_CONTEXT_USER), (__u64)-512);
	RECORD(out, 32, bpf_core_type_id_kernel(enum bpf_func_id));
	return 0;
}

// Direct typed reads in a BTF tracepoint, with the state/__state choice made
// by the relocation (the other branch is poisoned and dead).
__u64 core_kernel_switch_out[8];

SEC("tp_btf/sched_switch")
int BPF_PROG(core_kernel_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 *out = core_kernel_switch_out;

	out[0]++;
	out[1] = next->pid;
	out[2] = prev->pid;
	if (bpf_core_field_exists(prev->__state))
		out[3] = prev->__state;
	else
		out[3] = BPF_CORE_READ((struct task_struct___old *)prev, state);
	out[4] = BPF_CORE_READ(next, mm, total_vm);
	return 0;
}
