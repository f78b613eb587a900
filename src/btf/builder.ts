// Building BTF programmatically: add types (ids are returned) and strings,
// then encode to bytes in either byte order, standalone or split over a base.
// `BtfBuilder.from(btf)` starts from a decoded Btf and keeps its string
// section as is, so re-encoding an unmodified Btf gives back the same bytes.
import { BtfError } from "../errors.js";
import { Btf } from "./btf.js";
import { encodeBtf, type BtfEncodeOptions } from "./encode.js";
import { BtfKind, FuncLinkage, VarLinkage } from "./kinds.js";
import { StringTableWriter } from "./strings.js";
import { withoutId } from "./traverse.js";
import type { BtfType, BtfTypeSpec, EnumValue, Enum64Value, Param, VarSecinfo } from "./types.js";

export interface BtfBuilderOptions {
  /** Build split BTF over this base: ids start after its last id, its strings are reused. */
  base?: Btf;
}

/** A member for addStruct/addUnion; bitfieldSize defaults to 0. */
export interface MemberSpec {
  name: string;
  type: number;
  bitOffset: number;
  bitfieldSize?: number;
}

export class BtfBuilder {
  readonly base: Btf | undefined;
  /** Id of the first type this builder adds. */
  readonly startId: number;
  readonly #types: BtfTypeSpec[] = [];
  #strings: StringTableWriter;
  /** Encoding defaults carried over from the Btf this builder started from. */
  readonly #defaults: BtfEncodeOptions;

  constructor(options: BtfBuilderOptions = {}) {
    this.base = options.base;
    this.startId = options.base?.typeCount ?? 1;
    this.#strings = new StringTableWriter({ base: options.base?.strings });
    this.#defaults = {};
  }

