// A live BPF program: BPF_PROG_LOAD with the verifier-log policy (first try
// without a log, on failure reload with a large log, grow it on ENOSPC), and
// BPF_PROG_TEST_RUN. LINK_CREATE/PROG_ATTACH belong to the attach layer,
// which takes `program.fd`.
import { CoreBpfError, NotSupportedError } from "../errors.js";
import { attr, ProgLoad } from "./attr.js";
import { bpfCall, bpfTry, getFdById } from "./bpf.js";
import { openPinnedFd } from "./bpffs.js";
import { KernelObject } from "./kernel-object.js";
import { bpfError, commandName } from "./bpf-error.js";
import { Errno } from "./errno.js";
import { Fd, type FdLike, fdOf } from "./fd.js";
import { type AttachTypeName, type ProgTypeName, attachTypeOf, progTypeName, progTypeOf } from "./flags.js";
import { programInfo, type ProgramInfo, type ProgramInfoOptions } from "./info.js";
import { objectNameBytes } from "./map-create.js";
import { probeProgType } from "./features/prog-types.js";
import { LE, NativeBuffer } from "./sys.js";
import { testRun, type TestRunOptions, type TestRunResult } from "./test-run.js";
import { Cmd, ProgType, type AttachType } from "./uapi.js";
import { FIRST_LOG_SIZE, logLines, nextLogSize, verifierError } from "./verifier-log.js";
import { runningKernelVersion } from "./version.js";

/** Everything BPF_PROG_LOAD takes. */
export interface ProgramSpec {
  /** ProgType.XDP or its bpftool name ("xdp"). */
  type: ProgType | ProgTypeName | number;
  /** Object name (at most 15 bytes of [A-Za-z0-9_.]). */
  name?: string;
  /** Instructions in host byte order, 8 bytes each. */
  insns: Uint8Array;
  /** License string; GPL-only helpers need a GPL-compatible one. Default "GPL". */
  license?: string;
  expectedAttachType?: AttachType | AttachTypeName | number;
  /** LINUX_VERSION_CODE for kprobes on kernels before 5.0; defaults to the running kernel's for kprobe programs. */
  kernVersion?: number;
  /** ProgFlags bits. */
  flags?: number;
  /** Offload device. */
  ifindex?: number;
  /** The program's BTF (needed for func_info/line_info). */
  btf?: FdLike;
  /** bpf_func_info records and their size (8 for the current ABI). */
  funcInfo?: Uint8Array;
  funcInfoRecSize?: number;
  /** bpf_line_info records and their size (16 for the current ABI). */
  lineInfo?: Uint8Array;
  lineInfoRecSize?: number;
  /** BTF id of the attach target (fentry/fexit/lsm/tp_btf/struct_ops). */
  attachBtfId?: number;
  /** Module BTF fd holding attachBtfId (vmlinux when omitted). */
  attachBtfObj?: FdLike;
  /** Program to attach to (freplace, or fentry on a BPF program). */
  attachProg?: FdLike;
  /** fds referenced by index from ld_imm64/kfunc calls (BPF_PSEUDO_MAP_IDX, module BTFs). */
  fdArray?: readonly number[];
}

export interface ProgramLoadOptions {
  /** Verifier log level for the first attempt (0: no log unless the load fails). */
  logLevel?: number;
  /** Log buffer size when a log is requested (default 1 MiB, grown on ENOSPC). */
  logSize?: number;
}

const utf8 = new TextEncoder();

interface LoadAttempt {
  fd: number;
  errno: number;
  log: string[];
}

/** Native copies of the spec's arrays, laid out once per load. */
class LoadBuffers {
  readonly buf: NativeBuffer;
  readonly insns: number;
  readonly license: number;
  readonly funcInfo: number;
  readonly lineInfo: number;
  readonly fdArray: number;

  constructor(spec: ProgramSpec) {
    const license = utf8.encode((spec.license ?? "GPL") + "\0");
    const fdArray = spec.fdArray ?? [];
    const parts = [spec.insns.length, license.length, spec.funcInfo?.length ?? 0, spec.lineInfo?.length ?? 0, fdArray.length * 4];
    const offsets: number[] = [];
    let total = 0;
    for (const p of parts) {
      offsets.push(total);
      total += Math.ceil(p / 8) * 8;
    }
    this.buf = NativeBuffer.alloc(total);
    const at = (i: number) => this.buf.address + offsets[i]!;
    this.buf.bytes.set(spec.insns, offsets[0]);
    this.buf.bytes.set(license, offsets[1]);
    if (spec.funcInfo) this.buf.bytes.set(spec.funcInfo, offsets[2]);
    if (spec.lineInfo) this.buf.bytes.set(spec.lineInfo, offsets[3]);
    fdArray.forEach((fd, i) => this.buf.view.setInt32(offsets[4]! + i * 4, fd, LE));
    this.insns = at(0);
    this.license = at(1);
    this.funcInfo = spec.funcInfo?.length ? at(2) : 0;
    this.lineInfo = spec.lineInfo?.length ? at(3) : 0;
    this.fdArray = fdArray.length ? at(4) : 0;
  }
}

