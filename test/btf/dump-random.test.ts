// Differential and fuzz tests of the dumps: seeded random type graphs dumped
// by corebpf and by bpftool must agree byte for byte (C, raw text, JSON); and
// mutated blobs only ever give output or a BtfError, each in bounded time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Btf, dumpC, dumpRaw } from "../../src/btf/index.js";
import { BtfError } from "../../src/errors.js";
import { randomBtf } from "./dump-random.js";
import { bpftool, bpftoolSkip, capture, firstDifference, withTempFile } from "./dump-support.js";
import { prng } from "./fixtures.js";

const SEEDS = 300;

test(`${SEEDS} random type graphs dump as bpftool dumps them (C, raw, JSON)`, { skip: bpftoolSkip }, () => {
  let compared = 0;
  let cycles = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const bytes = randomBtf(seed, { steps: 20 + (seed % 50), bigEndian: seed % 4 === 0 });
    const btf = Btf.parse(bytes);
    withTempFile(bytes, (path) => {
      const ref = bpftool(["btf", "dump", "file", path, "format", "c"]);
      const chunks: Buffer[] = [];
      let error: unknown;
      try {
        dumpC(btf, (c) => chunks.push(Buffer.from(c)));
      } catch (err) {
        error = err;
      }
      if (ref.status === 0) {
        assert.equal(error, undefined, `seed ${seed}: bpftool succeeded`);
        const diff = firstDifference(Buffer.concat(chunks), ref.stdout);
        if (diff !== undefined) assert.fail(`seed ${seed} (C): ${diff}`);
        compared++;
      } else {
        // bpftool stops on a cycle (or crashes on a pointer loop): a typed error here.
        assert.ok(error instanceof BtfError, `seed ${seed}: bpftool failed (${ref.stderr.trim()}), corebpf must throw a BtfError`);
        if (ref.signal === null) {
          assert.equal(firstDifference(Buffer.concat(chunks), ref.stdout), undefined, `seed ${seed}: output before the cycle`);
          assert.match(ref.stderr, new RegExp(`id:\\[${error.where.typeId}\\]`));
        }
        cycles++;
      }
      const flags = seed % 3 === 0 ? ["-p"] : seed % 3 === 1 ? ["-j"] : [];
      const raw = capture((s) => dumpRaw(btf, s, { json: flags.length > 0, pretty: flags[0] === "-p" }));
      const diff = firstDifference(raw, bpftool([...flags, "btf", "dump", "file", path]).stdout);
      if (diff !== undefined) assert.fail(`seed ${seed} (raw ${flags.join("") || "text"}): ${diff}`);
    });
  }
  assert.ok(compared > SEEDS * 0.8, `most graphs are dumpable (${compared} compared, ${cycles} cycles)`);
});

test("mutated blobs give output or a BtfError, each in bounded time", () => {
  const rnd = prng(0xd0c);
  let dumped = 0;
  let rejected = 0;
  for (let round = 0; round < 400; round++) {
    const bytes = randomBtf(1000 + (round % 40), { steps: 30 }).slice();
    const view = new DataView(bytes.buffer);
    const typeEnd = 24 + view.getUint32(12, true);
    for (let k = 0, n = 1 + Math.floor(rnd() * 4); k < n; k++) {
      const at = 24 + Math.floor(rnd() * (typeEnd - 24 - 4));
      if (rnd() < 0.5) view.setUint32(at & ~3, Math.floor(rnd() * 2 ** 32));
      else bytes[at] = Math.floor(rnd() * 256);
    }
    let btf: Btf;
    try {
      btf = Btf.parse(bytes);
    } catch (err) {
      assert.ok(err instanceof BtfError, `round ${round}: parse threw ${String(err)}`);
      rejected++;
      continue;
    }
    for (const run of [
      () => dumpC(btf, () => {}, { maxOutputBytes: 1 << 22 }),
      () => dumpRaw(btf, () => {}),
      () => dumpRaw(btf, () => {}, { json: true }),
    ]) {
      const started = performance.now();
      try {
        run();
        dumped++;
      } catch (err) {
        assert.ok(err instanceof BtfError, `round ${round}: dump threw ${String(err)}`);
        rejected++;
      }
      assert.ok(performance.now() - started < 2000, `round ${round}: bounded time`);
    }
  }
  assert.ok(dumped > 0 && rejected > 0, `${dumped} dumped, ${rejected} rejected`);
});
