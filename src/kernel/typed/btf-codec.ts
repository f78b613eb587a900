// Codecs generated from BTF: map keys and values, global variables and ring
// buffer records read as plain JavaScript values and written back. Structs
// and unions are objects (anonymous members flattened, as C reads them),
// 64-bit and wider integers and pointers bigints, smaller integers numbers,
// bools booleans, char arrays strings, other arrays arrays, enums the
// enumerator's name (a number when no enumerator matches; names or numbers
// are accepted when writing), floats numbers. Pure: no Node imports.
import { type Btf, BtfKind, IntEncoding } from "../../btf/index.js";
import { CoreBpfError } from "../../errors.js";
import type { Codec } from "../codec.js";

/** A codec for one BTF type, also usable at an offset inside a larger buffer. */
export interface BtfCodec<T = unknown> extends Codec<T> {
  readonly size: number;
  readonly typeId: number;
  read(view: DataView, offset: number): T;
  /** Writes `value` over the type's bytes at `offset` (fields not given are left as they are). */
  write(view: DataView, offset: number, value: T): void;
}

interface Field {
  size: number;
  read(view: DataView, at: number): unknown;
  write(view: DataView, at: number, value: unknown, path: string): void;
}

function bad(path: string, message: string): CoreBpfError {
  return new CoreBpfError("BAD_VALUE", `${path || "value"}: ${message}`);
}

function toBigInt(v: unknown, path: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "boolean") return v ? 1n : 0n;
  throw bad(path, `expected an integer, got ${typeof v === "string" ? JSON.stringify(v) : String(v)}`);
}

class Compiler {
  readonly #cache = new Map<number, Field>();
  readonly #depth = new Set<number>();
  constructor(
    readonly btf: Btf,
    readonly le: boolean,
  ) {}

  field(id: number): Field {
    const hit = this.#cache.get(id);
    if (hit !== undefined) return hit;
    if (this.#depth.has(id)) throw new CoreBpfError("BTF_LOOP", `type [${id}] contains itself`, { typeId: id });
    this.#depth.add(id);
    try {
      const f = this.#make(id);
      this.#cache.set(id, f);
      return f;
    } finally {
      this.#depth.delete(id);
    }
  }

  #make(id: number): Field {
    const btf = this.btf;
    const t = btf.type(id);
    switch (t.kind) {
      case BtfKind.TYPEDEF:
      case BtfKind.CONST:
      case BtfKind.VOLATILE:
      case BtfKind.RESTRICT:
      case BtfKind.TYPE_TAG:
      case BtfKind.VAR:
        return this.field(t.type);
      case BtfKind.INT:
        if (t.encoding & IntEncoding.BOOL && t.size === 1) return this.#bool();
        return this.#bits(t.size, t.bitOffset, t.bits, (t.encoding & IntEncoding.SIGNED) !== 0);
      case BtfKind.PTR:
        return this.#bits(8, 0, 64, false);
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        return this.#enum(t.size, t.signed, t.values);
      case BtfKind.FLOAT:
        return this.#float(t.size);
      case BtfKind.ARRAY:
        return this.#array(t.type, t.nelems);
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        return this.#composite(id, t.size);
      case BtfKind.DATASEC:
        return this.#datasec(t.size, t.vars);
      default:
        return this.#raw(0);
    }
  }

