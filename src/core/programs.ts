// CO-RE over the linked programs of an object, as bpf_object__relocate_core
// does it: every function's records once (subprograms included, used or
// not), in .BTF.ext order (sections in order, records in order within them),
// one candidate cache for the object, each record calculated then patched
// before the next; a fixup is then written into every linked program that
// contains the function. libbpf stops at the first failure; so does this
// unless asked to go on.
import type { InsnBuffer } from "../asm/index.js";
import type { Btf } from "../btf/index.js";
import { type CoreFixup, type CoreRelocation, CoreRelocationError, calculateFixups } from "./calculate.js";
import { CandidateCache, type CoreTarget } from "./candidates.js";
import { type PatchOutcome, applyFixup } from "./patch.js";

/** One .BTF.ext CO-RE record, placed in its function. */
export interface CoreRecord {
  /** The function (libbpf's bpf_program: entry program or subprogram) holding the instruction. */
  readonly function: string;
  /** Index of the record in its .BTF.ext section (libbpf's "relo #N"). */
  readonly record: number;
  /** The record, its instruction counted from the function's start. */
  readonly relo: CoreRelocation;
}

/** A linked program: its instructions and where each function sits in them (the object model's ProgramSpec fits). */
export interface CoreProgramInput {
  readonly name: string;
  /** Linked instructions (not modified: each program gets a patched copy). */
  readonly insns: InsnBuffer;
  readonly functions: readonly { readonly name: string; readonly start: number }[];
}

export interface RelocateProgramsOptions {
  /** A function's own instructions, patched first as libbpf patches them (also for functions no program uses). */
  functionInsns?: (fn: string) => InsnBuffer | undefined;
  /** Go on after a failure (for reports); default false, as libbpf. */
  keepGoing?: boolean;
  /** Byte order for bitfield shifts; default the local BTF's. */
  littleEndian?: boolean;
}

/** One record's result: the fixup and what writing it did. */
export interface FunctionFixup {
  readonly function: string;
  readonly record: number;
  readonly fixup: CoreFixup;
  /** The patch outcome, or the error; undefined when the function has no instructions to patch here. */
  readonly outcome: PatchOutcome | CoreRelocationError | undefined;
}

export interface RelocatedPrograms {
  /** Patched copies, in the order given. */
  readonly programs: readonly { readonly name: string; readonly insns: InsnBuffer }[];
  /** Every record processed, in order (up to the first failure unless keepGoing). */
  readonly fixups: readonly FunctionFixup[];
  /** The first failure, as libbpf would report it. */
  readonly error: CoreRelocationError | undefined;
}

/** Relocates `records` (in libbpf's order) into copies of `programs`. */
export function relocatePrograms(
  programs: readonly CoreProgramInput[],
  records: readonly CoreRecord[],
  local: Btf,
  target: CoreTarget | Btf,
  options: RelocateProgramsOptions = {},
): RelocatedPrograms {
  const out = programs.map((p) => ({ name: p.name, insns: p.insns.clone() }));
  // Where each function starts in each program.
  const sites = new Map<string, { program: number; start: number }[]>();
  programs.forEach((p, program) => {
    for (const f of p.functions) {
      const list = sites.get(f.name);
      if (list === undefined) sites.set(f.name, [{ program, start: f.start }]);
      else list.push({ program, start: f.start });
    }
  });
  const own = new Map<string, InsnBuffer | undefined>();
  const ownInsns = (fn: string) => {
    if (!own.has(fn)) own.set(fn, options.functionInsns?.(fn)?.clone());
    return own.get(fn);
  };

  const cache = new CandidateCache(local, target);
  const fixups: FunctionFixup[] = [];
  let error: CoreRelocationError | undefined;
  for (const r of records) {
    const calcOptions = { cache, program: r.function, numbers: [r.record], ...(options.littleEndian === undefined ? {} : { littleEndian: options.littleEndian }) };
    const fixup = calculateFixups([r.relo], local, target, calcOptions)[0]!;
    const ctx = { program: r.function, number: r.record, insn: r.relo.insn };
    const targets: [InsnBuffer, number][] = [];
    const mine = ownInsns(r.function);
    if (mine !== undefined) targets.push([mine, r.relo.insn]);
    for (const s of sites.get(r.function) ?? []) targets.push([out[s.program]!.insns, s.start + r.relo.insn]);
    let outcome: PatchOutcome | CoreRelocationError | undefined;
    if (targets.length === 0 && fixup.error !== undefined) outcome = fixup.error;
    for (const [insns, index] of targets) {
      try {
        const done = applyFixup(insns, index, fixup, ctx);
        outcome ??= done;
      } catch (err) {
        if (!(err instanceof CoreRelocationError)) throw err;
        outcome = err;
        break;
      }
    }
    fixups.push({ function: r.function, record: r.record, fixup, outcome });
    if (outcome instanceof CoreRelocationError) {
      error ??= outcome;
      if (!options.keepGoing) break;
    }
  }
  return { programs: out, fixups, error };
}
