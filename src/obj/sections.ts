// The first pass over an object's ELF sections: what each one is to the model
// (libbpf's bpf_object__elf_collect), plus the indexes later passes need.
import { ObjectError } from "../errors.js";
import { type ElfFile, type ElfSection, SHF, SHT } from "../elf/index.js";
import type { SectionKind, SectionSpec } from "./types.js";

export interface SectionTable {
  readonly list: readonly SectionSpec[];
  /** Index of .text (0: none), .maps (0: none), the symbol table, .BTF, .BTF.ext. */
  readonly text: number;
  readonly maps: number;
  readonly symtab: number;
  readonly btf: ElfSection | undefined;
  readonly btfExt: ElfSection | undefined;
  readonly license: ElfSection | undefined;
  readonly version: ElfSection | undefined;
  readonly arena: number;
}

const DWARF = /^\.(debug_|zdebug_|rel\.debug_)/;
const STRUCT_OPS = new Set([".struct_ops", ".struct_ops.link", "?.struct_ops", "?.struct_ops.link"]);

const isNamed = (name: string, base: string): boolean => name === base || name.startsWith(base + ".");

function kindOf(s: ElfSection): SectionKind {
  const name = s.name;
  if (s.type === SHT.SYMTAB) return "symbols";
  if (s.type === SHT.STRTAB || s.type === SHT.LLVM_ADDRSIG || s.type === SHT.NULL || DWARF.test(name)) return "other";
  if (name === "license") return "license";
  if (name === "version") return "version";
  if (name === ".maps") return "maps";
  if (name === ".BTF") return "btf";
  if (name === ".BTF.ext") return "btf_ext";
  if (s.type === SHT.REL || s.type === SHT.RELA) return "relocations";
  if (s.type === SHT.PROGBITS && s.size > 0) {
    if (s.flags & SHF.EXECINSTR) return name === ".text" ? "text" : "code";
    if (isNamed(name, ".data")) return "data";
    if (isNamed(name, ".rodata")) return "rodata";
    if (STRUCT_OPS.has(name)) return "struct_ops";
    if (name === ".addr_space.1") return "arena";
    return "other";
  }
  if (s.type === SHT.NOBITS && isNamed(name, ".bss")) return "bss";
  return "other";
}

function fail(code: string, message: string, s: ElfSection | undefined, hint: string): never {
  throw new ObjectError(code, message, s === undefined ? { hint } : { section: s.name, offset: s.offset, hint });
}

/** Classifies every section; refuses what libbpf refuses at this stage. */
export function classifySections(elf: ElfFile): SectionTable {
  const tables = elf.sections.filter((s) => s.type === SHT.SYMTAB);
  if (tables.length === 0) fail("OBJ_NO_SYMTAB", "the object has no symbol table", undefined, "was it stripped? BPF objects need their symbols (do not strip with --strip-all; llvm-strip -g is fine)");
  if (tables.length > 1) fail("OBJ_BAD_ELF", "the object has more than one symbol table", tables[1], "a relocatable BPF object has exactly one SHT_SYMTAB");
  const list: SectionSpec[] = [];
  let text = 0;
  let maps = 0;
  let arena = 0;
  let btf: ElfSection | undefined;
  let btfExt: ElfSection | undefined;
  let license: ElfSection | undefined;
  let version: ElfSection | undefined;
  for (const s of elf.sections) {
    if (s.index === 0) continue;
    const kind = kindOf(s);
    switch (kind) {
      case "maps":
        maps = s.index;
        break;
      case "text":
        text = s.index;
        break;
      case "arena":
        arena = s.index;
        break;
      case "btf":
      case "btf_ext":
        if (s.type !== SHT.PROGBITS) fail("OBJ_BAD_ELF", `section ${s.name} has type ${s.type}, not SHT_PROGBITS`, s, "the object is corrupt");
        if (kind === "btf") btf = s;
        else btfExt = s;
        break;
      case "license":
        license = s;
        break;
      case "version":
        version = s;
        break;
      case "other":
        if (s.name === "maps") {
          fail("OBJ_LEGACY_MAPS", "legacy map definitions in section 'maps' (struct bpf_map_def) are not supported", s,
            'declare maps the BTF way, as libbpf 1.0+ requires: struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 1024); __type(key, u32); __type(value, u64); } my_map SEC(".maps");');
        }
        break;
      default:
        break;
    }
    const spec: SectionSpec = kind === "relocations" ? { index: s.index, name: s.name, kind, type: s.type, size: s.size, target: s.info } : { index: s.index, name: s.name, kind, type: s.type, size: s.size };
    list.push(spec);
  }
  return { list, text, maps, symtab: tables[0]!.index, btf, btfExt, license, version, arena };
}

/** The license string: up to the first NUL, at most 63 characters (libbpf's buffer). */
export function readLicense(s: ElfSection | undefined): string {
  if (s === undefined) return "";
  const data = s.data;
  let end = data.indexOf(0);
  if (end < 0) end = data.length;
  return new TextDecoder().decode(data.subarray(0, Math.min(end, 63)));
}

/** The `version` section: a u32 in the object's byte order, exactly 4 bytes. */
export function readKernelVersion(s: ElfSection | undefined, littleEndian: boolean): number | undefined {
  if (s === undefined) return undefined;
  if (s.data.length !== 4) fail("OBJ_BAD_VERSION", `section 'version' is ${s.data.length} bytes, not 4`, s, "it must hold one u32: LINUX_VERSION_CODE");
  return new DataView(s.data.buffer, s.data.byteOffset, 4).getUint32(0, littleEndian);
}
