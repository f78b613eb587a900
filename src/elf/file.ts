// ELF64 file: header, section headers and program headers, validated against
// the file and each other. Symbols and relocations are decoded on first use.
import { ElfError } from "../errors.js";
import { ELF64, SHF, SHN, SHT } from "./constants.js";
import { cString, u64, u64Lossy } from "./read.js";
import { decodeRelocations } from "./relocations.js";
import { decodeSymbols } from "./symbols.js";
import type { ElfProgramHeader, ElfRelocation, ElfSection, ElfSymbol } from "./types.js";

const EMPTY = new Uint8Array(0);

export class ElfFile {
  /** The whole file (the bytes given to parseElf, not a copy). */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  /** e_type (see ET). */
  readonly type: number;
  /** e_machine (see EM); not checked here, the object layer rejects non-BPF files. */
  readonly machine: number;
  readonly osabi: number;
  readonly flags: number;
  readonly entry: number;
  /** Every section header, index 0 (SHT_NULL) included, so that `sections[i].index === i`. */
  readonly sections: readonly ElfSection[];
  readonly programHeaders: readonly ElfProgramHeader[];
  /** The section holding section names (e_shstrndx). */
  readonly sectionNames: ElfSection | undefined;

  #byName: Map<string, ElfSection> | undefined;
  #dynamicSymbols: ElfSymbol[] | undefined;
  #symbols: readonly ElfSymbol[] | undefined;
  #relocs = new Map<number, readonly ElfRelocation[]>();

  /** @internal use parseElf */
  constructor(init: {
    bytes: Uint8Array;
    view: DataView;
    littleEndian: boolean;
    type: number;
    machine: number;
    osabi: number;
    flags: number;
    entry: number;
    sections: ElfSection[];
    programHeaders: ElfProgramHeader[];
    sectionNames: ElfSection | undefined;
  }) {
    this.bytes = init.bytes;
    this.view = init.view;
    this.littleEndian = init.littleEndian;
    this.type = init.type;
    this.machine = init.machine;
    this.osabi = init.osabi;
    this.flags = init.flags;
    this.entry = init.entry;
    this.sections = init.sections;
    this.programHeaders = init.programHeaders;
    this.sectionNames = init.sectionNames;
  }

