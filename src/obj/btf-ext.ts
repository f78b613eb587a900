// .BTF.ext: the per-instruction side tables clang writes next to .BTF
// (Documentation/bpf/btf.rst "BTF.ext section"): func_info, line_info and
// CO-RE relocation records, grouped by the code section they describe. Records
// are kept in columns (one Uint32Array per field) read from one DataView;
// instruction offsets stay in bytes, as in the file.
import { ObjectError } from "../errors.js";
import type { Btf } from "../btf/index.js";

const MAGIC = 0xeb9f;
/** Header bytes up to and including line_info_len; core_relo_off/len follow. */
const HEADER_MIN = 24;
const HEADER_CORE = 32;
/** Minimal record sizes: bpf_func_info, bpf_line_info, bpf_core_relo. */
export const FUNC_INFO_SIZE = 8;
export const LINE_INFO_SIZE = 16;
export const CORE_RELO_SIZE = 16;
/** Highest bpf_core_relo_kind (BPF_CORE_TYPE_MATCHES). */
const MAX_CORE_KIND = 12;

/** The records of one code section in one of the three tables. */
export interface BtfExtSection {
  /** The code section (ELF section name, as written in the .BTF strings). */
  readonly name: string;
  /** Byte offset, inside .BTF.ext, of this section's info header (sec_name_off, num_info). */
  readonly offset: number;
  readonly count: number;
  /** Instruction byte offset of each record inside the code section. */
  readonly insnOff: Uint32Array;
}

export interface FuncInfoSection extends BtfExtSection {
  /** BTF id of the FUNC. */
  readonly typeId: Uint32Array;
}

export interface LineInfoSection extends BtfExtSection {
  /** String offsets into .BTF of the file name and the source line. */
  readonly fileNameOff: Uint32Array;
  readonly lineOff: Uint32Array;
  /** line_num << 10 | line_col, as in bpf_line_info. */
  readonly lineCol: Uint32Array;
}

export interface CoreReloSection extends BtfExtSection {
  /** BTF id of the local root type. */
  readonly typeId: Uint32Array;
  /** String offset into .BTF of the access spec ("0:1:2"). */
  readonly accessStrOff: Uint32Array;
  /** bpf_core_relo_kind. */
  readonly kind: Uint32Array;
}

/** A validated .BTF.ext. */
export interface BtfExt {
  readonly littleEndian: boolean;
  readonly headerLength: number;
  /** Record sizes as written (at least the minimal sizes above; extra bytes are ignored). */
  readonly funcInfoRecSize: number;
  readonly lineInfoRecSize: number;
  readonly coreReloRecSize: number;
  readonly funcInfo: readonly FuncInfoSection[];
  readonly lineInfo: readonly LineInfoSection[];
  readonly coreRelos: readonly CoreReloSection[];
}

function bad(message: string, offset: number, hint: string): ObjectError {
  return new ObjectError("OBJ_BAD_BTF_EXT", `.BTF.ext+${offset}: ${message}`, { section: ".BTF.ext", offset, hint });
}

interface Table {
  what: string;
  off: number;
  len: number;
  minRecSize: number;
}

/**
 * Parses and validates .BTF.ext against the object's BTF (string offsets and
 * type ids must exist there). Throws ObjectError naming the offset inside
 * .BTF.ext.
 */
export function parseBtfExt(bytes: Uint8Array, btf: Btf, littleEndian: boolean): BtfExt {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.length;
  if (size < 8) throw bad(`${size} bytes is shorter than the .BTF.ext header`, 0, "the section is truncated");
  const magic = view.getUint16(0, littleEndian);
  if (magic !== MAGIC) {
    const swapped = view.getUint16(0, !littleEndian) === MAGIC;
    throw bad(`bad magic 0x${magic.toString(16)}`, 0, swapped ? ".BTF.ext is in the other byte order than the ELF file" : "expected 0xeb9f: the section is corrupt");
  }
  const le = littleEndian;
  if (bytes[2] !== 1) throw bad(`version ${bytes[2]} is not 1`, 2, "only BTF.ext version 1 exists");
  if (bytes[3] !== 0) throw bad(`flags 0x${bytes[3]!.toString(16)} are not 0`, 3, "no .BTF.ext flags are defined");
  const hdrLen = view.getUint32(4, le);
  if (hdrLen < HEADER_MIN) throw bad(`header length ${hdrLen} is below ${HEADER_MIN}`, 4, "the header must hold func_info and line_info offsets");
  if (hdrLen > size) throw bad(`header length ${hdrLen} exceeds the section (${size} bytes)`, 4, "the section is truncated");
  if (hdrLen === size) throw bad("the section has a header and no data", 4, "libbpf refuses an empty .BTF.ext");
  const tables: Table[] = [
    { what: "func_info", off: view.getUint32(8, le), len: view.getUint32(12, le), minRecSize: FUNC_INFO_SIZE },
    { what: "line_info", off: view.getUint32(16, le), len: view.getUint32(20, le), minRecSize: LINE_INFO_SIZE },
  ];
  if (hdrLen >= HEADER_CORE) tables.push({ what: "core_relo", off: view.getUint32(24, le), len: view.getUint32(28, le), minRecSize: CORE_RELO_SIZE });
  const ctx = { view, le, size, hdrLen, btf };
  const [func, line, core] = tables.map((t) => parseTable(ctx, t));
  return {
    littleEndian,
    headerLength: hdrLen,
    funcInfoRecSize: func!.recSize,
    lineInfoRecSize: line!.recSize,
    coreReloRecSize: core?.recSize ?? CORE_RELO_SIZE,
    funcInfo: func!.sections.map((s) => funcSection(ctx, s)),
    lineInfo: line!.sections.map((s) => lineSection(ctx, s)),
    coreRelos: (core?.sections ?? []).map((s) => coreSection(ctx, s)),
  };
}

