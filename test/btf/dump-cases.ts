// Hand-built BTF, one blob per rule of the C dump. Each case's expected output
// is a golden file (test/btf/golden/<name>.h) taken from bpftool 7.1 and read
// over by hand; the tests compare with the golden file always and with a live
// bpftool when there is one.
import { BtfBuilder, FuncLinkage, IntEncoding, VarLinkage } from "../../src/btf/index.js";

export interface DumpCase {
  name: string;
  /** What the case pins. */
  rule: string;
  build(): BtfBuilder;
}

/** A builder with the usual integer types; ids in `ints`. */
function withInts(options: { longSize?: number } = {}) {
  const b = new BtfBuilder();
  const longSize = options.longSize ?? 8;
  const ints = {
    char: b.addInt("char", 1, IntEncoding.CHAR),
    uchar: b.addInt("unsigned char", 1),
    short: b.addInt("short int", 2, IntEncoding.SIGNED),
    int: b.addInt("int", 4, IntEncoding.SIGNED),
    uint: b.addInt("unsigned int", 4),
    long: b.addInt("long int", longSize, IntEncoding.SIGNED),
    u64: b.addInt("long long unsigned int", 8),
  };
  return { b, ints };
}

export const dumpCases: DumpCase[] = [
  {
    name: "bitfields",
    rule: "bitfield widths, bitfields spanning units, `type: 0;` realignment, explicit bits inside a bitfield run, gaps and tail padding",
    build() {
      const { b, ints } = withInts();
      b.addStruct("bits", 24, [
        { name: "a", type: ints.uint, bitOffset: 0, bitfieldSize: 3 },
        { name: "b", type: ints.uint, bitOffset: 3, bitfieldSize: 29 },
        { name: "c", type: ints.uchar, bitOffset: 40, bitfieldSize: 4 }, // a gap inside the bitfield run
        { name: "d", type: ints.u64, bitOffset: 64, bitfieldSize: 40 }, // realigned to the next long
        { name: "e", type: ints.int, bitOffset: 128 },
        { name: "f", type: ints.short, bitOffset: 160, bitfieldSize: 1 },
      ]);
      // A bitfield starting right at a boundary its type would not align to: `long: 0;`.
      b.addStruct("realign", 16, [
        { name: "x", type: ints.char, bitOffset: 0 },
        { name: "y", type: ints.char, bitOffset: 64, bitfieldSize: 2 },
      ]);
      // Tail padding of several units (cacheline-aligned kernel structs).
      b.addStruct("padded", 64, [{ name: "v", type: ints.long, bitOffset: 0 }]);
      b.addStruct("small_tail", 7, [{ name: "v", type: ints.char, bitOffset: 0 }]);
      return b;
    },
  },
  {
    name: "packed",
    rule: "__attribute__((packed)) when a member is off its alignment or the size is not a multiple of the alignment; not for naturally aligned structs",
    build() {
      const { b, ints } = withInts();
      b.addStruct("misaligned", 5, [
        { name: "c", type: ints.char, bitOffset: 0 },
        { name: "i", type: ints.int, bitOffset: 8 },
      ]);
      b.addStruct("odd_size", 6, [{ name: "i", type: ints.int, bitOffset: 0 }, { name: "c", type: ints.char, bitOffset: 32 }]);
      const inner = b.addStruct("inner_packed", 3, [{ name: "s", type: ints.short, bitOffset: 8 }]);
      b.addStruct("outer", 8, [
        { name: "c", type: ints.char, bitOffset: 0 },
        { name: "p", type: inner, bitOffset: 8 },
        { name: "i", type: ints.int, bitOffset: 32 },
      ]);
      b.addStruct("natural", 8, [{ name: "a", type: ints.int, bitOffset: 0 }, { name: "b", type: ints.char, bitOffset: 32 }]);
      b.addUnion("packed_union", 5, [{ name: "i", type: ints.int, bitOffset: 0 }, { name: "c", type: ints.char, bitOffset: 0 }]);
      return b;
    },
  },
  {
    name: "anonymous",
    rule: "anonymous structs and unions inline at any depth (indentation capped at 12 tabs), anonymous types in typedefs, union member padding",
    build() {
      const { b, ints } = withInts();
      let inner = b.addStruct("", 4, [{ name: "deep", type: ints.int, bitOffset: 0 }]);
      for (let depth = 0; depth < 13; depth++) {
        inner = depth % 2 === 0
          ? b.addUnion("", 4, [{ name: "", type: inner, bitOffset: 0 }, { name: `u${depth}`, type: ints.int, bitOffset: 0 }])
          : b.addStruct("", 4, [{ name: "", type: inner, bitOffset: 0 }]);
      }
      b.addStruct("nest", 4, [{ name: "", type: inner, bitOffset: 0 }]);
      const anon = b.addStruct("", 8, [{ name: "lo", type: ints.int, bitOffset: 0 }, { name: "hi", type: ints.int, bitOffset: 32 }]);
      b.addTypedef("pair_t", anon);
      b.addUnion("shifted", 8, [{ name: "late", type: ints.int, bitOffset: 32 }]);
      return b;
    },
  },
  {
    name: "names",
    rule: "name clashes: tags share one namespace, typedefs and enumerators another; repeats get ___N in order of first use; forward declarations and empty enums never clash",
    build() {
      const { b, ints } = withInts();
      b.addStruct("foo", 4, [{ name: "a", type: ints.int, bitOffset: 0 }]);
      b.addFwd("foo");
      b.addUnion("foo", 4, [{ name: "b", type: ints.int, bitOffset: 0 }]);
      b.addEnum("foo", [{ name: "bar", value: 1 }]);
      b.addTypedef("bar", ints.int);
      b.addEnum("", [{ name: "bar", value: 2 }, { name: "baz", value: 3 }]);
      b.addEnum("empty", []);
      b.addEnum("empty", []);
      b.addStruct("foo___2", 4, [{ name: "c", type: ints.int, bitOffset: 0 }]);
      b.addTypedef("baz", ints.char);
      b.addTypedef("baz", ints.int);
      return b;
    },
  },
  {
    name: "functions",
    rule: "function pointer declarators: named and unnamed parameters, varargs, (void), returning function pointers, arrays of function pointers, typedefs of prototypes, const pointers",
    build() {
      const { b, ints } = withInts();
      const charPtr = b.addPtr(b.addConst(ints.char));
      const simple = b.addFuncProto(ints.int, [{ name: "x", type: ints.int }, { name: "", type: charPtr }]);
      const variadic = b.addFuncProto(ints.int, [{ name: "fmt", type: charPtr }], true);
      const noArgs = b.addFuncProto(0, [], true); // clang's (void)
      const empty = b.addFuncProto(0, []);
      const returnsFn = b.addFuncProto(b.addPtr(simple), [{ name: "which", type: ints.int }]);
      const handler = b.addTypedef("handler_t", simple);
      b.addStruct("ops", 72, [
        { name: "simple", type: b.addPtr(simple), bitOffset: 0 },
        { name: "printf", type: b.addPtr(variadic), bitOffset: 64 },
        { name: "noargs", type: b.addPtr(noArgs), bitOffset: 128 },
        { name: "empty", type: b.addPtr(empty), bitOffset: 192 },
        { name: "pick", type: b.addPtr(returnsFn), bitOffset: 256 },
        { name: "table", type: b.addArray(b.addPtr(simple), ints.int, 2), bitOffset: 320 },
        { name: "h", type: b.addPtr(handler), bitOffset: 448 },
        { name: "fixed", type: b.addConst(b.addPtr(noArgs)), bitOffset: 512 },
      ]);
      b.addFunc("not_dumped", simple, FuncLinkage.GLOBAL);
      return b;
    },
  },
  {
    name: "enums",
    rule: "enum values: signed (kind_flag) printed signed, unsigned as u32, ENUM64 with LL/ULL; sizes other than 4 get no attribute; anonymous enums inline when referenced, at top level when not; empty enums as forward declarations",
    build() {
      const { b, ints } = withInts();
      b.addEnum("sign", [{ name: "NEG", value: -1 }, { name: "MIN", value: -2147483648 }, { name: "POS", value: 2147483647 }]);
      b.addEnum("unsign", [{ name: "ZERO", value: 0 }, { name: "MAX", value: 0xffffffff }]);
      b.addEnum64("wide", [{ name: "BIG", value: 0xfedcba9876543210n }, { name: "SMALL", value: 1n }]);
      b.addEnum64("swide", [{ name: "SNEG", value: -(1n << 63n) }, { name: "SPOS", value: (1n << 40n) + 5n }]);
      b.addEnum("tiny", [{ name: "T1", value: 1 }], { size: 1 });
      const anon = b.addEnum("", [{ name: "INNER", value: 7 }]);
      b.addStruct("uses", 4, [{ name: "e", type: anon, bitOffset: 0 }]);
      b.addEnum("", [{ name: "LONELY", value: 9 }]);
      b.addEnum("fwd_enum", []);
      b.addVar("v", ints.int, VarLinkage.GLOBAL_ALLOCATED);
      return b;
    },
  },
  {
    name: "arrays",
    rule: "arrays: flexible (zero-length), multi-dimensional, arrays of pointers, pointers to arrays, const element types (qualifiers on arrays dropped)",
    build() {
      const { b, ints } = withInts();
      const row = b.addArray(ints.int, ints.int, 3);
      b.addStruct("grid", 32, [
        { name: "n", type: ints.int, bitOffset: 0 },
        { name: "cells", type: b.addArray(row, ints.int, 2), bitOffset: 32 },
        { name: "rest", type: b.addArray(ints.char, ints.int, 0), bitOffset: 224 },
      ]);
      b.addStruct("ptrs", 32, [
        { name: "names", type: b.addArray(b.addPtr(ints.char), ints.int, 2), bitOffset: 0 },
        { name: "row", type: b.addPtr(row), bitOffset: 128 },
        { name: "cnames", type: b.addConst(b.addArray(b.addConst(ints.char), ints.int, 8)), bitOffset: 192 },
      ]);
      return b;
    },
  },
  {
    name: "forward",
    rule: "forward declarations: structs met through pointers before their definition, mutual recursion, FWD of struct and union kind, typedefs of structs defined later",
    build() {
      const { b, ints } = withInts();
      const aPtr = b.addPtr(0);
      const bPtr = b.addPtr(0);
      const a = b.addStruct("a", 16, [{ name: "b", type: bPtr, bitOffset: 0 }, { name: "n", type: ints.int, bitOffset: 64 }]);
      const bt = b.addStruct("b", 8, [{ name: "a", type: aPtr, bitOffset: 0 }]);
      b.set(aPtr, { kind: 2, name: "", type: a });
      b.set(bPtr, { kind: 2, name: "", type: bt });
      const later = b.addPtr(0);
      const td = b.addTypedef("later_t", later);
      b.addStruct("user", 8, [{ name: "l", type: td, bitOffset: 0 }]);
      const latePtr = b.addStruct("later", 8, [{ name: "self", type: b.addPtr(td), bitOffset: 0 }]);
      b.set(later, { kind: 2, name: "", type: latePtr });
      const fs = b.addFwd("opaque");
      const fu = b.addFwd("opaque_u", true);
      b.addStruct("holder", 16, [{ name: "o", type: b.addPtr(fs), bitOffset: 0 }, { name: "u", type: b.addPtr(fu), bitOffset: 64 }]);
      return b;
    },
  },
  {
    name: "visit-order",
    rule: "a typedef met through a pointer is emitted there only when its target was already visited (an INT counts as visited once its id has been passed, or once reached)",
    build() {
      const b = new BtfBuilder();
      const int = b.addInt("int", 4, IntEncoding.SIGNED);
      const early = b.addPtr(b.typeCount + 2); // -> typedef 'early_t' -> int [1], already visited
      b.addStruct("between", 4, [{ name: "a", type: int, bitOffset: 0 }]);
      b.addTypedef("early_t", int);
      const late = b.addPtr(b.typeCount + 2); // -> typedef 'late_t' -> 'long int', not visited yet
      b.addStruct("after", 16, [{ name: "p", type: early, bitOffset: 0 }, { name: "q", type: late, bitOffset: 64 }]);
      b.addTypedef("late_t", b.typeCount + 1);
      b.addInt("long int", 8, IntEncoding.SIGNED);
      b.addStruct("last", 8, [{ name: "l", type: b.typeCount - 1, bitOffset: 0 }]);
      return b;
    },
  },
  {
    name: "qualifiers",
    rule: "const/volatile/restrict placement: pointer to const, const pointer, const pointer to const, volatile members, restrict pointers, void pointers",
    build() {
      const { b, ints } = withInts();
      const cchar = b.addConst(ints.char);
      b.addStruct("quals", 48, [
        { name: "p2c", type: b.addPtr(cchar), bitOffset: 0 },
        { name: "cp", type: b.addConst(b.addPtr(ints.char)), bitOffset: 64 },
        { name: "cp2c", type: b.addConst(b.addPtr(cchar)), bitOffset: 128 },
        { name: "vi", type: b.addVolatile(ints.int), bitOffset: 192 },
        { name: "rp", type: b.addRestrict(b.addPtr(ints.int)), bitOffset: 256 },
        { name: "vp", type: b.addPtr(b.addConst(b.addVolatile(0))), bitOffset: 320 },
      ]);
      return b;
    },
  },
  {
    name: "type-tags",
    rule: "type tags print as __attribute__((btf_type_tag(\"...\"))) after the tagged type, before the pointer; dropped on arrays and functions",
    build() {
      const { b, ints } = withInts();
      const s = b.addStruct("obj", 4, [{ name: "x", type: ints.int, bitOffset: 0 }]);
      b.addStruct("tagged", 24, [
        { name: "u", type: b.addPtr(b.addTypeTag("user", ints.int)), bitOffset: 0 },
        { name: "r", type: b.addPtr(b.addTypeTag("rcu", b.addTypeTag("percpu", s))), bitOffset: 64 },
        { name: "c", type: b.addPtr(b.addConst(b.addTypeTag("user", ints.char))), bitOffset: 128 },
      ]);
      return b;
    },
  },
  {
    name: "special-names",
    rule: "__builtin_va_list typedefs are skipped, __gnuc_va_list of void becomes __builtin_va_list, __PolyN_t integers get a typedef before first use, FLOAT by name",
    build() {
      const { b, ints } = withInts();
      const builtin = b.addTypedef("__builtin_va_list", b.addPtr(ints.char));
      const gnuc = b.addTypedef("__gnuc_va_list", 0);
      const poly = b.addInt("__Poly8_t", 1);
      const dbl = b.addFloat("double", 8);
      b.addStruct("va", 32, [
        { name: "b", type: builtin, bitOffset: 0 },
        { name: "g", type: b.addPtr(gnuc), bitOffset: 64 },
        { name: "p", type: poly, bitOffset: 128 },
        { name: "d", type: dbl, bitOffset: 192 },
      ]);
      return b;
    },
  },
  {
    name: "ptr32",
    rule: "a 4-byte `long` makes pointers 4 bytes: padding uses `long: 32;`, alignment of pointers is 4",
    build() {
      const { b, ints } = withInts({ longSize: 4 });
      b.addStruct("p32", 16, [
        { name: "p", type: b.addPtr(ints.int), bitOffset: 0 },
        { name: "c", type: ints.char, bitOffset: 32 },
        { name: "q", type: b.addPtr(ints.int), bitOffset: 96 },
      ]);
      return b;
    },
  },
];
