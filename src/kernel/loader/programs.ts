// PROG_LOAD for each program to load, as libbpf's bpf_object_load_prog:
// func_info and line_info with the object BTF, license and kernel version,
// expected attach type (dropped where the kernel takes none and the section
// allows it; USDT switched to uprobe_multi where links exist), the BTF id of
// a BTF-attached program's target in vmlinux or a module, prog flags. A
// rejection becomes a VerifierError that names the C source line.
import type { InsnBuffer } from "../../asm/index.js";
import { BtfKind } from "../../btf/index.js";
import type { RelocatedPrograms } from "../../core/index.js";
import { CoreBpfError, NotSupportedError, PermissionError, SyscallError, VerifierError } from "../../errors.js";
import { SecFlag, type ObjectSpec, type ProgramSpec } from "../../obj/index.js";
import type { BtfHandle } from "../btf-handle.js";
import { supports } from "../features/index.js";
import { progTypeName } from "../flags.js";
import { Program, bindMap, type ProgramSpec as LoadSpec } from "../program.js";
import { LE } from "../sys.js";
import { AttachType, ProgType } from "../uapi.js";
import { runningKernelVersion } from "../version.js";
import { btfSupport, hasBpfLsm, hasTrampolines, hasUprobeMultiLink } from "./features.js";
import { hasBpfPrivilege } from "../privileges.js";
import type { KernelBtfs, ModuleBtf } from "./kernel-btfs.js";
import type { ProgramSettings } from "./settings.js";
import { withSourceLine } from "./verifier-source.js";
import type { Map as BpfMap } from "../map.js";

/** func_info records as the kernel takes them (insn_off in instructions). */
export function funcInfoBytes(p: ProgramSpec): Uint8Array {
  const size = p.funcInfoRecSize;
  const out = new Uint8Array(p.funcInfo.length * size);
  const v = new DataView(out.buffer);
  p.funcInfo.forEach((f, i) => {
    v.setUint32(i * size, f.insn, LE);
    v.setUint32(i * size + 4, f.typeId, LE);
  });
  return out;
}

/** line_info records (line_col packs the line number above a 10-bit column). */
export function lineInfoBytes(p: ProgramSpec): Uint8Array {
  const size = p.lineInfoRecSize;
  const out = new Uint8Array(p.lineInfo.length * size);
  const v = new DataView(out.buffer);
  p.lineInfo.forEach((l, i) => {
    const at = i * size;
    v.setUint32(at, l.insn, LE);
    v.setUint32(at + 4, l.fileNameOff, LE);
    v.setUint32(at + 8, l.lineOff, LE);
    v.setUint32(at + 12, ((l.lineNum << 10) | (l.lineCol & 0x3ff)) >>> 0, LE);
  });
  return out;
}

/** The BTF name and kind the kernel's attach target has (libbpf's btf_get_kernel_prefix_kind). */
function attachTargetName(attachType: number, name: string): { name: string; kind: BtfKind } {
  switch (attachType) {
    case AttachType.TRACE_RAW_TP:
      return { name: `btf_trace_${name}`, kind: BtfKind.TYPEDEF };
    case AttachType.LSM_MAC:
    case AttachType.LSM_CGROUP:
      return { name: `bpf_lsm_${name}`, kind: BtfKind.FUNC };
    case AttachType.TRACE_ITER:
      return { name: `bpf_iter_${name}`, kind: BtfKind.FUNC };
    default:
      return { name, kind: BtfKind.FUNC };
  }
}

/** attach_btf_id (and the module's BTF fd) for "tp_btf/x", "fentry/[module:]x", "lsm/x", "iter/x"... */
export function findAttachBtfId(s: ProgramSettings, kernel: KernelBtfs): { id: number; module: ModuleBtf | undefined } {
  const target = s.attachTarget;
  if (target === undefined || target === "") {
    throw new CoreBpfError("NO_ATTACH_TARGET", `prog '${s.name}': no BTF-based attach target is specified`, {
      program: s.name,
      hint: "name the target in the section (SEC(\"fentry/do_unlinkat\")) or set the program's attachTarget before load",
    });
  }
  const colon = target.indexOf(":");
  const module = colon < 0 ? undefined : target.slice(0, colon);
  const fn = colon < 0 ? target : target.slice(colon + 1);
  const want = attachTargetName(s.expectedAttachType, fn);
  if (module === undefined || module === "vmlinux") {
    const id = kernel.vmlinux().find(want.name, want.kind);
    if (id !== undefined) return { id, module: undefined };
  }
  for (const m of kernel.modules()) {
    if (module !== undefined && m.name !== module) continue;
    const id = m.btf.find(want.name, want.kind);
    if (id !== undefined && m.btf.isOwn(id)) return { id, module: m };
  }
  throw new CoreBpfError("ESRCH", `prog '${s.name}': failed to find kernel BTF type ID of '${target}'`, {
    program: s.name,
    hint: `the running kernel's BTF has no ${want.kind === BtfKind.TYPEDEF ? "typedef" : "function"} '${want.name}'${module === undefined ? "" : ` in module ${module}`}`,
  });
}

export interface LoadProgramsInput {
  obj: ObjectSpec;
  settings: readonly ProgramSettings[];
  /** Final instructions by program index (undefined for programs not loaded). */
  insns: readonly (InsnBuffer | undefined)[];
  relocated: RelocatedPrograms | undefined;
  btf: BtfHandle | undefined;
  kernel: KernelBtfs;
  fdArray: readonly number[];
  maps: readonly (BpfMap | undefined)[];
  /** Switch USDT programs to uprobe_multi where the kernel can (libbpf 1.8). */
  usdtUprobeMulti: boolean;
  /** Called with each program as soon as it is loaded (the caller owns it). */
  onLoaded: (index: number, program: Program, loadedAs: LoadSpec) => void;
}

