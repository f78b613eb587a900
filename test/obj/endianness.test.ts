// The model of an object is the same for its bpfel and bpfeb builds: for
// sources whose code does not depend on byte order, down to every decoded
// instruction, relocation and func/line/CO-RE record; for the others, all but
// the code (programs, maps, globals, externs, relocation kinds).
import { test } from "node:test";
import assert from "node:assert/strict";
import { byteOrderSensitive, committedObjects, model, summary } from "./support.js";

const pairs = committedObjects.filter((p) => p.endsWith(".bpf.o")).map((le) => [le, le.replace(/\.bpf\.o$/, ".bpfeb.o")] as const);

for (const [le, be] of pairs) {
  const withCode = !byteOrderSensitive.has(le);
  test(`${le} and its bpfeb build model alike${withCode ? ", instructions included" : " (code differs by design)"}`, () => {
    assert.ok(committedObjects.includes(be), `${be} is missing`);
    const a = model(le);
    const b = model(be);
    assert.equal(a.littleEndian, true);
    assert.equal(b.littleEndian, false);
    assert.deepEqual(summary(b, withCode), summary(a, withCode));
    if (!withCode) return;
    // Byte for byte, the linked programs differ only by byte order.
    for (const [i, p] of a.programs.entries()) {
      const q = b.programs[i]!;
      for (let k = 0; k < p.insns.length; k++) {
        if ((p.insns.code(k) & 0xf7) === 0xd4) continue; // byte swaps: see summary()
        assert.deepEqual([q.insns.code(k), q.insns.dst(k), q.insns.src(k), q.insns.off(k), q.insns.imm(k)], [p.insns.code(k), p.insns.dst(k), p.insns.src(k), p.insns.off(k), p.insns.imm(k)], `${p.name} insn ${k}`);
      }
    }
  });
}