  /** The first section with this name. */
  sectionByName(name: string): ElfSection | undefined {
    if (this.#byName === undefined) {
      this.#byName = new Map();
      for (const s of this.sections) if (s.index !== 0 && !this.#byName.has(s.name)) this.#byName.set(s.name, s);
    }
    return this.#byName.get(name);
  }

  /** The section at an index, or an ElfError naming who asked. */
  section(index: number, what = "section index"): ElfSection {
    const s = this.sections[index];
    if (s === undefined || index === 0) {
      throw new ElfError("ELF_BAD_SECTION_INDEX", `${what} ${index} does not name a section (the file has ${this.sections.length})`, {
        hint: "the file refers to a section that does not exist",
      });
    }
    return s;
  }

  /** The symbol table (SHT_SYMTAB) section, if any. */
  get symbolTable(): ElfSection | undefined {
    return this.sections.find((s) => s.type === SHT.SYMTAB);
  }

  /** Every symbol of the SHT_SYMTAB, index 0 (the null symbol) included; decoded once. */
  symbols(): readonly ElfSymbol[] {
    if (this.#symbols === undefined) {
      const table = this.symbolTable;
      this.#symbols = table === undefined ? [] : decodeSymbols(this, table);
    }
    return this.#symbols;
  }

  /** Every symbol of the SHT_DYNSYM (shared libraries, dynamic executables); decoded once. */
  dynamicSymbols(): readonly ElfSymbol[] {
    if (this.#dynamicSymbols === undefined) {
      const table = this.sections.find((s) => s.type === SHT.DYNSYM);
      this.#dynamicSymbols = table === undefined ? [] : decodeSymbols(this, table);
    }
    return this.#dynamicSymbols;
  }

  /** The SHT_REL/SHT_RELA sections that apply to a section (their sh_info names it). */
  relocationSections(target: ElfSection | number): ElfSection[] {
    const index = typeof target === "number" ? target : target.index;
    // Dynamic relocations (linked to .dynsym) are left out, as parseElf leaves them unchecked.
    return this.sections.filter((s) => (s.type === SHT.REL || s.type === SHT.RELA) && s.info === index && this.sections[s.link]?.type !== SHT.DYNSYM);
  }

  /** Relocations applying to a section (all its REL/RELA sections, in file order); decoded once. */
  relocations(target: ElfSection | number): readonly ElfRelocation[] {
    const index = typeof target === "number" ? target : target.index;
    let list = this.#relocs.get(index);
    if (list === undefined) {
      const sections = this.relocationSections(index);
      list = sections.length === 1 ? decodeRelocations(this, sections[0]!) : sections.flatMap((s) => decodeRelocations(this, s));
      this.#relocs.set(index, list);
    }
    return list;
  }

  /** The string at an offset of a string table section. */
  stringAt(table: ElfSection, offset: number): string {
    if (table.type !== SHT.STRTAB) {
      throw new ElfError("ELF_BAD_LINK", `section ${table.name} (type ${table.type}) is not a string table`, {
        section: table.name,
        hint: "sh_link of a symbol table must name an SHT_STRTAB section",
      });
    }
    return cString(table.data, offset, { section: table.name, offset: table.offset + offset });
  }
}

function fail(code: string, message: string, offset: number, hint: string, section?: string): never {
  throw new ElfError(code, message, section === undefined ? { offset, hint } : { offset, hint, section });
}

/** Parses and validates an ELF64 file of either byte order. Throws ElfError. */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < ELF64.EHDR) {
    fail("ELF_TRUNCATED", `file is ${bytes.length} bytes, shorter than an ELF64 header (64)`, 0, "the file is truncated or not ELF");
  }
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    fail("ELF_BAD_MAGIC", "not an ELF file (bad magic)", 0, "expected a .bpf.o produced by clang -target bpf");
  }
  if (bytes[4] !== 2) fail("ELF_BAD_CLASS", `ELF class ${bytes[4]} is not ELFCLASS64`, 4, "BPF objects are 64-bit ELF");
  if (bytes[5] !== 1 && bytes[5] !== 2) fail("ELF_BAD_ENCODING", `ELF data encoding ${bytes[5]} is neither little (1) nor big (2) endian`, 5, "the header is corrupt");
  if (bytes[6] !== 1) fail("ELF_BAD_VERSION", `ELF ident version ${bytes[6]} is not 1`, 6, "the header is corrupt");
  const le = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getUint16(16, le);
  const machine = view.getUint16(18, le);
  if (view.getUint32(20, le) !== 1) fail("ELF_BAD_VERSION", `e_version ${view.getUint32(20, le)} is not 1`, 20, "the header is corrupt");
  const entry = u64Lossy(view, 24, le);
  const phoff = u64(view, 32, le, "e_phoff");
  const shoff = u64(view, 40, le, "e_shoff");
  const flags = view.getUint32(48, le);
  const ehsize = view.getUint16(52, le);
  const phentsize = view.getUint16(54, le);
  let phnum = view.getUint16(56, le);
  const shentsize = view.getUint16(58, le);
  let shnum = view.getUint16(60, le);
  let shstrndx = view.getUint16(62, le);
  if (ehsize < ELF64.EHDR || ehsize > bytes.length) fail("ELF_BAD_HEADER", `e_ehsize ${ehsize} is not a valid ELF64 header size`, 52, "the header is corrupt");

  // Extended numbering: counts and the names index that overflow 16 bits live in section 0.
  if (shoff !== 0) {
    if (shentsize !== ELF64.SHDR) fail("ELF_BAD_HEADER", `e_shentsize ${shentsize} is not ${ELF64.SHDR}`, 58, "the header is corrupt");
    if (shoff > bytes.length - ELF64.SHDR) fail("ELF_TRUNCATED", `section header table at ${shoff} lies outside the file (${bytes.length} bytes)`, 40, "the file is truncated");
    if (shnum === 0) shnum = u64(view, shoff + 32, le, "section 0 sh_size (section count)");
    if (shstrndx === SHN.XINDEX) shstrndx = view.getUint32(shoff + 40, le);
    if (phnum === 0xffff) phnum = view.getUint32(shoff + 44, le);
  } else {
    shnum = 0;
  }
  if (shnum > (bytes.length - shoff) / ELF64.SHDR) {
    fail("ELF_TRUNCATED", `${shnum} section headers at ${shoff} do not fit in the file (${bytes.length} bytes)`, 60, "the file is truncated");
  }
  if (phoff !== 0 && phnum !== 0) {
    if (phentsize !== ELF64.PHDR) fail("ELF_BAD_HEADER", `e_phentsize ${phentsize} is not ${ELF64.PHDR}`, 54, "the header is corrupt");
    if (phoff > bytes.length || phnum > (bytes.length - phoff) / ELF64.PHDR) {
      fail("ELF_TRUNCATED", `${phnum} program headers at ${phoff} do not fit in the file`, 32, "the file is truncated");
    }
  } else {
    phnum = 0;
  }

  const raw = readSectionHeaders(view, bytes, shoff, shnum, le);
  const programHeaders = readProgramHeaders(view, phoff, phnum, le);
  checkLayout(raw, shoff, shnum, phoff, phnum);

  let sectionNames: RawSection | undefined;
  if (shnum > 0 && shstrndx !== SHN.UNDEF) {
    sectionNames = raw[shstrndx];
    if (sectionNames === undefined || shstrndx === 0) fail("ELF_BAD_HEADER", `e_shstrndx ${shstrndx} does not name a section (the file has ${shnum})`, 62, "the header is corrupt");
    if (sectionNames.type !== SHT.STRTAB) fail("ELF_BAD_HEADER", `e_shstrndx ${shstrndx} names a section of type ${sectionNames.type}, not SHT_STRTAB`, 62, "the header is corrupt");
  }
  const names = sectionNames === undefined ? EMPTY : sectionNames.data;
  const sections: ElfSection[] = raw.map((r, index) => {
    const name = index === 0 || sectionNames === undefined ? "" : cString(names, r.nameOffset, { section: ".shstrtab", offset: shoff + index * ELF64.SHDR });
    return {
      index,
      name,
      type: r.type,
      flags: r.flags,
      addr: r.addr,
      offset: r.offset,
      size: r.size,
      link: r.link,
      info: r.info,
      addralign: r.addralign,
      entsize: r.entsize,
      data: r.data,
    };
  });
  for (const s of sections) {
    if (s.type !== SHT.REL && s.type !== SHT.RELA) continue;
    // Dynamic relocations of an executable or library (.rela.dyn, .rela.plt) are
    // not modelled: they use the dynamic symbol table and may apply to no section.
    if (sections[s.link]?.type === SHT.DYNSYM || (s.info === 0 && (s.flags & SHF.INFO_LINK) === 0)) continue;
    // Checked up front: a relocation section whose target is missing would never be asked for.
    if (s.info === 0 || s.info >= sections.length) {
      fail("ELF_BAD_LINK", `relocation section ${s.name} applies to section ${s.info}, which does not exist`, shoff + s.index * ELF64.SHDR + 44, "sh_info of a relocation section must name its target section", s.name);
    }
    if (sections[s.link]?.type !== SHT.SYMTAB) {
      fail("ELF_BAD_LINK", `relocation section ${s.name} links to section ${s.link}, which is not the symbol table`, shoff + s.index * ELF64.SHDR + 40, "sh_link of a relocation section must name SHT_SYMTAB", s.name);
    }
  }
  return new ElfFile({
    bytes,
    view,
    littleEndian: le,
    type,
    machine,
    osabi: bytes[7]!,
    flags,
    entry,
    sections,
    programHeaders,
    sectionNames: sectionNames === undefined ? undefined : sections[shstrndx],
  });
}

