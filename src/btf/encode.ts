// Writes types (model specs) and a string section to BTF bytes in either byte
// order: header, type section, optional layout section, strings.
import { BtfError } from "../errors.js";
import { BtfKind, MAX_KNOWN_KIND, kindName } from "./kinds.js";
import type { StringTableWriter } from "./strings.js";
import type { BtfTypeSpec } from "./types.js";
import { BTF_MAGIC, BTF_VERSION, HEADER_LAYOUT_LEN, HEADER_MIN_LEN, MAX_VLEN, TYPE_HEADER_SIZE, makeInfo, trailingSize, type KindLayout } from "./wire.js";

export interface BtfEncodeOptions {
  /** Byte order of the output; default little endian. */
  littleEndian?: boolean;
  /** hdr_len to write: at least 24 (32 when there is a layout section), a multiple of 4. Default 24 or 32. */
  headerLength?: number;
  /** The header's flags byte; default 0. */
  flags?: number;
  /** Layout section: explicit entries, or true for the table of the kinds this encoder knows. Default none. */
  layout?: readonly KindLayout[] | boolean;
}

/** The layout table of kinds 0..MAX_KNOWN_KIND (what libbpf writes when asked to add one). */
export function standardLayout(): KindLayout[] {
  const out: KindLayout[] = [];
  for (let k = 0; k <= MAX_KNOWN_KIND; k++) {
    const fixed = Math.max(0, trailingSize(k, 0));
    out.push({ infoSize: fixed, elemSize: k === 0 ? 0 : trailingSize(k, 1) - fixed, flags: 0 });
  }
  return out;
}

/**
 * Encodes `types` (ids startId, startId+1, ...) with names interned in
 * `strings`; every referenced id must be below `typeCount`.
 */
export function encodeBtf(types: readonly BtfTypeSpec[], startId: number, strings: StringTableWriter, options: BtfEncodeOptions = {}): Uint8Array {
  const le = options.littleEndian ?? true;
  const typeCount = startId + types.length;
  let typeLen = 0;
  types.forEach((t, i) => {
    const extra = trailingSize(t.kind, vlenOf(t));
    if (extra < 0) throw new BtfError("BTF_BAD_ARGUMENT", `type [${startId + i}]: cannot encode kind ${t.kind}`, { typeId: startId + i });
    typeLen += TYPE_HEADER_SIZE + extra;
  });
  const section = new Uint8Array(typeLen);
  const w = new Writer(new DataView(section.buffer), le);
  types.forEach((t, i) => writeType(w, t, startId + i, typeCount, strings));

  const layout = options.layout === true ? standardLayout() : options.layout === false ? undefined : options.layout;
  const layoutLen = layout === undefined ? 0 : layout.length * 4;
  const hdrLen = options.headerLength ?? (layout !== undefined ? HEADER_LAYOUT_LEN : HEADER_MIN_LEN);
  if (hdrLen < HEADER_MIN_LEN || hdrLen % 4 !== 0 || (layout !== undefined && hdrLen < HEADER_LAYOUT_LEN)) {
    throw new BtfError("BTF_BAD_ARGUMENT", `cannot write a ${hdrLen}-byte BTF header${layout !== undefined ? " with a layout section" : ""}`);
  }
  const strBytes = strings.bytes();
  const out = new Uint8Array(hdrLen + typeLen + layoutLen + strBytes.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, BTF_MAGIC, le);
  view.setUint8(2, BTF_VERSION);
  view.setUint8(3, options.flags ?? 0);
  view.setUint32(4, hdrLen, le);
  view.setUint32(8, 0, le);
  view.setUint32(12, typeLen, le);
  view.setUint32(16, typeLen + layoutLen, le);
  view.setUint32(20, strBytes.length, le);
  if (hdrLen >= HEADER_LAYOUT_LEN) {
    view.setUint32(24, layoutLen === 0 ? 0 : typeLen, le);
    view.setUint32(28, layoutLen, le);
  }
  out.set(section, hdrLen);
  layout?.forEach((l, i) => {
    const at = hdrLen + typeLen + i * 4;
    view.setUint8(at, l.infoSize);
    view.setUint8(at + 1, l.elemSize);
    view.setUint16(at + 2, l.flags, le);
  });
  out.set(strBytes, hdrLen + typeLen + layoutLen);
  return out;
}

function vlenOf(t: BtfTypeSpec): number {
  switch (t.kind) {
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return t.members.length;
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return t.values.length;
    case BtfKind.FUNC_PROTO:
      return t.params.length + (t.variadic ? 1 : 0);
    case BtfKind.DATASEC:
      return t.vars.length;
    case BtfKind.FUNC:
      return t.linkage;
    default:
      return 0;
  }
}

/** Sequential writer with range checks that name the type being written. */
class Writer {
  at = 0;
  id = 0;
  constructor(
    readonly view: DataView,
    readonly le: boolean,
  ) {}

  u32(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) this.fail(`${what} ${value} is not a u32`);
    this.view.setUint32(this.at, value, this.le);
    this.at += 4;
  }

  i32(value: number, what: string): void {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) this.fail(`${what} ${value} is not an s32`);
    this.view.setInt32(this.at, value, this.le);
    this.at += 4;
  }

  fail(message: string): never {
    throw new BtfError("BTF_BAD_ARGUMENT", `type [${this.id}]: ${message}`, { typeId: this.id });
  }
}

