// The public BTF type model: one plain, read-only object per type, discriminated
// by `kind`. Types refer to each other by type id (`type` fields); `Btf.type(id)`
// materialises them on demand. The same shapes without `id` are what
// `BtfBuilder.add` takes, so a decoded type can be re-added unchanged.
import type { BtfKind } from "./kinds.js";

interface Named {
  /** Type id in its Btf (0 is void). */
  readonly id: number;
  /** "" when anonymous. */
  readonly name: string;
}

export interface VoidType extends Named {
  readonly kind: typeof BtfKind.UNKN;
}

export interface IntType extends Named {
  readonly kind: typeof BtfKind.INT;
  /** Size in bytes. */
  readonly size: number;
  /** IntEncoding bits: SIGNED | CHAR | BOOL. */
  readonly encoding: number;
  /** BTF_INT_OFFSET: bit offset of the value inside the storage (legacy bitfield ints). */
  readonly bitOffset: number;
  /** BTF_INT_BITS: number of value bits. */
  readonly bits: number;
}

export interface PtrType extends Named {
  readonly kind: typeof BtfKind.PTR;
  /** Pointee. */
  readonly type: number;
}

export interface ArrayType extends Named {
  readonly kind: typeof BtfKind.ARRAY;
  /** Element type. */
  readonly type: number;
  readonly indexType: number;
  readonly nelems: number;
}

export interface Member {
  readonly name: string;
  readonly type: number;
  /** Offset of the member from the start of the struct, in bits. */
  readonly bitOffset: number;
  /** Bitfield width from the member (kind_flag structs); 0 otherwise. */
  readonly bitfieldSize: number;
}

interface Composite extends Named {
  readonly size: number;
  /** kind_flag: member offsets carry bitfield_size << 24 | bit_offset. */
  readonly kindFlag: boolean;
  readonly members: readonly Member[];
}

export interface StructType extends Composite {
  readonly kind: typeof BtfKind.STRUCT;
}

export interface UnionType extends Composite {
  readonly kind: typeof BtfKind.UNION;
}

export interface EnumValue {
  readonly name: string;
  /** int32 when the enum is signed, uint32 otherwise. */
  readonly value: number;
}

export interface EnumType extends Named {
  readonly kind: typeof BtfKind.ENUM;
  readonly size: number;
  /** kind_flag: values are signed. */
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}

export interface Enum64Value {
  readonly name: string;
  /** int64 when the enum is signed, uint64 otherwise. */
  readonly value: bigint;
}

export interface Enum64Type extends Named {
  readonly kind: typeof BtfKind.ENUM64;
  readonly size: number;
  readonly signed: boolean;
  readonly values: readonly Enum64Value[];
}

export interface FwdType extends Named {
  readonly kind: typeof BtfKind.FWD;
  /** kind_flag: forward declaration of a union (else of a struct). */
  readonly union: boolean;
}

interface Reference extends Named {
  readonly type: number;
}

export interface TypedefType extends Reference {
  readonly kind: typeof BtfKind.TYPEDEF;
}
export interface VolatileType extends Reference {
  readonly kind: typeof BtfKind.VOLATILE;
}
export interface ConstType extends Reference {
  readonly kind: typeof BtfKind.CONST;
}
export interface RestrictType extends Reference {
  readonly kind: typeof BtfKind.RESTRICT;
}

export interface FuncType extends Named {
  readonly kind: typeof BtfKind.FUNC;
  /** The FUNC_PROTO. */
  readonly type: number;
  /** FuncLinkage (stored in vlen). */
  readonly linkage: number;
}

export interface Param {
  readonly name: string;
  readonly type: number;
}

export interface FuncProtoType extends Named {
  readonly kind: typeof BtfKind.FUNC_PROTO;
  /** Return type (0: void). */
  readonly type: number;
  /** Named parameters; the varargs marker is not one of them (see `variadic`). */
  readonly params: readonly Param[];
  /** The wire's last parameter is the varargs marker (name 0, type 0). */
  readonly variadic: boolean;
}

export interface VarType extends Named {
  readonly kind: typeof BtfKind.VAR;
  readonly type: number;
  /** VarLinkage. */
  readonly linkage: number;
}

export interface VarSecinfo {
  /** The VAR (or FUNC, for .ksyms) placed in the section. */
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

export interface DatasecType extends Named {
  readonly kind: typeof BtfKind.DATASEC;
  readonly size: number;
  readonly vars: readonly VarSecinfo[];
}

export interface FloatType extends Named {
  readonly kind: typeof BtfKind.FLOAT;
  readonly size: number;
}

export interface DeclTagType extends Named {
  readonly kind: typeof BtfKind.DECL_TAG;
  /** The tagged struct, union, func, var or typedef. */
  readonly type: number;
  /** -1: the type itself; otherwise the member or parameter index. */
  readonly componentIdx: number;
  /** kind_flag: an `__attribute__((...))` rather than a btf_decl_tag. */
  readonly attribute: boolean;
}

export interface TypeTagType extends Named {
  readonly kind: typeof BtfKind.TYPE_TAG;
  readonly type: number;
  /** kind_flag: an attribute rather than a btf_type_tag. */
  readonly attribute: boolean;
}

/** Every materialised BTF type. */
export type BtfType =
  | VoidType
  | IntType
  | PtrType
  | ArrayType
  | StructType
  | UnionType
  | EnumType
  | FwdType
  | TypedefType
  | VolatileType
  | ConstType
  | RestrictType
  | FuncType
  | FuncProtoType
  | VarType
  | DatasecType
  | FloatType
  | DeclTagType
  | TypeTagType
  | Enum64Type;

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A type to add to a BtfBuilder: any BtfType but void, without its id. */
export type BtfTypeSpec = WithoutId<Exclude<BtfType, VoidType>>;

/** A type of the given kind. */
export type TypeOfKind<K extends BtfKind> = Extract<BtfType, { kind: K }>;

/** STRUCT or UNION. */
export type CompositeType = StructType | UnionType;
