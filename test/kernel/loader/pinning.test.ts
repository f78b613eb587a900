// LIBBPF_PIN_BY_NAME maps (maps.bpf.o's lru_pinned): pinned under pinRoot
// on first load, reused (same kernel map) by the next, refused with the
// differing attribute named when the pinned map does not match.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CoreBpfError } from "../../../src/errors.js";
import { BPFFS_DEFAULT, Map as BpfMap, ensureBpffs, loadObject, openObject } from "../../../src/kernel/index.js";
import { kernelSkip } from "../support.js";
import { objectPath } from "./support.js";

function withPinRoot(fn: (root: string) => Promise<void>): () => Promise<void> {
  return async () => {
    ensureBpffs(BPFFS_DEFAULT);
    const root = mkdtempSync(join(BPFFS_DEFAULT, "corebpf-pin-"));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test(
  "a pinned-by-name map is created and pinned, then reused by the next load",
  { skip: kernelSkip },
  withPinRoot(async (root) => {
    const path = join(root, "lru_pinned");
    let id: number;
    {
      using first = await loadObject(objectPath("maps"), { pinRoot: root });
      assert.equal(existsSync(path), true);
      const lru = first.map("lru_pinned");
      id = lru.info().id;
      lru.set(7, 70n);
    }
    assert.equal(existsSync(path), true, "the pin outlives the object");
    using second = await loadObject(objectPath("maps"), { pinRoot: root });
    const lru = second.map("lru_pinned");
    assert.equal(lru.info().id, id);
    assert.equal(lru.get(7), 70n);
  }),
);

test(
  "an incompatible pinned map is refused, naming the attribute that differs",
  { skip: kernelSkip },
  withPinRoot(async (root) => {
    const path = join(root, "lru_pinned");
    {
      using stale = BpfMap.create({ type: "lru_hash", name: "lru_pinned", keySize: 4, valueSize: 8, maxEntries: 98, flags: 2 });
      stale.pin(path);
    }
    await assert.rejects(loadObject(objectPath("maps"), { pinRoot: root }), (e: unknown) => {
      assert.ok(e instanceof CoreBpfError);
      assert.equal(e.code, "PINNED_MAP_MISMATCH");
      assert.match(e.message, /max_entries 98 \(pinned\) vs 256 \(object\)/);
      assert.ok(e.message.includes(path));
      return true;
    });
    assert.equal(existsSync(path), true, "a pin the load did not make is left alone");
  }),
);

test(
  "pin paths can be set per map before load",
  { skip: kernelSkip },
  withPinRoot(async (root) => {
    const opened = openObject(objectPath("maps"));
    opened.map("lru_pinned").pinPath = join(root, "custom", "lru");
    opened.map("flows").pinPath = join(root, "flows");
    using obj = await opened.load();
    assert.equal(existsSync(join(root, "custom", "lru")), true);
    assert.equal(existsSync(join(root, "flows")), true);
    assert.equal(obj.map("flows").pinnedPath, join(root, "flows"));
  }),
);
