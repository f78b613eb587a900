// Hand-encoded BTF for probes and tests: just enough of the format to build a
// few types (the full encoder is the btf/ layer).
import { LE } from "../sys.js";

export const BtfKind = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11,
  FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;
export type BtfKindName = keyof typeof BtfKind;

/** Builds a raw BTF blob type by type; ids start at 1 in call order. */
export class BtfBlob {
  #words: number[] = [];
  #strings: number[] = [0];
  #count = 0;

  /** Adds a string to the string section and returns its offset ("" is 0). */
  str(s: string): number {
    if (s === "") return 0;
    const off = this.#strings.length;
    for (const b of new TextEncoder().encode(s)) this.#strings.push(b);
    this.#strings.push(0);
    return off;
  }

  /** Adds a type: name, kind, vlen, kind_flag, size-or-type, then kind-specific u32s; returns its id. */
  type(name: string, kind: number, vlen: number, sizeOrType: number, extra: readonly number[] = [], kindFlag = false): number {
    const info = ((kindFlag ? 1 : 0) << 31) | ((kind & 0x1f) << 24) | (vlen & 0xffff);
    this.#words.push(this.str(name), info >>> 0, sizeOrType >>> 0, ...extra.map((w) => w >>> 0));
    return ++this.#count;
  }

  /** A signed/unsigned integer of `bits`. */
  int(name: string, bytes: number, bits: number, signed: boolean): number {
    return this.type(name, BtfKind.INT, 0, bytes, [((signed ? 1 : 0) << 24) | bits]);
  }

  /** The blob: header, types, strings. */
  bytes(): Uint8Array {
    const typeLen = this.#words.length * 4;
    const strLen = this.#strings.length;
    const out = new Uint8Array(24 + typeLen + strLen);
    const v = new DataView(out.buffer);
    v.setUint16(0, 0xeb9f, LE);
    out[2] = 1;
    out[3] = 0;
    v.setUint32(4, 24, LE);
    v.setUint32(8, 0, LE);
    v.setUint32(12, typeLen, LE);
    v.setUint32(16, typeLen, LE);
    v.setUint32(20, strLen, LE);
    this.#words.forEach((w, i) => v.setUint32(24 + i * 4, w, LE));
    out.set(this.#strings, 24 + typeLen);
    return out;
  }
}

/**
 * The local-storage BTF of sk/inode/task/cgrp storage maps:
 * [1] int, [2] struct bpf_spin_lock { int val; }, [3] struct val { int cnt; struct bpf_spin_lock l; }.
 */
export function localStorageBtf(): { blob: Uint8Array; keyTypeId: number; valueTypeId: number } {
  const b = new BtfBlob();
  const int = b.int("int", 4, 32, true);
  const lock = b.type("bpf_spin_lock", BtfKind.STRUCT, 1, 4, [b.str("val"), int, 0]);
  const val = b.type("val", BtfKind.STRUCT, 2, 8, [b.str("cnt"), int, 0, b.str("l"), lock, 32]);
  return { blob: b.bytes(), keyTypeId: int, valueTypeId: val };
}
