// A decoded BTF blob. Opening makes one validating pass that records each
// type's byte offset in a Uint32Array (no type object, no string is built);
// types are materialised on demand and cached; the name index is built on the
// first lookup. Split BTF (kernel modules) sees its base: ids and string
// offsets continue after the base's.
import { BtfError } from "../errors.js";
import { decodeType, type DecodeContext } from "./decode.js";
import { BtfKind, kindName } from "./kinds.js";
import { NameIndex, essentialNameLength, type IndexedTypes } from "./name-index.js";
import { StringTable } from "./strings.js";
import type { BtfType, TypeOfKind } from "./types.js";
import { MAX_KNOWN_KIND } from "./kinds.js";
import {
  TYPE_HEADER_SIZE,
  type BtfHeader,
  type KindLayout,
  infoKind,
  infoKindFlag,
  infoVlen,
  kindFlagMeaningful,
  parseHeader,
  parseLayout,
  trailingSize,
  unknownKindError,
  vlenMeaningful,
} from "./wire.js";

export interface BtfParseOptions {
  /** Base BTF for split BTF (a kernel module's BTF over vmlinux). */
  base?: Btf;
}

const VOID: BtfType = Object.freeze({ id: 0, kind: BtfKind.UNKN, name: "" });

/** The C names libbpf reads the pointer size from ("long" and its spellings). */
const LONG_NAMES = [
  "long", "long int", "int long", "unsigned long", "long unsigned", "unsigned long int",
  "unsigned int long", "long unsigned int", "long int unsigned", "int unsigned long", "int long unsigned",
];

export class Btf implements IndexedTypes, DecodeContext {
  /** The blob this Btf reads (kept, not copied). */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly header: BtfHeader;
  readonly base: Btf | undefined;
  /** First id of this Btf's own types: 1, or the base's typeCount for split BTF. */
  readonly startId: number;
  /** One past the largest type id (void and base types included). */
  readonly typeCount: number;
  readonly strings: StringTable;
  /** The layout section, when the blob has one. */
  readonly layout: readonly KindLayout[] | undefined;
  /** Byte offset in `bytes` of each own type record, by id - startId. */
  readonly offsets: Uint32Array;

  /** Materialised types by id (a Map: a preallocated 130k-slot array costs more than a few lookups). */
  readonly #cache = new Map<number, BtfType>();
  #index: NameIndex | undefined;
  #pointerSize = 0;

  private constructor(bytes: Uint8Array, view: DataView, header: BtfHeader, base: Btf | undefined, strings: StringTable, offsets: Uint32Array) {
    this.bytes = bytes;
    this.view = view;
    this.header = header;
    this.base = base;
    this.strings = strings;
    this.offsets = offsets;
    this.startId = base === undefined ? 1 : base.typeCount;
    this.typeCount = this.startId + offsets.length;
    this.layout = parseLayout(view, header);
  }

  /** Validates a BTF blob and indexes its types; throws BtfError on malformed input. */
  static parse(bytes: Uint8Array, options: BtfParseOptions = {}): Btf {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const header = parseHeader(view);
    const base = options.base;
    const strStart = header.hdrLen + header.strOff;
    const strBytes = bytes.subarray(strStart, strStart + header.strLen);
    checkStrings(strBytes, strStart, base !== undefined);
    const strings = new StringTable(strBytes, base?.strings);
    const offsets = indexTypes(view, header, strings.length, base === undefined ? 1 : base.typeCount);
    return new Btf(bytes, view, header, base, strings, offsets);
  }

  get littleEndian(): boolean {
    return this.header.littleEndian;
  }

  /** Whether `id` is one of this Btf's own types (not void, not the base's). */
  isOwn(id: number): boolean {
    return id >= this.startId && id < this.typeCount;
  }

  /** Byte offset of an own type's record in `bytes`. */
  recordOffset(id: number): number {
    const off = this.offsets[id - this.startId];
    if (off === undefined || id < this.startId) throw this.#noType(id);
    return off;
  }

