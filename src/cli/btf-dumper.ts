// bpftool's btf_dumper: a map key or value printed from its BTF type into a
// bpftool JSON writer, plain-text flavour (`map dump` without -j) or JSON
// flavour (the "formatted" member of `map dump -j`). Every quirk is kept so
// the output equals bpftool 7.1's byte for byte: bitfields in hex, `char`
// arrays as strings only when printable and NUL-terminated, pointers as %p
// in plain text, floats and type tags unsupported.
import { type Btf, BtfKind, IntEncoding } from "../btf/index.js";
import { BpftoolJson } from "./bpftool-json.js";

export interface BtfDumper {
  readonly btf: Btf;
  readonly w: BpftoolJson;
  readonly plainText: boolean;
}

const hex = (v: bigint) => v.toString(16);

/** Reads `n` bytes at `at` as a little-endian unsigned integer (0 past the end, as zeroed memory would read). */
function readLE(view: DataView, at: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(at + i < view.byteLength && at + i >= 0 ? view.getUint8(at + i) : 0);
  return v;
}

/** btf_int128_print of a 128-bit value. */
function int128(d: BtfDumper, value: bigint): void {
  const upper = (value >> 64n) & 0xffffffffffffffffn;
  const lower = value & 0xffffffffffffffffn;
  const text = upper === 0n ? `0x${hex(lower)}` : `0x${hex(upper)}${hex(lower).padStart(16, "0")}`;
  d.w.raw(d.plainText ? text : `"${text}"`);
}

/** btf_dumper_bitfield: `bits` bits at `bitOffset` (< 8) of `at`, printed in hex. */
function bitfield(d: BtfDumper, view: DataView, at: number, bitOffset: number, bits: number): void {
  const bytes = (bitOffset + bits + 7) >> 3;
  const raw = readLE(view, at, bytes);
  int128(d, (raw >> BigInt(bitOffset)) & ((1n << BigInt(bits)) - 1n));
}

function printInt(d: BtfDumper, id: number, bitOffset: number, view: DataView, at: number): boolean {
  const word = d.btf.dataWord(id, 0);
  const bits = word & 0xff;
  const intOffset = (word >>> 16) & 0xff;
  const encoding = (word >>> 24) & 0x0f;
  const intBits = () => {
    const total = bitOffset + intOffset;
    bitfield(d, view, at + (total >> 3), total & 7, bits);
  };
  if (bitOffset !== 0 || intOffset !== 0 || bits % 8 !== 0) {
    intBits();
    return true;
  }
  if (bits === 128) {
    int128(d, readLE(view, at, 16));
    return true;
  }
  const sized = bits === 64 || bits === 32 || bits === 16 || bits === 8;
  switch (encoding) {
    case 0:
      if (sized) d.w.raw(String(readLE(view, at, bits / 8)));
      else intBits();
      return true;
    case IntEncoding.SIGNED:
      if (sized) d.w.raw(String(BigInt.asIntN(bits, readLE(view, at, bits / 8))));
      else intBits();
      return true;
    case IntEncoding.CHAR: {
      const c = view.getUint8(at);
      if (c >= 0x20 && c < 0x7f) d.w.raw(`"${String.fromCharCode(c)}"`);
      else if (d.plainText) d.w.raw(`0x${c.toString(16)}`);
      else d.w.raw(`"\\u00${c.toString(16).padStart(2, "0")}"`);
      return true;
    }
    case IntEncoding.BOOL:
      d.w.bool(view.getUint8(at) !== 0);
      return true;
    default:
      return false;
  }
}

function printEnum(d: BtfDumper, id: number, view: DataView, at: number): boolean {
  const size = d.btf.sizeOrType(id);
  if (size !== 8 && size !== 4 && size !== 2 && size !== 1) return false;
  const value = BigInt.asIntN(size * 8, readLE(view, at, size));
  const n = d.btf.vlen(id);
  for (let i = 0; i < n; i++) {
    if (value === BigInt(d.btf.dataWord(id, i * 2 + 1) | 0)) {
      d.w.string(d.btf.string(d.btf.dataWord(id, i * 2)));
      return true;
    }
  }
  d.w.raw(String(value));
  return true;
}

function printEnum64(d: BtfDumper, id: number, view: DataView, at: number): boolean {
  const value = readLE(view, at, 8);
  const n = d.btf.vlen(id);
  for (let i = 0; i < n; i++) {
    const v = (BigInt(d.btf.dataWord(id, i * 3 + 2)) << 32n) | BigInt(d.btf.dataWord(id, i * 3 + 1));
    if (v === value) {
      d.w.string(d.btf.string(d.btf.dataWord(id, i * 3)));
      return true;
    }
  }
  d.w.raw(String(BigInt.asIntN(64, value)));
  return true;
}

/** btf__resolve_size, bounded. */
function sizeOf(btf: Btf, id: number): number {
  for (let depth = 0; depth < 32; depth++) {
    const k = btf.kind(id);
    switch (k) {
      case BtfKind.INT:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
      case BtfKind.DATASEC:
      case BtfKind.FLOAT:
        return btf.sizeOrType(id);
      case BtfKind.PTR:
        return 8;
      case BtfKind.ARRAY:
        return sizeOf(btf, btf.dataWord(id, 0)) * btf.dataWord(id, 2);
      case BtfKind.TYPEDEF:
      case BtfKind.VOLATILE:
      case BtfKind.CONST:
      case BtfKind.RESTRICT:
      case BtfKind.VAR:
      case BtfKind.DECL_TAG:
      case BtfKind.TYPE_TAG:
        id = btf.sizeOrType(id);
        continue;
      default:
        return -1;
    }
  }
  return -1;
}

