// Property tests: mutated and truncated blobs only ever yield a Btf or a
// BtfError, in bounded time, also when every type is then materialised and
// every size, alignment and member resolved. Seeded PRNG: failures reproduce.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BtfError } from "../../src/errors.js";
import { Btf, BtfBuilder, alignOf, children, findMember, resolveSize, skipModifiers } from "../../src/btf/index.js";
import { buildAllKinds, kernelBytes, kernelSkip, prng } from "./fixtures.js";

/** Generous hang detector (not a performance assertion). */
const MAX_CASE_MS = 5000;

const interesting = [0, 1, 2, 3, 4, 12, 0x7f, 0xff, 0xffff, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xffffffff, 0x13000001, 0x0d000003, 0x84000002];

function mutate(bytes: Uint8Array, rand: () => number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    const choice = rand();
    if (choice < 0.4) {
      bytes[Math.floor(rand() * bytes.length)]! ^= 1 << Math.floor(rand() * 8);
    } else if (choice < 0.8) {
      const at = Math.floor(rand() * (bytes.length - 3)) & ~3;
      view.setUint32(at, interesting[Math.floor(rand() * interesting.length)]!, rand() < 0.5);
    } else {
      bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    }
  }
}

/** Uses everything a caller may use; anything but BtfError fails the test. */
function exercise(btf: Btf, ids: Iterable<number>): void {
  for (const id of ids) {
    attempt(() => {
      const t = btf.type(id);
      for (const c of children(t)) btf.kind(c);
      btf.name(id);
    });
    attempt(() => resolveSize(btf, id));
    attempt(() => alignOf(btf, id));
    attempt(() => skipModifiers(btf, id));
    attempt(() => findMember(btf, id, "a"));
    attempt(() => btf.find(btf.name(id), btf.kind(id)));
  }
  attempt(() => btf.findByEssentialName("s___x"));
}

function attempt(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof BtfError)) throw err;
  }
}

function parseCase(bytes: Uint8Array, label: string, after: (btf: Btf) => void): "ok" | "error" {
  const start = performance.now();
  let result: "ok" | "error";
  try {
    const btf = Btf.parse(bytes);
    after(btf);
    result = "ok";
  } catch (err) {
    if (!(err instanceof BtfError)) assert.fail(`${label}: ${(err as Error).stack}`);
    assert.equal(typeof err.code, "string");
    result = "error";
  }
  const ms = performance.now() - start;
  assert.ok(ms < MAX_CASE_MS, `${label} took ${ms.toFixed(0)} ms`);
  return result;
}

test("thousands of mutations of a small blob of every kind", () => {
  const { builder } = buildAllKinds();
  const tally = { ok: 0, error: 0 };
  for (const littleEndian of [true, false]) {
    const original = builder.encode({ littleEndian, layout: true });
    const rand = prng(littleEndian ? 1 : 2);
    for (let i = 0; i < 3000; i++) {
      const bytes = original.slice();
      mutate(bytes, rand);
      tally[
        parseCase(bytes, `seed ${littleEndian ? 1 : 2} case ${i}`, (btf) => {
          const all = [];
          for (let id = 0; id < btf.typeCount + 2; id++) all.push(id);
          exercise(btf, all);
          attempt(() => BtfBuilder.from(btf).encode());
        })
      ]++;
    }
  }
  assert.ok(tally.ok > 100 && tally.error > 100, JSON.stringify(tally));
});

test("every truncation of a small blob is a BtfError", () => {
  const { builder } = buildAllKinds();
  for (const littleEndian of [true, false]) {
    const bytes = builder.encode({ littleEndian });
    for (let len = 0; len < bytes.length; len++) {
      assert.throws(() => Btf.parse(bytes.subarray(0, len)), BtfError, `length ${len}`);
    }
  }
});