function writeProgLoadAttr(spec: ProgramSpec, type: number, b: LoadBuffers, logLevel: number, log: NativeBuffer | undefined): void {
  const funcRec = spec.funcInfoRecSize ?? 8;
  const lineRec = spec.lineInfoRecSize ?? 16;
  const kernVersion = spec.kernVersion ?? (type === ProgType.KPROBE ? runningKernelVersion() : 0);
  attr
    .begin(ProgLoad.kern_version + 4)
    .u32(ProgLoad.prog_type, "prog_type", type)
    .u32(ProgLoad.insn_cnt, "insn_cnt", spec.insns.length / 8)
    .u64(ProgLoad.insns, "insns", b.insns)
    .u64(ProgLoad.license, "license", b.license)
    .u32(ProgLoad.log_level, "log_level", log ? logLevel : 0)
    .u32(ProgLoad.log_size, "log_size", log ? log.length : 0)
    .u64(ProgLoad.log_buf, "log_buf", log ? log.address : 0)
    .u32(ProgLoad.kern_version, "kern_version", kernVersion)
    .u32(ProgLoad.prog_flags, "prog_flags", spec.flags ?? 0)
    .name(ProgLoad.prog_name, "prog_name", objectNameBytes(spec.name))
    .u32(ProgLoad.prog_ifindex, "prog_ifindex", spec.ifindex ?? 0)
    .u32(ProgLoad.expected_attach_type, "expected_attach_type", spec.expectedAttachType === undefined ? 0 : attachTypeOf(spec.expectedAttachType))
    .u32(ProgLoad.prog_btf_fd, "prog_btf_fd", spec.btf === undefined ? 0 : fdOf(spec.btf))
    .u32(ProgLoad.attach_btf_id, "attach_btf_id", spec.attachBtfId ?? 0)
    .u64(ProgLoad.fd_array, "fd_array", b.fdArray);
  if (b.funcInfo) {
    attr
      .u32(ProgLoad.func_info_rec_size, "func_info_rec_size", funcRec)
      .u64(ProgLoad.func_info, "func_info", b.funcInfo)
      .u32(ProgLoad.func_info_cnt, "func_info_cnt", spec.funcInfo!.length / funcRec);
  }
  if (b.lineInfo) {
    attr
      .u32(ProgLoad.line_info_rec_size, "line_info_rec_size", lineRec)
      .u64(ProgLoad.line_info, "line_info", b.lineInfo)
      .u32(ProgLoad.line_info_cnt, "line_info_cnt", spec.lineInfo!.length / lineRec);
  }
  if (spec.attachProg !== undefined) attr.u32(ProgLoad.attach_prog_fd, "attach_prog_fd", fdOf(spec.attachProg));
  else if (spec.attachBtfObj !== undefined) attr.u32(ProgLoad.attach_btf_obj_fd, "attach_btf_obj_fd", fdOf(spec.attachBtfObj));
}

/** libbpf's PROG_LOAD_ATTEMPTS. */
const PROG_LOAD_ATTEMPTS = 5;

/** One BPF_PROG_LOAD; with `logSize` > 0 the log is captured and grown on ENOSPC. */
function attemptLoad(spec: ProgramSpec, type: number, b: LoadBuffers, logLevel: number, logSize: number): LoadAttempt {
  let size = logSize;
  for (;;) {
    const log = size > 0 ? NativeBuffer.alloc(size) : undefined;
    try {
      writeProgLoadAttr(spec, type, b, logLevel, log);
      // The verifier gives up with EAGAIN when a signal arrives (a profiler's SIGPROF, say): retry as libbpf does.
      let r = bpfTry(Cmd.PROG_LOAD);
      for (let tries = 1; r === -Errno.EAGAIN && tries < PROG_LOAD_ATTEMPTS; tries++) r = bpfTry(Cmd.PROG_LOAD);
      if (r >= 0) return { fd: r, errno: 0, log: log ? logLines(log.bytes) : [] };
      const errno = -r;
      if (log && errno === Errno.ENOSPC && size < 0x3fffffff) {
        size = nextLogSize(size, attr.getU32(ProgLoad.log_true_size));
        continue;
      }
      return { fd: -1, errno, log: log ? logLines(log.bytes) : [] };
    } finally {
      log?.free();
    }
  }
}

