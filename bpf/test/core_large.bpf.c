// A tool-sized object for the CO-RE relocation and load benchmarks: the
// kind of code execsnoop/exitsnoop/tcpconnect/biosnoop/filetop-style tools
// carry, with many BPF_CORE_READ chains across task_struct, cred, mm_struct,
// files, fs, nsproxy, signal, cgroups, sched, sock, tcp_sock, sk_buff,
// net_device, file/inode/super_block and request/gendisk. The collectors are
// always_inline, so each program carries its own copy of the relocations
// (about 1,000 in all, see bpf/test/README.md for the exact count).
//
// Loads on this kernel with bpftool 7.1 too (kprobe programs load without
// CONFIG_KPROBES; only attaching them needs it): no "?" programs, no
// trampolines, so `bpftool prog loadall` is a fair reference for a full load.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define RLIMIT_NOFILE 7

struct task_info {
	__u32 pid, tgid, ppid, parent_pid, tracer_tgid, leader_pid;
	__u64 start_time, boot_time, leader_start_time;
	__u32 flags, prio, static_prio, normal_prio, rt_priority, policy, nr_cpus;
	__s32 exit_code, exit_signal, pdeath_signal;
	__u64 utime, stime, nvcsw, nivcsw, min_flt, maj_flt;
	char comm[16], leader_comm[16], parent_comm[16];
	// cred
	__u32 uid, gid, euid, egid, suid, sgid, fsuid, fsgid, securebits, real_uid, user_uid, userns_level;
	__u64 cap_effective, cap_permitted, cap_inheritable;
	// mm
	__u64 total_vm, locked_vm, pinned_vm, data_vm, exec_vm, stack_vm;
	__u64 start_code, end_code, start_data, end_data, start_brk, brk, start_stack;
	__u64 arg_start, arg_end, env_start, env_end, hiwater_rss, hiwater_vm, def_flags;
	__s32 map_count, mm_users, mm_count;
	__u64 exe_ino;
	char exe_name[32];
	// files and fs
	__u32 max_fds, next_fd, fs_umask, fs_users, fs_in_exec;
	char root_name[16], pwd_name[16];
	__s32 pwd_mnt_flags;
	// namespaces
	char nodename[16];
	__u32 pidns_level, netns_inum, utsns_inum, ipcns_inum, mntns_inum, cgroupns_inum;
	// signal, cgroups, pids
	__s32 nr_threads, oom_score_adj, group_exit_code, session_leader;
	__u64 nofile_cur, nofile_max;
	__u64 cgroup_id;
	__s32 cgroup_level;
	__u32 pid_level, pid_nr;
	// scheduler and accounting
	__u64 vruntime, sum_exec_runtime, exec_start, nr_migrations, pcount, run_delay;
	__u64 read_bytes, write_bytes, rchar, wchar, syscr, syscw;
	__u32 loginuid, sessionid;
};

struct sock_info {
	__u16 family, type, protocol, sport, dport;
	__u8 state;
	__u32 saddr, daddr, bound_dev_if, netns_inum;
	__u32 saddr6[4], daddr6[4];
	__s32 rcvbuf, sndbuf, wmem_queued, err;
	__u32 priority, mark, ack_backlog, max_ack_backlog, uid;
	__u64 socket_ino;
	__u32 srtt_us, snd_cwnd, rcv_wnd, snd_una, snd_nxt, rcv_nxt, total_retrans, mss_cache, segs_in, segs_out;
	__u64 bytes_acked, bytes_received;
	__u16 inet_sport;
	__u8 tos;
};

struct skb_info {
	__u32 len, data_len, mac_len, hdr_len, mark, priority, hash, iif, ifindex, mtu, netns_inum;
	__u16 protocol, transport_header, network_header, mac_header, queue_mapping;
	__u8 pkt_type;
	__u64 tstamp;
	char devname[16];
};

struct file_info {
	__u64 ino, size, pos, dev, blocks;
	__u32 mode, uid, gid, flags, fmode, nlink;
	char name[32], parent_name[32], fstype[16];
};

struct request_info {
	__u64 sector, start_ns, io_start_ns;
	__u32 bytes, cmd_flags, tag, dev, minors, major, first_minor;
	char disk[32];
};

enum event_kind { EV_EXEC = 1, EV_EXIT, EV_FORK, EV_SWITCH, EV_CONNECT, EV_ACCEPT, EV_RETRANSMIT, EV_RECV, EV_READ, EV_BLOCK };

