// Symbol table decoding (SHT_SYMTAB, with SHT_SYMTAB_SHNDX for extended section indexes).
import { ElfError } from "../errors.js";
import { ELF64, ET, SHN, SHT, STT } from "./constants.js";
import type { ElfFile } from "./file.js";
import { u64, u64Lossy } from "./read.js";
import type { ElfSection, ElfSymbol } from "./types.js";

/** Checks that a table section holds whole records of the expected size; returns the count. */
export function recordCount(table: ElfSection, recordSize: number, what: string): number {
  if (table.entsize !== recordSize) {
    throw new ElfError("ELF_BAD_ENTSIZE", `${what} section ${table.name} has sh_entsize ${table.entsize}, expected ${recordSize}`, {
      section: table.name,
      offset: table.offset,
      hint: "the section header is corrupt",
    });
  }
  if (table.data.length % recordSize !== 0) {
    throw new ElfError("ELF_BAD_SIZE", `${what} section ${table.name} is ${table.data.length} bytes, not a multiple of ${recordSize}`, {
      section: table.name,
      offset: table.offset,
      hint: "the section is truncated",
    });
  }
  return table.data.length / recordSize;
}

export function decodeSymbols(file: ElfFile, table: ElfSection): ElfSymbol[] {
  const count = recordCount(table, ELF64.SYM, "symbol table");
  const strings = file.sections[table.link];
  if (strings === undefined || table.link === 0 || strings.type !== SHT.STRTAB) {
    throw new ElfError("ELF_BAD_LINK", `symbol table ${table.name} links to section ${table.link}, which is not a string table`, {
      section: table.name,
      offset: table.offset,
      hint: "sh_link of a symbol table must name its SHT_STRTAB",
    });
  }
  const extended = file.sections.find((s) => s.type === SHT.SYMTAB_SHNDX && s.link === table.index);
  const { view, littleEndian: le } = file;
  const out: ElfSymbol[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = table.offset + i * ELF64.SYM;
    const bad = (message: string, hint: string): never => {
      throw new ElfError("ELF_BAD_SYMBOL", `symbol ${i} of ${table.name}: ${message}`, { section: table.name, offset: at, hint });
    };
    const info = view.getUint8(at + 4);
    const other = view.getUint8(at + 5);
    let shndx = view.getUint16(at + 6, le);
    if (shndx === SHN.XINDEX) {
      if (extended === undefined || (i + 1) * 4 > extended.data.length) bad("uses SHN_XINDEX but no SHT_SYMTAB_SHNDX entry holds its section index", "the extended section index table is missing or short");
      shndx = new DataView(extended!.data.buffer, extended!.data.byteOffset).getUint32(i * 4, le);
    } else if (shndx >= SHN.LORESERVE && shndx !== SHN.ABS && shndx !== SHN.COMMON) {
      bad(`reserved section index 0x${shndx.toString(16)}`, "only SHN_UNDEF, SHN_ABS and SHN_COMMON are understood");
    }
    const type = info & 0xf;
    const value = u64Lossy(view, at + 8, le);
    const size = u64(view, at + 16, le, `symbol ${i} st_size`);
    if (shndx !== SHN.UNDEF && shndx !== SHN.ABS && shndx !== SHN.COMMON) {
      const section = file.sections[shndx];
      if (section === undefined) bad(`section index ${shndx} does not exist (the file has ${file.sections.length})`, "the symbol points to a missing section");
      // Only a relocatable file's symbol values are offsets into their section;
      // an executable's are virtual addresses (TLS ones even relative to the TLS block).
      const limit = section!.size;
      if (file.type === ET.REL && (value > limit || ((type === STT.FUNC || type === STT.OBJECT) && size > limit - value))) {
        bad(`[${value}, ${value + size}) lies outside its section ${section!.name} (${limit} bytes)`, "the symbol's value or size is corrupt");
      }
    }
    out[i] = {
      index: i,
      name: i === 0 ? "" : file.stringAt(strings!, view.getUint32(at, le)),
      value,
      size,
      bind: info >> 4,
      type,
      visibility: other & 0x3,
      sectionIndex: shndx,
    };
  }
  return out;
}
