// libbpf's program section names (SEC("...")): what each one loads as
// (program type, expected attach type, sleepable, BTF target) and how it
// attaches by itself, if it can. Pure: a table and a parser.
import { AttachType, ProgType } from "../uapi.js";
import { type TracingKind } from "./probes.js";

/** How a section attaches without more input from the user. */
export type AutoAttach =
  | { kind: "tracepoint"; tracepoint: string }
  | { kind: "raw_tracepoint"; name: string }
  | { kind: "kprobe"; target: string; retprobe: boolean }
  | { kind: "ksyscall"; syscall: string; retprobe: boolean }
  | { kind: "uprobe"; target: string; retprobe: boolean }
  | { kind: "usdt"; path: string; provider: string; name: string }
  | { kind: "tracing"; tracing: Exclude<TracingKind, "iter"> }
  | { kind: "iter" };

/**
 * What a section needs to be attached when its name alone does not say
 * where: an interface, a cgroup..., a target in the name ("target_name": a
 * bare "kprobe"), or "unsupported" (kinds corebpf does not attach yet, or
 * that are not attached at all: struct_ops, syscall, devmap programs...).
 * "none" when it attaches by itself.
 */
export type AttachNeeds = "interface" | "cgroup" | "netns" | "socket" | "perf_event" | "sockmap" | "target_program" | "target_name" | "unsupported" | "none";

/** A section name, understood. */
export interface SectionInfo {
  section: string;
  /** The table entry it matched ("kprobe+", "xdp"...). */
  definition: string;
  progType: number;
  /** The expected attach type to load with, if any. */
  expectedAttachType: number | undefined;
  /** libbpf sets it only when the kernel knows expected attach types for this program type (optional). */
  expectedAttachTypeOptional: boolean;
  /** Load with BPF_F_SLEEPABLE. */
  sleepable: boolean;
  /** Load with BPF_F_XDP_HAS_FRAGS. */
  xdpFrags: boolean;
  /** BTF-typed programs: the kind and target to resolve (tracingTarget) at load. */
  btfTarget: { kind: TracingKind | "freplace" | "lsm_cgroup"; name: string } | undefined;
  /** How it attaches by itself, or undefined (see `needs`). */
  autoAttach: AutoAttach | undefined;
  /** What else an attachment needs when there is no autoAttach. */
  needs: AttachNeeds;
}

interface Def {
  prefix: string;
  type: number;
  attach?: number;
  optional?: boolean;
  sleepable?: boolean;
  frags?: boolean;
  /** The part after "prefix/" is: a BTF target, an auto-attach target, or nothing. */
  target?: "btf" | "tp" | "raw_tp" | "kprobe" | "kretprobe" | "ksyscall" | "kretsyscall" | "uprobe" | "uretprobe" | "usdt";
  tracing?: TracingKind | "freplace" | "lsm_cgroup";
  needs?: AttachNeeds;
}

const P = ProgType;
const A = AttachType;