interface Ctx {
  view: DataView;
  le: boolean;
  size: number;
  hdrLen: number;
  btf: Btf;
}

interface RawSection {
  what: string;
  name: string;
  offset: number;
  count: number;
  recSize: number;
}

function parseTable(ctx: Ctx, t: Table): { recSize: number; sections: RawSection[] } {
  if (t.len === 0) return { recSize: t.minRecSize, sections: [] };
  const start = ctx.hdrLen + t.off;
  if (t.off % 4 !== 0) throw bad(`${t.what} offset ${t.off} is not 4-byte aligned`, start, "the header is corrupt");
  if (start > ctx.size || t.len > ctx.size - start) {
    throw bad(`${t.what} [${start}, ${start + t.len}) runs past the section end (${ctx.size})`, start, "the header is corrupt or the section truncated");
  }
  if (t.len < 4) throw bad(`${t.what} has no record size`, start, "the table is truncated");
  const recSize = ctx.view.getUint32(start, ctx.le);
  if (recSize < t.minRecSize || recSize % 4 !== 0) {
    throw bad(`${t.what} record size ${recSize} is invalid (at least ${t.minRecSize}, a multiple of 4)`, start, "the table is corrupt");
  }
  if (t.len === 4) throw bad(`${t.what} has a record size and no sections`, start, "libbpf refuses empty tables");
  const sections: RawSection[] = [];
  const end = start + t.len;
  let at = start + 4;
  while (at < end) {
    if (end - at < 8) throw bad(`${t.what} section header truncated`, at, "the table is corrupt");
    const nameOff = ctx.view.getUint32(at, ctx.le);
    const count = ctx.view.getUint32(at + 4, ctx.le);
    if (count === 0) throw bad(`${t.what} section has no records`, at, "num_info must be positive");
    if (count > (end - at - 8) / recSize) throw bad(`${t.what} section's ${count} records of ${recSize} bytes run past the table end`, at, "num_info is corrupt");
    if (!ctx.btf.strings.has(nameOff) || nameOff === 0) throw bad(`${t.what} section name offset ${nameOff} is not a .BTF string`, at, "the record refers to a missing string");
    sections.push({ what: t.what, name: ctx.btf.string(nameOff), offset: at, count, recSize });
    at += 8 + count * recSize;
  }
  return { recSize, sections };
}

/** Reads word `w` of every record of a section into a column, checking insn_off alignment for word 0. */
function read(ctx: Ctx, s: RawSection, w: number): Uint32Array {
  const out = new Uint32Array(s.count);
  let at = s.offset + 8 + w * 4;
  for (let i = 0; i < s.count; i++, at += s.recSize) out[i] = ctx.view.getUint32(at, ctx.le);
  if (w === 0) {
    for (let i = 0; i < s.count; i++) {
      if (out[i]! % 8 !== 0) throw bad(`${s.what} record ${i} of section '${s.name}': instruction offset ${out[i]} is not a multiple of 8`, s.offset + 8 + i * s.recSize, "records point at whole instructions");
    }
  }
  return out;
}

function checkTypes(ctx: Ctx, s: RawSection, ids: Uint32Array): void {
  const count = ctx.btf.typeCount;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i]! >= count) throw bad(`${s.what} record ${i} of section '${s.name}': type id ${ids[i]} does not exist (BTF has ${count})`, s.offset + 8 + i * s.recSize + 4, "the record refers to a missing type");
  }
}

function checkStrings(ctx: Ctx, s: RawSection, offs: Uint32Array, word: number, what: string): void {
  for (let i = 0; i < offs.length; i++) {
    if (!ctx.btf.strings.has(offs[i]!)) {
      throw bad(`${s.what} record ${i} of section '${s.name}': ${what} offset ${offs[i]} is not a .BTF string`, s.offset + 8 + i * s.recSize + word * 4, "the record refers to a missing string");
    }
  }
}

function funcSection(ctx: Ctx, s: RawSection): FuncInfoSection {
  const typeId = read(ctx, s, 1);
  checkTypes(ctx, s, typeId);
  return { name: s.name, offset: s.offset, count: s.count, insnOff: read(ctx, s, 0), typeId };
}

function lineSection(ctx: Ctx, s: RawSection): LineInfoSection {
  const fileNameOff = read(ctx, s, 1);
  const lineOff = read(ctx, s, 2);
  checkStrings(ctx, s, fileNameOff, 1, "file name");
  checkStrings(ctx, s, lineOff, 2, "line");
  return { name: s.name, offset: s.offset, count: s.count, insnOff: read(ctx, s, 0), fileNameOff, lineOff, lineCol: read(ctx, s, 3) };
}

function coreSection(ctx: Ctx, s: RawSection): CoreReloSection {
  const typeId = read(ctx, s, 1);
  const accessStrOff = read(ctx, s, 2);
  const kind = read(ctx, s, 3);
  checkTypes(ctx, s, typeId);
  checkStrings(ctx, s, accessStrOff, 2, "access string");
  for (let i = 0; i < kind.length; i++) {
    if (kind[i]! > MAX_CORE_KIND) throw bad(`core_relo record ${i} of section '${s.name}': kind ${kind[i]} is unknown`, s.offset + 8 + i * s.recSize + 12, "kinds are 0..12 (bpf_core_relo_kind)");
  }
  return { name: s.name, offset: s.offset, count: s.count, insnOff: read(ctx, s, 0), typeId, accessStrOff, kind };
}
