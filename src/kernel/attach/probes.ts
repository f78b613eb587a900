// Attach features of the running kernel, probed once per process: perf links,
// tcx, the kprobe/uprobe PMUs and tracefs interfaces, BTF-based tracing.
import { existsSync, readFileSync } from "node:fs";
import { BtfKind } from "../../btf/index.js";
import { kernelBtf } from "../btf-files.js";
import { Errno, errnoName } from "../errno.js";
import { encodeInsns, exit, mov64Imm } from "../insns.js";
import { probeLoad } from "../features/probe-load.js";
import { Program } from "../program.js";
import { rawClose } from "../sys.js";
import { tracefsFileExists } from "../tracefs.js";
import { AttachType, ProgType } from "../uapi.js";
import { kernelVersionCode, runningKernelVersion } from "../version.js";
import { Link } from "./link.js";

const cache = new globalThis.Map<string, unknown>();
function once<T>(key: string, probe: () => T): T {
  if (cache.has(key)) return cache.get(key) as T;
  const value = probe();
  cache.set(key, value);
  return value;
}

const trivial = () => encodeInsns([mov64Imm(0, 0), exit()]);

/** LINK_CREATE of a trivial program on a target that cannot exist; the errno tells whether the kernel knows the attach type. */
function linkCreateErrno(progType: number, attachType: number, target: number, expectedAttachType?: number): number {
  let prog: Program;
  try {
    prog = Program.load({ type: progType, insns: trivial(), ...(expectedAttachType === undefined ? {} : { expectedAttachType }) });
  } catch {
    return Errno.EINVAL;
  }
  try {
    const r = Link.tryCreateFd(prog, target, attachType);
    if (r >= 0) rawClose(r);
    return r < 0 ? -r : 0;
  } finally {
    prog.close();
  }
}

/** BPF perf links (BPF_LINK_CREATE on a perf event, Linux 5.15): EBADF for a bad event fd instead of EINVAL. */
export function probePerfLink(): boolean {
  return once("perf_link", () => linkCreateErrno(ProgType.TRACEPOINT, AttachType.PERF_EVENT, 0xffffffff) === Errno.EBADF);
}

/** tcx links (Linux 6.6): ENODEV for ifindex 0 instead of EINVAL. */
export function probeTcx(): boolean {
  return once("tcx", () => linkCreateErrno(ProgType.SCHED_CLS, AttachType.TCX_INGRESS, 0) === Errno.ENODEV);
}

/** cgroup links (Linux 5.7): EBADF for a bad cgroup fd. */
export function probeCgroupLink(): boolean {
  return once("cgroup_link", () => linkCreateErrno(ProgType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS, 0xffffffff, AttachType.CGROUP_INET_INGRESS) === Errno.EBADF);
}

/** Whether the running kernel is at least major.minor (for features no errno tells apart). */
export function kernelAtLeast(major: number, minor: number): boolean {
  try {
    return runningKernelVersion() >= kernelVersionCode(major, minor, 0);
  } catch {
    return true;
  }
}

/** XDP links exist from Linux 5.9 (a missing device and an unknown attach type both give EINVAL). */
export function probeXdpLink(): boolean {
  return once("xdp_link", () => kernelAtLeast(5, 9));
}

/** A dynamic PMU (kprobe, uprobe): its perf type and where its retprobe bit is. */
export interface ProbePmu {
  type: number;
  /** Bit of perf_event_attr.config that makes a return probe. */
  retprobeBit: number;
  /** First bit of config holding the reference counter offset (uprobes with a semaphore), if the PMU has it. */
  refCtrOffsetShift: number | undefined;
}

export const PMU_DIR = "/sys/bus/event_source/devices";