function checkLoadable(s: ProgramSettings): void {
  if (s.type === ProgType.UNSPEC) {
    throw new CoreBpfError("NO_PROG_TYPE", `prog '${s.name}': missing BPF prog type, check ELF section name '${s.spec.section}'`, {
      program: s.name,
      hint: "set the program's type before load",
    });
  }
  if (s.type === ProgType.STRUCT_OPS) {
    throw new NotSupportedError("struct_ops", `prog '${s.name}': struct_ops programs are not supported by this loader yet`, {
      program: s.name,
      hint: "set autoload = false on it (and autocreate = false on its struct_ops map)",
    });
  }
  if (s.type === ProgType.EXT) {
    throw new NotSupportedError("freplace", `prog '${s.name}': freplace programs need a target program, which this loader cannot take yet`, { program: s.name });
  }
}

function loadSpec(input: LoadProgramsInput, i: number): LoadSpec {
  const s = input.settings[i]!;
  const p = s.spec;
  const info = p.sectionInfo;
  let expected = s.expectedAttachType;
  if (info && info.flags & SecFlag.EXP_ATTACH_OPT && !supports.misc("exp_attach_type")) expected = 0;
  if (info && info.flags & SecFlag.USDT && input.usdtUprobeMulti && hasUprobeMultiLink()) expected = AttachType.TRACE_UPROBE_MULTI;
  const spec: LoadSpec = {
    type: s.type,
    name: s.name,
    insns: input.insns[i]!.bytes,
    license: input.obj.license,
    expectedAttachType: expected,
    kernVersion: input.obj.kernelVersion ?? runningKernelVersion(),
    flags: s.flags,
  };
  if (input.fdArray.length > 0) spec.fdArray = input.fdArray;
  if (input.btf !== undefined && btfSupport().func && p.funcInfo.length > 0) {
    spec.btf = input.btf;
    spec.funcInfo = funcInfoBytes(p);
    spec.funcInfoRecSize = p.funcInfoRecSize;
    if (p.lineInfo.length > 0) {
      spec.lineInfo = lineInfoBytes(p);
      spec.lineInfoRecSize = p.lineInfoRecSize;
    }
  }
  if (info && info.flags & SecFlag.ATTACH_BTF) {
    const target = findAttachBtfId({ ...s, expectedAttachType: expected }, input.kernel);
    spec.attachBtfId = target.id;
    if (target.module !== undefined) spec.attachBtfObj = target.module.fd;
  }
  return spec;
}

/** Attach kinds that run through a BPF trampoline. */
const TRAMPOLINE_ATTACH: ReadonlySet<number> = new Set<number>([AttachType.TRACE_FENTRY, AttachType.TRACE_FEXIT, AttachType.MODIFY_RETURN, AttachType.LSM_MAC, AttachType.LSM_CGROUP]);

/**
 * A refusal that is really a missing kernel feature (the program type, BPF
 * trampolines, the BPF LSM) becomes a NotSupportedError. Never a permission
 * refusal without privilege: the feature probes fail then too.
 */
function explainRefusal(s: ProgramSettings, spec: LoadSpec, err: unknown): unknown {
  if (!(err instanceof SyscallError) || (err instanceof PermissionError && !hasBpfPrivilege())) return err;
  if (err.errno === "EPERM" || err.errno === "EACCES") {
    if (!(err instanceof PermissionError)) return err; // a privileged refusal of something else (a frozen map...)
  } else if (!supports.progType(s.type)) {
    const type = progTypeName(s.type) ?? `type ${s.type}`;
    return new NotSupportedError(`prog_type_${type}`, `prog '${s.name}': this kernel does not support ${type} programs`, { program: s.name, cause: err });
  }
  const attach = Number(spec.expectedAttachType ?? 0);
  if ((s.type === ProgType.LSM || attach === AttachType.LSM_MAC || attach === AttachType.LSM_CGROUP) && hasBpfLsm() === false) {
    return new NotSupportedError("bpf_lsm", `prog '${s.name}': this kernel has no active BPF LSM`, { program: s.name, cause: err, hint: "build with CONFIG_BPF_LSM and boot with lsm=...,bpf" });
  }
  if ((s.type === ProgType.TRACING || s.type === ProgType.LSM) && TRAMPOLINE_ATTACH.has(attach) && !hasTrampolines()) {
    return new NotSupportedError("bpf_trampoline", `prog '${s.name}': this kernel cannot run fentry/fexit/fmod_ret/LSM programs (even an empty fentry program is refused)`, {
      program: s.name,
      cause: err,
      hint: "BPF trampolines need CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS (x86-64) or the architecture's equivalent",
    });
  }
  return err;
}

/** Loads every program to load, in object order; the first failure throws. */
export function loadPrograms(input: LoadProgramsInput): void {
  const rodata = input.maps.filter((m, i): m is BpfMap => m !== undefined && input.obj.maps[i]!.kind === "rodata");
  input.settings.forEach((s, i) => {
    if (!s.autoload) return;
    checkLoadable(s);
    const spec = loadSpec(input, i);
    let program: Program;
    try {
      program = Program.load(spec, { logLevel: s.logLevel });
    } catch (err) {
      if (err instanceof VerifierError) throw withSourceLine(err, input.obj, s.spec, input.relocated);
      throw explainRefusal(s, spec, err);
    }
    input.onLoaded(i, program, spec);
    // libbpf binds .rodata to every program so that it outlives frozen-constant uses (failures ignored).
    for (const m of rodata) {
      try {
        bindMap(program, m);
      } catch {
        // older kernels: no BPF_PROG_BIND_MAP
      }
    }
  });
}
