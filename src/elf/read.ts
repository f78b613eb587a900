// Low-level readers shared by the ELF files: 64-bit fields as safe numbers and
// NUL-terminated strings, with every failure an ElfError that says where.
import { ElfError } from "../errors.js";

const TWO_32 = 0x1_0000_0000;

/** A u64 field as a number; values above 2^53 are rejected (an ELF file that large cannot exist). */
export function u64(view: DataView, at: number, le: boolean, what: string): number {
  const lo = view.getUint32(at + (le ? 0 : 4), le);
  const hi = view.getUint32(at + (le ? 4 : 0), le);
  if (hi > 0x1f_ffff) {
    throw new ElfError("ELF_VALUE_TOO_LARGE", `${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")} does not fit in 53 bits`, {
      offset: at,
      hint: "the file is corrupt: offsets and sizes must lie inside the file",
    });
  }
  return hi * TWO_32 + lo;
}

/** A u64 field as a number, precise up to 2^53 (addresses, symbol values: lossy above, never an error). */
export function u64Lossy(view: DataView, at: number, le: boolean): number {
  const lo = view.getUint32(at + (le ? 0 : 4), le);
  const hi = view.getUint32(at + (le ? 4 : 0), le);
  return hi * TWO_32 + lo;
}

const utf8 = new TextDecoder("utf-8");

/**
 * The NUL-terminated string at `start` inside `table` (a string table's data).
 * Short ASCII names, the common case, skip TextDecoder.
 */
export function cString(table: Uint8Array, start: number, where: { section: string; offset: number }): string {
  if (start >= table.length) {
    if (start === 0 && table.length === 0) return "";
    throw new ElfError("ELF_BAD_STRING", `string offset ${start} is outside string table ${where.section} (${table.length} bytes)`, {
      section: where.section,
      offset: where.offset,
      hint: "the name refers past the end of its string table",
    });
  }
  let end = start;
  let ascii = true;
  while (end < table.length) {
    const c = table[end]!;
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
    end++;
  }
  if (end === table.length) {
    throw new ElfError("ELF_BAD_STRING", `string at offset ${start} of ${where.section} is not NUL-terminated`, {
      section: where.section,
      offset: where.offset,
      hint: "a string table must end with a NUL byte",
    });
  }
  if (ascii && end - start <= 64) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(table[i]!);
    return s;
  }
  return utf8.decode(table.subarray(start, end));
}