interface RawSection {
  nameOffset: number;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  data: Uint8Array;
}

function readSectionHeaders(view: DataView, bytes: Uint8Array, shoff: number, shnum: number, le: boolean): RawSection[] {
  const out: RawSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * ELF64.SHDR;
    const type = view.getUint32(at + 4, le);
    const offset = i === 0 ? 0 : u64(view, at + 24, le, `section ${i} sh_offset`);
    // Section 0's size may hold the extended section count: not a real size.
    const size = i === 0 ? 0 : u64(view, at + 32, le, `section ${i} sh_size`);
    const hasBytes = i !== 0 && type !== SHT.NOBITS && type !== SHT.NULL;
    if (hasBytes && (offset > bytes.length || size > bytes.length - offset)) {
      fail("ELF_SECTION_OUT_OF_BOUNDS", `section ${i} [${offset}, ${offset + size}) lies outside the file (${bytes.length} bytes)`, at + 24, "the file is truncated or the section header is corrupt");
    }
    out.push({
      nameOffset: view.getUint32(at, le),
      type,
      flags: u64Lossy(view, at + 8, le),
      addr: u64Lossy(view, at + 16, le),
      offset,
      size,
      link: view.getUint32(at + 40, le),
      info: view.getUint32(at + 44, le),
      addralign: u64Lossy(view, at + 48, le),
      entsize: u64Lossy(view, at + 56, le),
      data: hasBytes ? bytes.subarray(offset, offset + size) : EMPTY,
    });
  }
  return out;
}

