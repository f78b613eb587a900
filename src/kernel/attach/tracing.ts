// BTF-based tracing: fentry, fexit, fmod_ret, lsm, tp_btf and iterators.
// These programs name their target at load time (a BTF id of the kernel), so
// this file also resolves targets and loads them, turning a kernel that
// refuses the kind into a NotSupportedError saying why.
import { CoreBpfError, NotSupportedError } from "../../errors.js";
import { attr } from "../attr.js";
import { bpfCall } from "../bpf.js";
import { kernelBtf } from "../btf-files.js";
import { errnoName, errnoNumber } from "../errno.js";
import { Fd, type FdLike, fdOf } from "../fd.js";
import { Program, type ProgramLoadOptions, type ProgramSpec } from "../program.js";
import { NativeBuffer, lastErrno, rawRead } from "../sys.js";
import { Cmd } from "../uapi.js";
import { IterCreate, LinkCreate } from "./attr.js";
import { Link } from "./link.js";
import { type TracingKind, probeTracing, tracingKinds, tracingRefusal } from "./probes.js";
import { rawTracepointOpen } from "./tracepoint.js";
import { SyscallError } from "../../errors.js";

/** What a tracing program is loaded with to reach `target`. */
export interface TracingTarget {
  kind: TracingKind;
  progType: number;
  expectedAttachType: number;
  /** BTF id in vmlinux of the function, LSM hook, iterator or btf_trace_ typedef. */
  attachBtfId: number;
}

/**
 * Resolves a tracing target in the kernel's BTF: a function for fentry/fexit/
 * fmod_ret, an LSM hook ("file_open" or "bpf_lsm_file_open"), an iterator
 * ("task"), a tracepoint for tp_btf ("sched_switch").
 */
export function tracingTarget(kind: TracingKind, target: string): TracingTarget {
  const k = tracingKinds[kind];
  if (k === undefined) throw new CoreBpfError("BAD_ARGUMENT", `unknown tracing kind '${kind}'`, { hint: `one of ${Object.keys(tracingKinds).join(", ")}` });
  const name = target.startsWith(k.btfPrefix) ? target : k.btfPrefix + target;
  const id = kernelBtf().find(name, k.btfKind);
  if (id === undefined) {
    throw new CoreBpfError("BTF_TARGET_NOT_FOUND", `${kind} target '${target}': no ${name} in the kernel's BTF`, {
      hint: kind === "tp_btf" ? "the tracepoint does not exist, or is in a module (module targets are not resolved yet)" : "the function does not exist, is inlined, or is in a module (module targets are not resolved yet)",
    });
  }
  return { kind, progType: k.progType, expectedAttachType: k.attachType, attachBtfId: id };
}

/** Throws a NotSupportedError naming why, unless programs of this kind load on this kernel. */
export function requireTracing(kind: TracingKind): void {
  const v = probeTracing(kind);
  if (!v.ok) throw new NotSupportedError(kind, `${kind} programs are not supported here: ${v.reason}`);
}

/**
 * Loads a tracing program for `target`. When the kernel refuses, the probe
 * decides: a kernel that refuses every program of the kind gives a
 * NotSupportedError naming the reason; otherwise the load's own error.
 */
export function loadTracing(kind: TracingKind, target: string, spec: Omit<ProgramSpec, "type" | "expectedAttachType" | "attachBtfId">, options: ProgramLoadOptions = {}): Program {
  const t = tracingTarget(kind, target);
  try {
    return Program.load({ ...spec, type: t.progType, expectedAttachType: t.expectedAttachType, attachBtfId: t.attachBtfId }, options);
  } catch (err) {
    const v = probeTracing(kind);
    if (!v.ok) {
      const errno = err instanceof SyscallError ? err.errnoNumber : (errnoNumber(v.errno) ?? 0);
      throw new NotSupportedError(kind, `${kind} '${target}': ${tracingRefusal(kind, errno)}`, { cause: err, program: spec.name ?? "" });
    }
    throw err;
  }
}