struct event {
	__u32 kind;
	struct task_info task;
	struct task_info other;
	struct sock_info sock;
	struct skb_info skb;
	struct file_info file;
	struct request_info rq;
};

// One event-sized scratch buffer per CPU (too big for the stack).
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} heap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static __always_inline struct event *new_event(__u32 kind)
{
	__u32 zero = 0;
	struct event *ev = bpf_map_lookup_elem(&heap, &zero);

	if (ev)
		ev->kind = kind;
	return ev;
}

static __always_inline void submit(struct event *ev)
{
	bpf_ringbuf_output(&events, ev, sizeof(*ev), 0);
}

static __always_inline void read_task(struct task_info *ti, struct task_struct *t)
{
	struct mm_struct *mm;
	struct task_io_accounting *io;

	ti->pid = BPF_CORE_READ(t, pid);
	ti->tgid = BPF_CORE_READ(t, tgid);
	ti->ppid = BPF_CORE_READ(t, real_parent, tgid);
	ti->parent_pid = BPF_CORE_READ(t, real_parent, pid);
	ti->tracer_tgid = BPF_CORE_READ(t, parent, tgid);
	ti->leader_pid = BPF_CORE_READ(t, group_leader, pid);
	ti->start_time = BPF_CORE_READ(t, start_time);
	ti->boot_time = BPF_CORE_READ(t, start_boottime);
	ti->leader_start_time = BPF_CORE_READ(t, group_leader, start_time);
	ti->flags = BPF_CORE_READ(t, flags);
	ti->prio = BPF_CORE_READ(t, prio);
	ti->static_prio = BPF_CORE_READ(t, static_prio);
	ti->normal_prio = BPF_CORE_READ(t, normal_prio);
	ti->rt_priority = BPF_CORE_READ(t, rt_priority);
	ti->policy = BPF_CORE_READ(t, policy);
	ti->nr_cpus = BPF_CORE_READ(t, nr_cpus_allowed);
	ti->exit_code = BPF_CORE_READ(t, exit_code);
	ti->exit_signal = BPF_CORE_READ(t, exit_signal);
	ti->pdeath_signal = BPF_CORE_READ(t, pdeath_signal);
	ti->utime = BPF_CORE_READ(t, utime);
	ti->stime = BPF_CORE_READ(t, stime);
	ti->nvcsw = BPF_CORE_READ(t, nvcsw);
	ti->nivcsw = BPF_CORE_READ(t, nivcsw);
	ti->min_flt = BPF_CORE_READ(t, min_flt);
	ti->maj_flt = BPF_CORE_READ(t, maj_flt);
	BPF_CORE_READ_STR_INTO(&ti->comm, t, comm);
	BPF_CORE_READ_STR_INTO(&ti->leader_comm, t, group_leader, comm);
	BPF_CORE_READ_STR_INTO(&ti->parent_comm, t, real_parent, comm);

	ti->uid = BPF_CORE_READ(t, cred, uid.val);
	ti->gid = BPF_CORE_READ(t, cred, gid.val);
	ti->euid = BPF_CORE_READ(t, cred, euid.val);
	ti->egid = BPF_CORE_READ(t, cred, egid.val);
	ti->suid = BPF_CORE_READ(t, cred, suid.val);
	ti->sgid = BPF_CORE_READ(t, cred, sgid.val);
	ti->fsuid = BPF_CORE_READ(t, cred, fsuid.val);
	ti->fsgid = BPF_CORE_READ(t, cred, fsgid.val);
	ti->securebits = BPF_CORE_READ(t, cred, securebits);
	ti->real_uid = BPF_CORE_READ(t, real_cred, uid.val);
	ti->user_uid = BPF_CORE_READ(t, cred, user, uid.val);
	ti->userns_level = BPF_CORE_READ(t, cred, user_ns, level);
	ti->cap_effective = BPF_CORE_READ(t, cred, cap_effective.val);
	ti->cap_permitted = BPF_CORE_READ(t, cred, cap_permitted.val);
	ti->cap_inheritable = BPF_CORE_READ(t, cred, cap_inheritable.val);

	mm = BPF_CORE_READ(t, mm);
	if (mm) {
		ti->total_vm = BPF_CORE_READ(mm, total_vm);
		ti->locked_vm = BPF_CORE_READ(mm, locked_vm);
		ti->pinned_vm = BPF_CORE_READ(mm, pinned_vm.counter);
		ti->data_vm = BPF_CORE_READ(mm, data_vm);
		ti->exec_vm = BPF_CORE_READ(mm, exec_vm);
		ti->stack_vm = BPF_CORE_READ(mm, stack_vm);
		ti->start_code = BPF_CORE_READ(mm, start_code);
		ti->end_code = BPF_CORE_READ(mm, end_code);
		ti->start_data = BPF_CORE_READ(mm, start_data);
		ti->end_data = BPF_CORE_READ(mm, end_data);
		ti->start_brk = BPF_CORE_READ(mm, start_brk);
		ti->brk = BPF_CORE_READ(mm, brk);
		ti->start_stack = BPF_CORE_READ(mm, start_stack);
		ti->arg_start = BPF_CORE_READ(mm, arg_start);
		ti->arg_end = BPF_CORE_READ(mm, arg_end);
		ti->env_start = BPF_CORE_READ(mm, env_start);
		ti->env_end = BPF_CORE_READ(mm, env_end);
		ti->hiwater_rss = BPF_CORE_READ(mm, hiwater_rss);
		ti->hiwater_vm = BPF_CORE_READ(mm, hiwater_vm);
		ti->def_flags = BPF_CORE_READ(mm, def_flags);
		ti->map_count = BPF_CORE_READ(mm, map_count);
		ti->mm_users = BPF_CORE_READ(mm, mm_users.counter);
		ti->mm_count = BPF_CORE_READ(mm, mm_count.counter);
		ti->exe_ino = BPF_CORE_READ(mm, exe_file, f_inode, i_ino);
		BPF_CORE_READ_STR_INTO(&ti->exe_name, mm, exe_file, f_path.dentry, d_name.name);
	}

	ti->max_fds = BPF_CORE_READ(t, files, fdt, max_fds);
	ti->next_fd = BPF_CORE_READ(t, files, next_fd);
	ti->fs_umask = BPF_CORE_READ(t, fs, umask);
	ti->fs_users = BPF_CORE_READ(t, fs, users);
	ti->fs_in_exec = BPF_CORE_READ(t, fs, in_exec);
	BPF_CORE_READ_STR_INTO(&ti->root_name, t, fs, root.dentry, d_name.name);
	BPF_CORE_READ_STR_INTO(&ti->pwd_name, t, fs, pwd.dentry, d_name.name);
	ti->pwd_mnt_flags = BPF_CORE_READ(t, fs, pwd.mnt, mnt_flags);

	BPF_CORE_READ_STR_INTO(&ti->nodename, t, nsproxy, uts_ns, name.nodename);
	ti->pidns_level = BPF_CORE_READ(t, nsproxy, pid_ns_for_children, level);
	ti->netns_inum = BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
	ti->utsns_inum = BPF_CORE_READ(t, nsproxy, uts_ns, ns.inum);
	ti->ipcns_inum = BPF_CORE_READ(t, nsproxy, ipc_ns, ns.inum);
	ti->mntns_inum = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	ti->cgroupns_inum = BPF_CORE_READ(t, nsproxy, cgroup_ns, ns.inum);

	ti->nr_threads = BPF_CORE_READ(t, signal, nr_threads);
	ti->oom_score_adj = BPF_CORE_READ(t, signal, oom_score_adj);
	ti->group_exit_code = BPF_CORE_READ(t, signal, group_exit_code);
	ti->session_leader = BPF_CORE_READ(t, signal, leader);
	ti->nofile_cur = BPF_CORE_READ(t, signal, rlim[RLIMIT_NOFILE].rlim_cur);
	ti->nofile_max = BPF_CORE_READ(t, signal, rlim[RLIMIT_NOFILE].rlim_max);
	ti->cgroup_id = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
	ti->cgroup_level = BPF_CORE_READ(t, cgroups, dfl_cgrp, level);
	ti->pid_level = BPF_CORE_READ(t, thread_pid, level);
	ti->pid_nr = BPF_CORE_READ(t, thread_pid, numbers[0].nr);

	ti->vruntime = BPF_CORE_READ(t, se.vruntime);
	ti->sum_exec_runtime = BPF_CORE_READ(t, se.sum_exec_runtime);
	ti->exec_start = BPF_CORE_READ(t, se.exec_start);
	ti->nr_migrations = BPF_CORE_READ(t, se.nr_migrations);
	ti->pcount = BPF_CORE_READ(t, sched_info.pcount);
	ti->run_delay = BPF_CORE_READ(t, sched_info.run_delay);

	// Accounting fields exist only with some config options.
	io = &t->ioac;
	if (bpf_core_field_exists(t->ioac)) {
		ti->read_bytes = BPF_CORE_READ(io, read_bytes);
		ti->write_bytes = BPF_CORE_READ(io, write_bytes);
		ti->rchar = BPF_CORE_READ(io, rchar);
		ti->wchar = BPF_CORE_READ(io, wchar);
		ti->syscr = BPF_CORE_READ(io, syscr);
		ti->syscw = BPF_CORE_READ(io, syscw);
	}
	if (bpf_core_field_exists(t->loginuid)) {
		ti->loginuid = BPF_CORE_READ(t, loginuid.val);
		ti->sessionid = BPF_CORE_READ(t, sessionid);
	}
}

