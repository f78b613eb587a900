// execsnoop: one record per execve(), like BCC's execsnoop. The entry
// tracepoint saves who is exec'ing what (pid, parent, uid, filename, the first
// arguments joined by spaces) in a hash map keyed by thread; the exit
// tracepoint adds the return value and the comm after the exec, and sends the
// record to the `events` ring buffer. The parent comes from
// task->real_parent->tgid through CO-RE, so the object runs on any kernel with
// BTF. `corebpf run` (no argument) runs this object.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define TASK_COMM_LEN 16
#define FILENAME_LEN 128
#define ARGS_LEN 256	/* all arguments, space separated */
#define ARG_READ 64	/* at most this much of each argument */
#define MAX_ARGS 20

struct event {
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__s32 ret;
	char comm[TASK_COMM_LEN];
	char filename[FILENAME_LEN];
	char args[ARGS_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

// execve() calls in flight, by thread id.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct event);
} execs SEC(".maps");

// Totals, dumped at exit: calls seen, calls that failed, records the ring
// buffer had no room for.
__u64 exec_calls = 0;
__u64 exec_failed = 0;
__u64 dropped = 0;

static const struct event empty_event = {};

SEC("tracepoint/syscalls/sys_enter_execve")
int execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	const char *const *argv = (const char *const *)ctx->args[1];
	struct event *e;
	__u32 off = 0;

	if (bpf_map_update_elem(&execs, &tid, &empty_event, BPF_NOEXIST))
		return 0;
	e = bpf_map_lookup_elem(&execs, &tid);
	if (!e)
		return 0;
	e->pid = id >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const char *)ctx->args[0]);

	for (int i = 0; i < MAX_ARGS; i++) {
		const char *arg = NULL;
		long n;

		if (off > ARGS_LEN - ARG_READ)
			break;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		n = bpf_probe_read_user_str(&e->args[off], ARG_READ, arg);
		if (n <= 0 || n > ARG_READ)
			break;
		off += n;
		e->args[(off - 1) & (ARGS_LEN - 1)] = ' ';
	}
	if (off > 0)
		e->args[(off - 1) & (ARGS_LEN - 1)] = 0;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct event *e = bpf_map_lookup_elem(&execs, &tid);

	if (!e)
		return 0;
	e->ret = ctx->ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__sync_fetch_and_add(&exec_calls, 1);
	if (e->ret < 0)
		__sync_fetch_and_add(&exec_failed, 1);
	if (bpf_ringbuf_output(&events, e, sizeof(*e), 0))
		__sync_fetch_and_add(&dropped, 1);
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}
