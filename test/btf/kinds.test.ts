// Every kind, built by hand with the builder, decodes back to what was added,
// in both byte orders; kind_flag cases and the wire layout are checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Btf, BtfBuilder, BtfKind, IntEncoding, children, kindName, mapChildren, withoutId, type BtfType } from "../../src/btf/index.js";
import { buildAllKinds } from "./fixtures.js";

test("every kind round-trips through little- and big-endian bytes", () => {
  const { builder, ids } = buildAllKinds();
  const le = builder.encode({ littleEndian: true });
  const be = builder.encode({ littleEndian: false });
  assert.deepEqual([...le.subarray(0, 2)], [0x9f, 0xeb]);
  assert.deepEqual([...be.subarray(0, 2)], [0xeb, 0x9f]);
  const a = Btf.parse(le);
  const b = Btf.parse(be);
  assert.equal(a.littleEndian, true);
  assert.equal(b.littleEndian, false);
  assert.equal(a.typeCount, builder.typeCount);
  for (let id = 1; id < a.typeCount; id++) {
    assert.deepEqual(a.type(id), b.type(id), `type ${id}`);
    assert.deepEqual(withoutId(a.type(id)), builder.type(id), `type ${id} as built`);
    assert.equal(a.kind(id), b.kind(id));
    assert.equal(a.name(id), b.type(id).name);
  }
  // Re-encoding either gives the same bytes in the requested order.
  assert.deepEqual(BtfBuilder.from(b).encode({ littleEndian: true }), le);
  assert.deepEqual(BtfBuilder.from(a).encode({ littleEndian: false }), be);
  assert.equal(a.typeOfKind(ids.struct, BtfKind.STRUCT).members.length, 3);
});

test("kind_flag semantics: bitfields, signed enums, union forwards, attributes", () => {
  const { builder, ids } = buildAllKinds();
  const btf = builder.build();
  const bf = btf.typeOfKind(ids.bitfieldStruct, BtfKind.STRUCT);
  assert.equal(bf.kindFlag, true);
  assert.deepEqual(
    bf.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
    [["x", 0, 3], ["y", 3, 13], ["z", 16, 0], ["w", 32, 0]],
  );
  // On the wire the offset word is bitfield_size << 24 | bit_offset.
  assert.equal(btf.dataWord(ids.bitfieldStruct, 1 * 3 + 2), (13 << 24) | 3);
  assert.equal(btf.memberBitfieldSize(ids.bitfieldStruct, 1), 13);
  assert.equal(btf.memberBitOffset(ids.bitfieldStruct, 1), 3);
  assert.equal(btf.memberName(ids.bitfieldStruct, 2), "z");
  assert.equal(btf.typeOfKind(ids.struct, BtfKind.STRUCT).kindFlag, false);

  const unsignedEnum = btf.typeOfKind(ids.unsignedEnum, BtfKind.ENUM);
  assert.equal(unsignedEnum.signed, false);
  assert.equal(unsignedEnum.values[1]!.value, 0xffffffff);
  const signedEnum = btf.typeOfKind(ids.signedEnum, BtfKind.ENUM);
  assert.equal(signedEnum.signed, true);
  assert.equal(signedEnum.values[0]!.value, -1);
  assert.equal(btf.kindFlag(ids.signedEnum), true);

  assert.equal(btf.typeOfKind(ids.enum64, BtfKind.ENUM64).values[0]!.value, 0xfedcba9876543210n);
  assert.equal(btf.dataWord(ids.enum64, 1), 0x76543210);
  assert.equal(btf.dataWord(ids.enum64, 2), 0xfedcba98);
  const s64 = btf.typeOfKind(ids.signedEnum64, BtfKind.ENUM64);
  assert.equal(s64.signed, true);
  assert.deepEqual(s64.values.map((v) => v.value), [-5n, 1n << 62n]);

  assert.equal(btf.typeOfKind(ids.fwdStruct, BtfKind.FWD).union, false);
  assert.equal(btf.typeOfKind(ids.fwdUnion, BtfKind.FWD).union, true);
  assert.deepEqual(btf.typeOfKind(ids.declTag, BtfKind.DECL_TAG), { id: ids.declTag, kind: BtfKind.DECL_TAG, name: "tag1", type: ids.struct, componentIdx: 0, attribute: false });
  assert.equal(btf.typeOfKind(ids.declTagAttr, BtfKind.DECL_TAG).attribute, true);
  assert.equal(btf.typeOfKind(ids.declTagAttr, BtfKind.DECL_TAG).componentIdx, -1);
  assert.equal(btf.typeOfKind(ids.typeTag, BtfKind.TYPE_TAG).attribute, false);
  assert.equal(btf.typeOfKind(ids.typeTagAttr, BtfKind.TYPE_TAG).attribute, true);
});

