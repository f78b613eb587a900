// `corebpf run` test object: a ring buffer and a perf buffer whose record
// types the runner must find in the object's BTF by size (exec_event and
// fork_sample), a typed hash map and a global to dump at exit, and a kprobe
// that cannot attach where the kernel has no kprobes (reported, not fatal).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct exec_event {
	__u32 pid;
	__u32 ppid;
	__u64 seq;
	char comm[16];
};

struct fork_sample {
	__u32 parent_pid;
	__u32 child_pid;
	char parent_comm[16];
};

struct comm_key {
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} exec_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} fork_events SEC(".maps");

// Execs by new comm.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct comm_key);
	__type(value, __u64);
} exec_counts SEC(".maps");

__u64 exec_seq = 0;
__u64 sleeps = 0;
// The last records sent: globals put both structs in the object's BTF (a
// struct only reached through bpf_ringbuf_reserve()'s pointer is not).
struct exec_event last_exec = {};
struct fork_sample last_fork = {};

SEC("tracepoint/sched/sched_process_exec")
int on_exec(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct comm_key key = {};
	struct exec_event *e;
	__u64 one = 1, *count;

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	count = bpf_map_lookup_elem(&exec_counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&exec_counts, &key, &one, BPF_NOEXIST);

	e = bpf_ringbuf_reserve(&exec_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->seq = __sync_fetch_and_add(&exec_seq, 1) + 1;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	// Copied by a helper: a struct copy compiles to byte-order dependent code.
	bpf_probe_read_kernel(&last_exec, sizeof(last_exec), e);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct fork_sample s = {};

	s.parent_pid = BPF_CORE_READ(parent, tgid);
	s.child_pid = BPF_CORE_READ(child, pid);
	BPF_CORE_READ_STR_INTO(&s.parent_comm, parent, comm);
	bpf_probe_read_kernel(&last_fork, sizeof(last_fork), &s);
	bpf_perf_event_output(ctx, &fork_events, BPF_F_CURRENT_CPU, &s, sizeof(s));
	return 0;
}

SEC("kprobe/do_nanosleep")
int on_nanosleep(void *ctx)
{
	__sync_fetch_and_add(&sleeps, 1);
	return 0;
}
