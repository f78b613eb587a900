// Functions of the code sections (libbpf's bpf_object__add_programs): one per
// STT_FUNC symbol, validated against the ISA, sorted by section then offset so
// that the function holding an instruction is a binary search away.
import { AsmError, ObjectError } from "../errors.js";
import { asObjectError } from "./wrap.js";
import { decodeInsns, INSN_SIZE, type InsnBuffer } from "../asm/index.js";
import { type ElfFile, type ElfSymbol, STB, STT, STV } from "../elf/index.js";
import type { SectionTable } from "./sections.js";
import type { FunctionSpec } from "./types.js";

/** A function before its relocations are resolved. */
export type RawFunction = Omit<FunctionSpec, "relocations">;

export function collectFunctions(elf: ElfFile, table: SectionTable, symbols: readonly ElfSymbol[]): RawFunction[] {
  const out: RawFunction[] = [];
  for (const spec of table.list) {
    if (spec.kind !== "code" && spec.kind !== "text") continue;
    const section = elf.sections[spec.index]!;
    const bad = (message: string, offset: number, hint: string): never => {
      throw new ObjectError("OBJ_BAD_PROGRAM", `section '${section.name}' offset ${offset}: ${message}`, { section: section.name, offset, hint });
    };
    const found: RawFunction[] = [];
    for (const sym of symbols) {
      if (sym.sectionIndex !== spec.index || sym.type !== STT.FUNC) continue;
      if (sym.size === 0 || sym.size % INSN_SIZE !== 0 || sym.value % INSN_SIZE !== 0) {
        bad(`function '${sym.name}' (${sym.size} bytes at ${sym.value}) is not a whole number of instructions`, sym.value, "the symbol table is corrupt");
      }
      if (spec.kind === "code" && sym.bind === STB.LOCAL) {
        bad(`program '${sym.name}' is static`, sym.value, "libbpf loads only global functions from program sections; drop 'static' or move the function to .text");
      }
      const global = sym.bind !== STB.LOCAL;
      let insns: InsnBuffer;
      try {
        insns = decodeInsns(section.data.subarray(sym.value, sym.value + sym.size), { littleEndian: elf.littleEndian, section: section.name, baseOffset: sym.value });
      } catch (err) {
        if (!(err instanceof AsmError)) throw err;
        throw asObjectError(err, `function '${sym.name}': `, { section: section.name, program: sym.name });
      }
      found.push({
        name: sym.name,
        section: section.name,
        sectionIndex: spec.index,
        offset: sym.value / INSN_SIZE,
        length: sym.size / INSN_SIZE,
        global,
        hidden: global && (sym.visibility === STV.HIDDEN || sym.visibility === STV.INTERNAL),
        subprogram: spec.kind === "text",
        insns,
      });
    }
    found.sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < found.length; i++) {
      const prev = found[i - 1]!;
      const cur = found[i]!;
      if (cur.offset < prev.offset + prev.length) {
        bad(`functions '${prev.name}' and '${cur.name}' overlap`, cur.offset * INSN_SIZE, "each instruction belongs to one function; the symbol table is corrupt");
      }
    }
    out.push(...found);
  }
  return out;
}

/** The function of a section holding an instruction (section-relative index), or undefined. */
export function functionAt(functions: readonly RawFunction[], sectionIndex: number, insn: number): number {
  let lo = 0;
  let hi = functions.length - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo + 1) >> 1);
    const f = functions[mid]!;
    if (f.sectionIndex < sectionIndex || (f.sectionIndex === sectionIndex && f.offset <= insn)) lo = mid;
    else hi = mid - 1;
  }
  const f = functions[lo];
  return f !== undefined && f.sectionIndex === sectionIndex && insn >= f.offset && insn < f.offset + f.length ? lo : -1;
}
