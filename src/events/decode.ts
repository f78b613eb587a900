// Record decoders compiled from BTF: btfDecoder(btf, "struct event") returns a
// Decoder that turns a record into a plain object. The decoder is generated JS
// (one function per struct, union and array type, object literals of fixed
// shape) so a record costs one allocation per object and no lookups.
//
// Mapping: integers up to 32 bits -> number, 64 and 128 bits -> bigint, _Bool
// -> boolean, char arrays -> string (up to the first NUL, UTF-8), other byte
// arrays -> Uint8Array (a copy), other arrays -> arrays, structs and unions ->
// objects (members of anonymous members lifted into the parent, as C reads
// them), enums -> the value's name (or the number when unnamed, or with
// enums: "number"), pointers -> bigint, floats -> number, bitfields -> number
// (bigint when the underlying type is 64-bit). A flexible array member takes
// what is left of the record.
import { BtfError, CoreBpfError } from "../errors.js";
import type { Btf } from "../btf/btf.js";
import { BtfKind, IntEncoding, kindName } from "../btf/kinds.js";
import { resolveSize, skipModifiers } from "../btf/resolve.js";
import type { ArrayType, CompositeType, EnumType, Enum64Type, IntType } from "../btf/types.js";
import { LE } from "../kernel/sys.js";
import type { Decoder } from "./consumer.js";

export interface BtfDecoderOptions {
  /** Enum values as their names (default; numbers when no name matches) or as numbers. */
  enums?: "name" | "number";
  /** char arrays as strings (default true) or as Uint8Array copies. */
  strings?: boolean;
}

/** What the generated code calls; passed in, never looked up globally. */
interface Helpers {
  str(v: DataView, off: number, n: number): string;
  bytes(v: DataView, off: number, n: number): Uint8Array;
  bits(v: DataView, off: number, bitOff: number, n: number, signed: boolean, big: boolean): number | bigint;
  u128(v: DataView, off: number, signed: boolean): bigint;
  short(size: number, need: number): never;
  /** The name of value `x` of the enum at `index`, or `x` itself. */
  named(index: number, x: number | bigint): string | number | bigint;
}

const utf8 = new TextDecoder("utf-8");

const helpers: Omit<Helpers, "named"> = {
  str(v, off, n) {
    let s = "";
    for (let i = 0; i < n; i++) {
      const b = v.getUint8(off + i);
      if (b === 0) return s;
      if (b > 0x7f) {
        let end = i;
        while (end < n && v.getUint8(off + end) !== 0) end++;
        return s + utf8.decode(new Uint8Array(v.buffer, v.byteOffset + off + i, end - i));
      }
      s += String.fromCharCode(b);
    }
    return s;
  },
  bytes(v, off, n) {
    return new Uint8Array(v.buffer, v.byteOffset + off, n).slice();
  },
  bits(v, off, bitOff, n, signed, big) {
    const first = bitOff >> 3;
    const last = (bitOff + n - 1) >> 3;
    let acc = 0n;
    if (LE) for (let i = last; i >= first; i--) acc = (acc << 8n) | BigInt(v.getUint8(off + i));
    else for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(v.getUint8(off + i));
    const width = BigInt((last - first + 1) * 8);
    const shift = LE ? BigInt(bitOff - first * 8) : width - BigInt(bitOff - first * 8) - BigInt(n);
    let value = (acc >> shift) & ((1n << BigInt(n)) - 1n);
    if (signed && value >> BigInt(n - 1) === 1n) value -= 1n << BigInt(n);
    return big ? value : Number(value);
  },
  u128(v, off, signed) {
    const lo = v.getBigUint64(off + (LE ? 0 : 8), LE);
    const hi = v.getBigUint64(off + (LE ? 8 : 0), LE);
    const value = (hi << 64n) | lo;
    return signed ? BigInt.asIntN(128, value) : value;
  },
  short(size, need) {
    throw new CoreBpfError("RECORD_TOO_SHORT", `record of ${size} bytes is shorter than the ${need} bytes its type needs`, {
      hint: "the decoder's BTF type does not match what the program emits",
    });
  },
};

