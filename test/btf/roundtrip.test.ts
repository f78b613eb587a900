// Reading then writing real BTF gives the same bytes: the running kernel's,
// the shared Linux 7.1 vmlinux (with a layout section) and the split testmod
// pair; through the other byte order and back too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Btf, BtfBuilder, BtfKind } from "../../src/btf/index.js";
import { bytesOf, kernelBytes, kernelSkip, sharedTestmod, sharedTestmodBase, sharedVmlinux, sharedVmlinuxBytes } from "./fixtures.js";

function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: first difference at byte ${i}`);
  }
}

function roundTrip(bytes: Uint8Array, what: string, base?: Btf): Btf {
  const opts = base === undefined ? {} : { base };
  const btf = Btf.parse(bytes, opts);
  assertSameBytes(BtfBuilder.from(btf).encode(), bytes, what);
  const swapped = BtfBuilder.from(btf).encode({ littleEndian: !btf.littleEndian });
  assert.notDeepEqual(swapped.subarray(0, 2), bytes.subarray(0, 2));
  const back = Btf.parse(swapped, opts);
  assert.equal(back.littleEndian, !btf.littleEndian);
  assertSameBytes(BtfBuilder.from(back).encode({ littleEndian: btf.littleEndian }), bytes, `${what} via the other byte order`);
  return btf;
}

test("the running kernel's BTF round-trips byte for byte", { skip: kernelSkip }, () => {
  const btf = roundTrip(kernelBytes(), "kernel");
  assert.ok(btf.typeCount > 1000);
});

test("the shared vmlinux (hdr_len 32, layout section) round-trips byte for byte", { skip: sharedVmlinux.skip }, () => {
  const btf = roundTrip(sharedVmlinuxBytes(), "vmlinux.btf.gz");
  assert.equal(btf.header.hdrLen, 32);
  assert.equal(btf.layout?.length, 20);
  assert.equal(btf.typeCount - 1, 103406);
});

test("the split testmod pair round-trips byte for byte", { skip: sharedTestmod.skip || sharedTestmodBase.skip }, () => {
  const base = roundTrip(bytesOf(sharedTestmodBase.path!), "testmod base");
  const mod = roundTrip(bytesOf(sharedTestmod.path!), "testmod", base);
  assert.equal(mod.startId, base.typeCount);
  // Lookups see both: base types by their ids, module types after them.
  const id = mod.find("bpf_testmod_struct_arg_1", BtfKind.STRUCT)!;
  assert.ok(mod.isOwn(id));
  const member = mod.typeOfKind(id, BtfKind.STRUCT).members[0]!;
  assert.ok(member.type < mod.startId, "the member's type lives in the base");
  assert.equal(mod.type(member.type), base.type(member.type));
  assert.equal(mod.find("int", BtfKind.INT), base.find("int", BtfKind.INT));
});

test("a modified Btf re-encodes with new strings appended and old offsets kept", { skip: sharedTestmodBase.skip }, () => {
  const bytes = bytesOf(sharedTestmodBase.path!);
  const btf = Btf.parse(bytes);
  const b = BtfBuilder.from(btf);
  const int = btf.find("int", BtfKind.INT)!;
  const added = b.addTypedef("corebpf_new_name", int);
  const out = b.build();
  assert.equal(out.typeCount, btf.typeCount + 1);
  for (let id = 1; id < btf.typeCount; id++) assert.equal(out.nameOffset(id), btf.nameOffset(id));
  assert.equal(out.name(added), "corebpf_new_name");
  assert.equal(out.nameOffset(added), btf.header.strLen);
  assert.deepEqual(out.strings.bytes.subarray(0, btf.header.strLen), btf.strings.bytes);
});