  #raw(size: number): Field {
    return {
      size,
      read: (view, at) => new Uint8Array(view.buffer, view.byteOffset + at, size).slice(),
      write: (view, at, value, path) => {
        if (!(value instanceof Uint8Array) || value.length !== size) throw bad(path, `expected ${size} bytes as a Uint8Array`);
        new Uint8Array(view.buffer, view.byteOffset + at, size).set(value);
      },
    };
  }

  #bool(): Field {
    return {
      size: 1,
      read: (view, at) => view.getUint8(at) !== 0,
      write: (view, at, value, path) => view.setUint8(at, Number(toBigInt(value, path) !== 0n)),
    };
  }

  /** An integer of `bits` bits at `bitOffset` inside `size` bytes; numbers up to 32 bits, bigints beyond. */
  #bits(size: number, bitOffset: number, bits: number, signed: boolean): Field {
    const le = this.le;
    if (bitOffset === 0 && bits === size * 8 && (size === 1 || size === 2 || size === 4 || size === 8)) {
      return this.#plainInt(size, signed);
    }
    const big = bits > 32;
    return {
      size,
      read: (view, at) => {
        const v = readBits(view, at * 8 + bitOffset, bits, signed, le);
        return big ? v : Number(v);
      },
      write: (view, at, value, path) => writeBits(view, at * 8 + bitOffset, bits, toBigInt(value, path), le),
    };
  }

  #plainInt(size: number, signed: boolean): Field {
    const le = this.le;
    switch (size) {
      case 1:
        return { size, read: (v, at) => (signed ? v.getInt8(at) : v.getUint8(at)), write: (v, at, x, p) => v.setUint8(at, Number(BigInt.asUintN(8, toBigInt(x, p)))) };
      case 2:
        return { size, read: (v, at) => (signed ? v.getInt16(at, le) : v.getUint16(at, le)), write: (v, at, x, p) => v.setUint16(at, Number(BigInt.asUintN(16, toBigInt(x, p))), le) };
      case 4:
        return { size, read: (v, at) => (signed ? v.getInt32(at, le) : v.getUint32(at, le)), write: (v, at, x, p) => v.setUint32(at, Number(BigInt.asUintN(32, toBigInt(x, p))), le) };
      default:
        return { size, read: (v, at) => (signed ? v.getBigInt64(at, le) : v.getBigUint64(at, le)), write: (v, at, x, p) => v.setBigUint64(at, BigInt.asUintN(64, toBigInt(x, p)), le) };
    }
  }

  #enum(size: number, signed: boolean, values: readonly { name: string; value: number | bigint }[]): Field {
    const int = size === 8 || size === 4 || size === 2 || size === 1 ? this.#plainInt(size, signed) : this.#bits(size, 0, size * 8, signed);
    const byValue = new Map<bigint, string>();
    const byName = new Map<string, bigint>();
    for (const e of values) {
      const v = BigInt(e.value);
      if (!byValue.has(v)) byValue.set(v, e.name);
      byName.set(e.name, v);
    }
    return {
      size,
      read: (view, at) => {
        const raw = int.read(view, at) as number | bigint;
        const name = byValue.get(BigInt(raw));
        return name ?? raw;
      },
      write: (view, at, value, path) => {
        if (typeof value === "string") {
          const v = byName.get(value);
          if (v === undefined) throw bad(path, `'${value}' is not an enumerator (${[...byName.keys()].join(", ")})`);
          int.write(view, at, v, path);
        } else int.write(view, at, value, path);
      },
    };
  }

  #float(size: number): Field {
    const le = this.le;
    if (size === 4) return { size, read: (v, at) => v.getFloat32(at, le), write: (v, at, x, p) => v.setFloat32(at, num(x, p), le) };
    if (size === 8) return { size, read: (v, at) => v.getFloat64(at, le), write: (v, at, x, p) => v.setFloat64(at, num(x, p), le) };
    return this.#raw(size);
  }

  #isChar(id: number): boolean {
    let t = id;
    for (let i = 0; i < 32; i++) {
      const k = this.btf.kind(t);
      if (k === BtfKind.CONST || k === BtfKind.VOLATILE || k === BtfKind.RESTRICT || k === BtfKind.TYPE_TAG) t = this.btf.sizeOrType(t);
      else break;
    }
    if (this.btf.kind(t) !== BtfKind.INT || this.btf.sizeOrType(t) !== 1) return false;
    return this.btf.name(t) === "char" || (this.btf.dataWord(t, 0) >>> 24 & IntEncoding.CHAR) !== 0;
  }

  #array(elemId: number, n: number): Field {
    const elem = this.field(elemId);
    const size = elem.size * n;
    if (this.#isChar(elemId)) {
      return {
        size,
        read: (view, at) => {
          const bytes = new Uint8Array(view.buffer, view.byteOffset + at, size);
          const end = bytes.indexOf(0);
          return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
        },
        write: (view, at, value, path) => {
          const dst = new Uint8Array(view.buffer, view.byteOffset + at, size);
          const src = typeof value === "string" ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : undefined;
          if (src === undefined) throw bad(path, `expected a string of at most ${size} bytes`);
          if (src.length > size) throw bad(path, `${src.length} bytes do not fit in char[${size}]`);
          dst.fill(0);
          dst.set(src);
        },
      };
    }
    return {
      size,
      read: (view, at) => {
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = elem.read(view, at + i * elem.size);
        return out;
      },
      write: (view, at, value, path) => {
        if (value === null || typeof value !== "object" || !(Symbol.iterator in value)) throw bad(path, `expected an array of ${n} elements`);
        let i = 0;
        for (const v of value as Iterable<unknown>) {
          if (i >= n) throw bad(path, `more than ${n} elements`);
          elem.write(view, at + i * elem.size, v, `${path}[${i}]`);
          i++;
        }
      },
    };
  }

  /** Named members, anonymous struct/union members flattened, with their byte or bit placement. */
  #members(id: number, baseBits: number, out: Map<string, { field: Field; bits: number; bitfield: number }>): void {
    const t = this.btf.type(id);
    if (t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION) return;
    for (const m of t.members) {
      const bits = baseBits + m.bitOffset;
      if (m.name === "") {
        this.#members(skipTypedefs(this.btf, m.type), bits, out);
        continue;
      }
      out.set(m.name, { field: this.field(m.type), bits, bitfield: m.bitfieldSize });
    }
  }

  #composite(id: number, size: number): Field {
    const layout = new Map<string, { field: Field; bits: number; bitfield: number }>();
    this.#members(id, 0, layout);
    type Entry = { name: string; field: Field; byte: number; bitfield?: { at: number; bits: number; signed: boolean } };
    const entries: Entry[] = [...layout].map(([name, e]) => {
      if (e.bitfield === 0 && e.bits % 8 === 0) return { name, field: e.field, byte: e.bits / 8 };
      return { name, field: e.field, byte: 0, bitfield: { at: e.bits, bits: e.bitfield || e.field.size * 8, signed: this.#signedMember(id, name) } };
    });
    const byName = new Map(entries.map((e) => [e.name, e]));
    const le = this.le;
    return {
      size,
      read: (view, at) => {
        const obj: Record<string, unknown> = {};
        for (const e of entries) {
          const bf = e.bitfield;
          if (bf === undefined) obj[e.name] = e.field.read(view, at + e.byte);
          else {
            const v = readBits(view, at * 8 + bf.at, bf.bits, bf.signed, le);
            obj[e.name] = bf.bits > 32 ? v : Number(v);
          }
        }
        return obj;
      },
      write: (view, at, value, path) => {
        if (value === null || typeof value !== "object") throw bad(path, "expected an object");
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          const e = byName.get(k);
          if (e === undefined) throw bad(path, `no member '${k}' (members: ${[...byName.keys()].join(", ")})`);
          const sub = path === "" ? k : `${path}.${k}`;
          if (e.bitfield === undefined) e.field.write(view, at + e.byte, v, sub);
          else writeBits(view, at * 8 + e.bitfield.at, e.bitfield.bits, toBigInt(v, sub), le);
        }
      },
    };
  }

  /** Whether a (possibly nested anonymous) bitfield member's integer type is signed. */
  #signedMember(structId: number, member: string): boolean {
    const m = this.#findMember(structId, member);
    if (m === undefined) return false;
    let id = m;
    for (let i = 0; i < 32; i++) {
      const k = this.btf.kind(id);
      if (k === BtfKind.INT) return ((this.btf.dataWord(id, 0) >>> 24) & IntEncoding.SIGNED) !== 0;
      if (k === BtfKind.ENUM || k === BtfKind.ENUM64) return this.btf.kindFlag(id);
      if (k !== BtfKind.TYPEDEF && k !== BtfKind.CONST && k !== BtfKind.VOLATILE) return false;
      id = this.btf.sizeOrType(id);
    }
    return false;
  }

  #findMember(id: number, name: string): number | undefined {
    const t = this.btf.type(id);
    if (t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION) return undefined;
    for (const m of t.members) {
      if (m.name === name) return m.type;
      if (m.name === "") {
        const inner = this.#findMember(skipTypedefs(this.btf, m.type), name);
        if (inner !== undefined) return inner;
      }
    }
    return undefined;
  }

  #datasec(size: number, vars: readonly { type: number; offset: number; size: number }[]): Field {
    const entries = vars.map((v) => ({ name: this.btf.name(v.type), field: this.field(v.type), byte: v.offset }));
    const byName = new Map(entries.map((e) => [e.name, e]));
    return {
      size,
      read: (view, at) => {
        const obj: Record<string, unknown> = {};
        for (const e of entries) obj[e.name] = e.field.read(view, at + e.byte);
        return obj;
      },
      write: (view, at, value, path) => {
        if (value === null || typeof value !== "object") throw bad(path, "expected an object");
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          const e = byName.get(k);
          if (e === undefined) throw bad(path, `no variable '${k}'`);
          e.field.write(view, at + e.byte, v, k);
        }
      },
    };
  }
}

