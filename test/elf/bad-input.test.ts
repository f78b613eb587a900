// Bad ELF input: each corruption gives an ElfError with its code and where,
// and seeded fuzzing of real objects gives only ElfError or a valid model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ElfError } from "../../src/errors.js";
import { SHN, SHT, parseElf, type ElfFile } from "../../src/elf/index.js";
import { buildElf, prng, relBytes, symtabBytes } from "./builder.js";
import { committedObjects, readObject } from "./objects.js";

const strtab = (...names: string[]) => Uint8Array.from([0, ...names.flatMap((n) => [...new TextEncoder().encode(n), 0])]);

/** A small valid object: .text, .strtab, .symtab (3 symbols), .rel.text. */
function sample(le = true, patch?: { syms?: Parameters<typeof symtabBytes>[0]; rels?: Parameters<typeof relBytes>[0] }): Uint8Array {
  const syms = patch?.syms ?? [
    { name: 0, info: 0, shndx: 0 },
    { name: 1, info: 0x12, shndx: 1, value: 0, size: 16 }, // prog: GLOBAL FUNC in .text
    { name: 6, info: 0x11, shndx: SHN.UNDEF }, // ext: GLOBAL OBJECT, undefined
  ];
  return buildElf(
    [
      { name: ".text", type: SHT.PROGBITS, data: new Uint8Array(32), flags: 6 },
      { name: ".strtab", type: SHT.STRTAB, data: strtab("prog", "ext") },
      { name: ".symtab", type: SHT.SYMTAB, data: symtabBytes(syms, le), link: 2, info: 1, entsize: 24 },
      { name: ".rel.text", type: SHT.REL, data: relBytes(patch?.rels ?? [{ offset: 8, sym: 2, type: 1 }], false, le), link: 3, info: 1, entsize: 16 },
    ],
    { littleEndian: le },
  );
}

