// Loading what this kernel can take, as libbpf-based tools do by hand
// (bpf_program__set_autoload(prog, false) for an fentry program where
// trampolines are missing, then load again): a program whose type or attach
// kind the kernel lacks is left out, reported, and the rest loads. Anything
// else (a verifier rejection of an ordinary program, a CO-RE failure) still
// fails the load.
import { CoreBpfError, NotSupportedError, SyscallError } from "../errors.js";
import type { BpfObject } from "../kernel/loader/bpf-object.js";
import type { OpenedObject } from "../kernel/loader/object.js";
import type { LoadOptions } from "../kernel/loader/settings.js";
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
    // The loader says which refusals are a missing kernel feature (the program type, trampolines, the BPF LSM).
    if (err instanceof NotSupportedError) return skip(reasonOf(err, program.name));
    // A BTF-attached program (fentry, lsm, tp_btf...) whose target function this kernel does not have.
    if (!(err instanceof SyscallError) && err.code === "ESRCH" && (program.spec.sectionInfo?.flags ?? 0) & SecFlag.ATTACH_BTF) return skip(reasonOf(err, program.name));
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
