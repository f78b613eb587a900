// `corebpf run` test object: programs a kernel may be unable to load beside
// one any BTF kernel loads and attaches. The runner must leave out what the
// kernel cannot take (reported, like a libbpf tool setting autoload = false)
// and run the rest:
//   unsup_exec     tracepoint: loads and attaches everywhere
//   unsup_fentry   fentry: needs BPF trampolines (EPERM at load without them)
//   unsup_lsm      BPF LSM: needs trampolines and an active BPF LSM
//   unsup_missing  fentry on a function no kernel has: not in the kernel's BTF
//   unsup_kprobe   kprobe: loads everywhere, attaches only with kprobes
// (Names unique to this object: tests look for them among loaded programs.)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 execs = 0;
__u64 sleeps = 0;
__u64 opens = 0;

SEC("tracepoint/sched/sched_process_exec")
int unsup_exec(void *ctx)
{
	__sync_fetch_and_add(&execs, 1);
	return 0;
}

SEC("fentry/do_nanosleep")
int BPF_PROG(unsup_fentry)
{
	__sync_fetch_and_add(&sleeps, 1);
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(unsup_lsm, struct file *file)
{
	__sync_fetch_and_add(&opens, 1);
	return 0;
}

SEC("fentry/corebpf_no_such_kernel_function")
int BPF_PROG(unsup_missing)
{
	return 0;
}

SEC("kprobe/do_nanosleep")
int unsup_kprobe(void *ctx)
{
	__sync_fetch_and_add(&sleeps, 1);
	return 0;
}
