// Perf buffer consumer against the real kernel: order and contents (records
// wrapping past the ring end are copied out), losses reported exactly,
// event-loop delivery and iteration with both watch backends, close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreBpfError } from "../../src/errors.js";
import { Map, pageSize, possibleCpuCount } from "../../src/kernel/index.js";
import { LostSamples, PerfBuffer, useWatchBackend } from "../../src/events/index.js";
import { checkRecord, counter, countersMap, produce, producerProgram } from "./programs.js";
import { onOneCpu, perfSkip as skip, until, watchBackends } from "./support.js";

const backends = watchBackends(skip);

function perfArray(): Map {
  return Map.create({ type: "perf_event_array", name: "pevents", keySize: 4, valueSize: 4, maxEntries: possibleCpuCount() });
}

test("20k samples in order with the right contents; records wrapping past the ring end are whole", { skip }, () =>
  onOneCpu(() => {
    const RECORD = 44; // 8 header + 4 size + 44 = 56-byte records: some wrap around a one-page ring
    using events = perfArray();
    using counters = countersMap();
    using prog = producerProgram({ emit: "perf_event_output", events, counters, size: RECORD });
    using pb = new PerfBuffer(events, { pages: 1 });
    assert.ok(pb.cpus.length >= 1);
    let expected = 1;
    let copied = 0;
    pb.onRaw((view, offset, size, cpu) => {
      assert.ok(pb.cpus.includes(cpu));
      assert.equal(size, RECORD);
      assert.equal(checkRecord(view, offset, size, RECORD), expected++);
      if (view.byteLength !== pageSize() * 2) copied++; // the scratch copy, not the mapping
    });
    for (let produced = 0; produced < 20_000; produced += 50) {
      produce(prog, 50);
      assert.equal(pb.consume(), 50);
    }
    assert.equal(expected - 1, 20_000);
    assert.equal(counter(counters, 1), 0, "no failed outputs");
    assert.equal(pb.lost, 0);
    assert.ok(copied > 0, "some records wrapped and were copied out");
    assert.equal(pb.pendingBytes(), 0);
  }));

test("sample sizes: the raw size is padded so the record stays 8-aligned", { skip }, () => {
  using events = perfArray();
  using counters = countersMap();
  using prog = producerProgram({ emit: "perf_event_output", events, counters, size: 40 });
  using pb = new PerfBuffer(events, { pages: 2 });
  produce(prog, 3);
  const sizes: number[] = [];
  pb.consume((bytes) => void sizes.push(bytes.length));
  assert.deepEqual(sizes, [44, 44, 44]); // 4 + 40 rounded up to 48, minus the u32 size field
});

test("an overflowed ring reports its losses: consumed + lost = produced", { skip }, () =>
  onOneCpu(() => {
    using events = perfArray();
    using counters = countersMap();
    using prog = producerProgram({ emit: "perf_event_output", events, counters, size: 56 });
    const reports: [number, number][] = [];
    using pb = new PerfBuffer(events, { pages: 1, onLost: (count, cpu) => void reports.push([count, cpu]) });
    let consumed = 0;
    let last = 0;
    const take = (bytes: Uint8Array) => {
      const seq = checkRecord(new DataView(bytes.buffer), 0, bytes.length, 56);
      assert.ok(seq > last, "order kept across the gap");
      last = seq;
      consumed++;
    };
    produce(prog, 1000);
    pb.consume(take);
    // The kernel writes the LOST record with the next sample that fits.
    produce(prog, 1);
    pb.consume(take);
    const lost = reports.reduce((a, [c]) => a + c, 0);
    assert.ok(lost > 0);
    assert.equal(pb.lost, lost);
    assert.equal(consumed + lost, 1001);
    assert.equal(counter(counters, 1), lost, "the program saw exactly as many failed outputs");
    assert.equal(last, 1001);
  }));

for (const backend of backends) {
  test(`event loop delivery and iteration (${backend.name}); losses are yielded by iterators`, { skip: backend.skip, timeout: 60_000 }, () =>
    onOneCpu(async () => {
      useWatchBackend(backend.name);
      try {
        using events = perfArray();
        using counters = countersMap();
        using prog = producerProgram({ emit: "perf_event_output", events, counters, size: 24 });
        using pb = new PerfBuffer(events, { pages: 1 });
        let next = 1;
        pb.on((bytes) => {
          assert.equal(checkRecord(new DataView(bytes.buffer), 0, bytes.length, 24), next++);
        });
        for (let round = 1; round <= 20; round++) {
          produce(prog, 60);
          await until(() => next === 60 * round + 1);
        }
        pb.off();
        // Overflow while nobody reads, then iterate: samples, a loss report, samples.
        produce(prog, 500);
        // The kernel writes a loss report with the next output that fits, so
        // one more sample is emitted every 10 ms until the report has come.
        let produced = 500;
        const nudge = setInterval(() => {
          produce(prog, 1);
          produced++;
        }, 10);
        let lost = 0;
        let samples = 0;
        try {
          for await (const item of pb) {
            if (item instanceof LostSamples) lost += item.count;
            else samples++;
            if (lost > 0 && samples + lost === produced) break;
          }
        } finally {
          clearInterval(nudge);
        }
        assert.ok(lost > 0);
        assert.equal(lost, pb.lost);
        assert.equal(lost, counter(counters, 1));
      } finally {
        useWatchBackend(undefined);
      }
    }));
}

test("close removes the rings from the map; options are checked", { skip }, () => {
  using events = perfArray();
  using counters = countersMap();
  using prog = producerProgram({ emit: "perf_event_output", events, counters, size: 16 });
  const pb = new PerfBuffer(events, { pages: 1, wakeupBytes: 1024 });
  produce(prog, 5);
  assert.equal(pb.consume(() => {}), 5);
  pb.close();
  produce(prog, 5);
  assert.equal(counter(counters, 1), 5, "outputs fail once no ring is in the map");
  assert.throws(() => new PerfBuffer(events, { pages: 3 }), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_ARGUMENT");
  assert.throws(() => new PerfBuffer(events, { cpus: [possibleCpuCount()] }), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_ARGUMENT");
  using ring = Map.create({ type: "ringbuf", keySize: 0, valueSize: 0, maxEntries: 4096 });
  assert.throws(() => new PerfBuffer(ring), (e: unknown) => e instanceof CoreBpfError && e.code === "WRONG_MAP_TYPE");
});
