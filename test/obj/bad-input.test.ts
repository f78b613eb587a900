// Bad input: every corruption of a real (or small synthetic) object gives an
// ObjectError whose code says what and whose `where` says in which section
// and at which offset; nothing else escapes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { Btf, BtfKind } from "../../src/btf/index.js";
import { SHT } from "../../src/elf/index.js";
import { MapType, ProgType, parseObject } from "../../src/obj/index.js";
import { buildElf, relBytes, symtabBytes } from "../elf/builder.js";
import { Patcher, objectError, readObject } from "./support.js";

const minimal = readObject("bpf/test/minimal.bpf.o");
const strtab = (...names: string[]) => Uint8Array.from([0, ...names.flatMap((n) => [...new TextEncoder().encode(n), 0])]);
const exitProgram = Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

interface Case {
  name: string;
  bytes: () => Uint8Array;
  code: string;
  section?: string;
  /** Expected `where.offset`, or true for "some offset". */
  offset?: number | true;
  message?: RegExp;
  hint?: RegExp;
}

/** minimal.bpf.o with one change. */
function patched(edit: (p: Patcher) => void, from = minimal): () => Uint8Array {
  return () => {
    const p = new Patcher(from);
    edit(p);
    return p.bytes;
  };
}

/** Offset of field `field` (0 magic .. 28 core_relo_len) of the .BTF.ext header. */
const ext = (p: Patcher, at: number) => p.section(".BTF.ext").offset + at;
/** File offset of the func_info table (its rec_size word). */
const funcTable = (p: Patcher) => ext(p, p.u32(ext(p, 4)) + p.u32(ext(p, 8)));
const lineTable = (p: Patcher) => ext(p, p.u32(ext(p, 4)) + p.u32(ext(p, 16)));

/** A tiny object: one program in `section`, a symbol table, optional extra sections. */
function tiny(section: string, extra: Parameters<typeof buildElf>[0] = [], symbols = [{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x12, shndx: 1, value: 0, size: 16 }], machine?: number): Uint8Array {
  return buildElf(
    [
      { name: section, type: SHT.PROGBITS, data: exitProgram, flags: 6 },
      { name: ".strtab", type: SHT.STRTAB, data: strtab("prog", "ext") },
      { name: ".symtab", type: SHT.SYMTAB, data: symtabBytes(symbols), link: 2, info: 1, entsize: 24 },
      ...extra,
    ],
    machine === undefined ? {} : { machine },
  );
}

/**
 * Sets a map's BPF_MAP_TYPE_* in place: `__uint(type, N)` is a pointer to an
 * `int[N]`, so the nelems of the one ARRAY type of length `from` becomes `to`.
 */
function setMapType(p: Patcher, from: number, to: number): void {
  const s = p.section(".BTF");
  const btf = Btf.parse(p.bytes.subarray(s.offset, s.offset + s.size));
  const ids = [];
  for (let id = 1; id < btf.typeCount; id++) if (btf.kind(id) === BtfKind.ARRAY && btf.dataWord(id, 2) === from) ids.push(id);
  assert.equal(ids.length, 1, `one int[${from}] in the BTF`);
  p.u32(s.offset + btf.recordOffset(ids[0]!) + 12 + 8, to);
}

const arena = () => readObject("bpf/test/arena.bpf.o");