/** Runs `fn` and returns its ElfError (failing if it throws anything else or nothing). */
function elfError(fn: () => unknown): ElfError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ElfError, `expected ElfError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an ElfError");
}

function fullyRead(elf: ElfFile): void {
  elf.symbols();
  for (const s of elf.sections) elf.relocations(s);
}

test("a crafted object reads back in both byte orders", () => {
  for (const le of [true, false]) {
    const elf = parseElf(sample(le));
    assert.equal(elf.littleEndian, le);
    assert.equal(elf.machine, 247);
    assert.deepEqual(elf.sections.map((s) => s.name), ["", ".text", ".strtab", ".symtab", ".rel.text", ".shstrtab"]);
    const [, prog, ext] = elf.symbols();
    assert.deepEqual({ ...prog }, { index: 1, name: "prog", value: 0, size: 16, bind: 1, type: 2, visibility: 0, sectionIndex: 1 });
    assert.equal(ext!.name, "ext");
    assert.equal(ext!.sectionIndex, SHN.UNDEF);
    const [rel] = elf.relocations(elf.sectionByName(".text")!);
    assert.equal(rel!.offset, 8);
    assert.equal(rel!.symbolIndex, 2);
    assert.equal(rel!.type, 1);
    assert.equal(rel!.section.name, ".rel.text");
  }
});

test("RELA addends are signed", () => {
  const bytes = buildElf([
    { name: ".text", type: SHT.PROGBITS, data: new Uint8Array(16) },
    { name: ".strtab", type: SHT.STRTAB, data: strtab("a") },
    { name: ".symtab", type: SHT.SYMTAB, data: symtabBytes([{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 3, shndx: 1 }]), link: 2, entsize: 24 },
    { name: ".rela.text", type: SHT.RELA, data: relBytes([{ offset: 0, sym: 1, type: 2, addend: -24 }, { offset: 8, sym: 1, type: 2, addend: 0x1_0000_0005 }], true), link: 3, info: 1, entsize: 24 },
  ]);
  assert.deepEqual(parseElf(bytes).relocations(1).map((r) => r.addend), [-24, 0x1_0000_0005]);
});

test("extended section numbering (SHN_XINDEX) for the count, the names index and symbols", () => {
  for (const le of [true, false]) {
    const shndx = new Uint8Array(8);
    new DataView(shndx.buffer).setUint32(4, 1, le); // symbol 1 lives in section 1
    const bytes = buildElf(
      [
        { name: ".text", type: SHT.PROGBITS, data: new Uint8Array(8) },
        { name: ".strtab", type: SHT.STRTAB, data: strtab("x") },
        { name: ".symtab", type: SHT.SYMTAB, data: symtabBytes([{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x12, shndx: SHN.XINDEX, size: 8 }], le), link: 2, entsize: 24 },
        { name: ".symtab_shndx", type: SHT.SYMTAB_SHNDX, data: shndx, link: 3, entsize: 4 },
      ],
      { littleEndian: le, extendedNumbering: true },
    );
    const elf = parseElf(bytes);
    assert.equal(elf.sections.length, 6);
    assert.equal(elf.sections[5]!.name, ".shstrtab");
    assert.equal(elf.symbols()[1]!.sectionIndex, 1);
  }
});

test("NOBITS sections have no bytes and may share offsets", () => {
  const elf = parseElf(
    buildElf([
      { name: ".bss", type: SHT.NOBITS, size: 4096 },
      { name: ".data", type: SHT.PROGBITS, data: new Uint8Array(8) },
    ]),
  );
  assert.equal(elf.sectionByName(".bss")!.size, 4096);
  assert.equal(elf.sectionByName(".bss")!.data.length, 0);
});

interface BadCase {
  name: string;
  bytes: () => Uint8Array;
  code: string;
  /** Read symbols and relocations too (errors found lazily). */
  deep?: boolean;
  offset?: number;
  section?: string;
}

const put = (bytes: Uint8Array, at: number, value: number | bigint, width: 2 | 4 | 8, le = true): Uint8Array => {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  if (width === 2) v.setUint16(at, Number(value), le);
  else if (width === 4) v.setUint32(at, Number(value), le);
  else v.setBigUint64(at, BigInt(value), le);
  return bytes;
};
const shoffOf = (b: Uint8Array) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(40, true));

const bad: BadCase[] = [
  { name: "empty file", bytes: () => new Uint8Array(0), code: "ELF_TRUNCATED", offset: 0 },
  { name: "truncated header", bytes: () => sample().subarray(0, 40), code: "ELF_TRUNCATED" },
  { name: "bad magic", bytes: () => { const b = sample(); b[1] = 0x46; return b; }, code: "ELF_BAD_MAGIC", offset: 0 },
  { name: "32-bit class", bytes: () => { const b = sample(); b[4] = 1; return b; }, code: "ELF_BAD_CLASS", offset: 4 },
  { name: "unknown data encoding", bytes: () => { const b = sample(); b[5] = 3; return b; }, code: "ELF_BAD_ENCODING", offset: 5 },
  { name: "bad ident version", bytes: () => { const b = sample(); b[6] = 0; return b; }, code: "ELF_BAD_VERSION", offset: 6 },
  { name: "bad e_version", bytes: () => put(sample(), 20, 2, 4), code: "ELF_BAD_VERSION", offset: 20 },
  { name: "section headers cut off", bytes: () => { const b = sample(); return b.subarray(0, b.length - 10); }, code: "ELF_TRUNCATED" },
  { name: "e_shoff past the end", bytes: () => put(sample(), 40, 1 << 20, 8), code: "ELF_TRUNCATED", offset: 40 },
  { name: "e_shoff above 2^53", bytes: () => put(sample(), 40, 1n << 60n, 8), code: "ELF_VALUE_TOO_LARGE", offset: 40 },
  { name: "huge section count", bytes: () => put(sample(), 60, 0xfff0, 2), code: "ELF_TRUNCATED" },
  { name: "bad e_shentsize", bytes: () => put(sample(), 58, 40, 2), code: "ELF_BAD_HEADER", offset: 58 },
  { name: "e_shstrndx out of range", bytes: () => put(sample(), 62, 40, 2), code: "ELF_BAD_HEADER", offset: 62 },
  { name: "e_shstrndx not a string table", bytes: () => put(sample(), 62, 1, 2), code: "ELF_BAD_HEADER" },
  { name: "section outside the file", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 64 + 32, 1 << 16, 8); }, code: "ELF_SECTION_OUT_OF_BOUNDS" },
  { name: "section size overflows", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 64 + 32, (1n << 53n) - 1n, 8); }, code: "ELF_SECTION_OUT_OF_BOUNDS" },
  { name: "sections overlap", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 2 * 64 + 24, 72, 8); }, code: "ELF_SECTION_OVERLAP" },
  { name: "section overlaps the ELF header", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 64 + 24, 8, 8); }, code: "ELF_SECTION_OVERLAP" },
  { name: "section overlaps the section header table", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 64 + 24, shoffOf(b) + 8, 8); }, code: "ELF_SECTION_OVERLAP" },
  { name: "section name past its table", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 64, 5000, 4); }, code: "ELF_BAD_STRING", section: ".shstrtab" },
  { name: "symbol table entsize", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 3 * 64 + 56, 16, 8); }, code: "ELF_BAD_ENTSIZE", deep: true, section: ".symtab" },
  { name: "symbol table links to a non-string table", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 3 * 64 + 40, 1, 4); }, code: "ELF_BAD_LINK", deep: true },
  { name: "symbol in a missing section", bytes: () => sample(true, { syms: [{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x12, shndx: 77 }] }), code: "ELF_BAD_SYMBOL", deep: true, section: ".symtab" },
  { name: "symbol with a reserved section index", bytes: () => sample(true, { syms: [{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x12, shndx: 0xff10 }] }), code: "ELF_BAD_SYMBOL", deep: true },
  { name: "symbol outside its section", bytes: () => sample(true, { syms: [{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x12, shndx: 1, value: 24, size: 16 }] }), code: "ELF_BAD_SYMBOL", deep: true },
  { name: "SHN_XINDEX without SYMTAB_SHNDX", bytes: () => sample(true, { syms: [{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x12, shndx: SHN.XINDEX }] }), code: "ELF_BAD_SYMBOL", deep: true },
  { name: "symbol name past the string table", bytes: () => sample(true, { syms: [{ name: 0, info: 0, shndx: 0 }, { name: 999, info: 0x12, shndx: 1 }] }), code: "ELF_BAD_STRING", deep: true },
  { name: "relocation to a missing symbol", bytes: () => sample(true, { rels: [{ offset: 0, sym: 9, type: 1 }] }), code: "ELF_BAD_RELOCATION", deep: true, section: ".rel.text" },
  { name: "relocation outside its section", bytes: () => sample(true, { rels: [{ offset: 32, sym: 1, type: 1 }] }), code: "ELF_BAD_RELOCATION", deep: true, section: ".rel.text" },
  { name: "relocation section for a missing section", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 4 * 64 + 44, 99, 4); }, code: "ELF_BAD_LINK", deep: true },
  { name: "relocation section not linked to the symbol table", bytes: () => { const b = sample(); return put(b, shoffOf(b) + 4 * 64 + 40, 2, 4); }, code: "ELF_BAD_LINK", deep: true },
];

for (const c of bad) {
  test(`bad input: ${c.name} -> ${c.code}`, () => {
    const err = elfError(() => {
      const elf = parseElf(c.bytes());
      if (c.deep) fullyRead(elf);
    });
    assert.equal(err.code, c.code, err.message);
    assert.ok(err.hint, "has a hint");
    if (c.offset !== undefined) assert.equal(err.where.offset, c.offset);
    else assert.equal(typeof err.where.offset, "number", "says where");
    if (c.section !== undefined) assert.equal(err.where.section, c.section);
  });
}

test("fuzz: mutated and truncated real objects give a model or an ElfError, quickly", () => {
  const random = prng(0x5eed);
  const seeds = [...committedObjects.map(readObject), sample(true), sample(false)];
  let ok = 0;
  let errors = 0;
  for (let round = 0; round < 3000; round++) {
    const seed = seeds[Math.floor(random() * seeds.length)]!;
    let bytes = seed.slice();
    const mode = random();
    if (mode < 0.15) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
    const flips = 1 + Math.floor(random() * 8);
    for (let k = 0; k < flips && bytes.length > 0; k++) {
      // Headers are where corruption bites: aim half of the flips there.
      const region = random() < 0.5 ? Math.min(bytes.length, 64) : bytes.length;
      const at = random() < 0.3 && bytes.length > 64 ? shoffOrZero(bytes) + Math.floor(random() * Math.max(1, bytes.length - shoffOrZero(bytes))) : Math.floor(random() * region);
      if (at < bytes.length) bytes[at] = Math.floor(random() * 256);
    }
    const started = performance.now();
    try {
      fullyRead(parseElf(bytes));
      ok++;
    } catch (err) {
      if (!(err instanceof ElfError)) throw new Error(`round ${round}: ${String(err)}`, { cause: err });
      errors++;
    }
    const ms = performance.now() - started;
    assert.ok(ms < 200, `round ${round} took ${ms.toFixed(1)} ms`);
  }
  assert.ok(ok > 0 && errors > 0, `both outcomes seen (ok ${ok}, errors ${errors})`);
});

function shoffOrZero(b: Uint8Array): number {
  if (b.length < 48) return 0;
  const v = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(40, b[5] !== 2));
  return v < b.length ? v : 0;
}