export interface TracingAttachOptions {
  /** bpf_cookie (BPF_LINK_CREATE; Linux 5.19+). */
  cookie?: bigint | number;
}

/**
 * Attaches a loaded fentry/fexit/fmod_ret/lsm/tp_btf program to the target
 * it was loaded for: BPF_LINK_CREATE with a cookie, else
 * BPF_RAW_TRACEPOINT_OPEN without a name (every kernel with these programs).
 */
export function attachTracing(program: FdLike, kind: Exclude<TracingKind, "iter">, options: TracingAttachOptions = {}): Link {
  if (options.cookie) {
    const k = tracingKinds[kind];
    return Link.create(kind, program, 0, k.attachType, {
      extra: (a) => a.u64(LinkCreate.tracing_cookie, "tracing.cookie", options.cookie ?? 0),
      ctx: { object: kind },
    });
  }
  return rawTracepointOpen(kind, program, undefined);
}

/** What an iterator walks: a map's elements, a cgroup hierarchy, a task's files/vmas. */
export interface IterOptions {
  /** bpf_map_elem, bpf_sk_storage_map, ... iterators: the map. */
  map?: FdLike;
  /** cgroup iterators: the cgroup (fd) and the walk order (BPF_CGROUP_ITER_*). */
  cgroup?: { fd: FdLike; order?: number };
  /** task/task_file/task_vma iterators: one thread (tid), one process (pid) or a pidfd. */
  task?: { tid?: number; pid?: number; pidFd?: FdLike };
}

/** Creates an iterator link (LINK_CREATE with BPF_TRACE_ITER and its bpf_iter_link_info). */
export function attachIter(program: FdLike, options: IterOptions = {}): Link {
  using info = NativeBuffer.alloc(16);
  const v = info.view;
  let used = 0;
  if (options.map !== undefined) {
    v.setUint32(0, fdOf(options.map), true);
    used = 4;
  } else if (options.cgroup !== undefined) {
    v.setUint32(0, options.cgroup.order ?? 0, true);
    v.setUint32(4, fdOf(options.cgroup.fd), true);
    used = 16;
  } else if (options.task !== undefined) {
    v.setUint32(0, options.task.tid ?? 0, true);
    v.setUint32(4, options.task.pid ?? 0, true);
    v.setUint32(8, options.task.pidFd === undefined ? 0 : fdOf(options.task.pidFd), true);
    used = 12;
  }
  return Link.create("iter", program, 0, tracingKinds.iter.attachType, {
    extra: (a) => {
      if (used > 0) a.u64(LinkCreate.iter_info, "iter_info", info.address).u32(LinkCreate.iter_info_len, "iter_info_len", used);
    },
    ctx: { object: "iter", invalidHint: "the program must be loaded for an iterator target (tracingTarget('iter', ...))" },
  });
}

/** BPF_ITER_CREATE: a readable fd running the iterator once from the start. */
export function iterCreate(link: Link): Fd {
  attr.begin(8).u32(IterCreate.link_fd, "link_fd", link.fd.value);
  attr.end = 8;
  return new Fd(bpfCall(Cmd.ITER_CREATE, { object: link.label }));
}

/** Runs the iterator once and returns everything it wrote (bpf_seq_printf/bpf_seq_write). */
export function readIter(link: Link, maxBytes = 1 << 26): Uint8Array {
  using fd = iterCreate(link);
  using buf = NativeBuffer.alloc(1 << 16);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const n = rawRead(fd.value, buf.address, buf.length);
    if (n < 0) {
      const errno = lastErrno();
      if (errno === 4) continue; // EINTR
      throw new SyscallError(errnoName(errno), errno, `${link.label}: reading the iterator failed (${errnoName(errno)})`);
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw new CoreBpfError("ITER_TOO_LARGE", `${link.label}: the iterator wrote more than ${maxBytes} bytes`);
    chunks.push(buf.bytes.slice(0, n));
  }
  return Buffer.concat(chunks, total);
}
