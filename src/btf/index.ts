// corebpf/btf: decode, query, build and encode BTF (pure: no Node imports).
export { Btf, type BtfParseOptions } from "./btf.js";
export { btfSectionFromElf } from "./elf-input.js";
export { BtfBuilder, type BtfBuilderOptions, type MemberSpec } from "./builder.js";
export { dumpC, formatC, type CDumpOptions } from "./dump-c.js";
export { ByteWriter, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_OUTPUT_BYTES, collectingSink, type ChunkSink } from "./dump-out.js";
export { dumpRaw, formatRaw, type RawDumpOptions } from "./dump-raw.js";
export { encodeBtf, standardLayout, type BtfEncodeOptions } from "./encode.js";
export { BtfKind, FuncLinkage, IntEncoding, VarLinkage, kindName } from "./kinds.js";
export { essentialName, essentialNameLength } from "./name-index.js";
export {
  MAX_RESOLVE_DEPTH,
  alignOf,
  findMember,
  isComposite,
  isModifier,
  resolveSize,
  resolveType,
  skipModifiers,
  type MemberMatch,
  type MemberStep,
} from "./resolve.js";
export { StringTable, StringTableWriter } from "./strings.js";
export { children, mapChildren, withoutId } from "./traverse.js";
export type {
  ArrayType,
  BtfType,
  BtfTypeSpec,
  CompositeType,
  ConstType,
  DatasecType,
  DeclTagType,
  Enum64Type,
  Enum64Value,
  EnumType,
  EnumValue,
  FloatType,
  FuncProtoType,
  FuncType,
  FwdType,
  IntType,
  Member,
  Param,
  PtrType,
  RestrictType,
  StructType,
  TypeOfKind,
  TypeTagType,
  TypedefType,
  UnionType,
  VarSecinfo,
  VarType,
  VoidType,
  VolatileType,
} from "./types.js";
export { BTF_MAGIC, parseHeader, type BtfHeader, type KindLayout } from "./wire.js";
