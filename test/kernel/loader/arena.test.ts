// Arenas (BPF_MAP_TYPE_ARENA) loaded for real: arena.bpf.o's arena has no
// fixed address, so its program loads only because the loader maps the arena
// right after creating it (as libbpf does); the __arena variables are copied
// in and read and written from both sides; the arena is released with the
// object. maps_more.bpf.o's arena has a fixed address (map_extra).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { CoreBpfError } from "../../../src/errors.js";
import { type BpfObject, Map, MapFlags, MapType, hasLdimm64FullRangeOff, loadObject, openObject, pageSize, probeMapType } from "../../../src/kernel/index.js";
import { kernelSkip, openFdCount } from "../support.js";
import { kernelIds, kernelNames, leftovers, objectPath, run } from "./support.js";

const path = objectPath("arena");
const spec = openObject(path).spec;
const skip = kernelSkip || (probeMapType(MapType.ARENA) ? false : "this kernel cannot create arena maps (feature probe)");

/** /proc/self/maps lines as [start, end, rest]. */
function mappingsNow(): [number, number, string][] {
  return readFileSync("/proc/self/maps", "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [range, ...rest] = l.split(" ");
      const [a, b] = range!.split("-");
      return [parseInt(a!, 16), parseInt(b!, 16), rest.join(" ")];
    });
}

async function settle(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  await sleep(100);
  gc();
  await sleep(50); // finalizers run after the collection, on the event loop
  gc();
}

const i32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(at, true);

test("arena.bpf.o: the arena is mapped at load, the __arena variables copied in, and both sides see each other's writes", { skip }, async () => {
  using obj = await loadObject(path);
  const arena = obj.arena!;
  const page = pageSize();
  assert.ok(arena !== undefined, "the loader mapped the arena");
  assert.equal(arena.length, 16 * page, "max_entries pages");
  assert.equal(obj.memory("arena"), arena);
  const line = mappingsNow().find(([start]) => start === arena.address);
  assert.ok(line !== undefined && line[1] - line[0] === arena.length && /anon_inode:bpf-map/.test(line[2]), `the arena's mapping: ${line?.join(" ")}`);
  // libbpf 1.8 puts the data at the arena's end where the verifier takes such offsets.
  assert.equal(obj.arenaDataOffset, hasLdimm64FullRangeOff() ? arena.length - page : 0);
  assert.deepEqual(arena.read(obj.arenaDataOffset, 28), spec.map("arena")!.data, "the .addr_space.1 bytes, copied in");
  assert.deepEqual(obj.globals.toObject(".addr_space.1"), { arena_base: 1000, arena_scale: 3n, arena_page: 0n, arena_runs: 0 });

  assert.equal(run(obj.program("arena_sum")), 1000 + 3 + 1007 + 6);
  assert.equal(obj.globals.get("arena_runs"), 1);
  // The program stored the user address of the page it allocated: the same address here.
  const ptr = Number(obj.globals.get<bigint>("arena_page"));
  const offset = ptr - arena.address;
  assert.ok(offset >= 0 && offset < arena.length && offset % page === 0, `arena_page 0x${ptr.toString(16)} is a page of the arena at 0x${arena.address.toString(16)}`);
  assert.deepEqual([i32(arena.bytes, offset), i32(arena.bytes, offset + 4)], [1007, 6], "page[0], page[1] as the program wrote them");

  // User space writes, the program reads.
  obj.globals.set("arena_base", 10);
  assert.equal(run(obj.program("arena_sum")), 10 + 3 + 17 + 6);
  assert.equal(obj.globals.get("arena_runs"), 2);
});

test("arena.bpf.o: __arena variables set before load are what the program reads", { skip }, async () => {
  const opened = openObject(path);
  assert.equal(opened.globals.get("arena_base"), 1000);
  opened.globals.set("arena_base", 2000);
  using obj = await opened.load();
  assert.equal(obj.globals.get("arena_base"), 2000);
  assert.equal(run(obj.program("arena_sum")), 2000 + 3 + 2007 + 6);
});

