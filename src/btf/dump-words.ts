// The flat view the dumps walk: every type record of a Btf and its bases as
// host-order u32 words in one array, and every string byte in one array, both
// indexed the way BTF indexes them (type id, global string offset). A dump
// visits all ~130k types of a kernel, so it reads numbers from here instead of
// materialising type objects or going through per-call bounds checks.
import type { Btf } from "./btf.js";
import { BtfKind as K } from "./kinds.js";
import type { StringTable } from "./strings.js";

/** Words of a record header: name_off, info, size_or_type. */
export const REC_NAME = 0;
export const REC_INFO = 1;
export const REC_SIZE_TYPE = 2;
export const REC_DATA = 3;

export class TypeWords {
  /** Records of all types (base first); words[0..2] is void's all-zero record. */
  readonly words: Uint32Array;
  /** Word index of each type id's record in `words`. */
  readonly at: Uint32Array;
  /** One past the largest type id. */
  readonly count: number;
  /** Every string section (base first) concatenated: indexed by global string offset. */
  readonly str: Uint8Array;
  /** Decoded strings (for name maps), by global offset. */
  readonly strings: StringTable;

  constructor(btf: Btf) {
    const layers: Btf[] = [];
    for (let b: Btf | undefined = btf; b !== undefined; b = b.base) layers.unshift(b);
    let total = 3;
    for (const l of layers) total += l.header.typeLen >>> 2;
    const words = new Uint32Array(total);
    const at = new Uint32Array(btf.typeCount);
    let w = 3;
    for (const l of layers) {
      const typeStart = l.header.hdrLen + l.header.typeOff;
      copyWords(l, typeStart, words, w);
      const offsets = l.offsets;
      for (let i = 0, id = l.startId; i < offsets.length; i++, id++) at[id] = w + ((offsets[i]! - typeStart) >>> 2);
      w += l.header.typeLen >>> 2;
    }
    this.words = words;
    this.at = at;
    this.count = btf.typeCount;
    this.strings = btf.strings;
    this.str = layers.length === 1 ? btf.strings.bytes : concatStrings(layers);
  }

  // Masks as the opening pass frames records (wire.ts), so dumps and decoding agree.
  kind(id: number): number {
    return (this.words[this.at[id]! + REC_INFO]! >>> 24) & 0x7f;
  }

  vlen(id: number): number {
    return this.words[this.at[id]! + REC_INFO]! & 0xffffff;
  }

  kindFlag(id: number): boolean {
    return this.words[this.at[id]! + REC_INFO]! >>> 31 === 1;
  }

  nameOff(id: number): number {
    return this.words[this.at[id]!]!;
  }

  sizeOrType(id: number): number {
    return this.words[this.at[id]! + REC_SIZE_TYPE]!;
  }

  /** The type ids a record refers to (for error reports; allocates). */
  references(id: number): number[] {
    const w = this.words;
    const at = this.at[id]!;
    const info = w[at + REC_INFO]!;
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    const out: number[] = [];
    const elems = (first: number, stride: number) => {
      for (let i = 0; i < vlen; i++) out.push(w[at + REC_DATA + first + i * stride]!);
    };
    if (kind === K.STRUCT || kind === K.UNION) elems(1, 3);
    else if (kind === K.FUNC_PROTO) {
      out.push(w[at + REC_SIZE_TYPE]!);
      elems(1, 2);
    } else if (kind === K.DATASEC) elems(0, 3);
    else if (kind === K.ARRAY) out.push(w[at + REC_DATA]!, w[at + REC_DATA + 1]!);
    else if (kind !== K.INT && kind !== K.ENUM && kind !== K.ENUM64 && kind !== K.FWD && kind !== K.FLOAT) out.push(w[at + REC_SIZE_TYPE]!);
    return out;
  }

  /** The string at a global offset, "" for 0 (decoded; for maps keyed by name). */
  string(off: number): string {
    return off === 0 ? "" : this.strings.get(off);
  }

  /** Whether a string offset lies inside the string sections. */
  validString(off: number): boolean {
    return off < this.str.length;
  }
}

const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies a layer's type section into `out` at word `w`, in host byte order. */
function copyWords(btf: Btf, typeStart: number, out: Uint32Array, w: number): void {
  const len = btf.header.typeLen >>> 2;
  const bytes = btf.bytes;
  const byteOffset = bytes.byteOffset + typeStart;
  if (btf.littleEndian === hostLittleEndian && byteOffset % 4 === 0) {
    out.set(new Uint32Array(bytes.buffer, byteOffset, len), w);
    return;
  }
  const view = btf.view;
  const le = btf.littleEndian;
  for (let i = 0; i < len; i++) out[w + i] = view.getUint32(typeStart + i * 4, le);
}

function concatStrings(layers: Btf[]): Uint8Array {
  const last = layers[layers.length - 1]!.strings;
  const out = new Uint8Array(last.length);
  for (const l of layers) out.set(l.strings.bytes, l.strings.start);
  return out;
}
