// Patching rules (libbpf's bpf_core_patch_insn): ALU/ALU64 immediates,
// LDX/ST/STX offsets with access-width changes (MEMSX kept), ldimm64, the
// check of the compiler's value, ERANGE, poisoning and its two-slot ldimm64
// form, and the instructions that cannot carry a relocation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Insn, encodeInsns } from "../../src/asm/index.js";
import { CoreKind as K, POISON_HELPER, applyFixup, calculateFixups, type CoreFixup } from "../../src/core/index.js";
import { btf } from "./support/build.js";

const local = btf((t) => {
  t.struct("s", 24, [["counter", "u32", 0], ["small", "u16", 4], ["sgn", "int", 8], ["p", t.ptr("int"), 16], ["bits", "unsigned int", 12, 3]]);
  t.name("e", t.b.addEnum64("e", [{ name: "BIG", value: 0x100000000n }]));
  t.struct("gone", 4, [["x", "int", 0]]);
});
const target = btf((t) => {
  const pad = t.array("char", 40000);
  t.struct("s", 48, [["counter", "u64", 0], ["small", "u8", 8], ["sgn", "long", 16], ["p", t.ptr("int"), 24], ["bits", "unsigned int", 32, 3, 5]]);
  t.struct("far", 40008, [["pad", pad, 0]]);
  t.b.addEnum64("e", [{ name: "BIG", value: 0x1234567800000009n }]);
});
const member = { counter: "0:0", small: "0:1", sgn: "0:2", p: "0:3", bits: "0:4" } as const;

function fixup(field: keyof typeof member | "enum" | "gone", kind: number = K.FIELD_BYTE_OFFSET): CoreFixup {
  const typeId = local.find(field === "enum" ? "e" : field === "gone" ? "gone" : "s")!;
  const accessString = field === "enum" ? "0" : field === "gone" ? "0:0" : member[field];
  return calculateFixups([{ insn: 0, typeId, accessString, kind }], local, target)[0]!;
}

/** Patches one instruction and returns the resulting slots. */
function patch(insn: Insn, fix: CoreFixup): Insn[] {
  const buf = encodeInsns([insn]);
  applyFixup(buf, 0, fix);
  return buf.toArray().map((x) => x.insn);
}

const poisoned: Insn = { code: 0x85, dst: 0, src: 0, off: 0, imm: POISON_HELPER };

test("ALU64 mov and ALU add immediates are patched", () => {
  assert.deepEqual(patch({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 4 }, fixup("small")), [{ code: 0xb7, dst: 1, src: 0, off: 0, imm: 8 }]);
  assert.deepEqual(patch({ code: 0x04, dst: 3, src: 0, off: 0, imm: 4 }, fixup("small")), [{ code: 0x04, dst: 3, src: 0, off: 0, imm: 8 }]);
  assert.deepEqual(patch({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 2 }, fixup("small", K.FIELD_BYTE_SIZE)), [{ code: 0xb7, dst: 1, src: 0, off: 0, imm: 1 }]);
});

test("the instruction must carry the local value", () => {
  assert.throws(() => patch({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 5 }, fixup("small")), (e: Error & { errno?: string }) => e.errno === "EINVAL" && /value: got 5, expected 4 -> 8/.test(e.message));
  assert.throws(() => patch({ code: 0x61, dst: 1, src: 2, off: 2, imm: 0 }, fixup("small")), /LDX\/ST\/STX\) value: got 2, expected 4/);
  assert.throws(() => patch({ code: 0x18, dst: 1, src: 0, off: 0, imm: 1 }, fixup("enum", K.ENUMVAL_VALUE)), /LDIMM64\) value: got 1, expected 4294967296/);
});

test("bitfield offsets are not checked (libbpf may disagree with the compiler there)", () => {
  const f = fixup("bits");
  assert.equal(f.validate, false);
  assert.deepEqual(patch({ code: 0x61, dst: 1, src: 2, off: 999, imm: 0 }, f), [{ code: 0x61, dst: 1, src: 2, off: 32, imm: 0 }]);
});

test("a register-source ALU and a jump cannot be relocated", () => {
  assert.throws(() => patch({ code: 0xbf, dst: 1, src: 2, off: 0, imm: 4 }, fixup("small")), /register operand/);
  assert.throws(() => patch({ code: 0x05, dst: 0, src: 0, off: 4, imm: 0 }, fixup("small")), /cannot be relocated/);
});

test("loads and stores: offset patched, width follows an unsigned integer's new size", () => {
  // LDX W -> LDX DW (u32 -> u64)
  assert.deepEqual(patch({ code: 0x61, dst: 1, src: 2, off: 0, imm: 0 }, fixup("counter")), [{ code: 0x79, dst: 1, src: 2, off: 0, imm: 0 }]);
  // LDX H -> LDX B at the new offset (u16 -> u8)
  assert.deepEqual(patch({ code: 0x69, dst: 1, src: 2, off: 4, imm: 0 }, fixup("small")), [{ code: 0x71, dst: 1, src: 2, off: 8, imm: 0 }]);
  // ST W imm -> ST DW, STX W -> STX DW
  assert.deepEqual(patch({ code: 0x62, dst: 1, src: 0, off: 0, imm: 7 }, fixup("counter")), [{ code: 0x7a, dst: 1, src: 0, off: 0, imm: 7 }]);
  assert.deepEqual(patch({ code: 0x63, dst: 1, src: 3, off: 0, imm: 0 }, fixup("counter")), [{ code: 0x7b, dst: 1, src: 3, off: 0, imm: 0 }]);
  // LDX MEMSX H -> LDX MEMSX B: the sign-extending mode is kept
  assert.deepEqual(patch({ code: 0x89, dst: 1, src: 2, off: 4, imm: 0 }, fixup("small")), [{ code: 0x91, dst: 1, src: 2, off: 8, imm: 0 }]);
  // Pointers keep their size here; only the offset moves.
  assert.deepEqual(patch({ code: 0x79, dst: 1, src: 2, off: 16, imm: 0 }, fixup("p")), [{ code: 0x79, dst: 1, src: 2, off: 24, imm: 0 }]);
});