// In libbpf's order: the first match wins. A trailing "+" accepts "name" and "name/...".
const defs: readonly Def[] = [
  { prefix: "socket", type: P.SOCKET_FILTER, needs: "socket" },
  { prefix: "sk_reuseport/migrate", type: P.SK_REUSEPORT, attach: A.SK_REUSEPORT_SELECT_OR_MIGRATE, needs: "socket" },
  { prefix: "sk_reuseport", type: P.SK_REUSEPORT, attach: A.SK_REUSEPORT_SELECT, needs: "socket" },
  { prefix: "kprobe+", type: P.KPROBE, target: "kprobe" },
  { prefix: "uprobe+", type: P.KPROBE, target: "uprobe" },
  { prefix: "uprobe.s+", type: P.KPROBE, sleepable: true, target: "uprobe" },
  { prefix: "kretprobe+", type: P.KPROBE, target: "kretprobe" },
  { prefix: "uretprobe+", type: P.KPROBE, target: "uretprobe" },
  { prefix: "uretprobe.s+", type: P.KPROBE, sleepable: true, target: "uretprobe" },
  { prefix: "kprobe.multi+", type: P.KPROBE, attach: A.TRACE_KPROBE_MULTI, needs: "unsupported" },
  { prefix: "kretprobe.multi+", type: P.KPROBE, attach: A.TRACE_KPROBE_MULTI, needs: "unsupported" },
  { prefix: "kprobe.session+", type: P.KPROBE, attach: A.TRACE_KPROBE_SESSION, needs: "unsupported" },
  { prefix: "uprobe.multi+", type: P.KPROBE, attach: A.TRACE_UPROBE_MULTI, needs: "unsupported" },
  { prefix: "uretprobe.multi+", type: P.KPROBE, attach: A.TRACE_UPROBE_MULTI, needs: "unsupported" },
  { prefix: "uprobe.multi.s+", type: P.KPROBE, attach: A.TRACE_UPROBE_MULTI, sleepable: true, needs: "unsupported" },
  { prefix: "uretprobe.multi.s+", type: P.KPROBE, attach: A.TRACE_UPROBE_MULTI, sleepable: true, needs: "unsupported" },
  { prefix: "ksyscall+", type: P.KPROBE, target: "ksyscall" },
  { prefix: "kretsyscall+", type: P.KPROBE, target: "kretsyscall" },
  { prefix: "usdt+", type: P.KPROBE, target: "usdt" },
  { prefix: "usdt.s+", type: P.KPROBE, sleepable: true, target: "usdt" },
  { prefix: "tc/ingress", type: P.SCHED_CLS, attach: A.TCX_INGRESS, needs: "interface" },
  { prefix: "tc/egress", type: P.SCHED_CLS, attach: A.TCX_EGRESS, needs: "interface" },
  { prefix: "tcx/ingress", type: P.SCHED_CLS, attach: A.TCX_INGRESS, needs: "interface" },
  { prefix: "tcx/egress", type: P.SCHED_CLS, attach: A.TCX_EGRESS, needs: "interface" },
  { prefix: "tc", type: P.SCHED_CLS, needs: "interface" },
  { prefix: "classifier", type: P.SCHED_CLS, needs: "interface" },
  { prefix: "action", type: P.SCHED_ACT, needs: "unsupported" },
  { prefix: "netkit/primary", type: P.SCHED_CLS, attach: A.NETKIT_PRIMARY, needs: "interface" },
  { prefix: "netkit/peer", type: P.SCHED_CLS, attach: A.NETKIT_PEER, needs: "interface" },
  { prefix: "tracepoint+", type: P.TRACEPOINT, target: "tp" },
  { prefix: "tp+", type: P.TRACEPOINT, target: "tp" },
  { prefix: "raw_tracepoint+", type: P.RAW_TRACEPOINT, target: "raw_tp" },
  { prefix: "raw_tp+", type: P.RAW_TRACEPOINT, target: "raw_tp" },
  { prefix: "raw_tracepoint.w+", type: P.RAW_TRACEPOINT_WRITABLE, target: "raw_tp" },
  { prefix: "raw_tp.w+", type: P.RAW_TRACEPOINT_WRITABLE, target: "raw_tp" },
  { prefix: "tp_btf+", type: P.TRACING, attach: A.TRACE_RAW_TP, target: "btf", tracing: "tp_btf" },
  { prefix: "fentry+", type: P.TRACING, attach: A.TRACE_FENTRY, target: "btf", tracing: "fentry" },
  { prefix: "fmod_ret+", type: P.TRACING, attach: A.MODIFY_RETURN, target: "btf", tracing: "fmod_ret" },
  { prefix: "fexit+", type: P.TRACING, attach: A.TRACE_FEXIT, target: "btf", tracing: "fexit" },
  { prefix: "fentry.s+", type: P.TRACING, attach: A.TRACE_FENTRY, sleepable: true, target: "btf", tracing: "fentry" },
  { prefix: "fmod_ret.s+", type: P.TRACING, attach: A.MODIFY_RETURN, sleepable: true, target: "btf", tracing: "fmod_ret" },
  { prefix: "fexit.s+", type: P.TRACING, attach: A.TRACE_FEXIT, sleepable: true, target: "btf", tracing: "fexit" },
  { prefix: "freplace+", type: P.EXT, target: "btf", tracing: "freplace", needs: "target_program" },
  { prefix: "lsm+", type: P.LSM, attach: A.LSM_MAC, target: "btf", tracing: "lsm" },
  { prefix: "lsm.s+", type: P.LSM, attach: A.LSM_MAC, sleepable: true, target: "btf", tracing: "lsm" },
  { prefix: "lsm_cgroup+", type: P.LSM, attach: A.LSM_CGROUP, target: "btf", tracing: "lsm_cgroup", needs: "cgroup" },
  { prefix: "iter+", type: P.TRACING, attach: A.TRACE_ITER, target: "btf", tracing: "iter" },
  { prefix: "iter.s+", type: P.TRACING, attach: A.TRACE_ITER, sleepable: true, target: "btf", tracing: "iter" },
  { prefix: "syscall", type: P.SYSCALL, sleepable: true, needs: "unsupported" },
  { prefix: "xdp.frags/devmap", type: P.XDP, attach: A.XDP_DEVMAP, frags: true, needs: "unsupported" },
  { prefix: "xdp/devmap", type: P.XDP, attach: A.XDP_DEVMAP, needs: "unsupported" },
  { prefix: "xdp.frags/cpumap", type: P.XDP, attach: A.XDP_CPUMAP, frags: true, needs: "unsupported" },
  { prefix: "xdp/cpumap", type: P.XDP, attach: A.XDP_CPUMAP, needs: "unsupported" },
  { prefix: "xdp.frags", type: P.XDP, attach: A.XDP, frags: true, needs: "interface" },
  { prefix: "xdp", type: P.XDP, attach: A.XDP, optional: true, needs: "interface" },
  { prefix: "perf_event", type: P.PERF_EVENT, needs: "perf_event" },
  { prefix: "lwt_in", type: P.LWT_IN, needs: "unsupported" },
  { prefix: "lwt_out", type: P.LWT_OUT, needs: "unsupported" },
  { prefix: "lwt_xmit", type: P.LWT_XMIT, needs: "unsupported" },
  { prefix: "lwt_seg6local", type: P.LWT_SEG6LOCAL, needs: "unsupported" },
  { prefix: "sockops", type: P.SOCK_OPS, attach: A.CGROUP_SOCK_OPS, optional: true, needs: "cgroup" },
  { prefix: "sk_skb/stream_parser", type: P.SK_SKB, attach: A.SK_SKB_STREAM_PARSER, optional: true, needs: "sockmap" },
  { prefix: "sk_skb/stream_verdict", type: P.SK_SKB, attach: A.SK_SKB_STREAM_VERDICT, optional: true, needs: "sockmap" },
  { prefix: "sk_skb/verdict", type: P.SK_SKB, attach: A.SK_SKB_VERDICT, optional: true, needs: "sockmap" },
  { prefix: "sk_skb", type: P.SK_SKB, needs: "sockmap" },
  { prefix: "sk_msg", type: P.SK_MSG, attach: A.SK_MSG_VERDICT, optional: true, needs: "sockmap" },
  { prefix: "lirc_mode2", type: P.LIRC_MODE2, attach: A.LIRC_MODE2, optional: true, needs: "unsupported" },
  { prefix: "flow_dissector", type: P.FLOW_DISSECTOR, attach: A.FLOW_DISSECTOR, optional: true, needs: "netns" },
  { prefix: "cgroup_skb/ingress", type: P.CGROUP_SKB, attach: A.CGROUP_INET_INGRESS, optional: true, needs: "cgroup" },
  { prefix: "cgroup_skb/egress", type: P.CGROUP_SKB, attach: A.CGROUP_INET_EGRESS, optional: true, needs: "cgroup" },
  { prefix: "cgroup/skb", type: P.CGROUP_SKB, needs: "cgroup" },
  { prefix: "cgroup/sock_create", type: P.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_CREATE, needs: "cgroup" },
  { prefix: "cgroup/sock_release", type: P.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_RELEASE, needs: "cgroup" },
  { prefix: "cgroup/sock", type: P.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_CREATE, optional: true, needs: "cgroup" },
  { prefix: "cgroup/post_bind4", type: P.CGROUP_SOCK, attach: A.CGROUP_INET4_POST_BIND, needs: "cgroup" },
  { prefix: "cgroup/post_bind6", type: P.CGROUP_SOCK, attach: A.CGROUP_INET6_POST_BIND, needs: "cgroup" },
  { prefix: "cgroup/bind4", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_BIND, needs: "cgroup" },
  { prefix: "cgroup/bind6", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_BIND, needs: "cgroup" },
  { prefix: "cgroup/connect4", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_CONNECT, needs: "cgroup" },
  { prefix: "cgroup/connect6", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_CONNECT, needs: "cgroup" },
  { prefix: "cgroup/connect_unix", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_CONNECT, needs: "cgroup" },
  { prefix: "cgroup/sendmsg4", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP4_SENDMSG, needs: "cgroup" },
  { prefix: "cgroup/sendmsg6", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP6_SENDMSG, needs: "cgroup" },
  { prefix: "cgroup/sendmsg_unix", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_SENDMSG, needs: "cgroup" },
  { prefix: "cgroup/recvmsg4", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP4_RECVMSG, needs: "cgroup" },
  { prefix: "cgroup/recvmsg6", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP6_RECVMSG, needs: "cgroup" },
  { prefix: "cgroup/recvmsg_unix", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_RECVMSG, needs: "cgroup" },
  { prefix: "cgroup/getpeername4", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_GETPEERNAME, needs: "cgroup" },
  { prefix: "cgroup/getpeername6", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_GETPEERNAME, needs: "cgroup" },
  { prefix: "cgroup/getpeername_unix", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_GETPEERNAME, needs: "cgroup" },
  { prefix: "cgroup/getsockname4", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_GETSOCKNAME, needs: "cgroup" },
  { prefix: "cgroup/getsockname6", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_GETSOCKNAME, needs: "cgroup" },
  { prefix: "cgroup/getsockname_unix", type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_GETSOCKNAME, needs: "cgroup" },
  { prefix: "cgroup/sysctl", type: P.CGROUP_SYSCTL, attach: A.CGROUP_SYSCTL, needs: "cgroup" },
  { prefix: "cgroup/getsockopt", type: P.CGROUP_SOCKOPT, attach: A.CGROUP_GETSOCKOPT, needs: "cgroup" },
  { prefix: "cgroup/setsockopt", type: P.CGROUP_SOCKOPT, attach: A.CGROUP_SETSOCKOPT, needs: "cgroup" },
  { prefix: "cgroup/dev", type: P.CGROUP_DEVICE, attach: A.CGROUP_DEVICE, optional: true, needs: "cgroup" },
  { prefix: "struct_ops+", type: P.STRUCT_OPS, needs: "unsupported" },
  { prefix: "struct_ops.s+", type: P.STRUCT_OPS, sleepable: true, needs: "unsupported" },
  { prefix: "sk_lookup", type: P.SK_LOOKUP, attach: A.SK_LOOKUP, needs: "netns" },
  { prefix: "netfilter", type: P.NETFILTER, attach: A.NETFILTER, needs: "unsupported" },
];