static __always_inline void read_sock(struct sock_info *si, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct inet_sock *inet = (struct inet_sock *)sk;

	si->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	si->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	si->saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
	si->daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	si->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	si->dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	si->bound_dev_if = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);
	si->netns_inum = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	BPF_CORE_READ_INTO(&si->saddr6, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32);
	BPF_CORE_READ_INTO(&si->daddr6, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr32);
	si->type = BPF_CORE_READ(sk, sk_type);
	si->protocol = BPF_CORE_READ(sk, sk_protocol);
	si->rcvbuf = BPF_CORE_READ(sk, sk_rcvbuf);
	si->sndbuf = BPF_CORE_READ(sk, sk_sndbuf);
	si->wmem_queued = BPF_CORE_READ(sk, sk_wmem_queued);
	si->err = BPF_CORE_READ(sk, sk_err);
	si->priority = BPF_CORE_READ(sk, sk_priority);
	si->mark = BPF_CORE_READ(sk, sk_mark);
	si->ack_backlog = BPF_CORE_READ(sk, sk_ack_backlog);
	si->max_ack_backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
	si->uid = BPF_CORE_READ(sk, sk_uid.val);
	si->socket_ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	si->inet_sport = BPF_CORE_READ(inet, inet_sport);
	si->tos = BPF_CORE_READ(inet, tos);
	if (si->protocol != 6 /* IPPROTO_TCP */)
		return;
	si->srtt_us = BPF_CORE_READ(tp, srtt_us);
	si->snd_cwnd = BPF_CORE_READ(tp, snd_cwnd);
	si->rcv_wnd = BPF_CORE_READ(tp, rcv_wnd);
	si->snd_una = BPF_CORE_READ(tp, snd_una);
	si->snd_nxt = BPF_CORE_READ(tp, snd_nxt);
	si->rcv_nxt = BPF_CORE_READ(tp, rcv_nxt);
	si->total_retrans = BPF_CORE_READ(tp, total_retrans);
	si->mss_cache = BPF_CORE_READ(tp, mss_cache);
	si->segs_in = BPF_CORE_READ(tp, segs_in);
	si->segs_out = BPF_CORE_READ(tp, segs_out);
	si->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	si->bytes_received = BPF_CORE_READ(tp, bytes_received);
}

