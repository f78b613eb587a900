// Struct layout as the C dump recreates it: sizes and alignments computed as
// libbpf computes them (btf__resolve_size, btf__align_of: 0 or negative where
// they fail, packed structs aligned to 1), the packed test, and the anonymous
// bitfields that fill gaps between members.
import { BtfError } from "../errors.js";
import type { ByteWriter } from "./dump-out.js";
import { REC_DATA, REC_INFO, REC_SIZE_TYPE, type TypeWords } from "./dump-words.js";
import { BtfKind as K } from "./kinds.js";

const UINT32_MAX = 0xffffffff;
const LONG_NAMES = new Set([
  "long", "long int", "int long", "unsigned long", "long unsigned", "unsigned long int",
  "unsigned int long", "long unsigned int", "long int unsigned", "int unsigned long", "int long unsigned",
]);

/** libbpf's pointer size guess: the first INT of size 4 or 8 named like `long`, else 8. */
export function guessPointerSize(t: TypeWords): number {
  for (let id = 1; id < t.count; id++) {
    if (t.kind(id) !== K.INT) continue;
    const size = t.sizeOrType(id);
    if ((size === 4 || size === 8) && LONG_NAMES.has(t.string(t.nameOff(id)))) return size;
  }
  return 8;
}

export class CLayout {
  readonly ptrSize: number;
  readonly #w: Uint32Array;
  readonly #at: Uint32Array;
  /** Alignment + 1 by id (0: not computed yet, -1: being computed); read directly on hot paths. */
  readonly aligns: Int32Array;
  /** resolveSize + 2 by id (0: not computed yet, or too large to keep); read directly on hot paths. */
  readonly sizes: Int32Array;

  constructor(t: TypeWords, ptrSize: number) {
    this.ptrSize = ptrSize;
    this.#w = t.words;
    this.#at = t.at;
    this.aligns = new Int32Array(t.count);
    this.sizes = new Int32Array(t.count);
  }

  alignOf(id: number): number {
    const cached = this.aligns[id]!;
    if (cached > 0) return cached - 1;
    if (cached < 0) throw new BtfError("BTF_TYPE_CYCLE", `type [${id}] contains itself`, { typeId: id });
    this.aligns[id] = -1;
    const a = this.#computeAlign(id);
    this.aligns[id] = a + 1;
    return a;
  }