const MAX_NESTING = 64;

class Compiler {
  readonly #btf: Btf;
  readonly #options: Required<BtfDecoderOptions>;
  readonly #functions = new Map<number, string>();
  readonly #code: string[] = [];
  readonly enums: Map<number | bigint, string>[] = [];
  readonly #enumIndex = new Map<number, number>();

  constructor(btf: Btf, options: BtfDecoderOptions) {
    this.#btf = btf;
    this.#options = { enums: options.enums ?? "name", strings: options.strings ?? true };
  }

  get code(): string {
    return this.#code.join("\n");
  }

  #fail(id: number, what: string): never {
    throw new BtfError("DECODER_UNSUPPORTED", `type [${id}] ${kindName(this.#btf.kind(id))}: ${what}`, { typeId: id });
  }

  /** A JS expression decoding type `id` at byte offset expression `off` (`s` is the record size). */
  expr(id: number, off: string, depth: number): string {
    if (depth > MAX_NESTING) this.#fail(id, `nested more than ${MAX_NESTING} levels deep`);
    const rid = skipModifiers(this.#btf, id);
    const t = this.#btf.type(rid);
    switch (t.kind) {
      case BtfKind.INT:
        return this.#int(t, off);
      case BtfKind.PTR:
        return this.#btf.pointerSize === 4 ? `v.getUint32(${off}, ${LE})` : `v.getBigUint64(${off}, ${LE})`;
      case BtfKind.FLOAT:
        if (t.size === 4) return `v.getFloat32(${off}, ${LE})`;
        if (t.size === 8) return `v.getFloat64(${off}, ${LE})`;
        return `h.bytes(v, ${off}, ${t.size})`;
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        return this.#enum(rid, t, off);
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ARRAY:
        return `${this.#function(rid, depth)}(v, ${off}, s)`;
      default:
        return this.#fail(rid, "has no value to decode");
    }
  }

  #int(t: IntType, off: string): string {
    const signed = (t.encoding & IntEncoding.SIGNED) !== 0;
    if (t.bitOffset !== 0 || t.bits !== t.size * 8) return `h.bits(v, ${off}, ${t.bitOffset}, ${t.bits}, ${signed}, ${t.size > 4})`;
    if (t.encoding & IntEncoding.BOOL) return `(v.getUint8(${off}) !== 0)`;
    switch (t.size) {
      case 1:
        return signed ? `v.getInt8(${off})` : `v.getUint8(${off})`;
      case 2:
        return `v.get${signed ? "Int16" : "Uint16"}(${off}, ${LE})`;
      case 4:
        return `v.get${signed ? "Int32" : "Uint32"}(${off}, ${LE})`;
      case 8:
        return `v.get${signed ? "BigInt64" : "BigUint64"}(${off}, ${LE})`;
      case 16:
        return `h.u128(v, ${off}, ${signed})`;
      default:
        return this.#fail(t.id, `an integer of ${t.size} bytes`);
    }
  }

  #enum(id: number, t: EnumType | Enum64Type, off: string): string {
    const big = t.kind === BtfKind.ENUM64 || t.size === 8;
    let raw: string;
    if (t.size === 1) raw = `v.get${t.signed ? "Int8" : "Uint8"}(${off})`;
    else if (t.size === 2) raw = `v.get${t.signed ? "Int16" : "Uint16"}(${off}, ${LE})`;
    else if (t.size === 4) raw = `v.get${t.signed ? "Int32" : "Uint32"}(${off}, ${LE})`;
    else if (t.size === 8) raw = `v.get${t.signed ? "BigInt64" : "BigUint64"}(${off}, ${LE})`;
    else return this.#fail(id, `an enum of ${t.size} bytes`);
    if (this.#options.enums === "number") return raw;
    let index = this.#enumIndex.get(id);
    if (index === undefined) {
      const names = new Map<number | bigint, string>();
      for (const e of t.values) {
        const value = big ? BigInt(e.value) : Number(e.value);
        if (!names.has(value)) names.set(value, e.name);
      }
      index = this.enums.push(names) - 1;
      this.#enumIndex.set(id, index);
    }
    return `h.named(${index}, ${raw})`;
  }

  /** The name of the generated function decoding struct/union/array `id`. */
  #function(id: number, depth: number): string {
    const known = this.#functions.get(id);
    if (known !== undefined) return known;
    const name = `d${id}`;
    this.#functions.set(id, name);
    const t = this.#btf.type(id);
    let body: string;
    if (t.kind === BtfKind.ARRAY) body = this.#arrayBody(t, depth);
    else if (t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION) body = `return {${this.#fields(t, "o", 0, depth).join(", ")}};`;
    else return this.#fail(id, "is not a struct, union or array");
    this.#code.push(`function ${name}(v, o, s) { ${body} }`);
    return name;
  }

  /** Object literal entries for a composite at `base`+`bitBase`/8; anonymous composites are lifted. */
  #fields(t: CompositeType, base: string, byteBase: number, depth: number): string[] {
    const out: string[] = [];
    for (const m of t.members) {
      const at = byteBase + Math.floor(m.bitOffset / 8);
      const mid = skipModifiers(this.#btf, m.type);
      const kind = this.#btf.kind(mid);
      if (m.name === "") {
        if (kind === BtfKind.STRUCT || kind === BtfKind.UNION) {
          out.push(...this.#fields(this.#btf.type(mid) as CompositeType, base, at, depth + 1));
        }
        continue; // unnamed bitfield padding
      }
      const key = JSON.stringify(m.name);
      if (m.bitfieldSize > 0 || m.bitOffset % 8 !== 0) {
        out.push(`${key}: ${this.#bitfield(mid, m.bitfieldSize, base, byteBase, m.bitOffset)}`);
        continue;
      }
      if (kind === BtfKind.ARRAY && (this.#btf.type(mid) as ArrayType).nelems === 0) {
        out.push(`${key}: ${this.#flexible(mid, `${base} + ${at}`, at, depth)}`);
        continue;
      }
      out.push(`${key}: ${this.expr(mid, `${base} + ${at}`, depth + 1)}`);
    }
    return out;
  }

  /** A member that is a bitfield: the width from the member (kind_flag) or from the INT (legacy encoding). */
  #bitfield(id: number, width: number, base: string, byteBase: number, bitOffset: number): string {
    const t = this.#btf.type(id);
    let signed = false;
    let size = 4;
    if (t.kind === BtfKind.INT) {
      signed = (t.encoding & IntEncoding.SIGNED) !== 0;
      size = t.size;
      if (width === 0) {
        width = t.bits;
        bitOffset += t.bitOffset;
      }
    } else if (t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64) {
      signed = t.signed;
      size = t.size;
    } else this.#fail(id, "a bitfield of a type that is not an integer or enum");
    const n = width > 0 ? width : size * 8;
    return `h.bits(v, ${base} + ${byteBase}, ${bitOffset}, ${n}, ${signed}, ${size > 4})`;
  }

  /** A char-like element: `char` (by name or the CHAR encoding). */
  #isChar(elem: number): boolean {
    const t = this.#btf.type(skipModifiers(this.#btf, elem));
    return t.kind === BtfKind.INT && t.size === 1 && (t.name === "char" || (t.encoding & IntEncoding.CHAR) !== 0);
  }

  #isByte(elem: number): boolean {
    const t = this.#btf.type(skipModifiers(this.#btf, elem));
    return t.kind === BtfKind.INT && t.size === 1 && (t.encoding & IntEncoding.BOOL) === 0;
  }

  #arrayBody(t: ArrayType, depth: number): string {
    const n = t.nelems;
    if (this.#options.strings && this.#isChar(t.type)) return `return h.str(v, o, ${n});`;
    if (this.#isByte(t.type)) return `return h.bytes(v, o, ${n});`;
    const step = resolveSize(this.#btf, t.type);
    return `const a = new Array(${n}); for (let i = 0; i < ${n}; i++) a[i] = ${this.expr(t.type, `o + i * ${step}`, depth + 1)}; return a;`;
  }

  /** A flexible array member at byte `at`: as many elements as the record holds. */
  #flexible(id: number, off: string, at: number, depth: number): string {
    const t = this.#btf.type(id) as ArrayType;
    const step = Math.max(1, resolveSize(this.#btf, t.type));
    const count = `Math.max(0, Math.floor((s - ${at}) / ${step}))`;
    if (this.#options.strings && this.#isChar(t.type)) return `h.str(v, ${off}, ${count})`;
    if (this.#isByte(t.type)) return `h.bytes(v, ${off}, ${count})`;
    const elem = this.expr(t.type, `${off} + i * ${step}`, depth + 1);
    return `((n) => { const a = new Array(n); for (let i = 0; i < n; i++) a[i] = ${elem}; return a; })(${count})`;
  }
}

/** Resolves "struct event", "union u", "enum e" or a bare name (struct, then union, typedef, any) to a type id. */
export function findRecordType(btf: Btf, name: string): number {
  const m = /^(struct|union|enum)\s+(\S+)$/.exec(name.trim());
  const kinds: number[] = m
    ? [m[1] === "struct" ? BtfKind.STRUCT : m[1] === "union" ? BtfKind.UNION : BtfKind.ENUM]
    : [BtfKind.STRUCT, BtfKind.UNION, BtfKind.TYPEDEF];
  const bare = m ? m[2]! : name.trim();
  for (const kind of kinds) {
    const id = btf.find(bare, kind as BtfKind);
    if (id !== undefined) return id;
  }
  const any = m ? undefined : btf.find(bare);
  if (any !== undefined) return any;
  throw new BtfError("BTF_TYPE_NOT_FOUND", `no type '${name}' in the BTF`, { hint: "name a struct (\"struct event\"), union, typedef or type id" });
}

/**
 * A decoder for records of BTF type `type` (an id or a name such as
 * "struct event"). Records shorter than the type throw RECORD_TOO_SHORT.
 */
export function btfDecoder<T = Record<string, unknown>>(btf: Btf, type: number | string, options: BtfDecoderOptions = {}): Decoder<T> {
  const id = typeof type === "number" ? type : findRecordType(btf, type);
  const compiler = new Compiler(btf, options);
  const rid = skipModifiers(btf, id);
  const need = btf.kind(rid) === BtfKind.STRUCT || btf.kind(rid) === BtfKind.UNION ? structLayout(btf, rid).fixed : resolveSize(btf, rid);
  const top = compiler.expr(rid, "o", 0);
  const source = `"use strict";\n${compiler.code}\nreturn function decode(v, o, s) { if (s < ${need}) h.short(s, ${need}); return ${top}; };`;
  const enums = compiler.enums;
  const h: Helpers = { ...helpers, named: (index, x) => enums[index]!.get(x) ?? x };
  return new Function("h", source)(h) as Decoder<T>;
}

/** Bytes a record of a struct or union needs: its size, or up to its flexible array member. */
export function structLayout(btf: Btf, id: number): { fixed: number; flexible: boolean } {
  const t = btf.type(id) as CompositeType;
  const last = t.members[t.members.length - 1];
  if (last !== undefined) {
    const mid = skipModifiers(btf, last.type);
    if (btf.kind(mid) === BtfKind.ARRAY && (btf.type(mid) as ArrayType).nelems === 0) return { fixed: Math.floor(last.bitOffset / 8), flexible: true };
  }
  return { fixed: t.size, flexible: false };
}