/** The C string `arr` holds, when bpftool prints the array as one (printable chars up to a NUL). */
function strArray(btf: Btf, id: number, view: DataView, at: number): string | undefined {
  const n = btf.dataWord(id, 2);
  if (n === 0) return undefined;
  let elem = btf.dataWord(id, 0);
  while ([BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT, BtfKind.TYPE_TAG].includes(btf.kind(elem) as 9)) elem = btf.sizeOrType(elem);
  if (btf.kind(elem) !== BtfKind.INT || btf.sizeOrType(elem) !== 1) return undefined;
  if (((btf.dataWord(elem, 0) >>> 24) & 0x0f) !== IntEncoding.CHAR && btf.name(elem) !== "char") return undefined;
  let s = "";
  for (let i = 0; i < n; i++) {
    const c = at + i < view.byteLength ? view.getInt8(at + i) : 0;
    if (c === 0) return s;
    if (c <= 0x1f || c >= 0x7f) return undefined;
    s += String.fromCharCode(c);
  }
  return undefined;
}

function printArray(d: BtfDumper, id: number, view: DataView, at: number): boolean {
  const s = strArray(d.btf, id, view, at);
  if (s !== undefined) {
    d.w.string(s);
    return true;
  }
  const elem = d.btf.dataWord(id, 0);
  const elemSize = sizeOf(d.btf, elem);
  if (elemSize < 0) return false;
  d.w.startArray();
  let ok = true;
  const n = d.btf.dataWord(id, 2);
  for (let i = 0; i < n && ok; i++) ok = dumpType(d, elem, 0, view, at + i * elemSize);
  d.w.endArray();
  return ok;
}

function printStruct(d: BtfDumper, id: number, view: DataView, at: number): boolean {
  d.w.startObject();
  const n = d.btf.vlen(id);
  const kflag = d.btf.kindFlag(id);
  let ok = true;
  for (let i = 0; i < n && ok; i++) {
    const raw = d.btf.dataWord(id, i * 3 + 2);
    const bitOffset = kflag ? raw & 0xffffff : raw;
    const bitfieldSize = kflag ? raw >>> 24 : 0;
    d.w.name(d.btf.string(d.btf.dataWord(id, i * 3)));
    const where = at + (bitOffset >> 3);
    if (bitfieldSize) bitfield(d, view, where, bitOffset & 7, bitfieldSize);
    else ok = dumpType(d, d.btf.dataWord(id, i * 3 + 1), bitOffset & 7, view, where);
  }
  d.w.endObject();
  return ok;
}

function printPtr(d: BtfDumper, view: DataView, at: number): void {
  const value = readLE(view, at, 8);
  if (!d.plainText) d.w.raw(String(value));
  else d.w.raw(value === 0n ? "(nil)" : `0x${hex(value)}`);
}

/** btf_dumper_do_type: false where bpftool stops with an error (the output so far stays). */
export function dumpType(d: BtfDumper, id: number, bitOffset: number, view: DataView, at: number): boolean {
  const btf = d.btf;
  switch (btf.kind(id)) {
    case BtfKind.INT:
      return printInt(d, id, bitOffset, view, at);
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return printStruct(d, id, view, at);
    case BtfKind.ARRAY:
      return printArray(d, id, view, at);
    case BtfKind.ENUM:
      return printEnum(d, id, view, at);
    case BtfKind.ENUM64:
      return printEnum64(d, id, view, at);
    case BtfKind.PTR:
      printPtr(d, view, at);
      return true;
    case BtfKind.UNKN:
      d.w.raw("(unknown)");
      return true;
    case BtfKind.FWD:
      d.w.raw("(fwd-kind-invalid)");
      return false;
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT: {
      let target = id;
      for (let i = 0; i < 32 && [BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST, BtfKind.RESTRICT, BtfKind.TYPE_TAG, BtfKind.VAR].includes(btf.kind(target) as 8); i++) target = btf.sizeOrType(target);
      return dumpType(d, target, bitOffset, view, at);
    }
    case BtfKind.VAR: {
      d.w.startObject();
      d.w.name(btf.name(id));
      const ok = dumpType(d, btf.sizeOrType(id), bitOffset, view, at);
      d.w.endObject();
      return ok;
    }
    case BtfKind.DATASEC: {
      d.w.startObject();
      d.w.name(btf.name(id));
      d.w.startArray();
      let ok = true;
      const n = btf.vlen(id);
      for (let i = 0; i < n && ok; i++) ok = dumpType(d, btf.dataWord(id, i * 3), 0, view, at + btf.dataWord(id, i * 3 + 1));
      d.w.endArray();
      d.w.endObject();
      return ok;
    }
    default:
      d.w.raw("(unsupported-kind");
      return false;
  }
}

/** bpftool's fprint_hex: bytes as "%02x" joined by `sep`, two spaces every 8 bytes, a newline every 16. */
export function fprintHex(bytes: Uint8Array, sep = " "): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    let pfx = "";
    if (i === 0) pfx = "";
    else if (i % 16 === 0) out += "\n";
    else if (i % 8 === 0) out += "  ";
    else pfx = sep;
    out += pfx + bytes[i]!.toString(16).padStart(2, "0");
  }
  return out;
}
