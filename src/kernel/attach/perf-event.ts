// perf_event_open(2) with the perf_event_attr fields BPF attachments use,
// the ioctls that enable events and give them a program, and the choice
// between a BPF perf link (Linux 5.15+) and the ioctl path.
import { CoreBpfError, NotSupportedError } from "../../errors.js";
import { errnoMessage, errnoName, Errno } from "../errno.js";
import { Fd, type FdLike, fdOf } from "../fd.js";
import { LE, NativeBuffer, SYS, lastErrno, rawIoctl, rawSyscall, setU64 } from "../sys.js";
import { AttachType } from "../uapi.js";
import { type Attachment, Link, type Owned } from "./link.js";
import { LinkCreate } from "./attr.js";
import { probePerfLink } from "./probes.js";

/** perf_event_attr.type. */
export const PerfType = { HARDWARE: 0, SOFTWARE: 1, TRACEPOINT: 2, HW_CACHE: 3, RAW: 4, BREAKPOINT: 5 } as const;

/** perf_event_attr.config of PERF_TYPE_SOFTWARE events. */
export const PerfSoftware = {
  CPU_CLOCK: 0,
  TASK_CLOCK: 1,
  PAGE_FAULTS: 2,
  CONTEXT_SWITCHES: 3,
  CPU_MIGRATIONS: 4,
  PAGE_FAULTS_MIN: 5,
  PAGE_FAULTS_MAJ: 6,
  ALIGNMENT_FAULTS: 7,
  EMULATION_FAULTS: 8,
  DUMMY: 9,
  BPF_OUTPUT: 10,
} as const;

/** perf_event_attr.config of PERF_TYPE_HARDWARE events. */
export const PerfHardware = { CPU_CYCLES: 0, INSTRUCTIONS: 1, CACHE_REFERENCES: 2, CACHE_MISSES: 3, BRANCH_INSTRUCTIONS: 4, BRANCH_MISSES: 5, BUS_CYCLES: 6 } as const;

/** perf_event_attr.sample_type bits used by BPF users. */
export const PerfSample = { IP: 1 << 0, TID: 1 << 1, TIME: 1 << 2, ADDR: 1 << 3, READ: 1 << 4, CALLCHAIN: 1 << 5, ID: 1 << 6, CPU: 1 << 7, PERIOD: 1 << 8, RAW: 1 << 10 } as const;

const EMFILE = 24;

/** PERF_FLAG_FD_CLOEXEC. */
export const PERF_FLAG_FD_CLOEXEC = 8;

/** The ioctls of a perf event fd (x86-64/arm64 _IO/_IOW encodings). */
export const PerfIoctl = { ENABLE: 0x2400, DISABLE: 0x2401, SET_BPF: 0x40042408 } as const;

/** sizeof(struct perf_event_attr) with config3 (PERF_ATTR_SIZE_VER8). */
const ATTR_SIZE_VER8 = 136;
/** PERF_ATTR_SIZE_VER5: enough unless config3 is used (older kernels reject larger sizes with non-zero tails only). */
const ATTR_SIZE_VER5 = 112;

/** The perf_event_attr fields corebpf sets. */
export interface PerfEventSpec {
  type: number;
  config?: number | bigint;
  /** Sample every N events (exclusive with sampleFreq). */
  samplePeriod?: number | bigint;
  /** Sample N times a second (sets the freq bit). */
  sampleFreq?: number;
  sampleType?: number;
  wakeupEvents?: number;
  /** Start disabled (enable with PERF_EVENT_IOC_ENABLE). */
  disabled?: boolean;
  inherit?: boolean;
  excludeKernel?: boolean;
  excludeUser?: boolean;
  /** config1: kprobe_func / uprobe_path address, or a PMU's config1. */
  config1?: number | bigint;
  /** config2: probe offset or address. */
  config2?: number | bigint;
  config3?: number | bigint;
}

const Bit = { disabled: 0, inherit: 1, excludeUser: 4, excludeKernel: 5, freq: 10 } as const;

function put64(v: DataView, at: number, value: number | bigint | undefined): void {
  if (value === undefined) return;
  if (typeof value === "bigint") v.setBigUint64(at, BigInt.asUintN(64, value), LE);
  else setU64(v, at, value);
}

/** Encodes a perf_event_attr into `buf` and returns the size to pass. */
export function encodePerfEventAttr(spec: PerfEventSpec, buf: NativeBuffer): number {
  const v = buf.view;
  buf.bytes.fill(0, 0, ATTR_SIZE_VER8);
  const size = spec.config3 ? ATTR_SIZE_VER8 : ATTR_SIZE_VER5;
  v.setUint32(0, spec.type, LE);
  v.setUint32(4, size, LE);
  put64(v, 8, spec.config ?? 0);
  put64(v, 16, spec.sampleFreq ?? spec.samplePeriod ?? 0);
  put64(v, 24, spec.sampleType ?? 0);
  let flags = 0;
  if (spec.disabled) flags |= 1 << Bit.disabled;
  if (spec.inherit) flags |= 1 << Bit.inherit;
  if (spec.excludeUser) flags |= 1 << Bit.excludeUser;
  if (spec.excludeKernel) flags |= 1 << Bit.excludeKernel;
  if (spec.sampleFreq !== undefined) flags |= 1 << Bit.freq;
  setU64(v, 40, flags);
  v.setUint32(48, spec.wakeupEvents ?? 0, LE);
  put64(v, 56, spec.config1);
  put64(v, 64, spec.config2);
  put64(v, 128, spec.config3);
  return size;
}

