// Occurrence counts of names, keyed by their bytes in a string section: the C
// dump counts every tag, typedef and enumerator name (~100k for a kernel) to
// give repeats a ___N suffix, and building a JS string per name would cost
// more than the rest of the dump. Open addressing over typed arrays; keys are
// string offsets, compared by their bytes.

const EMPTY = -1;

export class NameCounter {
  readonly #str: Uint8Array;
  #keys: Int32Array;
  #hashes: Int32Array;
  #counts: Int32Array;
  #mask: number;
  #size = 0;

  constructor(str: Uint8Array, capacity = 1024) {
    this.#str = str;
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.#keys = new Int32Array(cap).fill(EMPTY);
    this.#hashes = new Int32Array(cap);
    this.#counts = new Int32Array(cap);
    this.#mask = cap - 1;
  }

  /**
   * Counts one more occurrence of the name at str[off, end) (NUL-terminated at
   * `end`); returns its count so far.
   */
  add(off: number, end: number): number {
    const str = this.#str;
    // A cheap hash of the length and sampled bytes: a byte loop costs more
    // than the rare extra comparison while the dump still runs unoptimised.
    const len = end - off;
    let h = Math.imul(len, 0x9e3779b1);
    if (len > 0) {
      // Names sharing a prefix (BPF_FUNC_...) differ near their end and middle.
      h ^= str[off]! | (str[off + (len >> 1)]! << 8) | (str[end - 1]! << 16) | (str[off + (len >> 2)]! << 24);
      h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
      if (len > 3) h ^= str[end - 2]! | (str[end - 3]! << 8) | (str[end - 4]! << 16) | (str[off + ((3 * len) >> 2)]! << 24);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      h ^= h >>> 16;
    }
    const keys = this.#keys;
    const mask = this.#mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const key = keys[slot]!;
      if (key === EMPTY) {
        keys[slot] = off;
        this.#hashes[slot] = h;
        this.#counts[slot] = 1;
        if (++this.#size * 2 > mask) this.#grow();
        return 1;
      }
      if (this.#hashes[slot] === h && (key === off || sameString(str, key, off))) return ++this.#counts[slot]!;
    }
  }

  #grow(): void {
    const keys = this.#keys;
    const hashes = this.#hashes;
    const counts = this.#counts;
    const cap = keys.length * 2;
    this.#keys = new Int32Array(cap).fill(EMPTY);
    this.#hashes = new Int32Array(cap);
    this.#counts = new Int32Array(cap);
    this.#mask = cap - 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === EMPTY) continue;
      let slot = hashes[i]! & this.#mask;
      while (this.#keys[slot] !== EMPTY) slot = (slot + 1) & this.#mask;
      this.#keys[slot] = keys[i]!;
      this.#hashes[slot] = hashes[i]!;
      this.#counts[slot] = counts[i]!;
    }
  }
}

/** Whether the NUL-terminated strings at str[a] and str[b] are equal. */
export function sameString(str: Uint8Array, a: number, b: number): boolean {
  for (;;) {
    const x = a < str.length ? str[a++]! : 0;
    const y = b < str.length ? str[b++]! : 0;
    if (x !== y) return false;
    if (x === 0) return true;
  }
}

/** Whether the NUL-terminated string at str[at] is the ASCII `s`. */
export function stringIs(str: Uint8Array, at: number, s: string): boolean {
  const n = s.length;
  if (at + n >= str.length) return false;
  for (let i = 0; i < n; i++) if (str[at + i] !== s.charCodeAt(i)) return false;
  return str[at + n] === 0;
}
