// BTF string sections: a reader that decodes strings lazily (cached, offset 0
// answered at once) and hashes them in place, and a writer that dedups.
import { BtfError } from "../errors.js";

const utf8 = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

/**
 * Hash of the NUL-terminated string at bytes[at], read four bytes at a time
 * (murmur3's mixing; the word holding the NUL is masked to the bytes before it).
 */
export function hashStringAt(view: DataView, at: number): number {
  const last = view.byteLength - 4;
  let h = 0x9747b28c;
  for (;;) {
    let w = 0;
    let done = false;
    if (at <= last) {
      w = view.getUint32(at, true);
      const zeros = (w - 0x01010101) & ~w & 0x80808080;
      if (zeros !== 0) {
        // The lowest flagged byte is the first NUL; keep the bytes below it.
        const bit = 31 - Math.clz32(zeros & -zeros);
        w = bit < 8 ? 0 : w & ((1 << (bit - 7)) - 1);
        done = true;
      }
    } else {
      for (let k = 0; k < 4; k++) {
        const c = at + k < view.byteLength ? view.getUint8(at + k) : 0;
        if (c === 0) {
          done = true;
          break;
        }
        w |= c << (8 * k);
      }
    }
    let k1 = Math.imul(w, 0xcc9e2d51);
    k1 = Math.imul((k1 << 15) | (k1 >>> 17), 0x1b873593);
    h ^= k1;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    if (done) break;
    at += 4;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

let scratch = new Uint8Array(256);
let scratchView = new DataView(scratch.buffer);
let scratchLength = 0;

/** The hash `hashStringAt` gives the same string stored in a string section. */
export function hashString(s: string): number {
  const need = s.length * 3 + 4;
  if (need > scratch.length) {
    scratch = new Uint8Array(need);
    scratchView = new DataView(scratch.buffer);
  }
  const { written } = utf8Encoder.encodeInto(s, scratch);
  scratch.fill(0, written, written + 4);
  scratchLength = written;
  return hashStringAt(scratchView, 0);
}

/** Strings decoded one by one before the whole section is decoded at once (about 2 ms for vmlinux). */
const WHOLE_DECODE_AFTER = 4096;

/** The section as one string when it is all ASCII (so that string indexes are byte offsets), else null. */
function decodeIfAscii(bytes: Uint8Array): string | null {
  const text = utf8.decode(bytes);
  return text.length === bytes.length && !/[^\x00-\x7f]/.test(text) ? text : null;
}

/** The NUL-terminated string at bytes[at]. */
function decodeAt(bytes: Uint8Array, at: number): string {
  let end = at;
  let high = 0;
  while (end < bytes.length && bytes[end] !== 0) high |= bytes[end++]!;
  // ASCII names (nearly all of them) skip the TextDecoder call.
  return high < 0x80 && end - at <= 256
    ? String.fromCharCode.apply(null, bytes.subarray(at, end) as unknown as number[])
    : utf8.decode(bytes.subarray(at, end));
}

/**
 * A BTF string section, seen through the global offsets of a (possibly split)
 * Btf: offsets below `start` belong to the base's table.
 */
export class StringTable {
  /** The section's bytes (every string NUL-terminated). */
  readonly bytes: Uint8Array;
  /** Global offset of bytes[0]: 0, or the base's total string length for split BTF. */
  readonly start: number;
  readonly base: StringTable | undefined;
  /** A view of `bytes`, for hashing. */
  readonly view: DataView;
  /**
   * The whole section decoded once, when it is ASCII, after many lookups
   * (slices of it are far cheaper than a decode per name); null when it is not
   * ASCII, and until then strings are decoded one by one and cached.
   */
  #text: string | null | undefined;
  #decodes = 0;
  readonly #cache = new Map<number, string>();
  #index: Map<string, number> | undefined;

  constructor(bytes: Uint8Array, base?: StringTable) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.base = base;
    this.start = base === undefined ? 0 : base.length;
  }

  /** One past the largest valid global offset. */
  get length(): number {
    return this.start + this.bytes.length;
  }

  /** Whether `offset` lies inside this table or its base. */
  has(offset: number): boolean {
    return offset >= 0 && offset < this.length;
  }

  /** The string at a global offset. Throws BtfError when out of range. */
  get(offset: number): string {
    if (offset === 0) return "";
    const local = offset - this.start;
    if (local < 0) {
      if (this.base === undefined) throw badOffset(offset, this.length);
      return this.base.get(offset);
    }
    if (local >= this.bytes.length) throw badOffset(offset, this.length);
    let text = this.#text;
    if (text === undefined && ++this.#decodes > WHOLE_DECODE_AFTER) text = this.#text = decodeIfAscii(this.bytes);
    if (typeof text === "string") return text.slice(local, text.indexOf("\0", local));
    const cached = this.#cache.get(offset);
    if (cached !== undefined) return cached;
    const s = decodeAt(this.bytes, local);
    this.#cache.set(offset, s);
    return s;
  }

  /** Whether the string at a global offset is the one whose UTF-8 bytes `hashString` left in its scratch buffer. */
  equalsHashed(offset: number): boolean {
    const local = offset - this.start;
    if (local < 0) return this.base!.equalsHashed(offset);
    const bytes = this.bytes;
    const len = scratchLength;
    if (local + len >= bytes.length) return false;
    for (let i = 0; i < len; i++) if (bytes[local + i] !== scratch[i]) return false;
    return bytes[local + len] === 0;
  }

  /** Hash of the string at a global offset, read in place (no string is built); see `hashString`. */
  hashAt(offset: number): number {
    const local = offset - this.start;
    if (local < 0) return this.base!.hashAt(offset);
    return hashStringAt(this.view, local);
  }

  /**
   * Global offset of the first occurrence of `s` as a whole string of this
   * table (not its base), or -1. The index is built on first use.
   */
  offsetOf(s: string): number {
    if (this.#index === undefined) {
      const index = new Map<string, number>();
      const bytes = this.bytes;
      let at = 0;
      while (at < bytes.length) {
        const end = bytes.indexOf(0, at);
        const stop = end < 0 ? bytes.length : end;
        const str = decodeAt(bytes, at);
        if (!index.has(str)) index.set(str, this.start + at);
        at = stop + 1;
      }
      this.#index = index;
    }
    return this.#index.get(s) ?? -1;
  }
}

/** Like libbpf, the deepest base that has the string wins. */
function findInChain(table: StringTable, s: string): number {
  const deeper = table.base === undefined ? -1 : findInChain(table.base, s);
  return deeper >= 0 ? deeper : table.offsetOf(s);
}

function badOffset(offset: number, length: number): BtfError {
  return new BtfError("BTF_BAD_STRING_OFFSET", `string offset ${offset} is outside the string section (${length} bytes)`, {
    hint: "a name_off points past the strings; is this split BTF opened without its base?",
  });
}

/**
 * Builds a string section: strings are deduplicated, strings the base already
 * has are referenced there (as libbpf does), and a seed table (when re-encoding
 * a decoded Btf) is kept byte for byte with its original offsets.
 */
export class StringTableWriter {
  readonly #start: number;
  readonly #base: StringTable | undefined;
  readonly #seed: StringTable | undefined;
  readonly #added = new Map<string, number>();
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  constructor(options: { base?: StringTable | undefined; seed?: StringTable | undefined }) {
    this.#base = options.base;
    this.#seed = options.seed;
    this.#start = options.base?.length ?? 0;
    if (options.seed !== undefined) {
      this.#chunks.push(options.seed.bytes);
      this.#length = options.seed.bytes.length;
    } else if (options.base === undefined) {
      this.#chunks.push(new Uint8Array(1)); // offset 0: the empty string
      this.#length = 1;
    }
  }

  /** Global offset of `s`, adding it when no table has it yet. */
  add(s: string): number {
    if (s === "") return 0;
    const known = this.find(s);
    if (known >= 0) return known;
    const encoded = utf8Encoder.encode(s);
    if (encoded.includes(0)) throw new BtfError("BTF_BAD_STRING", `string ${JSON.stringify(s)} contains a NUL byte`);
    const off = this.#start + this.#length;
    const chunk = new Uint8Array(encoded.length + 1);
    chunk.set(encoded);
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    this.#added.set(s, off);
    return off;
  }

  /** Global offset of `s` if some table has it, else -1. */
  find(s: string): number {
    if (s === "") return 0;
    const inBase = this.#base === undefined ? -1 : findInChain(this.#base, s);
    if (inBase >= 0) return inBase;
    const seeded = this.#seed?.offsetOf(s) ?? -1;
    if (seeded >= 0) return seeded;
    return this.#added.get(s) ?? -1;
  }

  get length(): number {
    return this.#length;
  }

  /** The section's bytes. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
