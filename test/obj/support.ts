// Test support for obj/: the committed objects as models, a byte-order-free
// summary of a model (for comparing bpfel and bpfeb builds), and a patcher
// that corrupts real objects in place.
import assert from "node:assert/strict";
import { CoreBpfError, ObjectError } from "../../src/errors.js";
import type { Insn, InsnBuffer } from "../../src/asm/index.js";
import { parseElf, type ElfSection } from "../../src/elf/index.js";
import { type ObjectSpec, objectNameFromPath, parseObject } from "../../src/obj/index.js";
import { readObject } from "../elf/objects.js";

export { byteOrderSensitive, committedObjects, comparablePairs, readObject } from "../elf/objects.js";

const cache = new Map<string, ObjectSpec>();

/** The model of a committed object (e.g. "bpf/test/maps.bpf.o"), named as libbpf names it. */
export function model(rel: string): ObjectSpec {
  let obj = cache.get(rel);
  if (obj === undefined) cache.set(rel, (obj = parseObject(readObject(rel), { name: objectNameFromPath(rel) })));
  return obj;
}

/** Everything in a model that does not depend on byte order (instruction bytes, initial data bytes). */
export function summary(obj: ObjectSpec, withCode: boolean): unknown {
  // bpf_htons and friends compile to a to-BE swap on bpfel and a to-LE one on bpfeb.
  const normalize = (insn: Insn): Insn => ((insn.code & 0xf7) === 0xd4 ? { ...insn, code: 0xd4 } : insn);
  const code = (p: { insns: InsnBuffer }) => (withCode ? p.insns.toArray().map(({ index, insn }) => ({ index, insn: normalize(insn) })) : p.insns.length > 0);
  return {
    license: obj.license,
    kernelVersion: obj.kernelVersion,
    sections: obj.sections.map((s) => ({ ...s, size: s.kind === "btf" || s.kind === "btf_ext" || s.kind === "relocations" || s.kind === "symbols" || s.kind === "code" || s.kind === "text" ? "*" : s.size })),
    functions: obj.functions.map((f) => ({ ...f, insns: code(f), offset: withCode ? f.offset : "*", length: withCode ? f.length : "*", relocations: withCode ? f.relocations : f.relocations.map((r) => r.kind).sort() })),
    programs: obj.programs.map((p) => ({
      ...p,
      insns: code(p),
      functions: withCode ? p.functions : p.functions.map((f) => f.name),
      relocations: withCode ? p.relocations : p.relocations.map((r) => r.kind).sort(),
      funcInfo: withCode ? p.funcInfo : p.funcInfo.length,
      // Code that differs by byte order has its own line and CO-RE records.
      lineInfo: withCode ? p.lineInfo : "*",
      coreRelocations: withCode ? p.coreRelocations : "*",
    })),
    maps: obj.maps.map((m) => ({ ...m, data: m.data?.length })),
    externs: obj.externs,
    datasecs: [...obj.datasecs.values()],
  };
}

/** Runs `fn`, which must throw an ObjectError; returns it. */
export function objectError(fn: () => unknown): ObjectError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ObjectError, `expected ObjectError, got ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
    return err;
  }
  assert.fail("expected an ObjectError");
}

/** Only CoreBpfError subclasses may escape a parser. */
export function isTyped(err: unknown): err is CoreBpfError {
  return err instanceof CoreBpfError;
}

/** Edits a copy of a real object: section headers, section bytes and symbols, in the file's byte order. */
export class Patcher {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly le: boolean;
  readonly #shoff: number;
  readonly #sections: readonly ElfSection[];

  constructor(original: Uint8Array) {
    this.bytes = original.slice();
    this.view = new DataView(this.bytes.buffer);
    const elf = parseElf(this.bytes);
    this.le = elf.littleEndian;
    this.#sections = elf.sections;
    this.#shoff = Number(this.view.getBigUint64(40, this.le));
  }

  section(name: string): ElfSection {
    const s = this.#sections.find((x) => x.name === name);
    assert.ok(s, `no section ${name}`);
    return s;
  }

  /** Byte offset of a field of a section header (sh_name 0, sh_offset 24, sh_size 32, sh_link 40, sh_info 44). */
  header(name: string, field: number): number {
    return this.#shoff + this.section(name).index * 64 + field;
  }

  u16(at: number, v?: number): number {
    if (v !== undefined) this.view.setUint16(at, v, this.le);
    return this.view.getUint16(at, this.le);
  }

  u32(at: number, v?: number): number {
    if (v !== undefined) this.view.setUint32(at, v, this.le);
    return this.view.getUint32(at, this.le);
  }

  u64(at: number, v?: number): number {
    if (v !== undefined) this.view.setBigUint64(at, BigInt(v), this.le);
    return Number(this.view.getBigUint64(at, this.le));
  }

  /** File offset of symbol `i`'s record. */
  symbol(i: number): number {
    return this.section(".symtab").offset + i * 24;
  }

  /** Index of the symbol named `name`. */
  symbolIndex(name: string): number {
    const symtab = this.section(".symtab");
    const strtab = this.#sections[symtab.link]!;
    for (let i = 1; i < symtab.size / 24; i++) {
      const off = this.u32(symtab.offset + i * 24);
      const end = this.bytes.indexOf(0, strtab.offset + off);
      if (new TextDecoder().decode(this.bytes.subarray(strtab.offset + off, end)) === name) return i;
    }
    assert.fail(`no symbol ${name}`);
  }

  /** Replaces the first occurrence of an ASCII string inside a section (same length). */
  replaceString(section: string, from: string, to: string): void {
    assert.equal(from.length, to.length);
    const s = this.section(section);
    const needle = new TextEncoder().encode(from + "\0");
    const data = this.bytes.subarray(s.offset, s.offset + s.size);
    for (let i = 0; i + needle.length <= data.length; i++) {
      if ((i === 0 || data[i - 1] === 0) && needle.every((b, k) => data[i + k] === b)) {
        data.set(new TextEncoder().encode(to), i);
        return;
      }
    }
    assert.fail(`no string ${from} in ${section}`);
  }
}