test("INT encodings, FUNC linkage, varargs and VAR/DATASEC fields", () => {
  const { builder, ids } = buildAllKinds();
  const btf = builder.build();
  assert.deepEqual(btf.type(ids.int), { id: ids.int, kind: BtfKind.INT, name: "int", size: 4, encoding: IntEncoding.SIGNED, bitOffset: 0, bits: 32 });
  assert.equal(btf.typeOfKind(ids.bool, BtfKind.INT).encoding, IntEncoding.BOOL);
  const legacy = btf.typeOfKind(ids.legacyBitfieldInt, BtfKind.INT);
  assert.deepEqual([legacy.bitOffset, legacy.bits], [3, 5]);
  assert.equal(btf.dataWord(ids.legacyBitfieldInt, 0), (1 << 24) | (3 << 16) | 5);

  const func = btf.typeOfKind(ids.func, BtfKind.FUNC);
  assert.deepEqual([func.type, func.linkage, btf.vlen(ids.func)], [ids.proto, 0, 0]);
  const variadic = btf.typeOfKind(ids.variadicProto, BtfKind.FUNC_PROTO);
  assert.equal(variadic.variadic, true);
  assert.equal(variadic.params.length, 1);
  assert.equal(btf.vlen(ids.variadicProto), 2, "the varargs marker is on the wire");
  assert.equal(btf.dataWord(ids.variadicProto, 3), 0);
  assert.equal(btf.typeOfKind(ids.proto, BtfKind.FUNC_PROTO).variadic, false);

  assert.equal(btf.typeOfKind(ids.variable, BtfKind.VAR).linkage, 1);
  assert.deepEqual(btf.typeOfKind(ids.datasec, BtfKind.DATASEC).vars, [{ type: ids.variable, offset: 0, size: 4 }]);
  assert.deepEqual(btf.typeOfKind(ids.array, BtfKind.ARRAY), { id: ids.array, kind: BtfKind.ARRAY, name: "", type: ids.int, indexType: ids.int, nelems: 16 });
  assert.equal(btf.sizeOrType(ids.ptr), 0);
  assert.equal(btf.sizeOrType(ids.float), 8);
  assert.equal(btf.type(0).kind, BtfKind.UNKN);
});

test("children and mapChildren know every reference", () => {
  const { builder, ids } = buildAllKinds();
  const btf = builder.build();
  assert.deepEqual(children(btf.type(ids.struct)), [ids.int, ids.anonUnion, ids.structPtr]);
  assert.deepEqual(children(btf.type(ids.array)), [ids.int, ids.int]);
  assert.deepEqual(children(btf.type(ids.proto)), [ids.int, ids.int, ids.restrict]);
  assert.deepEqual(children(btf.type(ids.datasec)), [ids.variable]);
  assert.deepEqual(children(btf.type(ids.unsignedEnum)), []);
  for (let id = 1; id < btf.typeCount; id++) {
    const t = btf.type(id);
    const shifted = mapChildren(t, (x) => x + 1000);
    assert.deepEqual(children(shifted), children(t).map((x) => x + 1000), kindName(t.kind));
    assert.deepEqual(mapChildren(shifted, (x) => x - 1000), withoutId(t));
  }
});