function writeType(w: Writer, t: BtfTypeSpec, id: number, typeCount: number, strings: StringTableWriter): void {
  w.id = id;
  const ref = (type: number, what: string): number => {
    if (!Number.isInteger(type) || type < 0 || type >= typeCount) w.fail(`${what} refers to type id ${type}, beyond the last id ${typeCount - 1}`);
    return type;
  };
  const name = (s: string): number => strings.add(s);
  const vlen = vlenOf(t);
  if (vlen > MAX_VLEN) w.fail(`${kindName(t.kind)} has ${vlen} elements, more than ${MAX_VLEN}`);
  const kindFlag =
    t.kind === BtfKind.STRUCT || t.kind === BtfKind.UNION
      ? t.kindFlag
      : t.kind === BtfKind.ENUM || t.kind === BtfKind.ENUM64
        ? t.signed
        : t.kind === BtfKind.FWD
          ? t.union
          : t.kind === BtfKind.DECL_TAG || t.kind === BtfKind.TYPE_TAG
            ? t.attribute
            : false;
  w.u32(name(t.name), "name offset");
  w.u32(makeInfo(t.kind, vlen, kindFlag), "info");
  switch (t.kind) {
    case BtfKind.INT: {
      w.u32(t.size, "size");
      if (t.encoding > 0xf || t.bitOffset > 0xff || t.bits > 0xff || t.encoding < 0 || t.bitOffset < 0 || t.bits < 0) {
        w.fail(`INT encoding ${t.encoding}, offset ${t.bitOffset} or bits ${t.bits} out of range`);
      }
      w.u32(((t.encoding << 24) | (t.bitOffset << 16) | t.bits) >>> 0, "INT data");
      return;
    }
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
    case BtfKind.FUNC:
      w.u32(ref(t.type, "type"), "type");
      return;
    case BtfKind.FWD:
      w.u32(0, "size");
      return;
    case BtfKind.ARRAY:
      w.u32(0, "size");
      w.u32(ref(t.type, "element type"), "element type");
      w.u32(ref(t.indexType, "index type"), "index type");
      w.u32(t.nelems, "nelems");
      return;
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      w.u32(t.size, "size");
      for (const m of t.members) {
        w.u32(name(m.name), "member name");
        w.u32(ref(m.type, `member '${m.name}'`), "member type");
        if (t.kindFlag) {
          if (m.bitOffset > 0xffffff || m.bitfieldSize > 0xff || m.bitfieldSize < 0) w.fail(`member '${m.name}' offset or bitfield size out of range`);
          w.u32(((m.bitfieldSize << 24) | m.bitOffset) >>> 0, "member offset");
        } else {
          if (m.bitfieldSize !== 0) w.fail(`member '${m.name}' is a bitfield, but kindFlag is false`);
          w.u32(m.bitOffset, "member offset");
        }
      }
      return;
    case BtfKind.ENUM:
      w.u32(t.size, "size");
      for (const v of t.values) {
        w.u32(name(v.name), "enumerator name");
        if (t.signed) w.i32(v.value, `enumerator '${v.name}'`);
        else w.u32(v.value, `enumerator '${v.name}'`);
      }
      return;
    case BtfKind.ENUM64:
      w.u32(t.size, "size");
      for (const v of t.values) {
        w.u32(name(v.name), "enumerator name");
        const raw = BigInt.asUintN(64, v.value);
        if ((t.signed ? BigInt.asIntN(64, v.value) : raw) !== v.value) w.fail(`enumerator '${v.name}' value ${v.value} does not fit 64 bits`);
        w.u32(Number(raw & 0xffffffffn), "enumerator value");
        w.u32(Number(raw >> 32n), "enumerator value");
      }
      return;
    case BtfKind.FUNC_PROTO:
      w.u32(ref(t.type, "return type"), "return type");
      for (const p of t.params) {
        if (p.type === 0) w.fail(`parameter '${p.name}' is void; use variadic for varargs`);
        w.u32(name(p.name), "parameter name");
        w.u32(ref(p.type, `parameter '${p.name}'`), "parameter type");
      }
      if (t.variadic) {
        w.u32(0, "parameter name");
        w.u32(0, "parameter type");
      }
      return;
    case BtfKind.VAR:
      w.u32(ref(t.type, "type"), "type");
      w.u32(t.linkage, "linkage");
      return;
    case BtfKind.DATASEC:
      w.u32(t.size, "size");
      for (const v of t.vars) {
        w.u32(ref(v.type, "variable"), "variable");
        w.u32(v.offset, "variable offset");
        w.u32(v.size, "variable size");
      }
      return;
    case BtfKind.FLOAT:
      w.u32(t.size, "size");
      return;
    case BtfKind.DECL_TAG:
      w.u32(ref(t.type, "tagged type"), "tagged type");
      if (t.componentIdx < -1) w.fail(`component_idx ${t.componentIdx} is below -1`);
      w.i32(t.componentIdx, "component_idx");
      return;
    default: {
      const unknown: { kind: number } = t;
      w.fail(`cannot encode kind ${unknown.kind}`);
    }
  }
}
