// Attaching a program the way its section name says (libbpf's auto-attach),
// with the targets a name cannot carry (interface, cgroup...) as options.
import { arch } from "node:process";
import { CoreBpfError } from "../../errors.js";
import { BtfKind } from "../../btf/index.js";
import { kernelBtf } from "../btf-files.js";
import { type FdLike } from "../fd.js";
import { AttachType } from "../uapi.js";
import { attachCgroup } from "./cgroup.js";
import { type Attachment } from "./link.js";
import { attachKprobe } from "./kprobe.js";
import { attachNetns } from "./netns-link.js";
import { type NetnsRef } from "./netns.js";
import { attachPerfEvent, type PerfSamplingOptions } from "./perf-sampling.js";
import { closeSectionNames } from "../../obj/index.js";
import { type SectionInfo, parseSection } from "./sections.js";
import { attachSocketFilter, attachReuseport } from "./socket-filter.js";
import { attachTc } from "./tc.js";
import { attachRawTracepoint, attachTracepoint } from "./tracepoint.js";
import { attachIter, attachTracing } from "./tracing.js";
import { attachUprobe } from "./uprobe.js";
import { attachUsdt } from "./usdt.js";
import { type XdpMode, attachXdp } from "./xdp.js";

/** Targets a section name cannot carry. */
export interface SectionAttachOptions {
  /** xdp, tc: the interface (name or ifindex), in `netns` if given. */
  iface?: number | string;
  netns?: NetnsRef;
  xdpMode?: XdpMode;
  /** cgroup programs, sockops: the cgroup (path or fd). */
  cgroup?: string | FdLike;
  /** socket filters, sk_reuseport: the socket fd. */
  socket?: FdLike;
  /** perf_event programs: the sampling event (default cpu-clock at 1000 Hz on every CPU). */
  perfEvent?: PerfSamplingOptions;
  /** uprobes, USDT: only this process. */
  pid?: number;
}

/** The prefix of syscall entry points on this architecture (x86-64: __x64_sys_). */
function syscallPrefix(): string {
  const p = { x64: "__x64_sys_", arm64: "__arm64_sys_", s390x: "__s390x_sys_", riscv64: "__riscv_sys_", ia32: "__ia32_sys_", arm: "__arm_sys_", ppc64: "sys_", loong64: "sys_" }[arch as string];
  return p ?? "sys_";
}

/** The kernel function a ksyscall section names: the wrapper if the kernel has one, else sys_NAME. */
export function syscallFunction(name: string): string {
  const wrapped = syscallPrefix() + name;
  try {
    if (kernelBtf().find(wrapped, BtfKind.FUNC) !== undefined) return wrapped;
  } catch {
    // no kernel BTF: assume wrappers on architectures that have them
    return wrapped;
  }
  return `sys_${name}`;
}

/** A target the section name cannot carry (an interface, a cgroup...) was not given. */
function need(info: SectionInfo, what: string, option: string): never {
  throw new CoreBpfError("ATTACH_TARGET_NEEDED", `section '${info.section}' attaches to ${what}, which its name does not say`, { section: info.section, hint: `pass ${option}` });
}

/** The section name leaves out a part of the hook that attaching needs (tc direction, cgroup hook). */
function incomplete(info: SectionInfo, message: string, hint: string): never {
  throw new CoreBpfError("ATTACH_TARGET_NEEDED", `section '${info.section}' ${message}`, { section: info.section, hint });
}

/** Attaches `program` as its section name says; targets the name lacks come from `options`. */
export function attachSection(program: FdLike, section: string | SectionInfo, options: SectionAttachOptions = {}): Attachment {
  const info = typeof section === "string" ? parseSection(section) : section;
  if (info === undefined) {
    const close = closeSectionNames(String(section));
    throw new CoreBpfError("UNKNOWN_SECTION", `section '${String(section)}' is not a program section libbpf knows`, {
      section: String(section),
      ...(close.length > 0 ? { hint: `did you mean ${close.map((c) => `'${c}'`).join(", ")}?` } : {}),
    });
  }
  const auto = info.autoAttach;
  if (auto !== undefined) {
    switch (auto.kind) {
      case "tracepoint":
        return attachTracepoint(program, auto.tracepoint);
      case "raw_tracepoint":
        return attachRawTracepoint(program, auto.name);
      case "kprobe":
        return attachKprobe(program, auto.target, { retprobe: auto.retprobe });
      case "ksyscall":
        return attachKprobe(program, syscallFunction(auto.syscall), { retprobe: auto.retprobe });
      case "uprobe":
        return attachUprobe(program, auto.target, { retprobe: auto.retprobe, ...(options.pid === undefined ? {} : { pid: options.pid }) });
      case "usdt":
        return attachUsdt(program, auto.path, auto.provider, auto.name, options.pid === undefined ? {} : { pid: options.pid });
      case "tracing":
        return attachTracing(program, auto.tracing);
      case "iter":
        return attachIter(program);
    }
  }
  const type = info.expectedAttachType;
  switch (info.needs) {
    case "interface": {
      if (options.iface === undefined) need(info, "a network interface", "iface (and netns)");
      const base = options.netns === undefined ? {} : { netns: options.netns };
      if (info.definition.startsWith("xdp")) return attachXdp(program, options.iface, { ...base, ...(options.xdpMode === undefined ? {} : { mode: options.xdpMode }) });
      if (type === AttachType.TCX_INGRESS || type === AttachType.TCX_EGRESS) {
        return attachTc(program, options.iface, { ...base, direction: type === AttachType.TCX_INGRESS ? "ingress" : "egress" });
      }
      return incomplete(info, "does not say which direction (ingress or egress) of the tc hook it attaches to", "name it in the section (tc/ingress, tcx/egress...), or call attachTc with a direction");
    }
    case "cgroup":
      if (options.cgroup === undefined) need(info, "a cgroup", "cgroup");
      if (type === undefined) incomplete(info, "does not name the cgroup hook it attaches to", "name it in the section (cgroup_skb/ingress...), or call attachCgroup with an attach type");
      return attachCgroup(program, options.cgroup, type);
    case "netns":
      if (type !== AttachType.SK_LOOKUP && type !== AttachType.FLOW_DISSECTOR) need(info, "a network namespace", "netns");
      return attachNetns(program, type, options.netns);
    case "socket":
      if (options.socket === undefined) need(info, "a socket", "socket");
      return info.definition === "socket" ? attachSocketFilter(options.socket, program) : attachReuseport(options.socket, program);
    case "perf_event":
      return attachPerfEvent(program, options.perfEvent ?? {});
    case "target_name":
      return need(info, "a target", `a section naming it (${info.definition.replace("+", "")}/TARGET)`);
    default:
      throw new CoreBpfError("ATTACH_UNSUPPORTED", `section '${info.section}' cannot be attached by corebpf`, {
        hint: info.needs === "sockmap" ? "add the sockets to a sockmap and attach with progAttach(program, map, type)" : "kinds such as struct_ops, syscall, devmap/cpumap and multi-probes are used differently or not supported yet",
      });
  }
}