test("the builder dedups strings and rejects what it cannot encode", () => {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  b.addTypedef("int", int);
  assert.equal(b.addString("int"), b.addString("int"));
  assert.equal(b.addString(""), 0);
  const bytes = b.encode();
  const btf = Btf.parse(bytes);
  assert.equal(btf.nameOffset(1), btf.nameOffset(2));
  assert.equal(btf.header.strLen, "\0int\0".length);

  const bad = (spec: Parameters<BtfBuilder["add"]>[0], code = "BTF_BAD_ARGUMENT") => {
    const x = new BtfBuilder();
    x.add(spec);
    assert.throws(() => x.encode(), (e: Error & { code?: string }) => e.code === code);
  };
  bad({ kind: BtfKind.PTR, name: "", type: 7 });
  bad({ kind: BtfKind.STRUCT, name: "x", size: 4, kindFlag: false, members: [{ name: "a", type: 0, bitOffset: 0, bitfieldSize: 3 }] });
  bad({ kind: BtfKind.ENUM, name: "e", size: 4, signed: false, values: [{ name: "A", value: -1 }] });
  bad({ kind: BtfKind.INT, name: "i", size: 4, encoding: 0, bitOffset: 0, bits: 300 });
  bad({ kind: BtfKind.FUNC_PROTO, name: "", type: 0, params: [{ name: "a", type: 0 }], variadic: false });
  assert.throws(() => b.add(btf.type(0) as never), /void/);
});

test("split BTF built over a base continues ids and strings", () => {
  const { builder } = buildAllKinds();
  const base = builder.build();
  const split = new BtfBuilder({ base });
  assert.equal(split.startId, base.typeCount);
  const ptr = split.addPtr(1);
  const s = split.addStruct("only_in_split", 8, [{ name: "p", type: ptr, bitOffset: 0 }]);
  split.addTypedef("int", 1); // "int" is reused from the base's strings
  for (const littleEndian of [true, false]) {
    const bytes = split.encode({ littleEndian });
    assert.throws(() => Btf.parse(bytes), (e: Error & { code?: string }) => e.code === "BTF_BAD_STRINGS" && /base/.test(e.message));
    const btf = Btf.parse(bytes, { base });
    assert.equal(btf.startId, base.typeCount);
    assert.equal(btf.typeOfKind(s, BtfKind.STRUCT).members[0]!.type, ptr);
    assert.equal(btf.name(s), "only_in_split");
    assert.equal(btf.nameOffset(s + 1), base.nameOffset(1));
    assert.ok(btf.nameOffset(s) >= base.strings.length);
    assert.equal(btf.type(1), base.type(1));
    assert.deepEqual(btf.findAll("int"), [1, 4, s + 1]);
    assert.deepEqual(BtfBuilder.from(btf).encode({ littleEndian }), bytes);
  }
});

test("the layout section and longer headers are read, kept and checked", () => {
  const { builder } = buildAllKinds();
  const withLayout = builder.encode({ layout: true });
  const btf = Btf.parse(withLayout);
  assert.equal(btf.header.hdrLen, 32);
  assert.equal(btf.layout?.length, 20);
  assert.deepEqual(btf.layout?.[BtfKind.STRUCT], { infoSize: 0, elemSize: 12, flags: 0 });
  assert.deepEqual(btf.layout?.[BtfKind.INT], { infoSize: 4, elemSize: 0, flags: 0 });
  assert.deepEqual(BtfBuilder.from(btf).encode(), withLayout);
  // A 40-byte header with zero extension bytes is tolerated and kept.
  const long = builder.encode({ headerLength: 40 });
  const longBtf = Btf.parse(long);
  assert.equal(longBtf.header.hdrLen, 40);
  assert.equal(longBtf.header.unknownHeaderData, false);
  assert.deepEqual(BtfBuilder.from(longBtf).encode(), long);
  // Non-zero unknown header bytes are ignored when reading but block re-encoding.
  const odd = long.slice();
  odd[36] = 1;
  const oddBtf = Btf.parse(odd);
  assert.equal(oddBtf.header.unknownHeaderData, true);
  assert.deepEqual(oddBtf.type(1), longBtf.type(1));
  assert.throws(() => BtfBuilder.from(oddBtf), (e: Error & { code?: string }) => e.code === "BTF_HEADER_UNKNOWN");
});

test("all kinds are named as bpftool names them", () => {
  const names: string[] = [];
  for (let k = 0; k <= 19; k++) names.push(kindName(k));
  assert.deepEqual(names, [
    "UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE", "CONST", "RESTRICT",
    "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
  ]);
  assert.equal(kindName(42), "KIND#42");
  const t: BtfType = { id: 0, kind: BtfKind.UNKN, name: "" };
  assert.equal(t.kind, 0);
});
