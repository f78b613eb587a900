// In-place edits of a raw BTF blob, as libbpf makes them before BTF_LOAD:
// records are rewritten where they lie (same size, so type ids never move),
// new types and strings are appended at the end. Pure: bytes in, bytes out.
import { type Btf, BtfKind } from "../../btf/index.js";
import { CoreBpfError } from "../../errors.js";

/** Bytes after a type's 12-byte header, by kind and vlen (the kinds the kernel knows). */
function trailing(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKind.INT:
    case BtfKind.VAR:
    case BtfKind.DECL_TAG:
      return 4;
    case BtfKind.ARRAY:
      return 12;
    case BtfKind.STRUCT:
    case BtfKind.UNION:
    case BtfKind.DATASEC:
    case BtfKind.ENUM64:
      return 12 * vlen;
    case BtfKind.ENUM:
    case BtfKind.FUNC_PROTO:
      return 8 * vlen;
    default:
      return 0;
  }
}

export class BtfEditor {
  readonly source: Btf;
  readonly littleEndian: boolean;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  /** Absolute offset of the string section in #bytes. */
  readonly #strStart: number;
  readonly #newTypes: number[] = [];
  readonly #newStrings: number[] = [];
  readonly #added = new Map<string, number>();
  #typeCount: number;

  constructor(btf: Btf) {
    if (btf.base !== undefined) throw new CoreBpfError("BAD_BTF", "object BTF cannot be split BTF");
    this.source = btf;
    this.littleEndian = btf.littleEndian;
    this.#bytes = btf.bytes.slice();
    this.#view = new DataView(this.#bytes.buffer);
    this.#strStart = btf.header.hdrLen + btf.header.strOff;
    this.#typeCount = btf.typeCount;
  }

  /** One past the largest type id, appended types included. */
  get typeCount(): number {
    return this.#typeCount;
  }

  readonly #appendedAt: number[] = [];

  /** Word `w` of type `id`'s record (0 name_off, 1 info, 2 size/type, 3.. trailing), appended types included. */
  #get(id: number, w: number): number {
    if (id >= this.source.typeCount) return this.#newTypes[this.#appended(id) + w]!;
    return this.#view.getUint32(this.source.recordOffset(id) + w * 4, this.littleEndian);
  }
  #set(id: number, w: number, v: number): void {
    if (id >= this.source.typeCount) this.#newTypes[this.#appended(id) + w] = v >>> 0;
    else this.#view.setUint32(this.source.recordOffset(id) + w * 4, v >>> 0, this.littleEndian);
  }
  #appended(id: number): number {
    const at = this.#appendedAt[id - this.source.typeCount];
    if (at === undefined) throw new CoreBpfError("BAD_BTF", `type [${id}] does not exist`, { typeId: id });
    return at;
  }

  kind(id: number): number {
    return (this.#get(id, 1) >>> 24) & 0x1f;
  }
  vlen(id: number): number {
    return this.#get(id, 1) & 0xffff;
  }
  nameOff(id: number): number {
    return this.#get(id, 0);
  }
  setNameOff(id: number, off: number): void {
    this.#set(id, 0, off);
  }
  setInfo(id: number, kind: number, vlen: number, kindFlag = false): void {
    this.#set(id, 1, (kindFlag ? 0x80000000 : 0) | (kind << 24) | (vlen & 0xffff));
  }
  /** Keeps kind and kind_flag, replaces vlen (FUNC linkage). */
  setVlen(id: number, vlen: number): void {
    this.#set(id, 1, (this.#get(id, 1) & ~0xffff) | vlen);
  }
  clearKindFlag(id: number): void {
    this.#set(id, 1, this.#get(id, 1) & 0x7fffffff);
  }
  sizeOrType(id: number): number {
    return this.#get(id, 2);
  }
  setSizeOrType(id: number, v: number): void {
    this.#set(id, 2, v);
  }
  /** Word `i` after the 12-byte header. */
  word(id: number, i: number): number {
    return this.#get(id, 3 + i);
  }
  setWord(id: number, i: number, v: number): void {
    this.#set(id, 3 + i, v);
  }

  /** Replaces every byte of the NUL-terminated string at `off` for which `map` returns another character. */
  rewriteString(off: number, map: (ch: string) => string): void {
    if (off === 0) return;
    for (let at = this.#strStart + off; at < this.#bytes.length && this.#bytes[at] !== 0; at++) {
      const ch = String.fromCharCode(this.#bytes[at]!);
      const to = map(ch);
      if (to !== ch && to.length === 1) this.#bytes[at] = to.charCodeAt(0);
    }
  }

  /** The offset of `s` in the string section, appending it when absent. */
  addString(s: string): number {
    if (s === "") return 0;
    const existing = this.source.strings.offsetOf(s);
    if (existing >= 0) return existing;
    const hit = this.#added.get(s);
    if (hit !== undefined) return hit;
    const off = this.source.header.strLen + this.#newStrings.length;
    for (const b of new TextEncoder().encode(s)) this.#newStrings.push(b);
    this.#newStrings.push(0);
    this.#added.set(s, off);
    return off;
  }

  /** Appends a type: its name, kind, vlen, size-or-type word and trailing words; returns its id. */
  addType(name: string, kind: number, vlen: number, sizeOrType: number, extra: readonly number[] = []): number {
    if (extra.length * 4 !== trailing(kind, vlen)) throw new CoreBpfError("BAD_BTF", `appended type of kind ${kind}: ${extra.length} trailing words`);
    this.#appendedAt.push(this.#newTypes.length);
    this.#newTypes.push(this.addString(name), ((kind << 24) | vlen) >>> 0, sizeOrType >>> 0, ...extra.map((w) => w >>> 0));
    return this.#typeCount++;
  }

  /** The edited blob: the original layout, appended types after the type section, appended strings at the end. */
  bytes(): Uint8Array {
    if (this.#newTypes.length === 0 && this.#newStrings.length === 0) return this.#bytes;
    const h = this.source.header;
    const typesEnd = h.hdrLen + h.typeOff + h.typeLen;
    const added = this.#newTypes.length * 4;
    const out = new Uint8Array(this.#bytes.length + added + this.#newStrings.length);
    out.set(this.#bytes.subarray(0, typesEnd), 0);
    const view = new DataView(out.buffer);
    this.#newTypes.forEach((w, i) => view.setUint32(typesEnd + i * 4, w, this.littleEndian));
    out.set(this.#bytes.subarray(typesEnd), typesEnd + added);
    out.set(this.#newStrings, this.#bytes.length + added);
    view.setUint32(12, h.typeLen + added, this.littleEndian);
    view.setUint32(16, h.strOff + added, this.littleEndian);
    view.setUint32(20, h.strLen + this.#newStrings.length, this.littleEndian);
    if (h.hdrLen >= 32 && h.layoutLen !== 0) view.setUint32(24, h.layoutOff + added, this.littleEndian);
    return out;
  }
}