/** Failures that a verifier log cannot explain: reloading with a log is pointless. */
const notVerifierErrors = new Set<number>([Errno.EPERM, Errno.E2BIG, Errno.EBADF, Errno.ENOMEM, Errno.EFAULT]);

/** A BPF program in the kernel, owned by this object. */
export class Program extends KernelObject {
  readonly type: number;
  readonly name: string;
  /** The verifier log of the load, when one was requested (options.logLevel). */
  readonly verifierLog: readonly string[];

  private constructor(fd: Fd, type: number, name: string, log: readonly string[] = []) {
    super(fd);
    this.type = type;
    this.name = name;
    this.verifierLog = log;
  }

  /** Loads a program (BPF_PROG_LOAD); a rejection throws VerifierError with the whole log. */
  static load(spec: ProgramSpec, options: ProgramLoadOptions = {}): Program {
    const type = progTypeOf(spec.type);
    const name = spec.name ?? "";
    const what = `prog '${name}'`;
    if (spec.insns.length === 0 || spec.insns.length % 8 !== 0) {
      throw new CoreBpfError("BAD_PROGRAM", `${what}: instructions must be a non-empty multiple of 8 bytes, got ${spec.insns.length}`, { program: name });
    }
    const buffers = new LoadBuffers(spec);
    try {
      const wantLog = (options.logLevel ?? 0) > 0;
      let attempt = attemptLoad(spec, type, buffers, options.logLevel ?? 0, wantLog ? (options.logSize ?? FIRST_LOG_SIZE) : 0);
      if (attempt.fd < 0 && !wantLog && !notVerifierErrors.has(attempt.errno)) {
        attempt = attemptLoad(spec, type, buffers, 1, options.logSize ?? FIRST_LOG_SIZE);
      }
      if (attempt.fd >= 0) return new Program(new Fd(attempt.fd), type, name, attempt.log);
      throw Program.#explain(spec, type, what, attempt);
    } finally {
      buffers.buf.free();
    }
  }

  static #explain(spec: ProgramSpec, type: number, what: string, attempt: LoadAttempt): CoreBpfError {
    const { errno, log } = attempt;
    if (log.length > 0 && errno !== Errno.EPERM) {
      return verifierError(what, commandName(Cmd.PROG_LOAD), errno, log, { program: spec.name ?? "" });
    }
    const base = bpfError(Cmd.PROG_LOAD, errno, { object: what, program: spec.name ?? "", field: attr.field });
    if (errno === Errno.EINVAL || errno === Errno.ENOTSUPP) {
      try {
        if (!probeProgType(type)) {
          const tname = progTypeName(type) ?? String(type);
          return new NotSupportedError(`prog_type:${tname}`, `${what}: this kernel does not support ${tname} programs`, { cause: base, program: spec.name ?? "" });
        }
      } catch {
        return base;
      }
    }
    return base;
  }

  /** Wraps an fd (taking ownership), reading type and name from the kernel. */
  static fromFd(fd: Fd | number): Program {
    const owned = typeof fd === "number" ? new Fd(fd) : fd;
    try {
      const info = programInfo(owned.value);
      return new Program(owned, info.type, info.name);
    } catch (err) {
      owned.close();
      throw err;
    }
  }

  /** Opens the program with this id (BPF_PROG_GET_FD_BY_ID). */
  static fromId(id: number): Program {
    return Program.fromFd(new Fd(getFdById("prog", id)));
  }

  /** Opens the program pinned at `path` (WrongObjectTypeError when something else is pinned there). */
  static openPinned(path: string): Program {
    const prog = Program.fromFd(new Fd(openPinnedFd(path, "prog")));
    prog.pinnedPath = path;
    return prog;
  }

  override get label(): string {
    return `prog '${this.name}'`;
  }

  /** Runs the program once or `repeat` times on the given input (BPF_PROG_TEST_RUN). */
  testRun(options: TestRunOptions = {}): TestRunResult {
    return testRun(this.fd.value, this.label, options);
  }

  /** bpf_prog_info from the kernel, with the arrays asked for. */
  info(options: ProgramInfoOptions = {}): ProgramInfo {
    return programInfo(this.fd.value, options, { object: this.label });
  }

}

/** BPF_PROG_BIND_MAP: keeps `map` alive as long as the program (e.g. metadata maps). */
export function bindMap(program: FdLike, map: FdLike): void {
  attr.begin(12).u32(0, "prog_fd", fdOf(program)).u32(4, "map_fd", fdOf(map));
  attr.end = 12;
  bpfCall(Cmd.PROG_BIND_MAP, { object: "prog bind map" });
}