  /** The bytes of an own type's record (header and trailing data), without copying. */
  record(id: number): Uint8Array {
    const off = this.recordOffset(id);
    const info = this.view.getUint32(off + 4, this.littleEndian);
    return this.bytes.subarray(off, off + TYPE_HEADER_SIZE + trailingSize(infoKind(info), infoVlen(info)));
  }

  // Cheap accessors: they read the record in place and build no type object.

  kind(id: number): BtfKind {
    if (id === 0) return BtfKind.UNKN;
    if (id < this.startId) return this.base!.kind(id);
    return infoKind(this.#info(id)) as BtfKind;
  }

  vlen(id: number): number {
    if (id === 0) return 0;
    if (id < this.startId) return this.base!.vlen(id);
    return infoVlen(this.#info(id));
  }

  kindFlag(id: number): boolean {
    if (id === 0) return false;
    if (id < this.startId) return this.base!.kindFlag(id);
    return infoKindFlag(this.#info(id));
  }

  /** The record's size-or-type word: a size for INT/STRUCT/UNION/ENUM/ENUM64/DATASEC/FLOAT, else a type id. */
  sizeOrType(id: number): number {
    if (id === 0) return 0;
    if (id < this.startId) return this.base!.sizeOrType(id);
    return this.view.getUint32(this.recordOffset(id) + 8, this.littleEndian);
  }

  nameOffset(id: number): number {
    if (id === 0) return 0;
    if (id < this.startId) return this.base!.nameOffset(id);
    return this.view.getUint32(this.recordOffset(id), this.littleEndian);
  }

  /**
   * Word `index` (u32, in host order) of the data after the record's 12-byte
   * header, read in place: INT's encoding word; ARRAY's [type, index_type,
   * nelems]; VAR's linkage; DECL_TAG's component_idx (as u32); for vlen kinds
   * element i's words at i*n.. (n = 3 for STRUCT/UNION [name_off, type,
   * offset], DATASEC [type, offset, size], ENUM64 [name_off, lo32, hi32]; 2 for
   * ENUM [name_off, val], FUNC_PROTO [name_off, type]). Type ids and string
   * offsets read this way are not validated: `type()` validates them.
   */
  dataWord(id: number, index: number): number {
    if (id < this.startId && id > 0) return this.base!.dataWord(id, index);
    const off = this.recordOffset(id);
    const info = this.view.getUint32(off + 4, this.littleEndian);
    if (!(index >= 0 && index * 4 < trailingSize(infoKind(info), infoVlen(info)))) {
      throw new BtfError("BTF_BAD_ARGUMENT", `type [${id}] has no data word ${index}`, { typeId: id });
    }
    return this.view.getUint32(off + TYPE_HEADER_SIZE + index * 4, this.littleEndian);
  }

  // Members of a STRUCT/UNION read in place (no Member objects), for walks over many types.

  memberName(id: number, i: number): string {
    return this.strings.get(this.dataWord(id, i * 3));
  }

  memberType(id: number, i: number): number {
    return this.dataWord(id, i * 3 + 1);
  }

  memberBitOffset(id: number, i: number): number {
    const raw = this.dataWord(id, i * 3 + 2);
    return this.kindFlag(id) ? raw & 0xffffff : raw;
  }

  memberBitfieldSize(id: number, i: number): number {
    return this.kindFlag(id) ? this.dataWord(id, i * 3 + 2) >>> 24 : 0;
  }

  /** The type's name, "" when anonymous. */
  name(id: number): string {
    const off = this.nameOffset(id);
    return off === 0 ? "" : this.strings.get(off);
  }

  /** The string at a (global) string offset. */
  string(offset: number): string {
    return this.strings.get(offset);
  }

  /** The materialised type (cached); base ids are answered by the base. */
  type(id: number): BtfType {
    if (id === 0) return VOID;
    if (id < this.startId) {
      if (this.base === undefined || id < 0) throw this.#noType(id);
      return this.base.type(id);
    }
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const t = decodeType(this, id, this.recordOffset(id));
    this.#cache.set(id, t);
    return t;
  }

  /** The type, which must be of `kind` (else BtfError). */
  typeOfKind<K extends BtfKind>(id: number, kind: K): TypeOfKind<K> {
    const t = this.type(id);
    if (t.kind !== kind) {
      throw new BtfError("BTF_WRONG_KIND", `type [${id}] is ${kindName(t.kind)}, expected ${kindName(kind)}`, { typeId: id });
    }
    return t as TypeOfKind<K>;
  }

  /** This Btf's own types in id order (materialising each). */
  *types(): IterableIterator<BtfType> {
    for (let id = this.startId; id < this.typeCount; id++) yield this.type(id);
  }

  // Lookups by name. Base types come first; ids ascend.

  /** Every id named `name` (optionally of one kind), base included. */
  findAll(name: string, kind?: BtfKind): number[] {
    const out = this.base?.findAll(name, kind) ?? [];
    this.nameIndex().find(name, kind, out);
    return out;
  }

  /** The lowest id named `name` (optionally of one kind), like btf__find_by_name_kind; undefined if none. */
  find(name: string, kind?: BtfKind): number | undefined {
    const inBase = this.base?.find(name, kind);
    if (inBase !== undefined) return inBase;
    const out: number[] = [];
    this.nameIndex().find(name, kind, out, 1);
    return out[0];
  }

  /**
   * Every id whose essential name (flavor suffix after the last "___" dropped)
   * equals `name`'s essential name: the CO-RE candidates for a local type.
   */
  findByEssentialName(name: string, kind?: BtfKind): number[] {
    const essential = name.slice(0, essentialNameLength(name));
    const out = this.base?.findByEssentialName(essential, kind) ?? [];
    this.nameIndex().findEssential(essential, kind, out);
    return out;
  }

  /** The name index over own types (built on first use; call it to pay the cost up front). */
  nameIndex(): NameIndex {
    return (this.#index ??= new NameIndex(this));
  }

  /**
   * Size of a pointer: the size of the lowest-id INT named like `long` (4 or
   * 8), else 8, as libbpf guesses it; split BTF takes the base's.
   */
  get pointerSize(): number {
    if (this.#pointerSize === 0) this.#pointerSize = this.#guessPointerSize() ?? 8;
    return this.#pointerSize;
  }

  set pointerSize(size: number) {
    if (size !== 4 && size !== 8) throw new BtfError("BTF_BAD_ARGUMENT", `pointer size must be 4 or 8, not ${size}`);
    this.#pointerSize = size;
  }

  #guessPointerSize(): number | undefined {
    if (this.base !== undefined) return this.base.pointerSize;
    let best: number | undefined;
    for (const n of LONG_NAMES) {
      for (const id of this.findAll(n, BtfKind.INT)) {
        const size = this.sizeOrType(id);
        if ((size === 4 || size === 8) && (best === undefined || id < best)) best = id;
      }
    }
    return best === undefined ? undefined : this.sizeOrType(best);
  }

  #info(id: number): number {
    return this.view.getUint32(this.recordOffset(id) + 4, this.littleEndian);
  }

  #noType(id: number): BtfError {
    return new BtfError("BTF_NO_TYPE", `no type with id ${id} (valid ids are 0..${this.typeCount - 1})`, { typeId: id });
  }
}

function checkStrings(strBytes: Uint8Array, at: number, split: boolean): void {
  const len = strBytes.length;
  if (len === 0) {
    if (split) return;
    throw new BtfError("BTF_BAD_STRINGS", "BTF string section is empty", { offset: at, hint: "it must hold at least the empty string" });
  }
  if (strBytes[len - 1] !== 0) {
    throw new BtfError("BTF_BAD_STRINGS", "BTF string section does not end with a NUL byte", { offset: at + len - 1 });
  }
  if (!split && strBytes[0] !== 0) {
    throw new BtfError("BTF_BAD_STRINGS", "BTF string section does not start with the empty string", {
      offset: at,
      hint: "this looks like split BTF (a kernel module's): give its base BTF (vmlinux)",
    });
  }
}

/** The opening pass: validates every record's framing and returns their offsets. */
function indexTypes(view: DataView, header: BtfHeader, strLength: number, startId: number): Uint32Array {
  const le = header.littleEndian;
  const start = header.hdrLen + header.typeOff;
  const end = start + header.typeLen;
  const offsets = new Uint32Array(Math.floor(header.typeLen / TYPE_HEADER_SIZE));
  let n = 0;
  // Kept free of error construction so the loop stays small and optimised.
  for (let off = start; off < end; ) {
    if (off + TYPE_HEADER_SIZE > end) throw framingError(view, header, off, end, startId + n, strLength);
    const info = view.getUint32(off + 4, le);
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    const fixed = kind < FIXED_BY_KIND.length ? FIXED_BY_KIND[kind]! : -1;
    const extra = fixed + vlen * ELEM_BY_KIND[kind]!;
    if (
      fixed < 0 ||
      (vlen !== 0 && VLEN_BY_KIND[kind] === 0) ||
      (info >>> 31 !== 0 && KFLAG_BY_KIND[kind] === 0) ||
      off + TYPE_HEADER_SIZE + extra > end ||
      view.getUint32(off, le) >= strLength
    ) {
      throw framingError(view, header, off, end, startId + n, strLength);
    }
    offsets[n++] = off;
    off += TYPE_HEADER_SIZE + extra;
  }
  return offsets.length === n ? offsets : offsets.slice(0, n);
}

// Per-kind tables for the opening pass (fixed trailing bytes, -1 unknown; bytes per vlen element;
// whether vlen and kind_flag may be non-zero).
const FIXED_BY_KIND = new Int8Array(MAX_KNOWN_KIND + 1);
const ELEM_BY_KIND = new Uint8Array(128);
const VLEN_BY_KIND = new Uint8Array(128);
const KFLAG_BY_KIND = new Uint8Array(128);
for (let k = 0; k <= MAX_KNOWN_KIND; k++) {
  FIXED_BY_KIND[k] = trailingSize(k, 0);
  if (k !== 0) ELEM_BY_KIND[k] = trailingSize(k, 1) - trailingSize(k, 0);
  VLEN_BY_KIND[k] = vlenMeaningful(k) ? 1 : 0;
  KFLAG_BY_KIND[k] = kindFlagMeaningful(k) ? 1 : 0;
}

/** Says what is wrong with the record at `off` (the opening pass found it bad). */
function framingError(view: DataView, header: BtfHeader, off: number, end: number, id: number, strLength: number): BtfError {
  const le = header.littleEndian;
  if (off + TYPE_HEADER_SIZE > end) {
    return new BtfError("BTF_TRUNCATED", `type [${id}]: record header runs past the type section's end at ${end}`, { typeId: id, offset: off });
  }
  const info = view.getUint32(off + 4, le);
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const extra = trailingSize(kind, vlen);
  if (extra < 0) return unknownKindError(kind, id, off);
  if (vlen !== 0 && !vlenMeaningful(kind)) {
    return new BtfError("BTF_BAD_TYPE", `type [${id}]: ${kindName(kind)} has vlen ${vlen}, which must be 0`, { typeId: id, offset: off + 4 });
  }
  if (infoKindFlag(info) && !kindFlagMeaningful(kind)) {
    return new BtfError("BTF_BAD_TYPE", `type [${id}]: ${kindName(kind)} has kind_flag set`, { typeId: id, offset: off + 4 });
  }
  if (off + TYPE_HEADER_SIZE + extra > end) {
    return new BtfError(
      "BTF_TRUNCATED",
      `type [${id}]: ${kindName(kind)} with vlen ${vlen} needs ${extra} bytes of data, only ${end - off - TYPE_HEADER_SIZE} remain`,
      { typeId: id, offset: off },
    );
  }
  const nameOff = view.getUint32(off, le);
  return new BtfError("BTF_BAD_STRING_OFFSET", `type [${id}]: name offset ${nameOff} is outside the ${strLength}-byte string section`, {
    typeId: id,
    offset: off,
  });
}
