// CO-RE for a whole object model: every linked program relocated in libbpf's
// order (the .BTF.ext CO-RE sections in order, records in order), "?"
// programs included unless a filter leaves them out.
import type { ObjectSpec, ProgramSpec } from "../obj/index.js";
import type { Btf } from "../btf/index.js";
import type { CoreTarget } from "./candidates.js";
import { type RelocatedPrograms, relocatePrograms } from "./programs.js";

export interface RelocateObjectOptions {
  /** Programs to relocate (libbpf relocates only autoloaded ones); default all. */
  programs?: (program: ProgramSpec) => boolean;
  /** Go on after a failure (for reports); default false, as libbpf. */
  keepGoing?: boolean;
}

/** Relocates the object's programs; `programs[i]` of the result is the i-th program kept. */
export function relocateObject(obj: ObjectSpec, target: CoreTarget | Btf, options: RelocateObjectOptions = {}): RelocatedPrograms {
  const programs = options.programs === undefined ? obj.programs : obj.programs.filter(options.programs);
  if (obj.btf === undefined) return { programs: programs.map((p) => ({ name: p.name, insns: p.insns.clone() })), fixups: [], error: undefined };
  const sectionRank = new Map<string, number>();
  (obj.btfExt?.coreRelos ?? []).forEach((s, i) => sectionRank.set(s.name, i));
  const sectionOf = new Map(obj.functions.map((f) => [f.name, f.section]));
  const sectionOrder = (fn: string) => sectionRank.get(sectionOf.get(fn) ?? "") ?? Number.MAX_SAFE_INTEGER;
  return relocatePrograms(programs, obj.btf, target, { sectionOrder, keepGoing: options.keepGoing ?? false, littleEndian: obj.littleEndian });
}
