// Seeded fuzzing: mutated real objects give a model or an ObjectError (the
// ELF, BTF and instruction errors below it arrive wrapped), never anything
// else, and each case finishes quickly. Mutations aim at the parts the object
// layer reads itself (.BTF.ext, relocations, symbols, .maps, code, .BTF), so
// that most cases get past the ELF reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ObjectError } from "../../src/errors.js";
import { parseElf } from "../../src/elf/index.js";
import { parseBtfExt, parseObject } from "../../src/obj/index.js";
import { Btf } from "../../src/btf/index.js";
import { prng } from "../elf/builder.js";
import { committedObjects, readObject } from "./support.js";

const CASES_PER_OBJECT = 150;
/** A hang shows as a case far slower than this; normal cases take well under a millisecond or two. */
const CASE_LIMIT_MS = 2000;

function targets(bytes: Uint8Array): { offset: number; size: number }[] {
  const elf = parseElf(bytes);
  const wanted = elf.sections.filter((s) => s.data.length > 0 && (s.name.startsWith(".rel") || s.name.startsWith(".BTF") || s.name === ".symtab" || s.name === ".maps" || s.name === ".struct_ops" || (s.flags & 4) !== 0));
  return wanted.map((s) => ({ offset: s.offset, size: s.size }));
}

function mutate(original: Uint8Array, random: () => number, areas: { offset: number; size: number }[]): Uint8Array {
  const bytes = original.slice();
  const mode = random();
  if (mode < 0.1) return bytes.subarray(0, Math.floor(random() * bytes.length));
  const edits = 1 + Math.floor(random() * 6);
  for (let e = 0; e < edits; e++) {
    const area = areas[Math.floor(random() * areas.length)] ?? { offset: 0, size: bytes.length };
    const at = area.offset + Math.floor(random() * area.size);
    const r = random();
    if (r < 0.4) bytes[at] = Math.floor(random() * 256);
    else if (r < 0.7) bytes[at] = bytes[at]! ^ (1 << Math.floor(random() * 8));
    else if (r < 0.85) bytes.fill(0, at, Math.min(bytes.length, at + 4));
    else bytes.fill(0xff, at, Math.min(bytes.length, at + 4));
  }
  return bytes;
}

test("fuzz: mutated objects give a model or an ObjectError, each case bounded in time", () => {
  const random = prng(0x0b1ec7);
  let models = 0;
  const codes = new Map<string, number>();
  let slowest = 0;
  for (const rel of committedObjects) {
    const original = readObject(rel);
    const areas = targets(original);
    for (let i = 0; i < CASES_PER_OBJECT; i++) {
      const input = mutate(original, random, areas);
      const t0 = performance.now();
      try {
        parseObject(input, { name: "fuzz" });
        models++;
      } catch (err) {
        if (!(err instanceof ObjectError)) assert.fail(`${rel} case ${i}: ${err instanceof Error ? `${err.constructor.name}: ${err.stack}` : String(err)}`);
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < CASE_LIMIT_MS, `${rel} case ${i} took ${ms.toFixed(0)} ms`);
    }
  }
  // Both outcomes happen, and the errors are varied (the mutations reach past the ELF reader).
  assert.ok(models > 0, "no mutated object parsed");
  assert.ok(codes.size >= 10, `only ${[...codes.keys()].join(", ")}`);
  assert.ok([...codes.keys()].some((c) => c.startsWith("OBJ_")), "no object-layer error was reached");
});

test("fuzz: random .BTF.ext blobs and mutations of real ones give only ObjectError", () => {
  const random = prng(0xb7fe);
  for (const rel of committedObjects.filter((p) => p.includes("core_") || p.includes("subprogs"))) {
    const elf = parseElf(readObject(rel));
    const btfSection = elf.sectionByName(".BTF");
    const extSection = elf.sectionByName(".BTF.ext");
    if (btfSection === undefined || extSection === undefined) continue;
    const btf = Btf.parse(btfSection.data);
    for (let i = 0; i < 300; i++) {
      const blob = i % 3 === 0 ? Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)) : mutate(extSection.data, random, [{ offset: 0, size: Math.min(64, extSection.data.length) }, { offset: 0, size: extSection.data.length }]);
      try {
        parseBtfExt(blob, btf, elf.littleEndian);
      } catch (err) {
        if (!(err instanceof ObjectError)) assert.fail(`${rel} case ${i}: ${String(err)}`);
      }
    }
  }
});