function num(x: unknown, path: string): number {
  if (typeof x === "number") return x;
  if (typeof x === "bigint") return Number(x);
  throw bad(path, `expected a number, got ${String(x)}`);
}

/** The bytes covering `bits` bits at `bitOff` as one integer, and the shift of the field inside it. */
function spanOf(view: DataView, bitOff: number, bits: number, le: boolean): { word: bigint; shift: bigint; first: number; span: number } {
  const first = bitOff >> 3;
  const span = ((bitOff & 7) + bits + 7) >> 3;
  let word = 0n;
  for (let i = 0; i < span; i++) {
    const b = BigInt(view.getUint8(first + i));
    word = le ? word | (b << BigInt(8 * i)) : (word << 8n) | b;
  }
  const shift = le ? BigInt(bitOff & 7) : BigInt(span * 8 - (bitOff & 7) - bits);
  return { word, shift, first, span };
}

/** Reads `bits` bits starting `bitOff` bits into the view (BTF bit numbering: from the LSB on little-endian, the MSB on big-endian). */
export function readBits(view: DataView, bitOff: number, bits: number, signed: boolean, le: boolean): bigint {
  const { word, shift } = spanOf(view, bitOff, bits, le);
  const v = (word >> shift) & ((1n << BigInt(bits)) - 1n);
  return signed ? BigInt.asIntN(bits, v) : v;
}

