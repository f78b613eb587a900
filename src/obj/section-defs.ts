// libbpf's SEC() conventions (libbpf 1.8): which program type, expected attach
// type and load flags a program section name stands for. A name matches an
// entry exactly, or for a `+` entry also as `entry/anything` (the part after
// the slash is the attach target); entries are tried in order, first match
// wins. A leading `?` (autoload off) is removed before matching.
import { AttachType as A, ProgFlag, ProgType as P } from "./uapi.js";

/** Flags of a section definition (libbpf's sec_def_flags). */
export const SecFlag = {
  /** expected_attach_type may be dropped on kernels that do not take one. */
  EXP_ATTACH_OPT: 1,
  /** Historical: attachable with BPF_PROG_ATTACH. */
  ATTACHABLE: 2,
  /** The attach target is a BTF id the loader resolves from the name after '/'. */
  ATTACH_BTF: 4,
  /** Loaded with BPF_F_SLEEPABLE. */
  SLEEPABLE: 8,
  /** XDP program that handles multi-buffer packets (BPF_F_XDP_HAS_FRAGS). */
  XDP_FRAGS: 16,
  /** USDT: the loader switches to BPF_TRACE_UPROBE_MULTI where the kernel has it. */
  USDT: 32,
} as const;

const F = { ...SecFlag, ATTACHABLE_OPT: SecFlag.ATTACHABLE | SecFlag.EXP_ATTACH_OPT } as const;

/** One row of the table: section pattern, program type, expected attach type, SecFlag bits. */
export type SectionDefRow = readonly [pattern: string, progType: number, attachType: number, flags: number];