function configBit(path: string): number | undefined {
  try {
    const m = /^config:(\d+)/.exec(readFileSync(path, "utf8").trim());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function readPmu(name: "kprobe" | "uprobe"): ProbePmu | undefined {
  const dir = `${PMU_DIR}/${name}`;
  if (!existsSync(`${dir}/type`)) return undefined;
  const type = Number(readFileSync(`${dir}/type`, "utf8").trim());
  if (!Number.isInteger(type)) return undefined;
  return { type, retprobeBit: configBit(`${dir}/format/retprobe`) ?? 0, refCtrOffsetShift: configBit(`${dir}/format/ref_ctr_offset`) };
}

/** The kprobe PMU (Linux 4.17, CONFIG_KPROBE_EVENTS), or undefined. */
export function probeKprobePmu(): ProbePmu | undefined {
  return once("kprobe_pmu", () => readPmu("kprobe"));
}

/** The uprobe PMU (Linux 4.17, CONFIG_UPROBE_EVENTS), or undefined. */
export function probeUprobePmu(): ProbePmu | undefined {
  return once("uprobe_pmu", () => readPmu("uprobe"));
}

/** tracefs kprobe_events (legacy kprobes); may mount tracefs. */
export function probeKprobeEvents(): boolean {
  return once("kprobe_events", () => tracefsFileExists("kprobe_events"));
}

/** tracefs uprobe_events (legacy uprobes); may mount tracefs. */
export function probeUprobeEvents(): boolean {
  return once("uprobe_events", () => tracefsFileExists("uprobe_events"));
}

/** BTF-based tracing attach kinds. */
export type TracingKind = "fentry" | "fexit" | "fmod_ret" | "lsm" | "iter" | "tp_btf";

/** What a tracing kind loads as: program type, expected attach type and how its BTF target is named. */
export const tracingKinds: Record<TracingKind, { progType: number; attachType: number; btfPrefix: string; btfKind: BtfKind; probeTarget: string }> = {
  fentry: { progType: ProgType.TRACING, attachType: AttachType.TRACE_FENTRY, btfPrefix: "", btfKind: BtfKind.FUNC, probeTarget: "bpf_fentry_test1" },
  fexit: { progType: ProgType.TRACING, attachType: AttachType.TRACE_FEXIT, btfPrefix: "", btfKind: BtfKind.FUNC, probeTarget: "bpf_fentry_test1" },
  fmod_ret: { progType: ProgType.TRACING, attachType: AttachType.MODIFY_RETURN, btfPrefix: "", btfKind: BtfKind.FUNC, probeTarget: "bpf_modify_return_test" },
  lsm: { progType: ProgType.LSM, attachType: AttachType.LSM_MAC, btfPrefix: "bpf_lsm_", btfKind: BtfKind.FUNC, probeTarget: "file_open" },
  iter: { progType: ProgType.TRACING, attachType: AttachType.TRACE_ITER, btfPrefix: "bpf_iter_", btfKind: BtfKind.FUNC, probeTarget: "task" },
  tp_btf: { progType: ProgType.TRACING, attachType: AttachType.TRACE_RAW_TP, btfPrefix: "btf_trace_", btfKind: BtfKind.TYPEDEF, probeTarget: "sched_switch" },
};

/** The verdict of a tracing probe: whether the kernel loads such programs, and why not. */
export interface TracingVerdict {
  ok: boolean;
  /** errno name of the refused load ("EPERM", "ENOTSUPP"...), "" when ok. */
  errno: string;
  /** Why not, in words, "" when ok. */
  reason: string;
}

function lockdownMode(): string | undefined {
  try {
    return /\[(\w+)\]/.exec(readFileSync("/sys/kernel/security/lockdown", "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

/** Explains a refused tracing load (shared with the load helper's errors). */
export function tracingRefusal(kind: TracingKind, errno: number): string {
  const lockdown = lockdownMode();
  switch (errno) {
    case Errno.ENOTSUPP:
    case Errno.EOPNOTSUPP:
      return `the kernel has no BPF trampoline for ${kind} on this architecture or configuration (needs CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS${kind === "lsm" ? " and CONFIG_BPF_LSM with 'bpf' in the lsm= list" : ""})`;
    case Errno.EPERM:
    case Errno.EACCES:
      return `the kernel refused ${kind} programs (${errnoName(errno)})${lockdown && lockdown !== "none" ? `; kernel lockdown is in '${lockdown}' mode (/sys/kernel/security/lockdown), the likely cause` : ": a security policy (lockdown, an LSM) forbids them"}`;
    case Errno.EINVAL:
      return `the kernel rejected ${kind} programs (EINVAL): too old, or the target is not attachable${kind === "lsm" ? " (is 'bpf' in /sys/kernel/security/lsm?)" : ""}`;
    default:
      return `the kernel refused ${kind} programs (${errnoName(errno)})`;
  }
}

/** Whether programs of a BTF-based tracing kind load on this kernel (a trivial program on a well-known target). */
export function probeTracing(kind: TracingKind): TracingVerdict {
  return once(`tracing:${kind}`, () => {
    const k = tracingKinds[kind];
    let btfId: number | undefined;
    try {
      btfId = kernelBtf().find(k.btfPrefix + k.probeTarget, k.btfKind);
    } catch {
      return { ok: false, errno: "ENOENT", reason: "the kernel has no BTF (/sys/kernel/btf/vmlinux), which BTF-based tracing needs (CONFIG_DEBUG_INFO_BTF)" };
    }
    if (btfId === undefined) return { ok: false, errno: "ENOENT", reason: `the kernel's BTF has no ${k.btfPrefix}${k.probeTarget} to probe ${kind} with` };
    const r = probeLoad(k.progType, [mov64Imm(0, 0), exit()], { expectedAttachType: k.attachType, attachBtfId: btfId });
    if (r.ok) return { ok: true, errno: "", reason: "" };
    return { ok: false, errno: errnoName(r.errno), reason: tracingRefusal(kind, r.errno) };
  });
}