/** perf_event_open failures with the errno, as a typed error. */
export class PerfEventError extends CoreBpfError {
  readonly errno: string;
  constructor(errno: number, message: string, hint?: string) {
    super(errnoName(errno), `${message}: ${errnoMessage(errno)} (${errnoName(errno)})`, hint === undefined ? {} : { hint });
    this.errno = errnoName(errno);
  }
}

/**
 * perf_event_open(attr, pid, cpu, groupFd, PERF_FLAG_FD_CLOEXEC). pid -1 with
 * a cpu: every task on that CPU; a pid with cpu -1: that task on any CPU.
 */
export function perfEventOpen(spec: PerfEventSpec, pid: number, cpu: number, what: string, groupFd = -1): Fd {
  using buf = NativeBuffer.alloc(ATTR_SIZE_VER8);
  encodePerfEventAttr(spec, buf);
  for (let attempt = 0; ; attempt++) {
    const fd = rawSyscall(SYS.perfEventOpen, buf.address, pid, cpu, groupFd, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) return new Fd(fd);
    const errno = lastErrno();
    if (errno === Errno.EINTR && attempt < 5) continue;
    throw new PerfEventError(errno, `${what}: perf_event_open`, perfOpenHint(errno));
  }
}

function perfOpenHint(errno: number): string | undefined {
  switch (errno) {
    case Errno.EACCES:
    case Errno.EPERM:
      return "needs root or CAP_PERFMON (see /proc/sys/kernel/perf_event_paranoid)";
    case Errno.ENOENT:
    case Errno.ENODEV:
      return "the event does not exist on this kernel or CPU";
    case Errno.ESRCH:
      return "no such process";
    case Errno.EINVAL:
      return "the kernel rejected the event's attributes (a probe's symbol or offset, the PMU's config bits)";
    case EMFILE:
      return "too many open files (ulimit -n)";
    default:
      return undefined;
  }
}

/** ioctl on a perf event fd; throws on failure. */
export function perfIoctl(fd: FdLike, request: number, arg: number, what: string): void {
  if (rawIoctl(fdOf(fd), request, arg) === 0) return;
  const errno = lastErrno();
  throw new PerfEventError(errno, `${what}: perf event ioctl 0x${request.toString(16)}`);
}

/**
 * A program attached to a perf event by ioctl (PERF_EVENT_IOC_SET_BPF), for
 * kernels without perf links: closing the event fd detaches the program.
 */
export class PerfEventAttachment implements Attachment {
  readonly kind: string;
  readonly event: Fd;
  #owned: Owned[];

  constructor(kind: string, event: Fd, owned: readonly Owned[] = []) {
    this.kind = kind;
    this.event = event;
    this.#owned = [...owned];
  }

  get closed(): boolean {
    return this.event.closed;
  }

  close(): void {
    if (!this.event.closed) {
      rawIoctl(this.event.raw, PerfIoctl.DISABLE, 0);
      this.event.close();
    }
    const owned = this.#owned;
    this.#owned = [];
    for (const o of owned) o.close();
  }

  detach(): void {
    this.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

export interface PerfAttachOptions {
  /** bpf_cookie, read by the program with bpf_get_attach_cookie() (links only). */
  cookie?: bigint | number;
  /** "link" (BPF_LINK_CREATE), "ioctl" (PERF_EVENT_IOC_SET_BPF), or "auto": a link where the kernel has perf links. */
  mode?: "auto" | "link" | "ioctl";
}

/**
 * Attaches `program` to an open perf event (taking ownership of `event` and
 * `owned`), through a BPF perf link where the kernel has them, else by ioctl.
 */
export function attachToPerfEvent(kind: string, program: FdLike, event: Fd, owned: readonly Owned[], options: PerfAttachOptions = {}): Link | PerfEventAttachment {
  const all = [event, ...owned];
  const mode = options.mode ?? "auto";
  try {
    if (mode === "link" || (mode === "auto" && probePerfLink())) {
      const cookie = options.cookie ?? 0;
      const fd = Link.createFd(program, event.value, AttachType.PERF_EVENT, {
        extra: (a) => a.u64(LinkCreate.perf_event_bpf_cookie, "perf_event.bpf_cookie", cookie),
        ctx: { object: kind, invalidHint: "the program type must match the event (tracepoint, kprobe/uprobe, perf_event)" },
      });
      const link = new Link(new Fd(fd), kind, all);
      try {
        perfIoctl(event, PerfIoctl.ENABLE, 0, kind);
      } catch (err) {
        link.close();
        throw err;
      }
      return link;
    }
    if (options.cookie) {
      throw new NotSupportedError("perf_link", `${kind}: a bpf_cookie needs a BPF perf link (Linux 5.15+)`, { hint: "attach without a cookie" });
    }
    perfIoctl(event, PerfIoctl.SET_BPF, fdOf(program), kind);
    perfIoctl(event, PerfIoctl.ENABLE, 0, kind);
    return new PerfEventAttachment(kind, event, owned);
  } catch (err) {
    if (!event.closed) for (const o of all) o.close();
    throw err;
  }
}