test("a signed field changing size poisons the load (its value would be wrong)", () => {
  const f = fixup("sgn");
  assert.equal(f.memSizeMismatch, true);
  assert.deepEqual(patch({ code: 0x61, dst: 1, src: 2, off: 8, imm: 0 }, f), [poisoned]);
  // An ALU instruction takes the offset all the same.
  assert.deepEqual(patch({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 8 }, f), [{ code: 0xb7, dst: 1, src: 0, off: 0, imm: 16 }]);
});

test("the access width must be the local field's size", () => {
  assert.throws(() => patch({ code: 0x71, dst: 1, src: 2, off: 0, imm: 0 }, fixup("counter")), /unexpected mem size: got 1, expected 4/);
});

test("offsets beyond 32767 are ERANGE on loads and stores, fine in immediates", () => {
  const far = btf((t) => void t.struct("s", 8, [["counter", "u32", 0], ["small", "u16", 4]]));
  const farTarget = btf((t) => void t.struct("s", 40008, [["small", "u16", 40000]]));
  const [f] = calculateFixups([{ insn: 0, typeId: far.find("s")!, accessString: "0:1", kind: K.FIELD_BYTE_OFFSET }], far, farTarget);
  assert.throws(
    () => patch({ code: 0x69, dst: 1, src: 2, off: 4, imm: 0 }, f!),
    (e: Error & { errno?: string; code?: string }) => e.errno === "ERANGE" && e.code === "CORE_OFFSET_RANGE" && /value too big: 40000/.test(e.message),
  );
  assert.deepEqual(patch({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 4 }, f!), [{ code: 0xb7, dst: 1, src: 0, off: 0, imm: 40000 }]);
});

test("ldimm64 takes a 64-bit value in both halves", () => {
  const out = patch({ code: 0x18, dst: 2, src: 0, off: 0, imm: 0, imm64: 0x100000000n }, fixup("enum", K.ENUMVAL_VALUE));
  assert.deepEqual(out, [{ code: 0x18, dst: 2, src: 0, off: 0, imm: 9, imm64: 0x1234567800000009n }]);
});

test("ldimm64 with a pseudo source or a dirty second slot has an unexpected form", () => {
  assert.throws(() => patch({ code: 0x18, dst: 2, src: 1, off: 0, imm: 0, imm64: 0x100000000n }, fixup("enum", K.ENUMVAL_VALUE)), /LDIMM64\) has unexpected form/);
  const buf = encodeInsns([{ code: 0x18, dst: 2, src: 0, off: 0, imm: 0, imm64: 0x100000000n }]);
  buf.setOff(1, 3);
  assert.throws(() => applyFixup(buf, 0, fixup("enum", K.ENUMVAL_VALUE)), /unexpected form/);
});

test("poisoning: a call to helper 0xbad2310; an ldimm64 becomes two of them", () => {
  const gone = calculateFixups([{ insn: 0, typeId: local.find("gone")!, accessString: "0:0", kind: K.FIELD_BYTE_OFFSET }], local, target)[0]!;
  assert.equal(gone.poison, true);
  assert.deepEqual(patch({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 0 }, gone), [poisoned]);
  assert.deepEqual(patch({ code: 0x61, dst: 1, src: 2, off: 0, imm: 0 }, gone), [poisoned]);
  const buf = encodeInsns([{ code: 0x18, dst: 1, src: 0, off: 0, imm: 0 }]);
  assert.equal(applyFixup(buf, 0, gone), "poisoned");
  assert.equal(Buffer.from(buf.bytes).toString("hex"), "850000001023ad0b".repeat(2));
  // Existence kinds give 0 instead.
  const exists = calculateFixups([{ insn: 0, typeId: local.find("gone")!, accessString: "0:0", kind: K.FIELD_EXISTS }], local, target)[0]!;
  assert.deepEqual(patch({ code: 0xb4, dst: 0, src: 0, off: 0, imm: 1 }, exists), [{ code: 0xb4, dst: 0, src: 0, off: 0, imm: 0 }]);
});

test("a fixup's error is thrown by apply; an index past the end is refused", () => {
  const bad = calculateFixups([{ insn: 0, typeId: 999, accessString: "0", kind: K.TYPE_EXISTS }], local, target)[0]!;
  assert.throws(() => patch({ code: 0xb7, dst: 1, src: 0, off: 0, imm: 1 }, bad), (e) => e === bad.error);
  assert.throws(() => applyFixup(encodeInsns([{ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]), 1, fixup("small")), /beyond the program's 1 instructions/);
});
