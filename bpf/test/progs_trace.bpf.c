// Tracing program types that load on a kernel without ftrace trampolines:
// tracepoints, raw tracepoints (also writable), BTF tracepoints, kprobes and
// kretprobes (their type loads even where CONFIG_KPROBES is off; only attach
// needs it), multi-kprobes, syscall kprobes, uprobes and uretprobes in every
// target spelling, sleepable uprobes, USDT, task iterators, perf_event, syscall;
// a "?" program (autoload off), two programs in one section, and the license
// and version sections.
//
// bpftool 7.1 loads every program but then stops at the "?" program: "can't pin
// program that wasn't loaded".
// usdt.bpf.h includes <linux/errno.h>, which needs the multiarch asm/ headers:
// build-flags: -idirafter /usr/include/x86_64-linux-gnu
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";
// Kernel version for kprobes on kernels older than 5.0 (a loader may replace 0
// by the running kernel's version); any value is fine on newer kernels.
__u32 VERSION SEC("version") = 0x060c00;

// One counter per event source (index = program).
__u64 counts[24];

static __always_inline void count(int idx)
{
	__sync_fetch_and_add(&counts[idx], 1);
}

// Tracepoint context of syscalls/sys_enter_execve, from its format file (no
// BTF type describes it; offsets are ABI).
struct sys_enter_execve_args {
	__u64 common;
	int syscall_nr;
	const char *filename;
	const char *const *argv;
	const char *const *envp;
};

char last_exec[64];

SEC("tracepoint/syscalls/sys_enter_execve")
int trace_execve(struct sys_enter_execve_args *ctx)
{
	count(0);
	bpf_probe_read_user_str(last_exec, sizeof(last_exec), ctx->filename);
	return 0;
}

// Two programs in one section "tp/sched/sched_process_exec": the object model
// splits them by symbol (exec_pid at offset 0, exec_old_pid after it).
SEC("tp/sched/sched_process_exec")
int exec_pid(struct trace_event_raw_sched_process_exec *ctx)
{
	count(1);
	return ctx->pid == 1;
}

SEC("tp/sched/sched_process_exec")
int exec_old_pid(struct trace_event_raw_sched_process_exec *ctx)
{
	count(2);
	return ctx->old_pid == 1;
}

// Raw tracepoint with BPF_PROG's typed arguments.
SEC("raw_tp/sched_switch")
int BPF_PROG(raw_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	count(3);
	return BPF_CORE_READ(next, pid) == 0;
}

// The long section name, and a raw tracepoint that BPF_PROG_TEST_RUN can run:
// test-run returns 7 and counts[4] goes up by one per run.
SEC("raw_tracepoint/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	count(4);
	return 7;
}

// Writable raw tracepoint (loads anywhere; attaches only to tracepoints
// declared writable, e.g. nbd's).
SEC("raw_tracepoint.w/nbd_send_request")
int raw_writable(struct bpf_raw_tracepoint_args *ctx)
{
	count(5);
	return 0;
}

// BTF tracepoints: direct, typed access to the arguments.
SEC("tp_btf/sched_process_fork")
int BPF_PROG(btf_fork, struct task_struct *parent, struct task_struct *child)
{
	count(6);
	return child->tgid == parent->tgid;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(btf_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	count(7);
	return 0;
}

// kprobe / kretprobe (argument access through pt_regs, x86 layout).
SEC("kprobe/do_nanosleep")
int BPF_KPROBE(kprobe_nanosleep, void *t, int mode)
{
	count(8);
	return mode;
}

SEC("kretprobe/do_nanosleep")
int BPF_KRETPROBE(kretprobe_nanosleep, long ret)
{
	count(9);
	return 0;
}

// Multi-kprobe with a glob, and a syscall kprobe (uses LINUX_HAS_SYSCALL_WRAPPER).
SEC("kprobe.multi/do_nanosleep*")
int kprobe_multi_nanosleep(struct pt_regs *ctx)
{
	count(10);
	return 0;
}

SEC("ksyscall/nanosleep")
int BPF_KSYSCALL(ksyscall_nanosleep, void *req, void *rem)
{
	count(11);
	return 0;
}

// uprobes: no target (attached by the caller), binary:function, function with
// an offset, an absolute path through /proc/self/exe, and a library name.
SEC("uprobe")
int BPF_KPROBE(uprobe_manual, int arg)
{
	count(12);
	return 0;
}

SEC("uprobe//proc/self/exe:corebpf_test_target")
int BPF_KPROBE(uprobe_self, int arg)
{
	count(13);
	return 0;
}

SEC("uprobe/libc.so.6:malloc+0x4")
int uprobe_offset(struct pt_regs *ctx)
{
	count(14);
	return 0;
}

SEC("uretprobe/libc.so.6:malloc")
int BPF_KRETPROBE(uretprobe_malloc, void *ret)
{
	count(15);
	return 0;
}

// Sleepable uprobe: may fault user memory in.
char uprobe_arg[16];

SEC("uprobe.s//proc/self/exe:corebpf_test_target")
int BPF_KPROBE(uprobe_sleepable, const char *arg)
{
	count(16);
	bpf_copy_from_user(uprobe_arg, sizeof(uprobe_arg), arg);
	return 0;
}

// USDT probe: brings usdt.bpf.h's weak maps (__bpf_usdt_specs,
// __bpf_usdt_ip_to_spec_id) and the LINUX_HAS_BPF_COOKIE kconfig extern.
__s64 usdt_arg;

SEC("usdt/libc.so.6:libc:setjmp")
int BPF_USDT(usdt_setjmp, void *env, int val)
{
	count(17);
	usdt_arg = val;
	return 0;
}

// Task iterator: one line per task.
SEC("iter/task")
int iter_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	count(18);
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d %s\n", task->pid, task->comm);
	return 0;
}

// perf_event: count samples.
SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	count(19);
	return 0;
}

// syscall program, test-run with a struct syscall_args context: returns a + b
// and stores a * b in syscall_product.
struct syscall_args {
	int a;
	int b;
};

int syscall_product;

SEC("syscall")
int add_and_multiply(struct syscall_args *args)
{
	count(20);
	syscall_product = args->a * args->b;
	return args->a + args->b;
}

// Autoload off: a loader must skip it unless asked to load it. It is valid
// code, so loading it on request works.
SEC("?tp/syscalls/sys_enter_getpid")
int not_autoloaded(void *ctx)
{
	count(21);
	return 0;
}
