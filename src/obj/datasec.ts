// DATASECs as libbpf fixes them when it opens an object: clang leaves a
// DATASEC's size and its global variables' offsets 0, so the size comes from
// the ELF section and the offsets from the symbols; hidden globals become
// static; secinfos are sorted by offset. The object's .BTF is not changed: a
// loader applies these layouts before BTF_LOAD, and the maps use them now.
import { ObjectError } from "../errors.js";
import { type Btf, BtfKind, VarLinkage } from "../btf/index.js";
import { type ElfFile, type ElfSymbol, STB, STT, STV } from "../elf/index.js";
import type { DatasecLayout } from "./types.js";

/** The global/weak STT_OBJECT symbols by name (the first of each name), as libbpf finds variables. */
export function objectSymbols(symbols: readonly ElfSymbol[]): Map<string, ElfSymbol> {
  const out = new Map<string, ElfSymbol>();
  for (const s of symbols) {
    if (s.type !== STT.OBJECT || (s.bind !== STB.GLOBAL && s.bind !== STB.WEAK)) continue;
    if (!out.has(s.name)) out.set(s.name, s);
  }
  return out;
}

export function datasecLayouts(btf: Btf, elf: ElfFile, objects: Map<string, ElfSymbol>): Map<string, DatasecLayout> {
  const out = new Map<string, DatasecLayout>();
  for (let id = btf.startId; id < btf.typeCount; id++) {
    if (btf.kind(id) !== BtfKind.DATASEC) continue;
    const name = btf.name(id);
    if (name === ".kconfig" || name === ".ksyms" || out.has(name)) continue;
    out.set(name, layout(btf, elf, objects, id, name));
  }
  return out;
}

function layout(btf: Btf, elf: ElfFile, objects: Map<string, ElfSymbol>, id: number, name: string): DatasecLayout {
  const bad = (message: string, hint: string): never => {
    throw new ObjectError("OBJ_BAD_DATASEC", `DATASEC '${name}' [${id}]: ${message}`, { typeId: id, section: name, hint });
  };
  let size = btf.sizeOrType(id);
  const fixOffsets = size === 0;
  if (fixOffsets) {
    size = elf.sectionByName(name)?.size ?? 0;
    if (size === 0) bad("has size 0 and no ELF section of that name gives one", "the object's BTF and sections disagree");
  }
  const vars: { varId: number; offset: number; size: number; linkage: number }[] = [];
  const n = btf.vlen(id);
  for (let i = 0; i < n; i++) {
    const varId = btf.dataWord(id, i * 3);
    let offset = btf.dataWord(id, i * 3 + 1);
    const varSize = btf.dataWord(id, i * 3 + 2);
    if (varId >= btf.typeCount || btf.kind(varId) !== BtfKind.VAR) bad(`member ${i} (type ${varId}) is not a VAR`, "a data section holds variables only");
    let linkage = btf.dataWord(varId, 0);
    if (linkage !== VarLinkage.STATIC && linkage !== VarLinkage.GLOBAL_EXTERN) {
      const varName = btf.name(varId);
      const sym = objects.get(varName);
      if (sym === undefined) bad(`no ELF symbol for global variable '${varName}'`, "the symbol table lacks a variable the BTF declares");
      if (fixOffsets) offset = sym!.value;
      if (sym!.visibility === STV.HIDDEN || sym!.visibility === STV.INTERNAL) linkage = VarLinkage.STATIC;
    }
    vars.push({ varId, offset, size: varSize, linkage });
  }
  vars.sort((a, b) => a.offset - b.offset);
  return { typeId: id, name, size, vars };
}
