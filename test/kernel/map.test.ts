// Map operations on the real kernel: codecs, flags, iteration (also while
// deleting), per-CPU values, batches, freeze, pinning, mmap, lifetimes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { CoreBpfError, SyscallError } from "../../src/errors.js";
import {
  FileFlags,
  Map,
  MapFlags,
  MapType,
  UpdateFlags,
  ensureBpffs,
  possibleCpuCount,
  u32Codec,
  u64Codec,
} from "../../src/kernel/index.js";
import { kernelSkip } from "./support.js";

const skip = kernelSkip;

function hashMap(maxEntries = 64) {
  return Map.create({ type: "hash", name: "t_hash", keySize: 4, valueSize: 8, maxEntries }, { key: u32Codec, value: u64Codec });
}

test("hash map: set, get, has, delete, flags", { skip }, () => {
  using m = hashMap();
  assert.equal(m.get(1), undefined);
  m.set(1, 100n);
  m.set(2, 200n, UpdateFlags.NOEXIST);
  assert.equal(m.get(1), 100n);
  assert.ok(m.has(2));
  assert.throws(() => m.set(2, 1n, UpdateFlags.NOEXIST), (e: unknown) => e instanceof SyscallError && e.code === "EEXIST");
  assert.throws(() => m.set(9, 1n, UpdateFlags.EXIST), (e: unknown) => e instanceof SyscallError && e.code === "ENOENT");
  m.set(2, 201n, UpdateFlags.EXIST);
  assert.equal(m.get(2), 201n);
  assert.equal(m.delete(1), true);
  assert.equal(m.delete(1), false);
  assert.equal(m.get(1), undefined);
  assert.equal(m.lookupAndDelete(2), 201n);
  assert.equal(m.has(2), false);
});

test("raw byte keys: getInto copies into the caller's buffer", { skip }, () => {
  using m = Map.create({ type: MapType.ARRAY, keySize: 4, valueSize: 16, maxEntries: 4 });
  const key = new Uint8Array([2, 0, 0, 0]);
  const value = new Uint8Array(16).fill(7);
  m.set(key, value);
  const out = new Uint8Array(16);
  assert.equal(m.getInto(key, out), true);
  assert.deepEqual(out, value);
  assert.throws(() => m.set(new Uint8Array(3), value), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_KEY");
  assert.throws(() => m.set(key, new Uint8Array(15)), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_VALUE");
  assert.throws(() => m.set(new Uint8Array([9, 0, 0, 0]), value), (e: unknown) => e instanceof SyscallError && e.code === "E2BIG");
});

test("a full hash map says so", { skip }, () => {
  using m = hashMap(2);
  m.set(1, 1n);
  m.set(2, 2n);
  assert.throws(
    () => m.set(3, 3n),
    (e: unknown) => e instanceof SyscallError && e.code === "E2BIG" && /BPF_MAP_UPDATE_ELEM/.test(e.message) && /t_hash/.test(e.message),
  );
});

test("iteration: keys, entries, values and async iteration", { skip }, async () => {
  using m = hashMap();
  for (let i = 0; i < 40; i++) m.set(i, BigInt(i * 10));
  assert.deepEqual([...m.keys()].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
  const entries = new globalThis.Map([...m.entries()]);
  assert.equal(entries.size, 40);
  assert.equal(entries.get(7), 70n);
  assert.equal([...m.values()].reduce((a, b) => a + b, 0n), 7800n);
  const seen: number[] = [];
  for await (const [k] of m) seen.push(k);
  assert.equal(seen.length, 40);
});

test("iteration survives deleting each entry as it is visited", { skip }, () => {
  using m = hashMap(512);
  for (let i = 0; i < 300; i++) m.set(i, BigInt(i));
  const visited = new Set<number>();
  for (const k of m.keys()) {
    assert.ok(!visited.has(k), `key ${k} visited twice`);
    visited.add(k);
    m.delete(k);
  }
  assert.equal(visited.size, 300);
  assert.equal([...m.keys()].length, 0);
});

test("iteration survives deletion of other keys and skips what vanished", { skip }, () => {
  using m = hashMap(512);
  for (let i = 0; i < 200; i++) m.set(i, BigInt(i));
  const visited = new Set<number>();
  for (const [k] of m.entries()) {
    visited.add(k);
    // Delete some keys ahead of the cursor (possibly the prefetched one).
    m.delete((k + 1) % 200);
    m.delete((k + 7) % 200);
  }
  for (const k of visited) assert.ok(k >= 0 && k < 200);
  assert.ok(visited.size > 0 && visited.size <= 200);
});

test("per-CPU maps: one value per possible CPU", { skip }, () => {
  const cpus = possibleCpuCount();
  using m = Map.create({ type: "percpu_array", keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec, value: u32Codec });
  assert.equal(m.perCpu, true);
  assert.equal(m.valueBytes, 8 * cpus);
  const values = Array.from({ length: cpus }, (_, i) => 100 + i);
  m.setPerCpu(1, values);
  assert.deepEqual(m.getPerCpu(1), values);
  m.setPerCpu(0, 5);
  assert.deepEqual(m.getPerCpu(0), new Array(cpus).fill(5));
  assert.throws(() => m.get(0), (e: unknown) => e instanceof CoreBpfError && e.code === "PER_CPU_MAP");
  const all = new globalThis.Map(m.entriesPerCpu());
  assert.deepEqual(all.get(1), values);

  using h = Map.create({ type: "lru_percpu_hash", keySize: 4, valueSize: 8, maxEntries: 8 }, { key: u32Codec, value: u64Codec });
  h.setPerCpu(3, 9n);
  assert.deepEqual(h.getPerCpu(3), new Array(cpus).fill(9n));
  assert.deepEqual(h.lookupBatchPerCpu(), [[3, new Array(cpus).fill(9n)]]);
});

test("batch lookup, update, delete and drain", { skip }, () => {
  using m = hashMap(1024);
  const entries: [number, bigint][] = Array.from({ length: 700 }, (_, i) => [i, BigInt(i) * 3n]);
  assert.equal(m.updateBatch(entries), 700);
  const read = m.lookupBatch({ batchSize: 64 });
  assert.equal(read.length, 700);
  assert.deepEqual(new globalThis.Map(read).get(699), 2097n);
  assert.equal(m.deleteBatch([0, 1, 2, 3]), 4);
  assert.equal(m.has(2), false);
  const drained = m.lookupBatch({ delete: true });
  assert.equal(drained.length, 696);
  assert.equal([...m.keys()].length, 0);

  using a = Map.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 10 }, { key: u32Codec, value: u32Codec });
  a.updateBatch([[1, 11], [9, 99]]);
  const arr = new globalThis.Map(a.lookupBatch({ batchSize: 3 }));
  assert.equal(arr.size, 10);
  assert.equal(arr.get(9), 99);
});

test("freeze makes the map read-only for user space", { skip }, () => {
  using m = Map.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1 }, { key: u32Codec, value: u32Codec });
  m.set(0, 42);
  assert.equal(m.frozen, false);
  m.freeze();
  assert.equal(m.frozen, true);
  assert.equal(m.get(0), 42);
  assert.throws(() => m.set(0, 1), (e: unknown) => e instanceof SyscallError && e.code === "EPERM" && /frozen/.test(e.message));
});

