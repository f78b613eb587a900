// How a program attaches, from its section name (SEC("...")): what it loads
// as comes from the object model's copy of libbpf's table (obj's
// sectionInfo); this file adds what the name says about attaching: an
// auto-attach target, or what else an attachment needs. Pure: a table and a
// parser.
import { SECTION_DEFS, SecFlag, sectionInfo } from "../../obj/index.js";
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

/** What a section entry of obj's table means for attaching; entries not listed here cannot be attached by corebpf. */
interface AttachDef {
  /** The part after "prefix/" is: a BTF target, an auto-attach target, or nothing. */
  target?: "btf" | "tp" | "raw_tp" | "kprobe" | "kretprobe" | "ksyscall" | "kretsyscall" | "uprobe" | "uretprobe" | "usdt";
  tracing?: TracingKind | "freplace" | "lsm_cgroup";
  needs?: AttachNeeds;
}

const kprobe: AttachDef = { target: "kprobe" };
const kretprobe: AttachDef = { target: "kretprobe" };
const uprobe: AttachDef = { target: "uprobe" };
const uretprobe: AttachDef = { target: "uretprobe" };
const usdt: AttachDef = { target: "usdt" };
const tp: AttachDef = { target: "tp" };
const rawTp: AttachDef = { target: "raw_tp" };
const btf = (tracing: AttachDef["tracing"], needs?: AttachNeeds): AttachDef => ({ target: "btf", tracing, ...(needs === undefined ? {} : { needs }) });
const iface: AttachDef = { needs: "interface" };
const cgroup: AttachDef = { needs: "cgroup" };
const sockmap: AttachDef = { needs: "sockmap" };

/** By the pattern of obj's SECTION_DEFS ("kprobe+", "xdp"...). */
const attachDefs: Readonly<Record<string, AttachDef>> = {
  socket: { needs: "socket" },
  "sk_reuseport/migrate": { needs: "socket" },
  sk_reuseport: { needs: "socket" },
  "kprobe+": kprobe,
  "uprobe+": uprobe,
  "uprobe.s+": uprobe,
  "kretprobe+": kretprobe,
  "uretprobe+": uretprobe,
  "uretprobe.s+": uretprobe,
  "ksyscall+": { target: "ksyscall" },
  "kretsyscall+": { target: "kretsyscall" },
  "usdt+": usdt,
  "usdt.s+": usdt,
  "tc/ingress": iface,
  "tc/egress": iface,
  "tcx/ingress": iface,
  "tcx/egress": iface,
  tc: iface,
  classifier: iface,
  "netkit/primary": iface,
  "netkit/peer": iface,
  "tracepoint+": tp,
  "tp+": tp,
  "raw_tracepoint+": rawTp,
  "raw_tp+": rawTp,
  "raw_tracepoint.w+": rawTp,
  "raw_tp.w+": rawTp,
  "tp_btf+": btf("tp_btf"),
  "fentry+": btf("fentry"),
  "fmod_ret+": btf("fmod_ret"),
  "fexit+": btf("fexit"),
  "fentry.s+": btf("fentry"),
  "fmod_ret.s+": btf("fmod_ret"),
  "fexit.s+": btf("fexit"),
  "freplace+": btf("freplace", "target_program"),
  "lsm+": btf("lsm"),
  "lsm.s+": btf("lsm"),
  "lsm_cgroup+": btf("lsm_cgroup", "cgroup"),
  "iter+": btf("iter"),
  "iter.s+": btf("iter"),
  "xdp.frags": iface,
  xdp: iface,
  perf_event: { needs: "perf_event" },
  sockops: cgroup,
  "sk_skb/stream_parser": sockmap,
  "sk_skb/stream_verdict": sockmap,
  "sk_skb/verdict": sockmap,
  sk_skb: sockmap,
  sk_msg: sockmap,
  flow_dissector: { needs: "netns" },
  "cgroup_skb/ingress": cgroup,
  "cgroup_skb/egress": cgroup,
  sk_lookup: { needs: "netns" },
};

/** Whether a pattern is one of the cgroup hooks ("cgroup/connect4"...): all attach to a cgroup. */
const isCgroupHook = (pattern: string): boolean => pattern.startsWith("cgroup/");

function autoAttachOf(def: AttachDef, rest: string): AutoAttach | undefined {
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
  const info = sectionInfo(section);
  if (info === undefined) return undefined;
  const { pattern, progType, flags } = info;
  const def = attachDefs[pattern] ?? (isCgroupHook(pattern) ? cgroup : {});
  const rest = info.attachTarget ?? "";
  const autoAttach = autoAttachOf(def, rest);
  // 0 is both "none" and BPF_CGROUP_INET_INGRESS: an attachable entry means the latter.
  const attachable = (flags & (SecFlag.ATTACHABLE | SecFlag.EXP_ATTACH_OPT)) !== 0;
  return {
    section,
    definition: pattern,
    progType,
    expectedAttachType: info.expectedAttachType !== 0 || attachable ? info.expectedAttachType : undefined,
    expectedAttachTypeOptional: (flags & SecFlag.EXP_ATTACH_OPT) !== 0,
    sleepable: (flags & SecFlag.SLEEPABLE) !== 0,
    xdpFrags: (flags & SecFlag.XDP_FRAGS) !== 0,
    btfTarget: def.target === "btf" && def.tracing !== undefined ? { kind: def.tracing, name: rest } : undefined,
    autoAttach,
    needs: autoAttach !== undefined ? "none" : (def.needs ?? (def.target !== undefined ? "target_name" : "unsupported")),
  };
}

/** Every section definition, in matching order (for help and documentation). */
export const sectionDefinitions: readonly string[] = SECTION_DEFS.map(([pattern]) => pattern);