test("arena.bpf.o: an arena too small for its variables is refused before anything is created", { skip }, async () => {
  const opened = openObject(path);
  opened.map("arena").maxEntries = 0;
  const fds = openFdCount();
  await assert.rejects(opened.load(), (e: unknown) => e instanceof CoreBpfError && e.code === "E2BIG" && /too small to hold the __arena variables \(28 bytes\)/.test(e.message));
  assert.equal(openFdCount(), fds);
});

/**
 * Closes `obj` while holding a view of its arena and reads arena_base through
 * it. (A function of its own: a suspended async frame may keep a view alive.)
 */
function readAfterClose(obj: BpfObject): number {
  const kept = obj.arena!.bytes;
  obj.close();
  return i32(kept, obj.arenaDataOffset);
}

test("arena.bpf.o: 20 load/run/close cycles leave no fd, mapping, program or map behind", { skip, timeout: 120_000 }, async () => {
  {
    using warm = await loadObject(path); // kernel BTF, kfunc ids and probes are read once per process
    run(warm.program("arena_sum"));
  }
  await settle();
  const fds = openFdCount();
  const before = kernelIds();
  const arenas: [number, number][] = [];
  for (let i = 0; i < 20; i++) {
    using obj = await loadObject(path);
    assert.equal(run(obj.program("arena_sum")), 2016);
    arenas.push([obj.arena!.address, obj.arena!.length]);
    if (i % 5 === 0) assert.equal(readAfterClose(obj), 0, "a view kept past close reads the inert placeholder, not the freed arena");
  }
  await settle();
  assert.equal(openFdCount(), fds, "open fds of the process");
  const left = mappingsNow().filter(([start, end, rest]) => /anon_inode:bpf-map/.test(rest) || arenas.some(([a, n]) => start === a && end - start === n));
  assert.deepEqual(left, [], "arena mappings (and their placeholders) are all gone");
  assert.deepEqual(await leftovers(before, kernelNames(spec), 30_000), [], "programs and maps of the cycles are all freed");
});

test("maps_more.bpf.o: the arena is mapped at its map_extra address; a second copy cannot map it while the first lives", { skip }, async () => {
  const more = objectPath("maps_more");
  let kept: Uint8Array;
  {
    using obj = await loadObject(more);
    assert.equal(obj.arena!.address, 2 ** 44);
    const fds = openFdCount();
    await assert.rejects(loadObject(more), (e: unknown) => e instanceof CoreBpfError && e.code === "EEXIST" && /0x100000000000/.test(e.message));
    assert.equal(openFdCount(), fds, "the failed load closed what it created");
    kept = obj.arena!.bytes;
    kept[0] = 1; // faults in the arena's first page
  }
  // The placeholder left under `kept` is taken over by the next copy's arena.
  using again = await loadObject(more);
  assert.equal(again.arena!.address, 2 ** 44);
  assert.equal(run(again.program("arena_roundtrip")), 42);
  // The stale view now sees the new arena (as a stale pointer would in C), never a hole.
  assert.equal(kept.length, again.arena!.length);
  assert.equal(kept[0], 0, "the new arena's first page starts zeroed");
});

test("Map.mmap() of a standalone arena maps all its pages once", { skip }, () => {
  using m = Map.create({ type: MapType.ARENA, name: "lone_arena", keySize: 0, valueSize: 0, maxEntries: 4, flags: MapFlags.MMAPABLE });
  using mem = m.mmap();
  assert.equal(mem.length, 4 * pageSize());
  mem.write(100, Uint8Array.of(1, 2, 3));
  assert.deepEqual(mem.read(100, 3), Uint8Array.of(1, 2, 3));
  // The kernel fixed the arena's address at the first mmap: a second mapping elsewhere is refused.
  assert.throws(() => m.mmap(), (e: unknown) => e instanceof CoreBpfError && e.code === "EINVAL" && /mapped once per process/.test(e.message));
});