test("mmap of a BPF_F_MMAPABLE array: writes are seen by lookups, frozen maps map read-only", { skip }, () => {
  using m = Map.create({ type: "array", name: "t_data", keySize: 4, valueSize: 12, maxEntries: 3, flags: MapFlags.MMAPABLE }, { key: u32Codec });
  const mem = m.mmap();
  assert.equal(mem.writable, true);
  assert.ok(mem.length >= 48);
  mem.write(16, new Uint8Array([1, 2, 3]));
  assert.deepEqual(m.get(1)!.subarray(0, 3), new Uint8Array([1, 2, 3]));
  m.set(2, new Uint8Array(12).fill(9));
  assert.deepEqual(mem.read(32, 12), new Uint8Array(12).fill(9));
  const bytes = mem.bytes;
  bytes[0] = 5;
  assert.equal(m.get(0)![0], 5);
  mem.close();
  mem.close();
  assert.throws(() => mem.read(0, 1), (e: unknown) => e instanceof CoreBpfError && e.code === "CLOSED");
  // A view handed out earlier stays valid memory but no longer reaches the map.
  assert.equal(bytes[0], 0);
  bytes[1] = 6;
  assert.equal(m.get(0)![1], 0);

  m.freeze();
  const ro = m.mmap();
  assert.equal(ro.writable, false);
  assert.equal(ro.read(16, 3)[2], 3);
  assert.throws(() => ro.bytes, (e: unknown) => e instanceof CoreBpfError && e.code === "READ_ONLY");
  assert.throws(() => hashMap().mmap(), (e: unknown) => e instanceof CoreBpfError && e.code === "NOT_MMAPABLE");
});

test("pin, open pinned (also read-only), unpin; fromId; info", { skip }, () => {
  const dir = `${ensureBpffs()}/corebpf-test-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  try {
    using m = hashMap();
    m.set(5, 55n);
    const path = `${dir}/m`;
    m.pin(path);
    assert.ok(existsSync(path));
    using again = Map.openPinned(path, { key: u32Codec, value: u64Codec });
    assert.equal(again.get(5), 55n);
    assert.equal(again.info().id, m.info().id);
    using ro = Map.openPinned(path, { key: u32Codec, value: u64Codec }, FileFlags.RDONLY);
    assert.equal(ro.get(5), 55n);
    assert.throws(() => ro.set(5, 1n), (e: unknown) => e instanceof SyscallError && e.code === "EPERM");
    using byId = Map.fromId(m.info().id, { key: u32Codec, value: u64Codec });
    assert.equal(byId.get(5), 55n);
    const info = m.info();
    assert.equal(info.typeName, "hash");
    assert.equal(info.name, "t_hash");
    assert.equal(info.keySize, 4);
    assert.equal(info.valueSize, 8);
    assert.equal(info.maxEntries, 64);
    m.unpin();
    assert.ok(!existsSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("close is idempotent, `using` closes, a closed map says so", { skip }, () => {
  const m = hashMap();
  const other = m.withCodecs({});
  m.close();
  m.close();
  assert.equal(other.closed, true);
  assert.throws(() => m.get(1), (e: unknown) => e instanceof CoreBpfError && e.code === "CLOSED");
  let kept: Map<number, bigint> | undefined;
  {
    using scoped = hashMap();
    kept = scoped;
  }
  assert.equal(kept.closed, true);
});

test("invalid specs fail with typed errors naming the map and the command", { skip }, () => {
  assert.throws(
    () => Map.create({ type: "hash", name: "bad", keySize: 0, valueSize: 8, maxEntries: 1 }),
    (e: unknown) => e instanceof SyscallError && e.code === "EINVAL" && /map 'bad': BPF_MAP_CREATE/.test(e.message) && e.hint !== undefined,
  );
  assert.throws(() => Map.create({ type: "no_such_type" as never, keySize: 4, valueSize: 4, maxEntries: 1 }), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_ARGUMENT");
  assert.throws(() => Map.create({ type: "hash", keySize: -1, valueSize: 4, maxEntries: 1 }), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_MAP_SPEC");
});