export function writeBits(view: DataView, bitOff: number, bits: number, value: bigint, le: boolean): void {
  const { word, shift, first, span } = spanOf(view, bitOff, bits, le);
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  const out = (word & ~mask) | ((BigInt.asUintN(bits, value) << shift) & mask);
  for (let i = 0; i < span; i++) {
    const b = le ? (out >> BigInt(8 * i)) & 0xffn : (out >> BigInt(8 * (span - 1 - i))) & 0xffn;
    view.setUint8(first + i, Number(b));
  }
}

function skipTypedefs(btf: Btf, id: number): number {
  for (let i = 0; i < 32; i++) {
    const k = btf.kind(id);
    if (k !== BtfKind.TYPEDEF && k !== BtfKind.CONST && k !== BtfKind.VOLATILE && k !== BtfKind.RESTRICT && k !== BtfKind.TYPE_TAG) return id;
    id = btf.sizeOrType(id);
  }
  return id;
}

/** Builds the codec of BTF type `typeId` (values in the BTF's byte order). */
export function btfCodec<T = unknown>(btf: Btf, typeId: number): BtfCodec<T> {
  const field = new Compiler(btf, btf.littleEndian).field(typeId);
  const size = field.size;
  return {
    size,
    typeId,
    read: (view, offset) => field.read(view, offset) as T,
    write: (view, offset, value) => field.write(view, offset, value, ""),
    decode: (bytes) => field.read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0) as T,
    encode: (value) => {
      const out = new Uint8Array(size);
      field.write(new DataView(out.buffer), 0, value, "");
      return out;
    },
  };
}
