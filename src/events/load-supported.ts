// Loading what this kernel can take, as libbpf-based tools do by hand
// (bpf_program__set_autoload(prog, false) for an fentry program where
// trampolines are missing, then load again): a program whose type or attach
// kind the kernel lacks is left out, reported, and the rest loads. Anything
// else (a verifier rejection of an ordinary program, a CO-RE failure) still
// fails the load.
import { CoreBpfError, NotSupportedError, PermissionError, SyscallError } from "../errors.js";
import { supports } from "../kernel/features/index.js";
import type { BpfObject } from "../kernel/loader/bpf-object.js";
import { hasBpfLsm, hasTrampolines } from "../kernel/loader/features.js";
import type { OpenedObject } from "../kernel/loader/object.js";
import { TRAMPOLINE_ATTACH } from "../kernel/loader/programs.js";
import type { LoadOptions, ProgramSettings } from "../kernel/loader/settings.js";
import { progTypeName } from "../kernel/flags.js";
import { AttachType, ProgType } from "../kernel/uapi.js";
import { SecFlag } from "../obj/index.js";

/** A program not loaded, or a map not created, because this kernel (or this loader) cannot take it. */
export interface SkippedPart {
  readonly kind: "program" | "map";
  readonly name: string;
  /** The program's ELF section, or the map's. */
  readonly section: string;
  readonly reason: string;
  /** The code of the load error that named it ("NOT_SUPPORTED", "ESRCH"...). */
  readonly code: string;
}

/** What the feature probes say this kernel lacks for the program, or undefined if it should load. */
function missingFeature(s: ProgramSettings): string | undefined {
  if (!supports.progType(s.type)) return `this kernel does not support ${progTypeName(s.type) ?? `type ${s.type}`} programs`;
  if ((s.type === ProgType.LSM || s.expectedAttachType === AttachType.LSM_MAC) && hasBpfLsm() === false) return "this kernel has no active BPF LSM";
  if ((s.type === ProgType.TRACING || s.type === ProgType.LSM) && TRAMPOLINE_ATTACH.has(s.expectedAttachType) && !hasTrampolines()) {
    return "this kernel cannot run fentry/fexit/fmod_ret/LSM programs (no BPF trampolines)";
  }
  return undefined;
}

/** The message without the "prog 'NAME': " prefix that loader errors start with. */
function reasonOf(err: CoreBpfError, name: string): string {
  const prefix = `prog '${name}': `;
  return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}

/** The programs (or maps) to leave out because of `err`, or undefined when `err` must fail the load. */
function partsToSkip(opened: OpenedObject, err: unknown): SkippedPart[] | undefined {
  if (!(err instanceof CoreBpfError)) return undefined;
  const name = err.where.program;
  const program = name === undefined ? undefined : opened.programs.find((p) => p.name === name && p.autoload);
  if (program !== undefined) {
    const skip = (reason: string): SkippedPart[] => [{ kind: "program", name: program.name, section: program.spec.section, reason, code: err.code }];
    if (err instanceof NotSupportedError) return skip(reasonOf(err, program.name));
    // A BTF-attached program (fentry, lsm, tp_btf...) whose target function this kernel does not have.
    if (!(err instanceof SyscallError) && err.code === "ESRCH" && (program.spec.sectionInfo?.flags ?? 0) & SecFlag.ATTACH_BTF) return skip(reasonOf(err, program.name));
    // A refusal (EINVAL, ENOTSUPP, a verifier log) that the probes put down to the
    // program's type or attach kind. Never a permission refusal: without a
    // privilege the probes fail too, and would call every program unsupported.
    const refused = err instanceof SyscallError && !(err instanceof PermissionError) && err.errno !== "EPERM" && err.errno !== "EACCES";
    const missing = refused ? missingFeature(program) : undefined;
    if (missing !== undefined) return skip(`${missing} (${reasonOf(err, program.name).split("\n", 1)[0]})`);
    return undefined;
  }
  if (err instanceof NotSupportedError && err.feature === "struct_ops") {
    // struct_ops maps: the loader cannot create them yet; their programs are then refused one by one.
    const maps = opened.maps.filter((m) => m.autocreate && m.spec.kind === "struct_ops");
    return maps.map((m) => ({ kind: "map", name: m.name, section: m.spec.section, reason: "struct_ops maps are not supported by this loader yet", code: err.code }));
  }
  return undefined;
}

/**
 * Loads `opened`, leaving out each program whose type or attach kind this
 * kernel lacks (autoload = false, then load again; a failed load leaves
 * nothing behind, so retrying is safe) and struct_ops maps. `skipped` says
 * what was left out and why.
 */
export async function loadSupported(opened: OpenedObject, options: LoadOptions = {}): Promise<{ object: BpfObject; skipped: SkippedPart[] }> {
  const skipped: SkippedPart[] = [];
  for (;;) {
    try {
      return { object: await opened.load(options), skipped };
    } catch (err) {
      const parts = partsToSkip(opened, err);
      // Nothing to leave out, or the same part again (options.autoload turned it back on): the error stands.
      if (parts === undefined || parts.length === 0 || parts.some((p) => skipped.some((s) => s.kind === p.kind && s.name === p.name))) throw err;
      for (const part of parts) {
        if (part.kind === "program") opened.program(part.name).autoload = false;
        else opened.map(part.name).autocreate = false;
      }
      skipped.push(...parts);
    }
  }
}
