// The BTF wire format: header layout, per-kind record sizes and the rules on
// vlen and kind_flag. Everything here reads numbers; nothing allocates per type.
import { BtfError } from "../errors.js";
import { BtfKind, MAX_KNOWN_KIND, kindName } from "./kinds.js";

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** Header up to and including str_len. */
export const HEADER_MIN_LEN = 24;
/** Header including the layout section fields (layout_off, layout_len). */
export const HEADER_LAYOUT_LEN = 32;
/** name_off, info, size/type. */
export const TYPE_HEADER_SIZE = 12;

/** Largest offset a name_off can hold (24 bits in the kernel's checks, 32 on the wire). */
export const MAX_VLEN = 0xffffff;

/** The parsed BTF header; offsets are relative to the end of the header, as on the wire. */
export interface BtfHeader {
  readonly littleEndian: boolean;
  readonly version: number;
  readonly flags: number;
  /** hdr_len: 24, 32 (with layout fields) or more (newer kernels). */
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
  /** Layout section (0/0 when absent or hdr_len < 32). */
  readonly layoutOff: number;
  readonly layoutLen: number;
  /** Non-zero header bytes past the fields this decoder knows (they are ignored). */
  readonly unknownHeaderData: boolean;
}

/** One entry of the optional layout section: how a kind's records are sized. */
export interface KindLayout {
  readonly infoSize: number;
  readonly elemSize: number;
  readonly flags: number;
}

/** Bytes that follow the 12-byte type header once, by kind (-1: unknown kind). */
const FIXED_EXTRA = new Int8Array(MAX_KNOWN_KIND + 1);
/** Bytes per vlen element, by kind. */
const VLEN_ELEM = new Uint8Array(MAX_KNOWN_KIND + 1);
/** Kinds whose vlen field carries meaning (elements, or FUNC's linkage). */
const VLEN_MEANINGFUL = new Uint8Array(MAX_KNOWN_KIND + 1);
/** Kinds whose kind_flag carries meaning. */
const KFLAG_MEANINGFUL = new Uint8Array(MAX_KNOWN_KIND + 1);

FIXED_EXTRA[BtfKind.UNKN] = -1;
FIXED_EXTRA[BtfKind.INT] = 4;
FIXED_EXTRA[BtfKind.ARRAY] = 12;
FIXED_EXTRA[BtfKind.VAR] = 4;
FIXED_EXTRA[BtfKind.DECL_TAG] = 4;
VLEN_ELEM[BtfKind.STRUCT] = 12;
VLEN_ELEM[BtfKind.UNION] = 12;
VLEN_ELEM[BtfKind.ENUM] = 8;
VLEN_ELEM[BtfKind.FUNC_PROTO] = 8;
VLEN_ELEM[BtfKind.DATASEC] = 12;
VLEN_ELEM[BtfKind.ENUM64] = 12;
for (const k of [BtfKind.STRUCT, BtfKind.UNION, BtfKind.ENUM, BtfKind.FUNC, BtfKind.FUNC_PROTO, BtfKind.DATASEC, BtfKind.ENUM64]) {
  VLEN_MEANINGFUL[k] = 1;
}
for (const k of [BtfKind.STRUCT, BtfKind.UNION, BtfKind.ENUM, BtfKind.FWD, BtfKind.DECL_TAG, BtfKind.TYPE_TAG, BtfKind.ENUM64]) {
  KFLAG_MEANINGFUL[k] = 1;
}

/** Bytes of data after the type header for a known kind, or -1 for an unknown kind. */
export function trailingSize(kind: number, vlen: number): number {
  if (kind > MAX_KNOWN_KIND) return -1;
  const fixed = FIXED_EXTRA[kind]!;
  if (fixed < 0) return -1;
  return fixed + vlen * VLEN_ELEM[kind]!;
}

export function vlenMeaningful(kind: number): boolean {
  return VLEN_MEANINGFUL[kind] === 1;
}

export function kindFlagMeaningful(kind: number): boolean {
  return KFLAG_MEANINGFUL[kind] === 1;
}

export const infoKind = (info: number): number => (info >>> 24) & 0x7f;
export const infoVlen = (info: number): number => info & 0xffffff;
export const infoKindFlag = (info: number): boolean => info >>> 31 === 1;
export const makeInfo = (kind: number, vlen: number, kindFlag: boolean): number =>
  ((kindFlag ? 0x80000000 : 0) | ((kind & 0x7f) << 24) | (vlen & 0xffffff)) >>> 0;

