// Externs a loader resolves against the running kernel:
// - .kconfig: LINUX_KERNEL_VERSION, the virtual LINUX_HAS_BPF_COOKIE and
//   LINUX_HAS_SYSCALL_WRAPPER, CONFIG_* as bool, tristate (enum
//   libbpf_tristate), char ('y'/'m'/'n'), int, hex and string values, and weak
//   ones that are absent from the kernel config (they read as zero);
// - .ksyms: untyped (address from /proc/kallsyms), typed per-CPU variables
//   (by BTF id; bpf_per_cpu_ptr / bpf_this_cpu_ptr), weak ksyms absent from
//   the kernel (address 0), and kfunc calls (by BTF id), strong and weak.
//
// Test-run (syscall programs, no context):
// - read_kconfig copies every kconfig extern into the .bss struct `kconfig` and
//   returns CONFIG_HZ (250 on the build kernel);
// - read_ksyms fills part of `ksyms` from untyped and weak ksyms, returns 0
//   when its checks pass, else the __LINE__ of the failed check;
// - read_percpu_ksyms (autoload off: needs CONFIG_KALLSYMS_ALL, see there)
//   does the same with typed per-CPU ksyms;
// - use_kfuncs finds the caller's process with kfuncs and returns 0 (or a
//   __LINE__).
// kfunc_switch (tp_btf) loads, and runs only on a real sched_switch.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

// --- .kconfig ---
extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern enum libbpf_tristate CONFIG_BPF_SYSCALL __kconfig; // y: TRI_YES
extern bool CONFIG_BPF_JIT __kconfig;                     // y: true
extern char CONFIG_NET __kconfig;                         // y: 'y'
extern int CONFIG_HZ __kconfig;                           // 250 here
extern __u16 CONFIG_NR_CPUS __kconfig;                    // an int in a u16
extern __u64 CONFIG_PHYSICAL_START __kconfig;             // hex: 0x1000000
extern char CONFIG_LOCALVERSION[16] __kconfig;            // string, "" on many kernels
// Weak, absent from the config: zero (false, TRI_NO, 0, "").
extern bool CONFIG_COREBPF_ABSENT_BOOL __kconfig __weak;
extern int CONFIG_COREBPF_ABSENT_INT __kconfig __weak;
extern enum libbpf_tristate CONFIG_COREBPF_ABSENT_TRISTATE __kconfig __weak;
extern char CONFIG_COREBPF_ABSENT_STRING[8] __kconfig __weak;
// Weak, and "is not set" on the build kernel (a comment line in the config).
extern bool CONFIG_KPROBES __kconfig __weak;

struct kconfig_values {
	__u32 kernel_version;
	__u8 has_bpf_cookie;
	__u8 has_syscall_wrapper;
	__u8 bpf_syscall;    // enum libbpf_tristate: 0 no, 1 yes, 2 module
	__u8 bpf_jit;
	char net;
	__u8 kprobes;
	__u16 nr_cpus;
	__s32 hz;
	__u64 physical_start;
	char localversion[16];
	__u8 absent_bool;
	__u8 absent_tristate;
	__u8 absent_string_first;
	__u8 pad;
	__s32 absent_int;
};

struct kconfig_values kconfig;

SEC("syscall")
int read_kconfig(void *ctx)
{
	kconfig.kernel_version = LINUX_KERNEL_VERSION;
	kconfig.has_bpf_cookie = LINUX_HAS_BPF_COOKIE;
	kconfig.has_syscall_wrapper = LINUX_HAS_SYSCALL_WRAPPER;
	kconfig.bpf_syscall = CONFIG_BPF_SYSCALL;
	kconfig.bpf_jit = CONFIG_BPF_JIT;
	kconfig.net = CONFIG_NET;
	kconfig.kprobes = CONFIG_KPROBES;
	kconfig.nr_cpus = CONFIG_NR_CPUS;
	kconfig.hz = CONFIG_HZ;
	kconfig.physical_start = CONFIG_PHYSICAL_START;
	for (int i = 0; i < sizeof(kconfig.localversion); i++)
		kconfig.localversion[i] = CONFIG_LOCALVERSION[i];
	kconfig.absent_bool = CONFIG_COREBPF_ABSENT_BOOL;
	kconfig.absent_tristate = CONFIG_COREBPF_ABSENT_TRISTATE;
	kconfig.absent_string_first = CONFIG_COREBPF_ABSENT_STRING[0];
	kconfig.absent_int = CONFIG_COREBPF_ABSENT_INT;
	return CONFIG_HZ;
}