const cases: Case[] = [
  { name: "empty file", bytes: () => new Uint8Array(0), code: "ELF_TRUNCATED", offset: 0 },
  { name: "truncated in the section headers", bytes: () => minimal.slice(0, minimal.length - 100), code: "ELF_TRUNCATED", offset: true },
  { name: "truncated in the section data", bytes: () => minimal.slice(0, 0x200), code: "ELF_TRUNCATED", offset: true },
  { name: "garbage", bytes: () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff), code: "ELF_BAD_MAGIC", offset: 0 },
  { name: "an x86-64 relocatable object", bytes: () => tiny("socket", [], undefined, 62), code: "OBJ_NOT_BPF", offset: 18, message: /x86-64/ },
  { name: "no symbol table", bytes: () => buildElf([{ name: "socket", type: SHT.PROGBITS, data: exitProgram, flags: 6 }]), code: "OBJ_NO_SYMTAB", hint: /strip/ },
  {
    name: "legacy maps section",
    bytes: () => tiny("socket", [{ name: "maps", type: SHT.PROGBITS, data: new Uint8Array(20), flags: 3 }]),
    code: "OBJ_LEGACY_MAPS",
    section: "maps",
    offset: true,
    hint: /__uint\(type, BPF_MAP_TYPE_HASH\).*SEC\("\.maps"\)/,
  },
  { name: "version section of 3 bytes", bytes: () => tiny("socket", [{ name: "version", type: SHT.PROGBITS, data: new Uint8Array(3), flags: 3 }]), code: "OBJ_BAD_VERSION", section: "version", offset: true },
  { name: "unknown program section", bytes: () => tiny("kprobes/do_open"), code: "OBJ_UNKNOWN_SECTION", section: "kprobes/do_open", offset: 0, hint: /'kprobe'/ },
  { name: "static program outside .text", bytes: () => tiny("socket", [], [{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x02, shndx: 1, value: 0, size: 16 }]), code: "OBJ_BAD_PROGRAM", section: "socket", offset: 0, message: /static/ },
  {
    name: "RELA relocations for code",
    bytes: () => tiny("socket", [{ name: ".relasocket", type: SHT.RELA, data: relBytes([{ offset: 0, sym: 1, type: 1 }], true), link: 3, info: 1, entsize: 24 }]),
    code: "OBJ_BAD_RELOCATION",
    section: ".relasocket",
    offset: true,
  },
  {
    name: "extern without BTF",
    bytes: () => tiny("socket", [], [{ name: 0, info: 0, shndx: 0 }, { name: 1, info: 0x12, shndx: 1, value: 0, size: 16 }, { name: 6, info: 0x10, shndx: 0 }]),
    code: "OBJ_BAD_EXTERN",
    message: /'ext' needs BTF/,
  },
  {
    name: "relocation to a symbol that does not exist",
    bytes: patched((p) => p.u32(p.section(".relsocket").offset + 12, 9999)),
    code: "ELF_BAD_RELOCATION",
    section: ".relsocket",
    offset: true,
  },
  {
    name: "relocation to the null symbol",
    bytes: patched((p) => p.u32(p.section(".relsocket").offset + 12, 0)),
    code: "OBJ_BAD_RELOCATION",
    section: ".relsocket",
    offset: 0x928,
    message: /special section/,
  },
  {
    name: "relocation between instructions",
    bytes: patched((p) => p.u64(p.section(".relsocket").offset, 0x24)),
    code: "OBJ_BAD_RELOCATION",
    section: ".relsocket",
    offset: 0x928,
    message: /instruction boundary/,
  },
  {
    name: "relocation on an instruction that takes none",
    bytes: patched((p) => p.u64(p.section(".relsocket").offset + 16, 0x38)),
    code: "OBJ_BAD_RELOCATION",
    section: ".relsocket",
    offset: 0x938,
    message: /neither ldimm64 nor call/,
  },
  {
    name: "relocation of an unknown type",
    bytes: patched((p) => p.u32(p.section(".relsocket").offset + 8, 2)),
    code: "OBJ_BAD_RELOCATION",
    section: ".relsocket",
    offset: 0x928,
    message: /type 2/,
  },
  {
    name: "ldimm64 relocation to a section that is neither maps nor data",
    bytes: patched((p) => p.u32(p.section(".relsocket").offset + 12, p.symbolIndex("LICENSE"))),
    code: "OBJ_BAD_RELOCATION",
    section: ".relsocket",
    offset: 0x928,
    message: /section 'license' is not a map or data section/,
  },
  {
    name: "relocation offset past its section",
    bytes: patched((p) => p.u64(p.section(".relsocket").offset, 0x1000)),
    code: "ELF_BAD_RELOCATION",
    section: ".relsocket",
    offset: 0x928,
  },
  {
    name: "global variable offset outside its section",
    bytes: patched((p) => p.u32(p.section("socket").offset + 10 * 8 + 4, 64)),
    code: "OBJ_BAD_RELOCATION",
    section: ".relsocket",
    offset: 0x938,
    message: /offset 64 lies outside '\.rodata' \(4 bytes\)/,
  },
  { name: "overlapping sections", bytes: patched((p) => p.u64(p.header(".BTF", 24), p.section("socket").offset)), code: "ELF_SECTION_OVERLAP", offset: true },
  { name: "invalid instruction", bytes: patched((p) => { p.bytes[p.section("socket").offset + 8] = 0xff; }), code: "ASM_INVALID_INSN", section: "socket", offset: 8 },
  {
    name: "overlapping functions",
    bytes: patched((p) => p.u64(p.symbol(p.symbolIndex("sock_keep_all")) + 16, 112), readObject("bpf/test/progs_net.bpf.o")),
    code: "OBJ_BAD_PROGRAM",
    section: "socket",
    message: /overlap/,
  },
  { name: ".BTF.ext bad magic", bytes: patched((p) => p.u16(ext(p, 0), 0x1234)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 0 },
  { name: ".BTF.ext in the other byte order", bytes: patched((p) => p.u16(ext(p, 0), 0x9feb)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 0, hint: /byte order/ },
  { name: ".BTF.ext version 2", bytes: patched((p) => { p.bytes[ext(p, 2)] = 2; }), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 2 },
  { name: ".BTF.ext header too short", bytes: patched((p) => p.u32(ext(p, 4), 16)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 4 },
  { name: ".BTF.ext table past the end", bytes: patched((p) => p.u32(ext(p, 12), 0x10000)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: true, message: /runs past/ },
  { name: ".BTF.ext record size too small", bytes: patched((p) => p.u32(funcTable(p), 4)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 32, message: /record size 4/ },
  { name: ".BTF.ext section without records", bytes: patched((p) => p.u32(funcTable(p) + 8, 0)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 36, message: /no records/ },
  { name: ".BTF.ext section with too many records", bytes: patched((p) => p.u32(funcTable(p) + 8, 1000)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 36, message: /run past/ },
  { name: ".BTF.ext section name not a string", bytes: patched((p) => p.u32(funcTable(p) + 4, 0xfffff)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 36 },
  { name: ".BTF.ext func_info of a missing type", bytes: patched((p) => p.u32(funcTable(p) + 16, 99999)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: 48, message: /type id 99999/ },
  { name: ".BTF.ext line_info between instructions", bytes: patched((p) => p.u32(lineTable(p) + 12 + 16, 12)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: true, message: /not a multiple of 8/ },
  { name: ".BTF.ext line_info with a bad string", bytes: patched((p) => p.u32(lineTable(p) + 12 + 4, 0xfffff)), code: "OBJ_BAD_BTF_EXT", section: ".BTF.ext", offset: true, message: /file name offset/ },
  {
    name: "unknown map attribute",
    bytes: patched((p) => p.replaceString(".BTF", "max_entries", "max_entriez"), readObject("bpf/test/maps.bpf.o")),
    code: "OBJ_BAD_MAP",
    section: ".maps",
    message: /unknown field 'max_entriez'/,
  },
  {
    name: "prog array slot naming a map",
    bytes: patched((p) => {
      const rel = p.section(".rel.maps").offset; // first entry: jump_table slot 0 = tail_first
      p.u32(rel + 12, p.symbolIndex("inner_a"));
    }, readObject("bpf/test/maps.bpf.o")),
    code: "OBJ_BAD_MAP_RELOCATION",
    section: ".rel.maps",
    offset: true,
    message: /isn't a valid program reference/,
  },
  {
    name: "__arena variables without an arena map",
    bytes: patched((p) => setMapType(p, MapType.ARENA, MapType.ARRAY), arena()),
    code: "OBJ_ARENA_WITHOUT_MAP",
    section: ".addr_space.1",
    offset: true,
    hint: /BPF_MAP_TYPE_ARENA/,
  },
  {
    name: "two arena maps",
    bytes: patched((p) => setMapType(p, MapType.USER_RINGBUF, MapType.ARENA), readObject("bpf/test/maps_more.bpf.o")),
    code: "OBJ_MULTIPLE_ARENAS",
    section: ".maps",
    offset: true,
    message: /map 'arena'.*map 'user_events'|map 'user_events'.*map 'arena'/,
  },
  {
    name: "__arena variable relocation outside .addr_space.1",
    bytes: patched((p) => {
      // The addend (first imm) of the ldimm64 of arena_page.
      const rel = p.section(".relsyscall");
      const sym = p.symbolIndex("arena_page");
      let at = -1;
      for (let e = rel.offset; e < rel.offset + rel.size; e += 16) if (p.u32(e + 12) === sym) at = p.u64(e);
      p.u32(p.section("syscall").offset + at + 4, 4096);
    }, arena()),
    code: "OBJ_BAD_RELOCATION",
    section: ".relsyscall",
    offset: true,
    message: /offset 4112 lies outside \.addr_space\.1 \(28 bytes\)/,
  },
];

for (const c of cases) {
  test(`bad input: ${c.name} → ObjectError ${c.code}`, () => {
    const err = objectError(() => parseObject(c.bytes()));
    assert.equal(err.code, c.code, err.message);
    if (c.section !== undefined) assert.equal(err.where.section, c.section, err.message);
    if (c.offset === true) assert.equal(typeof err.where.offset, "number", `offset missing: ${err.message}`);
    else if (c.offset !== undefined) assert.equal(err.where.offset, c.offset, err.message);
    if (c.message) assert.match(err.message, c.message);
    if (c.hint) assert.match(err.hint ?? "", c.hint);
    assert.ok(err.hint, `no hint: ${err.message}`);
  });
}

test("a real x86-64 executable is refused as not BPF", { skip: existsSync("/bin/true") ? false : "/bin/true is absent" }, () => {
  const err = objectError(() => parseObject(new Uint8Array(readFileSync("/bin/true"))));
  assert.equal(err.code, "OBJ_NOT_BPF");
  assert.equal(err.where.offset, 18);
});

test("relaxed maps ignore unknown attributes; unknown sections may be allowed", () => {
  const p = new Patcher(readObject("bpf/test/maps.bpf.o"));
  p.replaceString(".BTF", "max_entries", "max_entriez");
  const obj = parseObject(p.bytes, { relaxedMaps: true });
  assert.equal(obj.map("flows")!.maxEntries, 0);
  const unknown = parseObject(tiny("kprobes/do_open"), { allowUnknownSections: true });
  assert.equal(unknown.programs[0]!.type, ProgType.UNSPEC);
  assert.equal(unknown.programs[0]!.sectionInfo, undefined);
});
