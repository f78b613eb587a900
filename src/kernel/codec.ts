// The key/value codec hook: maps speak Uint8Array at this layer; a codec turns
// bytes into typed values and back (BTF-generated codecs plug in here later).
import { CoreBpfError } from "../errors.js";
import { LE } from "./sys.js";

/** Converts values of T to the exact bytes of a map key or value, and back. */
export interface Codec<T> {
  /** Bytes of `value`; must be exactly the map's key or value size. May return a reused buffer. */
  encode(value: T): Uint8Array;
  /** The value held by `bytes` (a fresh copy the codec may keep). */
  decode(bytes: Uint8Array): T;
}

/** The identity codec: keys and values are Uint8Array. */
export const bytesCodec: Codec<Uint8Array> = {
  encode: (value) => value,
  decode: (bytes) => bytes,
};

function intCodec<T extends number | bigint>(size: 1 | 2 | 4 | 8, signed: boolean): Codec<T> {
  return {
    encode(value: T): Uint8Array {
      const out = new Uint8Array(size);
      const view = new DataView(out.buffer);
      if (size === 8) {
        const v = BigInt(value);
        if (signed) view.setBigInt64(0, v, LE);
        else view.setBigUint64(0, BigInt.asUintN(64, v), LE);
      } else {
        const v = Number(value);
        if (!Number.isInteger(v)) throw new CoreBpfError("BAD_VALUE", `not an integer: ${String(value)}`);
        if (size === 1) out[0] = v & 0xff;
        else if (size === 2) view.setUint16(0, v & 0xffff, LE);
        else view.setUint32(0, v >>> 0, LE);
      }
      return out;
    },
    decode(bytes: Uint8Array): T {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (size === 8) return (signed ? view.getBigInt64(0, LE) : view.getBigUint64(0, LE)) as T;
      if (size === 1) return (signed ? view.getInt8(0) : view.getUint8(0)) as T;
      if (size === 2) return (signed ? view.getInt16(0, LE) : view.getUint16(0, LE)) as T;
      return (signed ? view.getInt32(0, LE) : view.getUint32(0, LE)) as T;
    },
  };
}

/** Native-endian unsigned integers: numbers for 1..4 bytes, bigint for 8. */
export const u8Codec = intCodec<number>(1, false);
export const u16Codec = intCodec<number>(2, false);
export const u32Codec = intCodec<number>(4, false);
export const u64Codec = intCodec<bigint>(8, false);
export const i32Codec = intCodec<number>(4, true);
export const i64Codec = intCodec<bigint>(8, true);