function readProgramHeaders(view: DataView, phoff: number, phnum: number, le: boolean): ElfProgramHeader[] {
  const out: ElfProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * ELF64.PHDR;
    out.push({
      type: view.getUint32(at, le),
      flags: view.getUint32(at + 4, le),
      offset: u64Lossy(view, at + 8, le),
      vaddr: u64Lossy(view, at + 16, le),
      paddr: u64Lossy(view, at + 24, le),
      filesz: u64Lossy(view, at + 32, le),
      memsz: u64Lossy(view, at + 40, le),
      align: u64Lossy(view, at + 48, le),
    });
  }
  return out;
}

/** No two byte ranges of the file (header, header tables, section data) may overlap. */
function checkLayout(raw: RawSection[], shoff: number, shnum: number, phoff: number, phnum: number): void {
  const ranges: { start: number; end: number; what: string }[] = [{ start: 0, end: ELF64.EHDR, what: "the ELF header" }];
  if (shnum > 0) ranges.push({ start: shoff, end: shoff + shnum * ELF64.SHDR, what: "the section header table" });
  if (phnum > 0) ranges.push({ start: phoff, end: phoff + phnum * ELF64.PHDR, what: "the program header table" });
  raw.forEach((r, i) => {
    if (i !== 0 && r.type !== SHT.NOBITS && r.type !== SHT.NULL && r.size > 0) ranges.push({ start: r.offset, end: r.offset + r.size, what: `section ${i}` });
  });
  ranges.sort((a, b) => a.start - b.start || a.end - b.end);
  // Compare each range with the furthest-reaching one before it, so that a
  // range nested in a large one is caught too.
  let reach = ranges[0]!;
  for (let i = 1; i < ranges.length; i++) {
    const cur = ranges[i]!;
    if (cur.start < reach.end) {
      fail("ELF_SECTION_OVERLAP", `${cur.what} [${cur.start}, ${cur.end}) overlaps ${reach.what} [${reach.start}, ${reach.end})`, cur.start, "the file is corrupt: sections must not share bytes");
    }
    if (cur.end > reach.end) reach = cur;
  }
}