export const SECTION_DEFS: readonly SectionDefRow[] = [
  ["socket", P.SOCKET_FILTER, 0, 0],
  ["sk_reuseport/migrate", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT_OR_MIGRATE, F.ATTACHABLE],
  ["sk_reuseport", P.SK_REUSEPORT, A.SK_REUSEPORT_SELECT, F.ATTACHABLE],
  ["kprobe+", P.KPROBE, 0, 0],
  ["uprobe+", P.KPROBE, 0, 0],
  ["uprobe.s+", P.KPROBE, 0, F.SLEEPABLE],
  ["kretprobe+", P.KPROBE, 0, 0],
  ["uretprobe+", P.KPROBE, 0, 0],
  ["uretprobe.s+", P.KPROBE, 0, F.SLEEPABLE],
  ["kprobe.multi+", P.KPROBE, A.TRACE_KPROBE_MULTI, 0],
  ["kretprobe.multi+", P.KPROBE, A.TRACE_KPROBE_MULTI, 0],
  ["kprobe.session+", P.KPROBE, A.TRACE_KPROBE_SESSION, 0],
  ["uprobe.multi+", P.KPROBE, A.TRACE_UPROBE_MULTI, 0],
  ["uretprobe.multi+", P.KPROBE, A.TRACE_UPROBE_MULTI, 0],
  ["uprobe.session+", P.KPROBE, A.TRACE_UPROBE_SESSION, 0],
  ["uprobe.multi.s+", P.KPROBE, A.TRACE_UPROBE_MULTI, F.SLEEPABLE],
  ["uretprobe.multi.s+", P.KPROBE, A.TRACE_UPROBE_MULTI, F.SLEEPABLE],
  ["uprobe.session.s+", P.KPROBE, A.TRACE_UPROBE_SESSION, F.SLEEPABLE],
  ["ksyscall+", P.KPROBE, 0, 0],
  ["kretsyscall+", P.KPROBE, 0, 0],
  ["usdt+", P.KPROBE, 0, F.USDT],
  ["usdt.s+", P.KPROBE, 0, F.USDT | F.SLEEPABLE],
  ["tc/ingress", P.SCHED_CLS, A.TCX_INGRESS, 0],
  ["tc/egress", P.SCHED_CLS, A.TCX_EGRESS, 0],
  ["tcx/ingress", P.SCHED_CLS, A.TCX_INGRESS, 0],
  ["tcx/egress", P.SCHED_CLS, A.TCX_EGRESS, 0],
  ["tc", P.SCHED_CLS, 0, 0],
  ["classifier", P.SCHED_CLS, 0, 0],
  ["action", P.SCHED_ACT, 0, 0],
  ["netkit/primary", P.SCHED_CLS, A.NETKIT_PRIMARY, 0],
  ["netkit/peer", P.SCHED_CLS, A.NETKIT_PEER, 0],
  ["tracepoint+", P.TRACEPOINT, 0, 0],
  ["tp+", P.TRACEPOINT, 0, 0],
  ["tracepoint.s+", P.TRACEPOINT, 0, F.SLEEPABLE],
  ["tp.s+", P.TRACEPOINT, 0, F.SLEEPABLE],
  ["raw_tracepoint+", P.RAW_TRACEPOINT, 0, 0],
  ["raw_tp+", P.RAW_TRACEPOINT, 0, 0],
  ["raw_tracepoint.s+", P.RAW_TRACEPOINT, 0, F.SLEEPABLE],
  ["raw_tp.s+", P.RAW_TRACEPOINT, 0, F.SLEEPABLE],
  ["raw_tracepoint.w+", P.RAW_TRACEPOINT_WRITABLE, 0, 0],
  ["raw_tp.w+", P.RAW_TRACEPOINT_WRITABLE, 0, 0],
  ["tp_btf+", P.TRACING, A.TRACE_RAW_TP, F.ATTACH_BTF],
  ["tp_btf.s+", P.TRACING, A.TRACE_RAW_TP, F.ATTACH_BTF | F.SLEEPABLE],
  ["fentry+", P.TRACING, A.TRACE_FENTRY, F.ATTACH_BTF],
  ["fmod_ret+", P.TRACING, A.MODIFY_RETURN, F.ATTACH_BTF],
  ["fexit+", P.TRACING, A.TRACE_FEXIT, F.ATTACH_BTF],
  ["fentry.s+", P.TRACING, A.TRACE_FENTRY, F.ATTACH_BTF | F.SLEEPABLE],
  ["fmod_ret.s+", P.TRACING, A.MODIFY_RETURN, F.ATTACH_BTF | F.SLEEPABLE],
  ["fexit.s+", P.TRACING, A.TRACE_FEXIT, F.ATTACH_BTF | F.SLEEPABLE],
  ["fsession+", P.TRACING, A.TRACE_FSESSION, F.ATTACH_BTF],
  ["fsession.s+", P.TRACING, A.TRACE_FSESSION, F.ATTACH_BTF | F.SLEEPABLE],
  ["fsession.multi+", P.TRACING, A.TRACE_FSESSION_MULTI, 0],
  ["fsession.multi.s+", P.TRACING, A.TRACE_FSESSION_MULTI, F.SLEEPABLE],
  ["fentry.multi+", P.TRACING, A.TRACE_FENTRY_MULTI, 0],
  ["fexit.multi+", P.TRACING, A.TRACE_FEXIT_MULTI, 0],
  ["fentry.multi.s+", P.TRACING, A.TRACE_FENTRY_MULTI, F.SLEEPABLE],
  ["fexit.multi.s+", P.TRACING, A.TRACE_FEXIT_MULTI, F.SLEEPABLE],
  ["freplace+", P.EXT, 0, F.ATTACH_BTF],
  ["lsm+", P.LSM, A.LSM_MAC, F.ATTACH_BTF],
  ["lsm.s+", P.LSM, A.LSM_MAC, F.ATTACH_BTF | F.SLEEPABLE],
  ["lsm_cgroup+", P.LSM, A.LSM_CGROUP, F.ATTACH_BTF],
  ["iter+", P.TRACING, A.TRACE_ITER, F.ATTACH_BTF],
  ["iter.s+", P.TRACING, A.TRACE_ITER, F.ATTACH_BTF | F.SLEEPABLE],
  ["syscall", P.SYSCALL, 0, F.SLEEPABLE],
  ["xdp.frags/devmap", P.XDP, A.XDP_DEVMAP, F.XDP_FRAGS],
  ["xdp/devmap", P.XDP, A.XDP_DEVMAP, F.ATTACHABLE],
  ["xdp.frags/cpumap", P.XDP, A.XDP_CPUMAP, F.XDP_FRAGS],
  ["xdp/cpumap", P.XDP, A.XDP_CPUMAP, F.ATTACHABLE],
  ["xdp.frags", P.XDP, A.XDP, F.XDP_FRAGS],
  ["xdp", P.XDP, A.XDP, F.ATTACHABLE_OPT],
  ["perf_event", P.PERF_EVENT, 0, 0],
  ["lwt_in", P.LWT_IN, 0, 0],
  ["lwt_out", P.LWT_OUT, 0, 0],
  ["lwt_xmit", P.LWT_XMIT, 0, 0],
  ["lwt_seg6local", P.LWT_SEG6LOCAL, 0, 0],
  ["sockops", P.SOCK_OPS, A.CGROUP_SOCK_OPS, F.ATTACHABLE_OPT],
  ["sk_skb/stream_parser", P.SK_SKB, A.SK_SKB_STREAM_PARSER, F.ATTACHABLE_OPT],
  ["sk_skb/stream_verdict", P.SK_SKB, A.SK_SKB_STREAM_VERDICT, F.ATTACHABLE_OPT],
  ["sk_skb/verdict", P.SK_SKB, A.SK_SKB_VERDICT, F.ATTACHABLE_OPT],
  ["sk_skb", P.SK_SKB, 0, 0],
  ["sk_msg", P.SK_MSG, A.SK_MSG_VERDICT, F.ATTACHABLE_OPT],
  ["lirc_mode2", P.LIRC_MODE2, A.LIRC_MODE2, F.ATTACHABLE_OPT],
  ["flow_dissector", P.FLOW_DISSECTOR, A.FLOW_DISSECTOR, F.ATTACHABLE_OPT],
  ["cgroup_skb/ingress", P.CGROUP_SKB, A.CGROUP_INET_INGRESS, F.ATTACHABLE_OPT],
  ["cgroup_skb/egress", P.CGROUP_SKB, A.CGROUP_INET_EGRESS, F.ATTACHABLE_OPT],
  ["cgroup/skb", P.CGROUP_SKB, 0, 0],
  ["cgroup/sock_create", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, F.ATTACHABLE],
  ["cgroup/sock_release", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE, F.ATTACHABLE],
  ["cgroup/sock", P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE, F.ATTACHABLE_OPT],
  ["cgroup/post_bind4", P.CGROUP_SOCK, A.CGROUP_INET4_POST_BIND, F.ATTACHABLE],
  ["cgroup/post_bind6", P.CGROUP_SOCK, A.CGROUP_INET6_POST_BIND, F.ATTACHABLE],
  ["cgroup/bind4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_BIND, F.ATTACHABLE],
  ["cgroup/bind6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_BIND, F.ATTACHABLE],
  ["cgroup/connect4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT, F.ATTACHABLE],
  ["cgroup/connect6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_CONNECT, F.ATTACHABLE],
  ["cgroup/connect_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_CONNECT, F.ATTACHABLE],
  ["cgroup/sendmsg4", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_SENDMSG, F.ATTACHABLE],
  ["cgroup/sendmsg6", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_SENDMSG, F.ATTACHABLE],
  ["cgroup/sendmsg_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_SENDMSG, F.ATTACHABLE],
  ["cgroup/recvmsg4", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP4_RECVMSG, F.ATTACHABLE],
  ["cgroup/recvmsg6", P.CGROUP_SOCK_ADDR, A.CGROUP_UDP6_RECVMSG, F.ATTACHABLE],
  ["cgroup/recvmsg_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_RECVMSG, F.ATTACHABLE],
  ["cgroup/getpeername4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETPEERNAME, F.ATTACHABLE],
  ["cgroup/getpeername6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETPEERNAME, F.ATTACHABLE],
  ["cgroup/getpeername_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETPEERNAME, F.ATTACHABLE],
  ["cgroup/getsockname4", P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_GETSOCKNAME, F.ATTACHABLE],
  ["cgroup/getsockname6", P.CGROUP_SOCK_ADDR, A.CGROUP_INET6_GETSOCKNAME, F.ATTACHABLE],
  ["cgroup/getsockname_unix", P.CGROUP_SOCK_ADDR, A.CGROUP_UNIX_GETSOCKNAME, F.ATTACHABLE],
  ["cgroup/sysctl", P.CGROUP_SYSCTL, A.CGROUP_SYSCTL, F.ATTACHABLE],
  ["cgroup/getsockopt", P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT, F.ATTACHABLE],
  ["cgroup/setsockopt", P.CGROUP_SOCKOPT, A.CGROUP_SETSOCKOPT, F.ATTACHABLE],
  ["cgroup/dev", P.CGROUP_DEVICE, A.CGROUP_DEVICE, F.ATTACHABLE_OPT],
  ["struct_ops+", P.STRUCT_OPS, 0, 0],
  ["struct_ops.s+", P.STRUCT_OPS, 0, F.SLEEPABLE],
  ["sk_lookup", P.SK_LOOKUP, A.SK_LOOKUP, F.ATTACHABLE],
  ["netfilter", P.NETFILTER, A.NETFILTER, 0],
];

/** What a program's section name says about it. */
export interface SectionInfo {
  /** The table entry that matched, e.g. "kprobe+" or "xdp.frags". */
  readonly pattern: string;
  readonly progType: number;
  readonly expectedAttachType: number;
  /** SecFlag bits. */
  readonly flags: number;
  /** prog_flags the section implies (BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS). */
  readonly progFlags: number;
  /** For `+` entries, what follows the slash ("sched/sched_switch", "libc.so.6:malloc"); undefined without one. */
  readonly attachTarget: string | undefined;
}

function matches(pattern: string, name: string): boolean {
  const last = pattern.length - 1;
  if (pattern[last] === "/") return name.startsWith(pattern);
  if (pattern[last] === "+") {
    if (!name.startsWith(pattern.slice(0, last))) return false;
    return name.length === last || name[last] === "/";
  }
  return name === pattern;
}

/** The section definition for a section name (without its `?`), or undefined when libbpf knows no such name. */
export function sectionInfo(name: string): SectionInfo | undefined {
  for (const [pattern, progType, expectedAttachType, flags] of SECTION_DEFS) {
    if (!matches(pattern, name)) continue;
    let progFlags = 0;
    if (flags & SecFlag.SLEEPABLE) progFlags |= ProgFlag.SLEEPABLE;
    if (flags & SecFlag.XDP_FRAGS && progType === P.XDP) progFlags |= ProgFlag.XDP_HAS_FRAGS;
    const plus = pattern.endsWith("+");
    const attachTarget = plus && name.length > pattern.length - 1 ? name.slice(pattern.length) : undefined;
    return { pattern, progType, expectedAttachType, flags, progFlags, attachTarget };
  }
  return undefined;
}

/** Edit distance counting an adjacent transposition as one edit ("xpd" is 1 from "xdp"), bounded by `max` (max + 1 beyond it). */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2]! + 1);
      cur.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/** Edits a name of this length may be away from a suggestion: a typo, not another word ("foo" is 3 from "lsm"). */
const tolerance = (length: number): number => (length <= 4 ? 1 : length <= 12 ? 2 : 3);

/**
 * Known section names that `name` is probably a typo of: those at the least
 * edit distance, within a tolerance that grows with the length. Exact names
 * ("tc/ingress", "xdp") are compared with the whole of `name`; prefixes that
 * take a target ("kprobe+") with the part of `name` before its first '/'.
 */
export function closeSectionNames(name: string, limit = 4): string[] {
  const head = name.split("/", 1)[0]!;
  // [name, distance, 0 when compared whole: "tc/ingres" means "tc/ingress" rather than "tp"]
  const scored: [string, number, number][] = [];
  for (const [pattern] of SECTION_DEFS) {
    const prefix = pattern.endsWith("+");
    const plain = prefix ? pattern.slice(0, -1) : pattern;
    const subject = prefix ? head : name;
    const allowed = tolerance(Math.max(subject.length, plain.length));
    const d = distance(subject, plain, allowed);
    if (d <= allowed) scored.push([plain, d, prefix && subject !== name ? 1 : 0]);
  }
  scored.sort((a, b) => a[1] - b[1] || a[2] - b[2] || a[0].localeCompare(b[0]));
  const best = scored[0];
  const names = scored.filter(([, d, part]) => d === best?.[1] && part === best[2]).map(([n]) => n);
  return [...new Set(names)].slice(0, limit);
}
