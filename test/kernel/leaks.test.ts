// 1000 create/load/use/close cycles (and failing loads) leave the process's
// open fds and the kernel's programs, maps and BTF objects where they started.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { VerifierError } from "../../src/errors.js";
import { BtfHandle, Map, Program, encodeInsns, exit, ids, mov64Imm, tryGetFdById, u32Codec, rawClose, type IdKind } from "../../src/kernel/index.js";
import { kernelSkip, openFdCount, packet, returnProgram } from "./support.js";

const CYCLES = 1000;

function idSet(kind: IdKind): Set<number> {
  return new Set(ids(kind));
}

function stillLoaded(kind: IdKind, created: Iterable<number>): number[] {
  const alive: number[] = [];
  for (const id of created) {
    const fd = tryGetFdById(kind, id);
    if (fd !== undefined) {
      rawClose(fd);
      alive.push(id);
    }
  }
  return alive;
}

test(`${CYCLES} create/load/close cycles leak no fd and no kernel object`, { skip: kernelSkip, timeout: 120_000 }, async () => {
  const before = { fds: openFdCount(), prog: idSet("prog"), map: idSet("map"), btf: idSet("btf") };
  const created = { prog: new Set<number>(), map: new Set<number>(), btf: new Set<number>() };
  const btfBlob = (() => {
    // [1] int: the smallest valid BTF.
    const b = new Uint8Array(24 + 16 + 5);
    const v = new DataView(b.buffer);
    v.setUint16(0, 0xeb9f, true);
    b[2] = 1;
    v.setUint32(4, 24, true);
    v.setUint32(12, 16, true);
    v.setUint32(16, 16, true);
    v.setUint32(20, 5, true);
    v.setUint32(24, 1, true); // name "int"
    v.setUint32(28, 0x01000000, true); // kind INT
    v.setUint32(32, 4, true);
    v.setUint32(36, 0x01000020, true); // signed, 32 bits
    b.set([0, 0x69, 0x6e, 0x74, 0], 40);
    return b;
  })();

  for (let i = 0; i < CYCLES; i++) {
    {
      using map = Map.create({ type: "hash", name: "leak", keySize: 4, valueSize: 4, maxEntries: 4 }, { key: u32Codec, value: u32Codec });
      map.set(1, i);
      assert.equal(map.get(1), i);
      created.map.add(map.info().id);
      using prog = Program.load({ type: "socket_filter", name: "leak", insns: returnProgram(i & 0xff) });
      assert.equal(prog.testRun({ data: packet }).retval, i & 0xff);
      created.prog.add(prog.info().id);
      if (i % 10 === 0) {
        using btf = BtfHandle.load(btfBlob);
        created.btf.add(btf.info().id);
      }
    }
    if (i % 50 === 0) {
      assert.throws(() => Program.load({ type: "socket_filter", insns: encodeInsns([mov64Imm(1, 0), exit()]) }), VerifierError);
    }
  }

  assert.equal(openFdCount(), before.fds, "open fds of the process");

  // Freeing is deferred in the kernel (RCU, work queues): poll for a while.
  let alive = { prog: [] as number[], map: [] as number[], btf: [] as number[] };
  for (let t = 0; t < 100; t++) {
    alive = { prog: stillLoaded("prog", created.prog), map: stillLoaded("map", created.map), btf: stillLoaded("btf", created.btf) };
    if (alive.prog.length + alive.map.length + alive.btf.length === 0) break;
    await sleep(100);
  }
  assert.deepEqual(alive, { prog: [], map: [], btf: [] }, "objects created by the cycles are all freed");
  assert.equal(created.prog.size, CYCLES);
  assert.equal(created.map.size, CYCLES);

  // The totals: equal to the start unless another process loaded objects meanwhile.
  for (const kind of ["prog", "map", "btf"] as const) {
    const now = idSet(kind);
    const foreign = [...now].filter((id) => !before[kind].has(id) && !created[kind].has(id));
    if (foreign.length > 0) continue; // another process is using BPF concurrently
    const gone = [...before[kind]].filter((id) => !now.has(id)).length;
    assert.equal(now.size + gone, before[kind].size, `${kind} count`);
  }
});