/** Validates and reads the header of a BTF blob. */
export function parseHeader(view: DataView): BtfHeader {
  const size = view.byteLength;
  // The magic first: "not BTF at all" says more than "too short".
  const magicLE = size >= 2 ? view.getUint16(0, true) : 0;
  let littleEndian: boolean;
  if (magicLE === BTF_MAGIC) littleEndian = true;
  else if (size >= 2 && view.getUint16(0, false) === BTF_MAGIC) littleEndian = false;
  else {
    throw new BtfError("BTF_BAD_MAGIC", `bad BTF magic 0x${magicLE.toString(16).padStart(4, "0")}`, {
      offset: 0,
      hint: "expected 0xeb9f in either byte order; is this raw BTF (not ELF, gzip or xz)?",
    });
  }
  if (size < HEADER_MIN_LEN) {
    throw new BtfError("BTF_TRUNCATED", `BTF blob of ${size} bytes is shorter than the ${HEADER_MIN_LEN}-byte header`, {
      offset: 0,
      hint: "the input was cut short",
    });
  }
  const version = view.getUint8(2);
  if (version !== BTF_VERSION) {
    throw new BtfError("BTF_BAD_VERSION", `unsupported BTF version ${version}`, { offset: 2, hint: "only version 1 exists" });
  }
  const flags = view.getUint8(3);
  const hdrLen = view.getUint32(4, littleEndian);
  if (hdrLen < HEADER_MIN_LEN) {
    throw new BtfError("BTF_BAD_HEADER", `BTF hdr_len ${hdrLen} is shorter than ${HEADER_MIN_LEN}`, { offset: 4 });
  }
  if (hdrLen > size) {
    throw new BtfError("BTF_TRUNCATED", `BTF hdr_len ${hdrLen} exceeds the blob's ${size} bytes`, { offset: 4 });
  }
  const u32 = (off: number) => view.getUint32(off, littleEndian);
  const typeOff = u32(8);
  const typeLen = u32(12);
  const strOff = u32(16);
  const strLen = u32(20);
  const hasLayout = hdrLen >= HEADER_LAYOUT_LEN;
  const layoutOff = hasLayout ? u32(24) : 0;
  const layoutLen = hasLayout ? u32(28) : 0;
  let unknownHeaderData = false;
  for (let i = HEADER_LAYOUT_LEN; i < hdrLen; i++) {
    if (view.getUint8(i) !== 0) {
      unknownHeaderData = true;
      break;
    }
  }
  const dataLen = size - hdrLen;
  const bad = (code: string, message: string, offset: number, hint?: string): never => {
    throw new BtfError(code, message, hint === undefined ? { offset } : { offset, hint });
  };
  if (typeOff % 4 !== 0) bad("BTF_BAD_SECTION", `BTF type section offset ${typeOff} is not 4-byte aligned`, 8);
  if (typeOff + typeLen > strOff) {
    bad("BTF_BAD_SECTION", `BTF type section ${typeOff}+${typeLen} overlaps or follows the string section at ${strOff}`, 8);
  }
  if (strOff + strLen > dataLen) {
    bad("BTF_TRUNCATED", `BTF string section ${strOff}+${strLen} runs past the ${dataLen} bytes after the header`, 16);
  }
  if (layoutLen !== 0) {
    if (layoutOff % 4 !== 0) bad("BTF_BAD_SECTION", `BTF layout section offset ${layoutOff} is not 4-byte aligned`, 24);
    if (layoutLen % 4 !== 0) bad("BTF_BAD_SECTION", `BTF layout section length ${layoutLen} is not a multiple of 4`, 28);
    if (layoutOff < typeOff + typeLen || layoutOff + layoutLen > strOff) {
      bad("BTF_BAD_SECTION", `BTF layout section ${layoutOff}+${layoutLen} is not between the type and string sections`, 24);
    }
  }
  return { littleEndian, version, flags, hdrLen, typeOff, typeLen, strOff, strLen, layoutOff, layoutLen, unknownHeaderData };
}

/** Reads the layout section (4 bytes per kind) described by the header. */
export function parseLayout(view: DataView, header: BtfHeader): KindLayout[] | undefined {
  if (header.layoutLen === 0) return undefined;
  const start = header.hdrLen + header.layoutOff;
  const out: KindLayout[] = [];
  for (let off = start; off < start + header.layoutLen; off += 4) {
    out.push({ infoSize: view.getUint8(off), elemSize: view.getUint8(off + 1), flags: view.getUint16(off + 2, header.littleEndian) });
  }
  return out;
}

/** The error for a kind this decoder does not know. */
export function unknownKindError(kind: number, typeId: number, offset: number): BtfError {
  return new BtfError("BTF_UNKNOWN_KIND", `type [${typeId}] has unknown kind ${kind} (${kindName(kind)})`, {
    typeId,
    offset,
    hint: `this decoder knows kinds 1..${MAX_KNOWN_KIND}; the BTF may come from a newer kernel or be corrupt`,
  });
}