/** The part after "prefix/" of a "+" definition ("" when the section is the bare name), or undefined if no match. */
function matchDef(def: Def, section: string): string | undefined {
  if (!def.prefix.endsWith("+")) return section === def.prefix ? "" : undefined;
  const base = def.prefix.slice(0, -1);
  if (section === base) return "";
  return section.startsWith(base + "/") ? section.slice(base.length + 1) : undefined;
}

function autoAttachOf(def: Def, rest: string): AutoAttach | undefined {
  if (rest === "" && def.target !== "btf") return undefined;
  switch (def.target) {
    case "tp":
      return { kind: "tracepoint", tracepoint: rest };
    case "raw_tp":
      return { kind: "raw_tracepoint", name: rest };
    case "kprobe":
    case "kretprobe":
      return { kind: "kprobe", target: rest, retprobe: def.target === "kretprobe" };
    case "ksyscall":
    case "kretsyscall":
      return { kind: "ksyscall", syscall: rest, retprobe: def.target === "kretsyscall" };
    case "uprobe":
    case "uretprobe":
      return { kind: "uprobe", target: rest, retprobe: def.target === "uretprobe" };
    case "usdt": {
      // PATH:PROVIDER:NAME, the path possibly holding ':' no more than libbpf allows.
      const parts = rest.split(":");
      if (parts.length !== 3 || parts.some((p) => p === "")) return undefined;
      return { kind: "usdt", path: parts[0]!, provider: parts[1]!, name: parts[2]! };
    }
    case "btf":
      if (def.tracing === "iter") return { kind: "iter" };
      if (def.tracing === "freplace" || def.tracing === "lsm_cgroup" || def.tracing === undefined) return undefined;
      return { kind: "tracing", tracing: def.tracing };
    default:
      return undefined;
  }
}

/** Understands a section name as libbpf does; undefined for names libbpf does not know. */
export function parseSection(section: string): SectionInfo | undefined {
  for (const def of defs) {
    const rest = matchDef(def, section);
    if (rest === undefined) continue;
    const autoAttach = autoAttachOf(def, rest);
    return {
      section,
      definition: def.prefix,
      progType: def.type,
      expectedAttachType: def.attach,
      expectedAttachTypeOptional: def.optional ?? false,
      sleepable: def.sleepable ?? false,
      xdpFrags: def.frags ?? false,
      btfTarget: def.target === "btf" && def.tracing !== undefined ? { kind: def.tracing, name: rest } : undefined,
      autoAttach,
      needs: autoAttach !== undefined ? "none" : (def.needs ?? (def.target !== undefined ? "target_name" : "unsupported")),
    };
  }
  return undefined;
}

/** Every section definition, in matching order (for help and documentation). */
export const sectionDefinitions: readonly string[] = defs.map((d) => d.prefix);
