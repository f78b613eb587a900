// CO-RE over the linked programs of an object, in libbpf's order: each
// function's records once (subprograms included), .BTF.ext sections in order
// and records in order within them, one candidate cache for the object; each
// fixup is written into every linked program that contains the function.
// libbpf stops at the first failure; so does this unless asked to go on.
import type { InsnBuffer } from "../asm/index.js";
import type { Btf } from "../btf/index.js";
import { type CoreFixup, type CoreRelocation, CoreRelocationError, calculateFixups } from "./calculate.js";
import { CandidateCache, type CoreTarget } from "./candidates.js";
import { type PatchOutcome, applyFixup } from "./patch.js";

/** A CO-RE record of a linked program, as the object model gives it. */
export interface ProgramCoreRelocation extends CoreRelocation {
  /** The function the instruction belongs to, and the instruction's index inside it. */
  readonly function: string;
  readonly functionInsn: number;
  /** Index of the record in its .BTF.ext section (libbpf's "relo #N"). */
  readonly record: number;
}

/** What relocating needs of a linked program (the object model's ProgramSpec fits). */
export interface CoreProgramInput {
  readonly name: string;
  /** Linked instructions (not modified: each program gets a patched copy). */
  readonly insns: InsnBuffer;
  readonly coreRelocations: readonly ProgramCoreRelocation[];
}

export interface RelocateProgramsOptions {
  /**
   * Position of a function's .BTF.ext section among the CO-RE sections (the
   * order libbpf walks them in); default: order of first appearance.
   */
  sectionOrder?: (fn: string) => number;
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
  /** The patch outcome (on the function's first linked copy), or the error. */
  readonly outcome: PatchOutcome | CoreRelocationError | undefined;
}

export interface RelocatedPrograms {
  /** Patched copies, in the order given. */
  readonly programs: readonly { readonly name: string; readonly insns: InsnBuffer }[];
  /** Every record processed, in libbpf's order (up to the first failure unless keepGoing). */
  readonly fixups: readonly FunctionFixup[];
  /** The first failure, as libbpf would report it. */
  readonly error: CoreRelocationError | undefined;
}

interface Site {
  program: number;
  insn: number;
}

interface RecordEntry {
  fn: string;
  record: number;
  relo: CoreRelocation;
  sites: Site[];
}

/** Relocates every program; see the file comment for the order. */
export function relocatePrograms(programs: readonly CoreProgramInput[], local: Btf, target: CoreTarget | Btf, options: RelocateProgramsOptions = {}): RelocatedPrograms {
  const out = programs.map((p) => ({ name: p.name, insns: p.insns.clone() }));
  const records = new Map<string, RecordEntry>();
  const firstSeen = new Map<string, number>();
  programs.forEach((p, pi) => {
    for (const r of p.coreRelocations) {
      if (!firstSeen.has(r.function)) firstSeen.set(r.function, firstSeen.size);
      const key = `${r.function}\0${r.record}`;
      let entry = records.get(key);
      if (entry === undefined) {
        entry = { fn: r.function, record: r.record, relo: { insn: r.functionInsn, typeId: r.typeId, accessString: r.accessString, kind: r.kind }, sites: [] };
        records.set(key, entry);
      }
      entry.sites.push({ program: pi, insn: r.insn });
    }
  });
  const order = options.sectionOrder ?? ((fn: string) => firstSeen.get(fn)!);
  const sorted = [...records.values()].sort((a, b) => order(a.fn) - order(b.fn) || a.record - b.record || (a.fn < b.fn ? -1 : a.fn > b.fn ? 1 : 0));

  const cache = new CandidateCache(local, target);
  const fixups: FunctionFixup[] = [];
  let error: CoreRelocationError | undefined;
  for (const entry of sorted) {
    const calcOptions = { cache, program: entry.fn, numbers: [entry.record], ...(options.littleEndian === undefined ? {} : { littleEndian: options.littleEndian }) };
    const fixup = calculateFixups([entry.relo], local, target, calcOptions)[0]!;
    let outcome: PatchOutcome | CoreRelocationError | undefined;
    for (const site of entry.sites) {
      try {
        const done = applyFixup(out[site.program]!.insns, site.insn, fixup, { program: entry.fn, number: entry.record, insn: entry.relo.insn });
        outcome ??= done;
      } catch (err) {
        if (!(err instanceof CoreRelocationError)) throw err;
        outcome = err;
        break;
      }
    }
    fixups.push({ function: entry.fn, record: entry.record, fixup, outcome });
    if (outcome instanceof CoreRelocationError) {
      error ??= outcome;
      if (!options.keepGoing) break;
    }
  }
  return { programs: out, fixups, error };
}
