// Round trips: every instruction of every committed object, a sweep over all
// opcode and register bytes, and seeded fuzzing (only AsmError or success, and
// re-encoding what decoded gives back the input bytes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { AsmError } from "../../src/errors.js";
import { type Insn, decodeInsns, encodeInsns, disassemble, invalidReason } from "../../src/asm/index.js";
import { SHF, parseElf } from "../../src/elf/index.js";
import { committedObjects, comparablePairs, readObject } from "../elf/objects.js";
import { prng } from "../elf/builder.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function programs(rel: string) {
  const elf = parseElf(readObject(rel));
  return elf.sections
    .filter((s) => (s.flags & SHF.EXECINSTR) !== 0 && s.size > 0)
    .map((s) => ({ name: s.name, buf: decodeInsns(s.data, { littleEndian: elf.littleEndian, section: s.name, baseOffset: s.offset }) }));
}

/** A byte swap's direction depends on the target's byte order; the rest must not. */
const normalize = (insn: Insn): Insn => ((insn.code & 0xf7) === 0xd4 ? { ...insn, code: 0xd4 } : insn);

for (const rel of committedObjects) {
  test(`${rel}: every instruction decodes and re-encodes byte for byte`, () => {
    let count = 0;
    for (const { buf } of programs(rel)) {
      const insns = buf.toArray().map((x) => x.insn);
      assert.equal(hex(encodeInsns(insns, buf.littleEndian).bytes), hex(buf.bytes));
      count += insns.length;
    }
    // core_target.bpf.o only carries BTF (a CO-RE target); every other object has code.
    if (!rel.includes("core_target")) assert.ok(count > 0, "the object has instructions");
  });
}

test("little- and big-endian builds decode to the same instructions and text", () => {
  for (const [le, be] of comparablePairs()) {
    const a = programs(le);
    const b = programs(be);
    assert.deepEqual(b.map((p) => p.name), a.map((p) => p.name));
    a.forEach((p, k) => {
      const q = b[k]!;
      assert.deepEqual(q.buf.toArray().map((x) => normalize(x.insn)), p.buf.toArray().map((x) => normalize(x.insn)), `${le} ${p.name}`);
      const text = (t: string) => t.replace(/\((d4|dc)\) (r\d+) = (le|be)(16|32|64) /g, "(swap) $2 = swap$4 ");
      assert.equal(text(disassemble(q.buf)), text(disassemble(p.buf)), `${le} ${p.name} text`);
    });
  }
});

test("sweep: every opcode and register byte with boundary off/imm values round-trips when valid", () => {
  const offs = [0, 1, -1, 8, 16, 32, 0x7fff, -0x8000];
  const imms = [0, 1, -1, 16, 32, 64, 0x100, 0x110, 0xe1, 0xf1, 0x41, 0x7fffffff, -0x80000000];
  const slot = new Uint8Array(16);
  const view = new DataView(slot.buffer);
  let valid = 0;
  const validCodes = new Set<number>();
  for (let code = 0; code < 256; code++) {
    for (let regs = 0; regs < 256; regs++) {
      for (const off of offs) {
        for (const imm of imms) {
          if (invalidReason(code, regs & 0xf, regs >> 4, off, imm) !== undefined) continue;
          slot.fill(0);
          view.setUint8(0, code);
          view.setUint8(1, regs);
          view.setInt16(2, off, true);
          view.setInt32(4, imm, true);
          if (code === 0x18) view.setInt32(12, imm ^ 0x5a5a5a5a, true);
          const bytes = code === 0x18 ? slot : slot.subarray(0, 8);
          const buf = decodeInsns(bytes, { littleEndian: true });
          const again = encodeInsns([buf.insn(0)], true).bytes;
          if (hex(again) !== hex(bytes)) assert.fail(`0x${code.toString(16)} regs 0x${regs.toString(16)} off ${off} imm ${imm}: ${hex(again)} != ${hex(bytes)}`);
          const be = encodeInsns([buf.insn(0)], false);
          assert.deepEqual(decodeInsns(be.bytes, { littleEndian: false }).insn(0), buf.insn(0));
          valid++;
          validCodes.add(code);
        }
      }
    }
  }
  // The ISA's census: ALU 27 (13 ops x K/X, no neg X, + le/be), ALU64 26 (+ bswap),
  // JMP 26 (ja, 11 conditions x K/X, call, exit, may_goto), JMP32 23 (gotol + 22),
  // LD 7 (ldimm64, abs/ind x 3 sizes), LDX 7 (4 + 3 ldsx), ST 4, STX 8 (4 + 4 atomic).
  assert.equal(validCodes.size, 128, `valid opcodes: ${[...validCodes].map((c) => c.toString(16)).join(" ")}`);
  assert.ok(valid > 10_000, `${valid} valid slots`);
});

test("fuzz: seeded random streams give AsmError or a buffer that re-encodes to the same bytes", () => {
  const random = prng(0xb9f);
  // Mostly opcodes that exist, so that whole streams decode often enough to test the round trip.
  const codes = Array.from({ length: 256 }, (_, c) => c).filter((c) => [0, 0x12, 0x100, 16].some((imm) => invalidReason(c, 1, c & 8 ? 2 : 0, 0, imm) === undefined || invalidReason(c, 0, 0, 0, imm) === undefined));
  const anyCode = () => (random() < 0.9 ? pick(codes) : Math.floor(random() * 256));
  const offs = [0, 1, -1, 8, 16, 32, 3, -6];
  const imms = [0, 1, -1, 16, 32, 64, 0x100, 0x110, 0xe1, 0xf1, 0x41, 7];
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  let ok = 0;
  let rejected = 0;
  for (let round = 0; round < 20000; round++) {
    const slots = 1 + Math.floor(random() * 4);
    const bytes = new Uint8Array(slots * 8 + (random() < 0.05 ? 3 : 0));
    const view = new DataView(bytes.buffer);
    for (let s = 0; s < slots; s++) {
      if (random() < 0.03) {
        for (let k = 0; k < 8; k++) bytes[s * 8 + k] = Math.floor(random() * 256);
        continue;
      }
      if (s > 0 && bytes[(s - 1) * 8] === 0x18 && random() < 0.9) {
        view.setInt32(s * 8 + 4, pick(imms), true); // a well-formed second ldimm64 slot
        continue;
      }
      view.setUint8(s * 8, anyCode());
      view.setUint8(s * 8 + 1, random() < 0.95 ? Math.floor(random() * 11) | (Math.floor(random() * 11) << 4) : Math.floor(random() * 256));
      view.setInt16(s * 8 + 2, random() < 0.7 ? 0 : pick(offs), true);
      view.setInt32(s * 8 + 4, random() < 0.5 ? 0 : pick(imms), true);
    }
    const le = random() < 0.5;
    try {
      const buf = decodeInsns(bytes, { littleEndian: le });
      const again = encodeInsns(buf.toArray().map((x) => x.insn), le).bytes;
      assert.equal(hex(again), hex(bytes), `round ${round}`);
      disassemble(buf);
      ok++;
    } catch (err) {
      if (!(err instanceof AsmError)) throw err;
      assert.ok(err.where.insn !== undefined && err.where.offset === err.where.insn * 8, `round ${round}: ${err.message}`);
      rejected++;
    }
  }
  assert.ok(ok > 500 && rejected > 500, `ok ${ok}, rejected ${rejected}`);
});
