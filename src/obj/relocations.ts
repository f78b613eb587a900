// Instruction relocations of the code sections (libbpf's
// bpf_program__record_reloc), resolved to what each instruction refers to: a
// map, a global variable, an extern, or another function. Calls between
// functions of one section carry no relocation; they are found by scanning.
import { ObjectError } from "../errors.js";
import { CALL, CLASS, JMP, LDIMM64 } from "../asm/index.js";
import { type ElfFile, type ElfSymbol, R_BPF, SHN, SHT, STB, STT } from "../elf/index.js";
import { isExternSymbol } from "./externs.js";
import { type RawFunction, functionAt } from "./functions.js";
import type { SectionTable } from "./sections.js";
import type { ExternSpec, InsnRelocation, MapSpec } from "./types.js";
import { ARENA_SECTION } from "./arena.js";
import { MapType } from "./uapi.js";

const CALL_CODE = CLASS.JMP | JMP.CALL;

/** One function's relocations, and for calls/callbacks the index of the function they reach. */
export interface FunctionRelocations {
  readonly list: InsnRelocation[];
  /** Target function index by instruction (function-relative), for "call" and "callback". */
  readonly targets: Map<number, number>;
}

/** libbpf's insn_is_subprog_call: a BPF_CALL with src_reg BPF_PSEUDO_CALL, dst 0, off 0. */
export function isSubprogCall(f: RawFunction, i: number): boolean {
  const b = f.insns;
  return b.code(i) === CALL_CODE && b.src(i) === CALL.PSEUDO_CALL && b.dst(i) === 0 && b.off(i) === 0;
}

const isSubprogSymbol = (sym: ElfSymbol, text: number): boolean =>
  sym.sectionIndex === text && text !== 0 && ((sym.bind === STB.LOCAL && sym.type === STT.SECTION) || ((sym.bind === STB.GLOBAL || sym.bind === STB.WEAK) && sym.type === STT.FUNC));

interface Inputs {
  elf: ElfFile;
  table: SectionTable;
  symbols: readonly ElfSymbol[];
  functions: readonly RawFunction[];
  maps: readonly MapSpec[];
  externs: readonly ExternSpec[];
}

export function resolveRelocations(inp: Inputs): FunctionRelocations[] {
  const out: FunctionRelocations[] = inp.functions.map(() => ({ list: [], targets: new Map() }));
  const codeKinds = new Set(inp.table.list.filter((s) => s.kind === "code" || s.kind === "text").map((s) => s.index));
  for (const s of inp.table.list) {
    if (s.kind !== "relocations" || !codeKinds.has(s.target!)) continue;
    const relSection = inp.elf.sections[s.index]!;
    const target = inp.elf.sections[s.target!]!;
    if (relSection.type === SHT.RELA) {
      throw new ObjectError("OBJ_BAD_RELOCATION", `section '${s.name}': RELA relocations for code are not supported`, { section: s.name, offset: relSection.offset, hint: "clang writes REL sections for BPF; libbpf ignores RELA" });
    }
    for (const rel of inp.elf.relocations(s.target!)) {
      if (rel.section !== relSection) continue;
      const sym = inp.symbols[rel.symbolIndex]!;
      const symName = sym.type === STT.SECTION && sym.name === "" ? (inp.elf.sections[sym.sectionIndex]?.name ?? "") : sym.name;
      const bad = (message: string, hint: string): never => {
        throw new ObjectError("OBJ_BAD_RELOCATION", `section '${s.name}' relocation ${rel.entry} (${target.name}+${rel.offset}, symbol '${symName}'): ${message}`, {
          section: s.name,
          offset: relSection.offset + rel.entry * relSection.entsize,
          relo: rel.entry,
          hint,
        });
      };
      if (rel.offset % 8 !== 0) bad("offset is not on an instruction boundary", "the relocation entry is corrupt");
      const fi = functionAt(inp.functions, s.target!, rel.offset / 8);
      // libbpf skips relocations outside every function (overridden weak functions).
      if (fi < 0) continue;
      const f = inp.functions[fi]!;
      const insn = rel.offset / 8 - f.offset;
      if (rel.type !== R_BPF.R_64_64 && rel.type !== R_BPF.R_64_32) bad(`relocation type ${rel.type} is not R_BPF_64_64 or R_BPF_64_32`, "instructions take 64_64 (ldimm64) and 64_32 (call) relocations only");
      const r = classify(inp, f, insn, sym, symName, bad);
      out[fi]!.list.push(r.reloc);
      if (r.target !== undefined) out[fi]!.targets.set(insn, r.target);
    }
  }
  // Calls inside one section need no relocation: the imm is already relative.
  inp.functions.forEach((f, fi) => {
    const rels = out[fi]!;
    const seen = new Set(rels.list.map((r) => r.insn));
    const bytes = f.insns.bytes;
    for (let i = 0; i < f.length; i++) {
      const code = bytes[i * 8]!;
      if (code === LDIMM64) i++;
      if (code !== CALL_CODE || !isSubprogCall(f, i) || seen.has(i)) continue;
      const t = textFunction(inp, f.offset + i + f.insns.imm(i) + 1);
      if (t < 0) {
        throw new ObjectError("OBJ_BAD_RELOCATION", `function '${f.name}' insn ${i}: call to instruction ${f.offset + i + f.insns.imm(i) + 1} of .text, where no function starts`, {
          section: f.section, offset: (f.offset + i) * 8, program: f.name, insn: i, hint: "subprograms live in .text",
        });
      }
      rels.list.push({ kind: "call", insn: i, target: inp.functions[t]!.name });
      rels.targets.set(i, t);
    }
    rels.list.sort((a, b) => a.insn - b.insn);
  });
  return out;
}