static __always_inline void read_skb(struct skb_info *ki, struct sk_buff *skb)
{
	ki->len = BPF_CORE_READ(skb, len);
	ki->data_len = BPF_CORE_READ(skb, data_len);
	ki->mac_len = BPF_CORE_READ(skb, mac_len);
	ki->hdr_len = BPF_CORE_READ(skb, hdr_len);
	ki->mark = BPF_CORE_READ(skb, mark);
	ki->priority = BPF_CORE_READ(skb, priority);
	ki->hash = BPF_CORE_READ(skb, hash);
	ki->iif = BPF_CORE_READ(skb, skb_iif);
	ki->protocol = BPF_CORE_READ(skb, protocol);
	ki->transport_header = BPF_CORE_READ(skb, transport_header);
	ki->network_header = BPF_CORE_READ(skb, network_header);
	ki->mac_header = BPF_CORE_READ(skb, mac_header);
	ki->queue_mapping = BPF_CORE_READ(skb, queue_mapping);
	ki->pkt_type = BPF_CORE_READ_BITFIELD_PROBED(skb, pkt_type);
	ki->tstamp = BPF_CORE_READ(skb, tstamp);
	ki->ifindex = BPF_CORE_READ(skb, dev, ifindex);
	ki->mtu = BPF_CORE_READ(skb, dev, mtu);
	ki->netns_inum = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
	BPF_CORE_READ_STR_INTO(&ki->devname, skb, dev, name);
}

