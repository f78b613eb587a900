// Finding types by name without decoding any name: one pass hashes each
// type's name in place (hashStringAt) into an open-addressing table of ids; a
// lookup hashes the query's UTF-8 bytes, walks the probe sequence and compares
// candidates' bytes in place. Names with a CO-RE
// flavor suffix ("task_struct___old") are rare: they are found on the first
// essential-name lookup and filed under their essential name.
import { hashString, hashStringAt, type StringTable } from "./strings.js";

/** What the index reads from its Btf. */
export interface IndexedTypes {
  readonly view: DataView;
  readonly littleEndian: boolean;
  /** Byte offset in `view` of each own type, by id - startId. */
  readonly offsets: Uint32Array;
  readonly startId: number;
  readonly strings: StringTable;
  name(id: number): string;
  nameOffset(id: number): number;
  kind(id: number): number;
}

const UNDERSCORE = 0x5f;

/**
 * Length of a name without its flavor suffix: the part before the last "___"
 * that has a non-underscore on both sides ("a___b" -> 1, "a____b" unchanged),
 * as libbpf's CO-RE candidate search defines it.
 */
export function essentialNameLength(name: string): number {
  for (let i = name.length - 5; i >= 0; i--) {
    if (
      name.charCodeAt(i) !== UNDERSCORE &&
      name.charCodeAt(i + 1) === UNDERSCORE &&
      name.charCodeAt(i + 2) === UNDERSCORE &&
      name.charCodeAt(i + 3) === UNDERSCORE &&
      name.charCodeAt(i + 4) !== UNDERSCORE
    ) {
      return i + 1;
    }
  }
  return name.length;
}

/** A name without its flavor suffix. */
export function essentialName(name: string): string {
  return name.slice(0, essentialNameLength(name));
}

export class NameIndex {
  readonly #types: IndexedTypes;
  /** Type ids by hash slot; 0 is an empty slot. */
  readonly #ids: Int32Array;
  readonly #mask: number;
  /** Essential name -> ids of flavored types, built on first use. */
  #flavored: Map<string, number[]> | undefined;

  constructor(types: IndexedTypes) {
    this.#types = types;
    const { view, littleEndian, offsets, startId, strings } = types;
    const count = offsets.length;
    // Sized for every type (named or not): cheaper than a counting pass, and a low load factor.
    let capacity = 16;
    while (capacity < count + (count >> 1)) capacity <<= 1;
    const ids = (this.#ids = new Int32Array(capacity));
    const mask = (this.#mask = capacity - 1);
    const ownView = strings.view;
    const ownStart = strings.start;
    for (let i = 0; i < count; i++) {
      const nameOff = view.getUint32(offsets[i]!, littleEndian);
      if (nameOff === 0) continue;
      const local = nameOff - ownStart;
      let slot = (local >= 0 ? hashStringAt(ownView, local) : strings.hashAt(nameOff)) & mask;
      while (ids[slot] !== 0) slot = (slot + 1) & mask;
      ids[slot] = startId + i;
    }
  }

  /** Own ids named `name` (optionally of one kind), ascending; stops after `limit` hits. */
  find(name: string, kind: number | undefined, out: number[], limit = Infinity): void {
    if (name === "") return;
    const types = this.#types;
    const { strings } = types;
    const h = hashString(name);
    const ids = this.#ids;
    const mask = this.#mask;
    // Same-hash entries were inserted in id order along the probe sequence, so hits ascend.
    for (let slot = h & mask; ids[slot] !== 0; slot = (slot + 1) & mask) {
      const id = ids[slot]!;
      if (kind !== undefined && types.kind(id) !== kind) continue;
      // Compares bytes in place: a lookup decodes no string.
      if (!strings.equalsHashed(types.nameOffset(id))) continue;
      out.push(id);
      if (out.length >= limit) return;
    }
  }

  /** Own ids whose essential name is `essential` (exact names included when unflavored). */
  findEssential(essential: string, kind: number | undefined, out: number[]): void {
    if (essential === "") return;
    const before = out.length;
    // A name carrying a flavor itself has a shorter essential name.
    if (essentialNameLength(essential) === essential.length) this.find(essential, kind, out);
    const flavored = (this.#flavored ??= this.#findFlavored()).get(essential);
    if (flavored === undefined) return;
    const types = this.#types;
    for (const id of flavored) if (kind === undefined || types.kind(id) === kind) out.push(id);
    const mine = out.splice(before).sort((a, b) => a - b);
    out.push(...mine);
  }

  /** One pass over own names for "X___Y" separators, decoding only the names that have one. */
  #findFlavored(): Map<string, number[]> {
    const map = new Map<string, number[]>();
    const { view, littleEndian, offsets, startId, strings } = this.#types;
    const ownBytes = strings.bytes;
    const ownStart = strings.start;
    for (let i = 0; i < offsets.length; i++) {
      const nameOff = view.getUint32(offsets[i]!, littleEndian);
      if (nameOff === 0) continue;
      const local = nameOff - ownStart;
      const flavored = local >= 0 ? hasFlavorSeparator(ownBytes, local) : hasFlavorSeparatorAt(strings, nameOff);
      if (!flavored) continue;
      const name = strings.get(nameOff);
      const essential = name.slice(0, essentialNameLength(name));
      const list = map.get(essential);
      if (list === undefined) map.set(essential, [startId + i]);
      else list.push(startId + i);
    }
    return map;
  }
}

/**
 * Whether the NUL-terminated string at bytes[at] has a non-underscore, exactly
 * "___", a non-underscore. Any run of three underscores covers a position
 * that is a multiple of 3 from `at`, so only every third byte is tested until
 * an underscore turns up.
 */
function hasFlavorSeparator(bytes: Uint8Array, at: number): boolean {
  let p = at;
  for (;;) {
    const c = bytes[p];
    if (c === undefined || c === 0) {
      // The string may have ended between two probes: nothing was skipped past its NUL.
      return false;
    }
    if (c !== UNDERSCORE) {
      // Probe 3 bytes on unless the NUL lies in between.
      const c1 = bytes[p + 1];
      if (c1 === undefined || c1 === 0) return false;
      const c2 = bytes[p + 2];
      if (c2 === undefined || c2 === 0) return false;
      p += 3;
      continue;
    }
    // An underscore: measure its run and check the bytes around it.
    let start = p;
    while (start > at && bytes[start - 1] === UNDERSCORE) start--;
    let end = p;
    while (bytes[end] === UNDERSCORE) end++;
    if (end - start === 3 && start > at && bytes[end] !== 0 && bytes[end] !== undefined) return true;
    if (bytes[end] === 0 || bytes[end] === undefined) return false;
    p = end + 1;
  }
}

/** hasFlavorSeparator for a string of a base table (split BTF). */
function hasFlavorSeparatorAt(strings: StringTable, offset: number): boolean {
  let t: StringTable | undefined = strings;
  while (t !== undefined && offset < t.start) t = t.base;
  return t !== undefined && hasFlavorSeparator(t.bytes, offset - t.start);
}