  /**
   * A builder holding every own type of `btf`, its string section and header
   * choices (byte order, hdr_len, flags, layout section).
   */
  static from(btf: Btf): BtfBuilder {
    if (btf.header.unknownHeaderData) {
      throw new BtfError("BTF_HEADER_UNKNOWN", "the BTF header has data past the fields this encoder knows; re-encoding would drop it", {
        offset: 32,
      });
    }
    const b = new BtfBuilder(btf.base === undefined ? {} : { base: btf.base });
    for (const t of btf.types()) b.#types.push(withoutId(t));
    Object.assign(b.#defaults, {
      littleEndian: btf.littleEndian,
      headerLength: btf.header.hdrLen,
      flags: btf.header.flags,
      layout: btf.layout ?? false,
    } satisfies BtfEncodeOptions);
    b.#strings = new StringTableWriter({ base: btf.base?.strings, seed: btf.strings });
    return b;
  }

  /** One past the largest id (base included). */
  get typeCount(): number {
    return this.startId + this.#types.length;
  }

  /** Adds a type (a spec, or a decoded type whose id is ignored); returns its id. References may point forward. */
  add(type: BtfTypeSpec | BtfType): number {
    this.#types.push(withoutId(type));
    return this.typeCount - 1;
  }

  /** Replaces an own type (sanitising rewrites types in place, keeping ids). */
  set(id: number, type: BtfTypeSpec | BtfType): void {
    if (id < this.startId || id >= this.typeCount) throw new BtfError("BTF_NO_TYPE", `no own type with id ${id} to replace`, { typeId: id });
    this.#types[id - this.startId] = withoutId(type);
  }

  /** An own type's spec, or a base type. */
  type(id: number): BtfTypeSpec | BtfType {
    if (id < this.startId) {
      if (this.base === undefined || id < 0) throw new BtfError("BTF_NO_TYPE", `no type with id ${id}`, { typeId: id });
      return this.base.type(id);
    }
    const t = this.#types[id - this.startId];
    if (t === undefined) throw new BtfError("BTF_NO_TYPE", `no type with id ${id}`, { typeId: id });
    return t;
  }

  /** Interns a string and returns its offset (the base's copy when it has one). */
  addString(s: string): number {
    return this.#strings.add(s);
  }

  /** The BTF bytes; options default to those of the Btf this builder started from, else little endian, hdr_len 24. */
  encode(options: BtfEncodeOptions = {}): Uint8Array {
    return encodeBtf(this.#types, this.startId, this.#strings, { ...this.#defaults, ...options });
  }

  /** Encodes and decodes: the result is a Btf (split over the same base). */
  build(options: BtfEncodeOptions = {}): Btf {
    return Btf.parse(this.encode(options), this.base === undefined ? {} : { base: this.base });
  }

  // Shorthands for the common kinds.

  addInt(name: string, size: number, encoding = 0): number {
    return this.add({ kind: BtfKind.INT, name, size, encoding, bitOffset: 0, bits: size * 8 });
  }

  addFloat(name: string, size: number): number {
    return this.add({ kind: BtfKind.FLOAT, name, size });
  }

  addPtr(type: number): number {
    return this.add({ kind: BtfKind.PTR, name: "", type });
  }

  addArray(type: number, indexType: number, nelems: number): number {
    return this.add({ kind: BtfKind.ARRAY, name: "", type, indexType, nelems });
  }

  /** A struct; kindFlag is set when a member is a bitfield. */
  addStruct(name: string, size: number, members: readonly MemberSpec[]): number {
    return this.add({ kind: BtfKind.STRUCT, name, size, ...composite(members) });
  }

  addUnion(name: string, size: number, members: readonly MemberSpec[]): number {
    return this.add({ kind: BtfKind.UNION, name, size, ...composite(members) });
  }

  /** An enum; signed when a value is negative (unless given). */
  addEnum(name: string, values: readonly EnumValue[], options: { size?: number; signed?: boolean } = {}): number {
    const signed = options.signed ?? values.some((v) => v.value < 0);
    return this.add({ kind: BtfKind.ENUM, name, size: options.size ?? 4, signed, values });
  }

  addEnum64(name: string, values: readonly Enum64Value[], options: { size?: number; signed?: boolean } = {}): number {
    const signed = options.signed ?? values.some((v) => v.value < 0n);
    return this.add({ kind: BtfKind.ENUM64, name, size: options.size ?? 8, signed, values });
  }

  addFwd(name: string, union = false): number {
    return this.add({ kind: BtfKind.FWD, name, union });
  }

  addTypedef(name: string, type: number): number {
    return this.add({ kind: BtfKind.TYPEDEF, name, type });
  }

  addVolatile(type: number): number {
    return this.add({ kind: BtfKind.VOLATILE, name: "", type });
  }

  addConst(type: number): number {
    return this.add({ kind: BtfKind.CONST, name: "", type });
  }

  addRestrict(type: number): number {
    return this.add({ kind: BtfKind.RESTRICT, name: "", type });
  }

  addTypeTag(name: string, type: number, attribute = false): number {
    return this.add({ kind: BtfKind.TYPE_TAG, name, type, attribute });
  }

  addFuncProto(returnType: number, params: readonly Param[], variadic = false): number {
    return this.add({ kind: BtfKind.FUNC_PROTO, name: "", type: returnType, params, variadic });
  }

  addFunc(name: string, proto: number, linkage: number = FuncLinkage.GLOBAL): number {
    return this.add({ kind: BtfKind.FUNC, name, type: proto, linkage });
  }

  addVar(name: string, type: number, linkage: number = VarLinkage.GLOBAL_ALLOCATED): number {
    return this.add({ kind: BtfKind.VAR, name, type, linkage });
  }

  addDatasec(name: string, size: number, vars: readonly VarSecinfo[]): number {
    return this.add({ kind: BtfKind.DATASEC, name, size, vars });
  }

  addDeclTag(name: string, type: number, componentIdx = -1, attribute = false): number {
    return this.add({ kind: BtfKind.DECL_TAG, name, type, componentIdx, attribute });
  }
}

function composite(members: readonly MemberSpec[]) {
  const full = members.map((m) => ({ name: m.name, type: m.type, bitOffset: m.bitOffset, bitfieldSize: m.bitfieldSize ?? 0 }));
  return { kindFlag: full.some((m) => m.bitfieldSize !== 0), members: full };
}
