// REL and RELA section decoding, checked against the target section and the symbol table.
import { ElfError } from "../errors.js";
import { ELF64, SHT } from "./constants.js";
import type { ElfFile } from "./file.js";
import { u64 } from "./read.js";
import { recordCount } from "./symbols.js";
import type { ElfRelocation, ElfSection } from "./types.js";

export function decodeRelocations(file: ElfFile, rel: ElfSection): ElfRelocation[] {
  const rela = rel.type === SHT.RELA;
  const recordSize = rela ? ELF64.RELA : ELF64.REL;
  const count = recordCount(rel, recordSize, rela ? "RELA" : "REL");
  // parseElf checked that sh_info names a section and sh_link the symbol table.
  const target = file.sections[rel.info]!;
  const symtab = file.sections[rel.link]!;
  const symbolCount = symtab === file.symbolTable ? file.symbols().length : recordCount(symtab, ELF64.SYM, "symbol table");
  const { view, littleEndian: le } = file;
  const out: ElfRelocation[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = rel.offset + i * recordSize;
    const offset = u64(view, at, le, `relocation ${i} r_offset`);
    // r_info: symbol index in the high 32 bits, type in the low 32 bits.
    const symbolIndex = view.getUint32(at + (le ? 12 : 8), le);
    const type = view.getUint32(at + (le ? 8 : 12), le);
    if (offset >= target.size) {
      throw new ElfError("ELF_BAD_RELOCATION", `relocation ${i} of ${rel.name}: offset ${offset} lies outside ${target.name} (${target.size} bytes)`, { section: rel.name, offset: at, relo: i, hint: "the relocation entry is corrupt" });
    }
    if (symbolIndex >= symbolCount) {
      throw new ElfError("ELF_BAD_RELOCATION", `relocation ${i} of ${rel.name}: symbol ${symbolIndex} does not exist (the table has ${symbolCount})`, { section: rel.name, offset: at, relo: i, hint: "the relocation refers to a missing symbol" });
    }
    const addend = rela ? view.getInt32(at + (le ? 20 : 16), le) * 0x1_0000_0000 + view.getUint32(at + (le ? 16 : 20), le) : 0;
    out[i] = { offset, symbolIndex, type, addend, section: rel, entry: i };
  }
  return out;
}