// --- .ksyms ---
// Untyped: only the address, from /proc/kallsyms. _stext is always listed;
// bpf_prog_fops (a data symbol) only with CONFIG_KALLSYMS_ALL, hence weak.
extern const void _stext __ksym;
extern const void bpf_prog_fops __ksym __weak;
// Typed per-CPU variables, found by name among the kernel BTF's VARs.
extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym;
// Typed and weak, absent from every kernel: its address reads as 0.
extern const int corebpf_absent_ksym __ksym __weak;

struct ksym_values {
	__u64 stext;          // kernel address of _stext
	__u64 prog_fops;      // 0 unless kallsyms lists bpf_prog_fops
	__u8 absent_is_null;  // 1: &corebpf_absent_ksym == NULL
	__u8 pad[3];
	__s32 cpu0_rq_cpu;    // runqueues on CPU 0: rq->cpu == 0
	__s32 this_rq_cpu;    // runqueues on the current CPU: rq->cpu
	__u32 current_cpu;    // bpf_get_smp_processor_id(), equals this_rq_cpu
	__s32 prog_active;    // bpf_prog_active on this CPU
};

struct ksym_values ksyms;

// Untyped and weak ksyms: loads everywhere. Returns 0 when the checks pass.
SEC("syscall")
int read_ksyms(void *ctx)
{
	ksyms.stext = (__u64)&_stext;
	ksyms.prog_fops = (__u64)&bpf_prog_fops;
	if (ksyms.stext == 0)
		return __LINE__;
	ksyms.absent_is_null = &corebpf_absent_ksym == NULL;
	if (!ksyms.absent_is_null)
		return __LINE__;
	return 0;
}

// Typed per-CPU ksyms. The verifier looks their address up by name with
// kallsyms_lookup_name, which finds data symbols only with
// CONFIG_KALLSYMS_ALL: elsewhere PROG_LOAD fails with ENOENT ("ldimm64 failed
// to find the address for kernel symbol 'runqueues'"). Hence autoload off;
// a test enables it when /proc/kallsyms lists runqueues. Returns 0 when the
// checks pass, else the __LINE__ of the failed check.
SEC("?syscall")
int read_percpu_ksyms(void *ctx)
{
	struct rq *rq;
	const int *active;

	rq = bpf_per_cpu_ptr(&runqueues, 0);
	if (!rq)
		return __LINE__;
	ksyms.cpu0_rq_cpu = rq->cpu;
	if (ksyms.cpu0_rq_cpu != 0)
		return __LINE__;
	rq = bpf_this_cpu_ptr(&runqueues);
	ksyms.this_rq_cpu = rq->cpu;
	ksyms.current_cpu = bpf_get_smp_processor_id();
	if (ksyms.this_rq_cpu != ksyms.current_cpu)
		return __LINE__;
	active = bpf_this_cpu_ptr(&bpf_prog_active);
	ksyms.prog_active = *active;
	return 0;
}

// --- kfuncs (kernel functions called by BTF id) ---
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;
// Weak kfunc absent from every kernel: calls to it must sit behind a check
// that the loader resolves to false, so the verifier never sees the call.
extern void corebpf_absent_kfunc(void) __ksym __weak;

__s32 kfunc_tgid; // tgid of the task found with bpf_task_from_pid

// Test-run: finds the calling thread group's leader with kfuncs; returns 0 when
// its tgid is the caller's (stored in kfunc_tgid), else the failing __LINE__.
SEC("syscall")
int use_kfuncs(void *ctx)
{
	__s32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct task_struct *leader = bpf_task_from_pid(tgid);

	if (!leader)
		return __LINE__;
	kfunc_tgid = leader->tgid;
	bpf_task_release(leader);
	if (corebpf_absent_kfunc)
		corebpf_absent_kfunc();
	return kfunc_tgid == tgid ? 0 : __LINE__;
}

__u32 switches_seen;

// Acquire/release a reference and read under the RCU read lock in a BTF
// tracepoint (trusted task pointers).
SEC("tp_btf/sched_switch")
int BPF_PROG(kfunc_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	struct task_struct *held = bpf_task_acquire(next);
	struct task_struct *parent;

	if (!held)
		return 0;
	bpf_rcu_read_lock();
	parent = held->real_parent;
	if (parent && parent->pid >= 0)
		switches_seen++;
	bpf_rcu_read_unlock();
	bpf_task_release(held);
	return 0;
}