static __always_inline void read_file(struct file_info *fi, struct file *f)
{
	fi->ino = BPF_CORE_READ(f, f_inode, i_ino);
	fi->size = BPF_CORE_READ(f, f_inode, i_size);
	fi->blocks = BPF_CORE_READ(f, f_inode, i_blocks);
	fi->nlink = BPF_CORE_READ(f, f_inode, __i_nlink);
	fi->mode = BPF_CORE_READ(f, f_inode, i_mode);
	fi->uid = BPF_CORE_READ(f, f_inode, i_uid.val);
	fi->gid = BPF_CORE_READ(f, f_inode, i_gid.val);
	fi->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	fi->pos = BPF_CORE_READ(f, f_pos);
	fi->flags = BPF_CORE_READ(f, f_flags);
	fi->fmode = BPF_CORE_READ(f, f_mode);
	BPF_CORE_READ_STR_INTO(&fi->name, f, f_path.dentry, d_name.name);
	BPF_CORE_READ_STR_INTO(&fi->parent_name, f, f_path.dentry, d_parent, d_name.name);
	BPF_CORE_READ_STR_INTO(&fi->fstype, f, f_inode, i_sb, s_type, name);
}

static __always_inline void read_request(struct request_info *ri, struct request *rq)
{
	ri->sector = BPF_CORE_READ(rq, __sector);
	ri->bytes = BPF_CORE_READ(rq, __data_len);
	ri->cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	ri->tag = BPF_CORE_READ(rq, tag);
	ri->start_ns = BPF_CORE_READ(rq, start_time_ns);
	ri->io_start_ns = BPF_CORE_READ(rq, io_start_time_ns);
	ri->dev = BPF_CORE_READ(rq, part, bd_dev);
	ri->minors = BPF_CORE_READ(rq, part, bd_disk, minors);
	ri->major = BPF_CORE_READ(rq, q, disk, major);
	ri->first_minor = BPF_CORE_READ(rq, q, disk, first_minor);
	BPF_CORE_READ_STR_INTO(&ri->disk, rq, q, disk, disk_name);
}

// --- programs ---

SEC("tp/sched/sched_process_exec")
int large_exec(void *ctx)
{
	struct event *ev = new_event(EV_EXEC);

	if (!ev)
		return 0;
	read_task(&ev->task, (struct task_struct *)bpf_get_current_task());
	submit(ev);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int large_exit(void *ctx)
{
	struct event *ev = new_event(EV_EXIT);

	if (!ev)
		return 0;
	read_task(&ev->task, (struct task_struct *)bpf_get_current_task());
	submit(ev);
	return 0;
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(large_fork, struct task_struct *parent, struct task_struct *child)
{
	struct event *ev = new_event(EV_FORK);

	if (!ev)
		return 0;
	read_task(&ev->task, parent);
	read_task(&ev->other, child);
	submit(ev);
	return 0;
}

SEC("kprobe/tcp_connect")
int BPF_KPROBE(large_connect, struct sock *sk)
{
	struct event *ev = new_event(EV_CONNECT);

	if (!ev)
		return 0;
	read_task(&ev->task, (struct task_struct *)bpf_get_current_task());
	read_sock(&ev->sock, sk);
	submit(ev);
	return 0;
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(large_accept, struct sock *sk)
{
	struct event *ev;

	if (!sk)
		return 0;
	ev = new_event(EV_ACCEPT);
	if (!ev)
		return 0;
	read_sock(&ev->sock, sk);
	submit(ev);
	return 0;
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(large_retransmit, struct sock *sk, struct sk_buff *skb)
{
	struct event *ev = new_event(EV_RETRANSMIT);

	if (!ev)
		return 0;
	read_sock(&ev->sock, sk);
	read_skb(&ev->skb, skb);
	submit(ev);
	return 0;
}

SEC("raw_tp/netif_receive_skb")
int BPF_PROG(large_receive, struct sk_buff *skb)
{
	struct event *ev = new_event(EV_RECV);

	if (!ev)
		return 0;
	read_skb(&ev->skb, skb);
	submit(ev);
	return 0;
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(large_read, struct file *file)
{
	struct event *ev = new_event(EV_READ);

	if (!ev)
		return 0;
	read_file(&ev->file, file);
	ev->task.pid = bpf_get_current_pid_tgid();
	submit(ev);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(large_block, struct request *rq)
{
	struct event *ev = new_event(EV_BLOCK);

	if (!ev)
		return 0;
	read_request(&ev->rq, rq);
	read_task(&ev->task, (struct task_struct *)bpf_get_current_task());
	submit(ev);
	return 0;
}