function textFunction(inp: Inputs, insn: number): number {
  return inp.table.text === 0 ? -1 : functionAt(inp.functions, inp.table.text, insn);
}

type Bad = (message: string, hint: string) => never;

function classify(inp: Inputs, f: RawFunction, i: number, sym: ElfSymbol, symName: string, bad: Bad): { reloc: InsnRelocation; target?: number } {
  const code = f.insns.code(i);
  const isCall = code === CALL_CODE;
  if (!isCall && code !== LDIMM64) bad(`instruction ${i} (opcode 0x${code.toString(16)}) is neither ldimm64 nor call`, "only those instructions take relocations");
  if (isExternSymbol(sym)) {
    const ext = inp.externs.findIndex((e) => e.symbolIndex === sym.index);
    if (ext < 0) bad(`no extern declared for '${symName}'`, "declare it with __kconfig or __ksym");
    const e = inp.externs[ext]!;
    if (isCall) return { reloc: { kind: "kfunc", insn: i, extern: ext } };
    if (e.kind === "ksym") return { reloc: { kind: "ksym", insn: i, extern: ext } };
    const map = inp.maps.findIndex((m) => m.kind === "kconfig");
    return { reloc: { kind: "kconfig", insn: i, map, extern: ext, offset: e.kconfig!.offset } };
  }
  const text = inp.table.text;
  if (isCall) {
    if (f.insns.src(i) !== CALL.PSEUDO_CALL) bad("call relocation on a call that is not a bpf-to-bpf call (src_reg != 1)", "the instruction is corrupt");
    if (sym.sectionIndex === SHN.UNDEF || sym.sectionIndex !== text) bad(`call to '${symName}' in section '${inp.elf.sections[sym.sectionIndex]?.name ?? sym.sectionIndex}'`, "subprograms must be in .text");
    if (sym.value % 8 !== 0) bad(`call target at offset ${sym.value} is not an instruction`, "the symbol is corrupt");
    return target(inp, "call", i, sym.value / 8 + f.insns.imm(i) + 1, symName, bad);
  }
  if (sym.sectionIndex === SHN.UNDEF || sym.sectionIndex >= SHN.LORESERVE) {
    bad(`symbol is in special section 0x${sym.sectionIndex.toString(16)}`, "forgot to initialize a global variable? (common symbols are not supported)");
  }
  if (isSubprogSymbol(sym, text)) {
    const imm = f.insns.imm(i);
    if (sym.value % 8 !== 0 || imm % 8 !== 0) bad(`function address ${sym.value}+${imm} is not an instruction`, "the relocation is corrupt");
    return target(inp, "callback", i, (sym.value + imm) / 8, symName, bad);
  }
  const section = inp.table.list.find((s) => s.index === sym.sectionIndex);
  if (section?.kind === "arena") return arenaReloc(inp, f, i, sym, bad);
  if (section?.name === ".jumptables") bad("jump tables (gotox) are not supported", "not implemented yet");
  if (sym.sectionIndex === inp.table.maps) {
    const map = inp.maps.findIndex((m) => m.kind === "btf" && m.sectionOffset === sym.value);
    if (map < 0) bad(`no map at offset ${sym.value} of .maps`, "the symbol does not name a map definition");
    return { reloc: { kind: "map", insn: i, map } };
  }
  if (section?.kind !== "data" && section?.kind !== "rodata" && section?.kind !== "bss") {
    bad(`section '${section?.name ?? sym.sectionIndex}' is not a map or data section`, "ldimm64 may refer to maps, global variables, externs and functions");
  }
  const map = inp.maps.findIndex((m) => (m.kind === "data" || m.kind === "rodata" || m.kind === "bss") && m.sectionIndex === sym.sectionIndex);
  if (map < 0) bad(`no global data map for section '${section!.name}'`, "the section is empty");
  const offset = (f.insns.imm(i) + sym.value) | 0;
  // The kernel takes a map value address only inside the value (array_map_direct_value_addr).
  if (offset < 0 || offset >= inp.maps[map]!.valueSize) bad(`offset ${offset} lies outside '${section!.name}' (${inp.maps[map]!.valueSize} bytes)`, "the instruction's addend or the symbol's value is corrupt");
  return { reloc: { kind: "data", insn: i, map, offset } };
}

/** An __arena variable: a map-value load of the arena map, at the variable's offset in the arena data (libbpf's RELO_DATA on the arena). */
function arenaReloc(inp: Inputs, f: RawFunction, i: number, sym: ElfSymbol, bad: Bad): { reloc: InsnRelocation } {
  const map = inp.maps.findIndex((m) => m.type === MapType.ARENA);
  if (map < 0) bad("an __arena variable is used, but the object declares no ARENA map", 'declare the arena in SEC(".maps")');
  const size = inp.maps[map]!.data?.length ?? 0;
  const offset = (f.insns.imm(i) + sym.value) | 0;
  if (offset < 0 || offset >= size) bad(`offset ${offset} lies outside ${ARENA_SECTION} (${size} bytes)`, "the instruction's addend or the symbol's value is corrupt");
  return { reloc: { kind: "data", insn: i, map, offset } };
}

function target(inp: Inputs, kind: "call" | "callback", i: number, textInsn: number, symName: string, bad: Bad): { reloc: InsnRelocation; target: number } {
  const t = textFunction(inp, textInsn);
  if (t < 0) bad(`${kind} target (instruction ${textInsn} of .text) is in no function`, "subprograms must be whole functions of .text");
  return { reloc: { kind, insn: i, target: inp.functions[t]!.name }, target: t };
}

