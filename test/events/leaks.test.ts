// Open/consume/close cycles leave the process's fds and mappings where they
// started: closing unmaps (the kernel's pages at once, the inert placeholder
// once its views are collected) and closes every fd it opened, and the fd
// watchers (uv handles, the epoll worker) are released.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Map, possibleCpuCount } from "../../src/kernel/index.js";
import { PerfBuffer, RingBuffer, useWatchBackend } from "../../src/events/index.js";
import { countersMap, produce, producerProgram } from "./programs.js";
import { collectGarbage, mappings, openFdCount, perfSkip, ringbufSkip } from "./support.js";

const CYCLES = 200;

async function settle(): Promise<void> {
  await sleep(200);
  collectGarbage();
  await sleep(50); // finalizers run after the collection, on the event loop
  collectGarbage();
}

test(`${CYCLES} ring buffer and perf buffer open/consume/close cycles leak no fd and no mapping`, { skip: ringbufSkip || perfSkip, timeout: 120_000 }, async (t) => {
  using ring = Map.create({ type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 65536 });
  using perf = Map.create({ type: "perf_event_array", keySize: 4, valueSize: 4, maxEntries: possibleCpuCount() });
  using counters = countersMap();
  using ringProg = producerProgram({ emit: "ringbuf_output", events: ring, counters, size: 16 });
  using perfProg = producerProgram({ emit: "perf_event_output", events: perf, counters, size: 16 });
  // Warm up lazily created state (koffi callbacks, the worker's first spawn) before counting.
  const cycle = async (i: number): Promise<void> => {
    useWatchBackend(i % 2 === 0 ? "uv" : "epoll-worker");
    const rb = new RingBuffer(ring);
    const pb = new PerfBuffer(perf, { pages: 1 });
    let n = 0;
    rb.on(() => n++);
    pb.on(() => n++);
    produce(ringProg, 2);
    produce(perfProg, 2);
    for (let t = 0; n < 4 && t < 5000; t++) await sleep(1);
    assert.equal(n, 4);
    if (i % 3 === 0) {
      // Keep a raw view past close: it must read zeros, not crash, and be collected later.
      let kept: DataView | undefined;
      rb.off().onRaw((view) => void (kept = view));
      produce(ringProg, 1);
      rb.consume();
      rb.close();
      assert.equal(kept!.getUint32(0, true), 0);
    }
    rb.close();
    pb.close();
  };
  try {
    await cycle(0);
    await cycle(1);
    await settle(); // the epoll worker of the warm-up winds down, its placeholders are collected
    const before = { fds: openFdCount(), maps: mappings() };
    for (let i = 0; i < CYCLES; i++) await cycle(i);
    await settle();
    const after = { fds: openFdCount(), maps: mappings() };
    t.diagnostic(
      `fds ${before.fds} -> ${after.fds}; mappings ${before.maps.total} -> ${after.maps.total} ` +
        `(kernel buffers ${before.maps.kernel} -> ${after.maps.kernel}, inert placeholders ${before.maps.inertBytes} -> ${after.maps.inertBytes} bytes)`,
    );
    assert.equal(after.fds, before.fds, "open fds");
    assert.equal(after.maps.kernel, before.maps.kernel, "mappings of BPF maps and perf events");
    // A released buffer leaves a read-only placeholder until its views are
    // collected; every one must be gone. (Line counts are no measure: the
    // heap's mappings move with GC, and adjacent placeholders merge.)
    assert.equal(after.maps.inertBytes, before.maps.inertBytes, "bytes of released-buffer placeholders still mapped");
  } finally {
    useWatchBackend(undefined);
  }
});