test("header fields set to hostile values are BtfErrors naming an offset", () => {
  const { builder } = buildAllKinds();
  const original = builder.encode();
  const rand = prng(3);
  for (let i = 0; i < 500; i++) {
    const bytes = original.slice();
    const view = new DataView(bytes.buffer);
    const field = 4 + 4 * Math.floor(rand() * 7);
    view.setUint32(field, interesting[Math.floor(rand() * interesting.length)]!, true);
    try {
      const btf = Btf.parse(bytes);
      exercise(btf, [1, 2, 3]);
    } catch (err) {
      assert.ok(err instanceof BtfError, String(err));
      if (err.where.offset !== undefined) assert.ok(err.where.offset >= 0 && err.where.offset <= bytes.length);
    }
  }
  const magic = original.slice();
  magic[0] = 0;
  assert.throws(() => Btf.parse(magic), (e: BtfError) => e.code === "BTF_BAD_MAGIC" && e.where.offset === 0);
  const version = original.slice();
  version[2] = 2;
  assert.throws(() => Btf.parse(version), (e: BtfError) => e.code === "BTF_BAD_VERSION");
  // A vlen promising gigabytes is rejected against the remaining bytes, before any allocation.
  const huge = original.slice();
  const hv = new DataView(huge.buffer);
  const firstType = 24;
  hv.setUint32(firstType + 4, (4 << 24) | 0xffffff, true);
  assert.throws(() => Btf.parse(huge), (e: BtfError) => e.code === "BTF_TRUNCATED" && e.where.typeId === 1 && e.where.offset === firstType);
  const unknown = original.slice();
  new DataView(unknown.buffer).setUint32(firstType + 4, 0x1f << 24, true);
  assert.throws(() => Btf.parse(unknown), (e: BtfError) => e.code === "BTF_UNKNOWN_KIND" && e.where.typeId === 1 && /kind 31/.test(e.message));
});

test("hundreds of mutations of the kernel's BTF", { skip: kernelSkip }, () => {
  const bytes = kernelBytes().slice();
  const header = Btf.parse(bytes).header;
  const typeStart = header.hdrLen + header.typeOff;
  const rand = prng(4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < 300; i++) {
    // Mutate one word (mostly in the type section), run, restore.
    const inTypes = rand() < 0.85;
    const at = inTypes ? typeStart + (Math.floor(rand() * (header.typeLen / 4)) << 2) : Math.floor(rand() * (bytes.length - 4));
    const saved = view.getUint32(at, true);
    view.setUint32(at, rand() < 0.5 ? interesting[Math.floor(rand() * interesting.length)]! : Math.floor(rand() * 2 ** 32), true);
    parseCase(bytes, `kernel case ${i} at ${at}`, (btf) => {
      // The types around the mutation, and a random sample.
      let lo = 0;
      let hi = btf.offsets.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (btf.offsets[mid]! <= at) lo = mid;
        else hi = mid - 1;
      }
      const ids = [];
      for (let id = Math.max(1, lo - 3); id < Math.min(btf.typeCount, lo + 5); id++) ids.push(id);
      for (let k = 0; k < 200; k++) ids.push(1 + Math.floor(rand() * (btf.typeCount - 1)));
      exercise(btf, ids);
    });
    view.setUint32(at, saved, true);
  }
  for (let i = 0; i < 50; i++) {
    const len = Math.floor(rand() * bytes.length);
    assert.throws(() => Btf.parse(bytes.subarray(0, len)), BtfError, `kernel truncated to ${len}`);
  }
});

test("after mutation, every kernel type materialises and every size resolves or fails cleanly", { skip: kernelSkip }, () => {
  const bytes = kernelBytes().slice();
  const header = Btf.parse(bytes).header;
  const typeStart = header.hdrLen + header.typeOff;
  const rand = prng(5);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let full = 0;
  for (let i = 0; i < 20 && full < 3; i++) {
    const copy = bytes.slice();
    const cv = new DataView(copy.buffer);
    for (let k = 0; k < 20; k++) {
      // Only reference and size words: the framing stays valid, so the whole blob opens.
      const at = typeStart + (Math.floor(rand() * (header.typeLen / 4)) << 2);
      const word = view.getUint32(at - 4, true);
      if (word >>> 24 !== 0) cv.setUint32(at, Math.floor(rand() * 130000), true);
    }
    parseCase(copy, `full case ${i}`, (btf) => {
      const all = [];
      for (let id = 1; id < btf.typeCount; id++) all.push(id);
      for (const id of all) {
        attempt(() => btf.type(id));
        attempt(() => resolveSize(btf, id));
        attempt(() => alignOf(btf, id));
      }
      full++;
    });
  }
  assert.ok(full >= 1, "some mutated blobs open");
});
