// CO-RE for a whole object model: the .BTF.ext records placed in their
// functions (records in no function are skipped, as libbpf skips those of
// eliminated weak subprograms), then relocatePrograms over the linked
// programs, "?" programs included unless a filter leaves them out.
import type { InsnBuffer } from "../asm/index.js";
import type { Btf } from "../btf/index.js";
import type { FunctionSpec, ObjectSpec, ProgramSpec } from "../obj/index.js";
import type { CoreTarget } from "./candidates.js";
import { type CoreRecord, type RelocatedPrograms, relocatePrograms } from "./programs.js";

export interface RelocateObjectOptions {
  /** Programs to relocate (libbpf relocates only autoloaded ones); default all. Subprograms are always relocated. */
  programs?: (program: ProgramSpec) => boolean;
  /** Go on after a failure (for reports); default false, as libbpf. */
  keepGoing?: boolean;
}

/** The object's CO-RE records in libbpf's order, each in its function's frame. */
export function coreRecords(obj: ObjectSpec, keep: (fn: FunctionSpec) => boolean = () => true): CoreRecord[] {
  const btf = obj.btf;
  if (btf === undefined || obj.btfExt === undefined) return [];
  const bySection = new Map<string, FunctionSpec[]>();
  for (const f of obj.functions) {
    const list = bySection.get(f.section);
    if (list === undefined) bySection.set(f.section, [f]);
    else list.push(f);
  }
  const out: CoreRecord[] = [];
  for (const s of obj.btfExt.coreRelos) {
    const functions = bySection.get(s.name) ?? [];
    for (let k = 0; k < s.count; k++) {
      const insn = s.insnOff[k]! / 8;
      const fn = functions.find((f) => insn >= f.offset && insn < f.offset + f.length);
      if (fn === undefined || !keep(fn)) continue;
      out.push({
        function: fn.name,
        record: k,
        relo: { insn: insn - fn.offset, typeId: s.typeId[k]!, accessString: btf.string(s.accessStrOff[k]!), kind: s.kind[k]! },
      });
    }
  }
  return out;
}

/** Relocates the object's programs; `programs[i]` of the result is the i-th program kept. */
export function relocateObject(obj: ObjectSpec, target: CoreTarget | Btf, options: RelocateObjectOptions = {}): RelocatedPrograms {
  const filter = options.programs;
  const programs = filter === undefined ? obj.programs : obj.programs.filter(filter);
  if (obj.btf === undefined) return { programs: programs.map((p) => ({ name: p.name, insns: p.insns.clone() })), fixups: [], error: undefined };
  const excluded = new Set(filter === undefined ? [] : obj.programs.filter((p) => !filter(p)).map((p) => p.name));
  const records = coreRecords(obj, (fn) => fn.subprogram || !excluded.has(fn.name));
  const functions = new Map<string, InsnBuffer>(obj.functions.map((f) => [f.name, f.insns]));
  return relocatePrograms(programs, records, obj.btf, target, {
    functionInsns: (fn) => functions.get(fn),
    keepGoing: options.keepGoing ?? false,
    littleEndian: obj.littleEndian,
  });
}
