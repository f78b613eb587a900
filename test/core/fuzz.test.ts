// Property tests: random relocation records (type ids, access strings, kinds)
// against core_local's BTF and mutated target BTFs, and random instructions
// to patch, only ever give fixups (with a CoreRelocationError when they fail)
// and patch errors of that type, in bounded time. Seeded PRNG: failures
// reproduce.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Btf, btfSectionFromElf } from "../../src/btf/index.js";
import { encodeInsns, type Insn } from "../../src/asm/index.js";
import { BtfError } from "../../src/errors.js";
import { CandidateCache, CoreRelocationError, applyFixup, calculateFixups, explainFixup, type CoreRelocation } from "../../src/core/index.js";
import { repoRoot } from "../support/paths.js";
import { prng } from "../btf/fixtures.js";

const MAX_CASE_MS = 5000;


const objBtf = (name: string) => new Uint8Array(btfSectionFromElf(new Uint8Array(readFileSync(join(repoRoot, "bpf", "test", `${name}.bpf.o`)))));
const localBytes = objBtf("core_local");
const targetBytes = objBtf("core_target");

function randomAccess(rand: () => number): string {
  const r = rand();
  if (r < 0.05) return "";
  if (r < 0.1) return [":0", "0:", "0::1", "x", "-1", "0:-1", " 1", "99999999999"][Math.floor(rand() * 8)]!;
  const n = 1 + Math.floor(rand() * (rand() < 0.05 ? 70 : 5));
  return Array.from({ length: n }, () => String(rand() < 0.7 ? Math.floor(rand() * 4) : Math.floor(rand() * 70000))).join(":");
}

function randomRelos(rand: () => number, local: Btf, count: number): CoreRelocation[] {
  const named: number[] = [];
  for (let id = 1; id < local.typeCount; id++) if (local.name(id).startsWith("ct_")) named.push(id);
  return Array.from({ length: count }, () => ({
    insn: Math.floor(rand() * 8),
    typeId: rand() < 0.6 && named.length > 0 ? named[Math.floor(rand() * named.length)]! : rand() < 0.9 ? Math.floor(rand() * local.typeCount) : Math.floor(rand() * 1e6),
    accessString: randomAccess(rand),
    kind: Math.floor(rand() * 14),
  }));
}

function randomInsns(rand: () => number): Insn[] {
  const codes = [0xb7, 0xb4, 0x07, 0x04, 0xbf, 0x61, 0x69, 0x71, 0x79, 0x89, 0x62, 0x63, 0x7b, 0xdb, 0x18, 0x85, 0x05, 0x95];
  const out: Insn[] = [];
  for (let i = 0; i < 8; i++) {
    const code = codes[Math.floor(rand() * codes.length)]!;
    out.push({ code, dst: Math.floor(rand() * 11), src: rand() < 0.8 ? 0 : Math.floor(rand() * 11), off: Math.floor(rand() * 64) - 8, imm: Math.floor(rand() * 64) - 8 });
  }
  return out;
}

function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const n = 1 + Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) {
    const at = 24 + Math.floor(rand() * (out.length - 28));
    if (rand() < 0.5) out[at]! ^= 1 << Math.floor(rand() * 8);
    else view.setUint32(at & ~3, [0, 1, 2, 3, 0x7fffffff, 0xffffffff, Math.floor(rand() * 64)][Math.floor(rand() * 7)]!, true);
  }
  return out;
}

/** Runs relocations and patches; fails on anything but the typed errors. */
function exercise(local: Btf, target: Btf, relos: CoreRelocation[], rand: () => number, label: string): { errors: number; ok: number } {
  const start = performance.now();
  const tally = { errors: 0, ok: 0 };
  const fixups = calculateFixups(relos, local, target, { cache: new CandidateCache(local, target) });
  assert.equal(fixups.length, relos.length);
  for (const f of fixups) {
    if (f.error !== undefined) {
      assert.ok(f.error instanceof CoreRelocationError, `${label}: ${f.error}`);
      assert.equal(typeof f.error.errno, "string");
    }
    const list = randomInsns(rand);
    // Half the time the instruction carries the compiler's value, as a real object's does.
    if (rand() < 0.5 && f.relo.insn < list.length - 1) list[f.relo.insn] = { code: 0xb7, dst: 1, src: 0, off: 0, imm: Number(BigInt.asIntN(32, f.localValue)) };
    const insns = encodeInsns(list);
    let outcome: string | Error;
    try {
      outcome = applyFixup(insns, f.relo.insn, f);
      tally.ok++;
    } catch (err) {
      if (!(err instanceof CoreRelocationError)) assert.fail(`${label}: ${(err as Error).stack}`);
      outcome = err;
      tally.errors++;
    }
    // Explaining never fails either (it reads the same BTF).
    try {
      explainFixup(f, local, outcome as Error);
    } catch (err) {
      if (!(err instanceof BtfError)) assert.fail(`${label}: explain: ${(err as Error).stack}`);
    }
  }
  const ms = performance.now() - start;
  assert.ok(ms < MAX_CASE_MS, `${label} took ${ms.toFixed(0)} ms`);
  return tally;
}

test("random relocation records against core_target's BTF", () => {
  const rand = prng(5);
  const local = Btf.parse(localBytes);
  const target = Btf.parse(targetBytes);
  const tally = { errors: 0, ok: 0 };
  for (let i = 0; i < 300; i++) {
    const t = exercise(local, target, randomRelos(rand, local, 20), rand, `case ${i}`);
    tally.errors += t.errors;
    tally.ok += t.ok;
  }
  assert.ok(tally.ok > 50 && tally.errors > 50, `both outcomes seen: ${JSON.stringify(tally)}`);
});

test("core_local's own records against mutated target BTFs", () => {
  const rand = prng(6);
  const local = Btf.parse(localBytes);
  // Valid records: the object's relocations, read back through the typed ids it uses.
  const records: CoreRelocation[] = [];
  for (let id = 1; id < local.typeCount; id++) {
    if (local.name(id).startsWith("ct_")) {
      records.push({ insn: 0, typeId: id, accessString: "0", kind: 8 }, { insn: 0, typeId: id, accessString: "0:0", kind: 0 }, { insn: 0, typeId: id, accessString: "0", kind: 12 });
    }
  }
  let parsed = 0;
  for (let i = 0; i < 400; i++) {
    let target: Btf;
    try {
      target = Btf.parse(mutate(targetBytes, rand));
    } catch (err) {
      if (!(err instanceof BtfError)) throw err;
      continue;
    }
    parsed++;
    exercise(local, target, records, rand, `mutation ${i}`);
  }
  assert.ok(parsed > 50, `${parsed} mutated targets parsed`);
});

test("mutated local BTFs against the target", () => {
  const rand = prng(7);
  const target = Btf.parse(targetBytes);
  for (let i = 0; i < 300; i++) {
    let local: Btf;
    try {
      local = Btf.parse(mutate(localBytes, rand));
    } catch (err) {
      if (!(err instanceof BtfError)) throw err;
      continue;
    }
    exercise(local, target, randomRelos(rand, local, 10), rand, `local mutation ${i}`);
  }
});
