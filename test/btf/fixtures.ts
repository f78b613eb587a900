// Inputs shared by the BTF tests: a hand-built blob holding every kind (and
// every kind_flag case), the kernel's BTF and the shared test data.
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { BtfBuilder, BtfKind, FuncLinkage, IntEncoding, VarLinkage } from "../../src/btf/index.js";
import { sharedFile } from "../support/paths.js";

export const KERNEL_BTF = "/sys/kernel/btf/vmlinux";
export const kernelSkip: string | false = existsSync(KERNEL_BTF) ? false : `${KERNEL_BTF} is absent`;

export function bytesOf(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function kernelBytes(): Uint8Array {
  return bytesOf(KERNEL_BTF);
}

export const sharedVmlinux = sharedFile("btf/vmlinux.btf.gz");
export const sharedTestmod = sharedFile("btf/btf_testmod.btf");
export const sharedTestmodBase = sharedFile("btf/btf_testmod.btf.base");

export function sharedVmlinuxBytes(): Uint8Array {
  const b = gunzipSync(readFileSync(sharedVmlinux.path!));
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Ids of the types `buildAllKinds` adds, by role. */
export interface AllKinds {
  int: number;
  uchar: number;
  bool: number;
  legacyBitfieldInt: number;
  ptr: number;
  structPtr: number;
  array: number;
  struct: number;
  bitfieldStruct: number;
  union: number;
  anonUnion: number;
  unsignedEnum: number;
  signedEnum: number;
  fwdStruct: number;
  fwdUnion: number;
  typedef: number;
  volatile: number;
  constant: number;
  restrict: number;
  proto: number;
  variadicProto: number;
  func: number;
  variable: number;
  datasec: number;
  float: number;
  declTag: number;
  declTagAttr: number;
  typeTag: number;
  typeTagAttr: number;
  enum64: number;
  signedEnum64: number;
  packed: number;
  flavored: number;
}

/** A builder holding every kind of type, each kind_flag variant included. */
export function buildAllKinds(): { builder: BtfBuilder; ids: AllKinds } {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  const uchar = b.addInt("unsigned char", 1, IntEncoding.CHAR);
  const bool = b.addInt("_Bool", 1, IntEncoding.BOOL);
  const legacyBitfieldInt = b.add({ kind: BtfKind.INT, name: "int", size: 4, encoding: IntEncoding.SIGNED, bitOffset: 3, bits: 5 });
  const ptr = b.addPtr(0);
  const array = b.addArray(int, int, 16);
  // struct s { int a; union { int u1; unsigned char u2; }; struct s *next; };
  const anonUnion = b.addUnion("", 4, [
    { name: "u1", type: int, bitOffset: 0 },
    { name: "u2", type: uchar, bitOffset: 0 },
  ]);
  const sptr = b.addPtr(b.typeCount + 1); // forward reference to the struct added next
  const struct = b.addStruct("s", 16, [
    { name: "a", type: int, bitOffset: 0 },
    { name: "", type: anonUnion, bitOffset: 32 },
    { name: "next", type: sptr, bitOffset: 64 },
  ]);
  // struct bf { int x:3; int y:13; unsigned char z; int legacy; } with kind_flag
  const bitfieldStruct = b.addStruct("bf", 8, [
    { name: "x", type: int, bitOffset: 0, bitfieldSize: 3 },
    { name: "y", type: int, bitOffset: 3, bitfieldSize: 13 },
    { name: "z", type: uchar, bitOffset: 16 },
    { name: "w", type: int, bitOffset: 32, bitfieldSize: 0 },
  ]);
  const union = b.addUnion("u", 8, [
    { name: "i", type: int, bitOffset: 0 },
    { name: "l", type: array, bitOffset: 0 },
  ]);
  const unsignedEnum = b.addEnum("color", [
    { name: "RED", value: 0 },
    { name: "BIG", value: 0xffffffff },
  ]);
  const signedEnum = b.addEnum("delta", [
    { name: "MINUS", value: -1 },
    { name: "PLUS", value: 1 },
  ]);
  const fwdStruct = b.addFwd("later_s");
  const fwdUnion = b.addFwd("later_u", true);
  const typedef = b.addTypedef("s_t", struct);
  const volatile = b.addVolatile(int);
  const constant = b.addConst(volatile);
  const restrict = b.addRestrict(sptr);
  const proto = b.addFuncProto(int, [
    { name: "a", type: int },
    { name: "p", type: restrict },
  ]);
  const variadicProto = b.addFuncProto(0, [{ name: "fmt", type: ptr }], true);
  const func = b.addFunc("f", proto, FuncLinkage.STATIC);
  const variable = b.addVar("v", int, VarLinkage.GLOBAL_ALLOCATED);
  const datasec = b.addDatasec(".data", 4, [{ type: variable, offset: 0, size: 4 }]);
  const float = b.addFloat("double", 8);
  const declTag = b.addDeclTag("tag1", struct, 0);
  const declTagAttr = b.addDeclTag("aligned(8)", func, -1, true);
  const typeTag = b.addTypeTag("user", int);
  const typeTagAttr = b.addTypeTag("address_space(1)", int, true);
  const enum64 = b.addEnum64("big", [{ name: "HUGE", value: 0xfedcba9876543210n }]);
  const signedEnum64 = b.addEnum64("sbig", [{ name: "NEG", value: -5n }, { name: "POS", value: 1n << 62n }]);
  // struct __attribute__((packed)) p { char c; int i; }  (size 5)
  const packed = b.addStruct("p", 5, [
    { name: "c", type: uchar, bitOffset: 0 },
    { name: "i", type: int, bitOffset: 8 },
  ]);
  const flavored = b.addStruct("s___v2", 4, [{ name: "a", type: int, bitOffset: 0 }]);
  return {
    builder: b,
    ids: {
      int, uchar, bool, legacyBitfieldInt, ptr, structPtr: sptr, array, struct, bitfieldStruct, union, anonUnion, unsignedEnum, signedEnum,
      fwdStruct, fwdUnion, typedef, volatile, constant, restrict, proto, variadicProto, func, variable, datasec, float,
      declTag, declTagAttr, typeTag, typeTagAttr, enum64, signedEnum64, packed, flavored,
    },
  };
}

/** Deterministic PRNG (mulberry32) for fuzz tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