  #computeAlign(id: number): number {
    if (id === 0) return 0;
    const w = this.#w;
    const at = this.#at[id]!;
    const info = w[at + REC_INFO]!;
    switch ((info >>> 24) & 0x7f) {
      case K.INT:
      case K.ENUM:
      case K.ENUM64:
      case K.FLOAT:
        return Math.min(this.ptrSize, w[at + REC_SIZE_TYPE]!);
      case K.PTR:
        return this.ptrSize;
      case K.TYPEDEF:
      case K.VOLATILE:
      case K.CONST:
      case K.RESTRICT:
      case K.TYPE_TAG:
        return this.alignOf(w[at + REC_SIZE_TYPE]!);
      case K.ARRAY:
        return this.alignOf(w[at + REC_DATA]!);
      case K.STRUCT:
      case K.UNION: {
        const vlen = info & 0xffffff;
        const kflag = info >>> 31 === 1;
        const aligns = this.aligns;
        let max = 1;
        for (let i = 0, m = at + REC_DATA; i < vlen; i++, m += 3) {
          const cached = aligns[w[m + 1]!]!;
          const a = cached > 0 ? cached - 1 : this.alignOf(w[m + 1]!);
          if (a <= 0) return a;
          if (a > max) max = a;
          // A member off its type's alignment means the struct is packed.
          const raw = w[m + 2]!;
          if ((!kflag || raw >>> 24 === 0) && raw % (8 * a) !== 0) return 1;
        }
        return w[at + REC_SIZE_TYPE]! % max !== 0 ? 1 : max;
      }
      default:
        return 0;
    }
  }

  /** Packed: a non-bitfield member off its alignment, or a size that is not a multiple of the largest alignment. */
  isPacked(id: number): boolean {
    const w = this.#w;
    const at = this.#at[id]!;
    const info = w[at + REC_INFO]!;
    const vlen = info & 0xffffff;
    const kflag = info >>> 31 === 1;
    const aligns = this.aligns;
    let max = 1;
    for (let i = 0, m = at + REC_DATA; i < vlen; i++, m += 3) {
      const cached = aligns[w[m + 1]!]!;
      const a = cached > 0 ? cached - 1 : this.alignOf(w[m + 1]!);
      const raw = w[m + 2]!;
      if (a !== 0 && (!kflag || raw >>> 24 === 0) && raw % (8 * a) !== 0) return true;
      if (a > max) max = a;
    }
    return w[at + REC_SIZE_TYPE]! % max !== 0;
  }

  /** Bytes of a type, -1 when it has none (btf__resolve_size). */
  resolveSize(id: number): number {
    const cached = this.sizes[id]!;
    if (cached !== 0) return cached - 2;
    const size = this.#computeSize(id);
    if (size < 0x7ffffff0) this.sizes[id] = size + 2;
    return size;
  }

  #computeSize(id: number): number {
    const w = this.#w;
    let nelems = 1;
    for (let depth = 0; depth < 32 && id !== 0; depth++) {
      const at = this.#at[id]!;
      switch ((w[at + REC_INFO]! >>> 24) & 0x7f) {
        case K.INT: case K.STRUCT: case K.UNION: case K.ENUM: case K.ENUM64: case K.DATASEC: case K.FLOAT:
          return scaled(w[at + REC_SIZE_TYPE]!, nelems);
        case K.PTR:
          return scaled(this.ptrSize, nelems);
        case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.VAR: case K.DECL_TAG: case K.TYPE_TAG:
          id = w[at + REC_SIZE_TYPE]!;
          break;
        case K.ARRAY: {
          const n = w[at + REC_DATA + 2]!;
          if (nelems !== 0 && n > Math.floor(UINT32_MAX / nelems)) return -1;
          nelems *= n;
          id = w[at + REC_DATA]!;
          break;
        }
        default:
          return -1;
      }
    }
    return -1;
  }

  /**
   * Fills the gap from bit `cur` to bit `next` with anonymous bitfields: up to
   * the natural boundary of the widest type that fits first (a `type: 0;`
   * marker when the compiler would not align there by itself, the exact bits
   * inside a bitfield run), then whole units of that type, then the smallest
   * type that holds the rest.
   */
  emitPadding(out: ByteWriter, cur: number, next: number, nextAlign: number, inBitfield: boolean, lvl: number): void {
    if (cur >= next) return;
    const longBits = this.ptrSize * 8;
    let unit = 0;
    let type = 0;
    let aligned = 0;
    for (; type < 4; type++) {
      unit = type === 0 ? longBits : 32 >> (type - 1);
      aligned = roundUp(cur, unit);
      if (aligned <= next) break;
    }
    if (type === 4) type = 3;
    if (aligned > cur && aligned <= next) {
      if (
        inBitfield ||
        (aligned === next && roundUp(cur, nextAlign * 8) !== aligned) ||
        (aligned !== next && next - aligned <= aligned - cur)
      ) {
        padLine(out, type, inBitfield ? aligned - cur : 0, lvl);
      }
      cur = aligned;
    }
    while (cur !== next) {
      const bits = Math.min(next - cur, unit);
      if (bits === unit) {
        padLine(out, type, unit, lvl);
        cur += bits;
        continue;
      }
      for (let smaller = 3; smaller >= 0; smaller--) {
        if ((smaller === 0 ? longBits : 32 >> (smaller - 1)) < bits) continue;
        padLine(out, smaller, bits, lvl);
        cur += bits;
        break;
      }
    }
  }
}

const PAD_TYPES = ["long: ", "int: ", "short: ", "char: "];

function padLine(out: ByteWriter, type: number, bits: number, lvl: number): void {
  out.newline(lvl);
  out.ascii(PAD_TYPES[type]!);
  out.uint(bits);
  out.byte(0x3b);
  out.maybeFlush();
}

function scaled(size: number, nelems: number): number {
  if (nelems !== 0 && size > Math.floor(UINT32_MAX / nelems)) return -1;
  return nelems * size;
}

/** C's roundup() on ints (truncating division). */
function roundUp(x: number, y: number): number {
  return Math.trunc((x + y - 1) / y) * y;
}
