// TEMPORARY: reads the CO-RE records of .BTF.ext straight from an object, for
// the engine's tests until src/obj (which owns .BTF.ext parsing) is on main.
import { readFileSync } from "node:fs";
import { parseElf, type ElfFile } from "../../../src/elf/index.js";
import { Btf } from "../../../src/btf/index.js";
import { decodeInsns, type InsnBuffer } from "../../../src/asm/index.js";
import type { CoreRelocation } from "../../../src/core/index.js";

export interface SectionRelos {
  section: string;
  relos: CoreRelocation[];
}

export interface TestObject {
  elf: ElfFile;
  btf: Btf;
  /** CO-RE records per ELF section, in .BTF.ext order (insn = slot index in the section). */
  sections: SectionRelos[];
  insns(section: string): InsnBuffer;
}

export function readTestObject(path: string): TestObject {
  const buf = readFileSync(path);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const elf = parseElf(bytes);
  const btf = Btf.parse(elf.sectionByName(".BTF")!.data);
  const ext = elf.sectionByName(".BTF.ext")?.data ?? new Uint8Array(0);
  const le = elf.littleEndian;
  const v = new DataView(ext.buffer, ext.byteOffset, ext.byteLength);
  const hdrLen = ext.length >= 8 ? v.getUint32(4, le) : 0;
  const sections: SectionRelos[] = [];
  if (ext.length >= 32 && hdrLen >= 32) {
    const off = v.getUint32(24, le);
    const len = v.getUint32(28, le);
    let at = hdrLen + off;
    const end = at + len;
    const recSize = v.getUint32(at, le);
    at += 4;
    while (at < end) {
      const section = btf.string(v.getUint32(at, le));
      const n = v.getUint32(at + 4, le);
      at += 8;
      const relos: CoreRelocation[] = [];
      for (let i = 0; i < n; i++, at += recSize) {
        relos.push({
          insn: v.getUint32(at, le) / 8,
          typeId: v.getUint32(at + 4, le),
          accessString: btf.string(v.getUint32(at + 8, le)),
          kind: v.getUint32(at + 12, le),
        });
      }
      sections.push({ section, relos });
    }
  }
  return {
    elf,
    btf,
    sections,
    insns: (name) => decodeInsns(elf.sectionByName(name)!.data.slice(), { littleEndian: le }),
  };
}
