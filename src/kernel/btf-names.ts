// Just enough BTF walking to name a type by id (bpftool names programs by
// their BTF func when the kernel's 15-byte name is truncated). The full
// parser is the btf/ layer.
import { LE } from "./sys.js";

const utf8 = new TextDecoder();

/** Kind and name of type `id` in a raw, standalone BTF blob; undefined when absent or malformed. */
export function btfTypeName(raw: Uint8Array, id: number): { kind: number; name: string } | undefined {
  if (raw.length < 24 || id <= 0) return undefined;
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (v.getUint16(0, LE) !== 0xeb9f) return undefined;
  const hdrLen = v.getUint32(4, LE);
  const typeStart = hdrLen + v.getUint32(8, LE);
  const typeEnd = typeStart + v.getUint32(12, LE);
  const strStart = hdrLen + v.getUint32(16, LE);
  const strEnd = strStart + v.getUint32(20, LE);
  if (typeEnd > raw.length || strEnd > raw.length) return undefined;
  let off = typeStart;
  for (let cur = 1; off + 12 <= typeEnd; cur++) {
    const nameOff = v.getUint32(off, LE);
    const info = v.getUint32(off + 4, LE);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (cur === id) {
      const s = strStart + nameOff;
      if (s >= strEnd) return undefined;
      let e = s;
      while (e < strEnd && raw[e] !== 0) e++;
      return { kind, name: utf8.decode(raw.subarray(s, e)) };
    }
    off += 12 + extraBytes(kind, vlen);
  }
  return undefined;
}

function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case 1: // INT
    case 14: // VAR
    case 17: // DECL_TAG
      return 4;
    case 3: // ARRAY
      return 12;
    case 4: // STRUCT
    case 5: // UNION
    case 15: // DATASEC
    case 19: // ENUM64
      return 12 * vlen;
    case 6: // ENUM
    case 13: // FUNC_PROTO
      return 8 * vlen;
    default:
      return 0;
  }
}
