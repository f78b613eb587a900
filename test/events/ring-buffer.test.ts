// Ring buffer consumer against the real kernel: order and contents across
// wrap-arounds, discarded records, several rings, event-loop delivery with
// both watch backends, async iteration, decoding, close semantics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { BtfBuilder } from "../../src/btf/index.js";
import { CoreBpfError } from "../../src/errors.js";
import { Map, pageSize } from "../../src/kernel/index.js";
import { RingBuffer, btfDecoder, useWatchBackend, uvBackendUnavailableReason, type WatchBackend } from "../../src/events/index.js";
import { checkRecord, counter, countersMap, produce, producerProgram, resetCounters } from "./programs.js";
import { ringbufSkip as skip } from "./support.js";

const backends: { name: WatchBackend; skip: string | false }[] = [
  { name: "uv", skip: skip || (uvBackendUnavailableReason() ?? false) },
  { name: "epoll-worker", skip },
];

function ringbuf(size: number, name = "events"): Map {
  return Map.create({ type: "ringbuf", name, keySize: 0, valueSize: 0, maxEntries: size });
}

/** Waits (on the event loop) until `done()` or the deadline. */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error("timed out waiting for events");
    await sleep(1);
  }
}

test("100k events consumed in order with the right contents across wrap-arounds", { skip }, () => {
  const RECORD = 44; // 56 bytes with header and rounding: records straddle the end of a 16 KiB ring
  const SIZE = 16384;
  using events = ringbuf(SIZE);
  using counters = countersMap();
  using prog = producerProgram({ emit: "ringbuf_output", events, counters, size: RECORD });
  using rb = new RingBuffer(events);
  let expected = 1;
  let straddling = 0;
  const dataEnd = pageSize() + SIZE;
  rb.onRaw((view, offset, size, source) => {
    assert.equal(source, 0);
    assert.equal(size, RECORD);
    assert.equal(checkRecord(view, offset, size, RECORD), expected++);
    if (offset + size > dataEnd) straddling++;
  });
  for (let produced = 0; produced < 100_000; produced += 250) {
    produce(prog, 250);
    assert.equal(rb.consume(), 250);
  }
  assert.equal(expected - 1, 100_000);
  assert.equal(counter(counters, 1), 0, "no failed emits");
  assert.ok(straddling > 100, `records wrapped past the end (${straddling})`);
  assert.equal(rb.pendingBytes(), 0);
  assert.equal(rb.received, 100_000);
});

test("discarded records are skipped, committed ones kept in order", { skip }, () => {
  using events = ringbuf(262144); // discarded records take room until consumed
  using counters = countersMap();
  using prog = producerProgram({ emit: "ringbuf_reserve", events, counters, size: 32, discardEvery: 3 });
  using rb = new RingBuffer(events);
  const seen: number[] = [];
  produce(prog, 3000);
  rb.consume((bytes) => {
    seen.push(checkRecord(new DataView(bytes.buffer), 0, bytes.length, 32));
  });
  const want = Array.from({ length: 3000 }, (_, i) => i + 1).filter((s) => s % 3 !== 0);
  assert.deepEqual(seen, want);
  assert.equal(rb.pendingBytes(), 0);
});

test("a full ring: the program sees the failures; what fitted is consumed in order", { skip }, () => {
  using events = ringbuf(4096);
  using counters = countersMap();
  using prog = producerProgram({ emit: "ringbuf_output", events, counters, size: 56 }); // 64-byte records
  using rb = new RingBuffer(events);
  produce(prog, 100);
  let n = 0;
  rb.onRaw((view, offset, size) => assert.equal(checkRecord(view, offset, size, 56), ++n));
  rb.consume();
  assert.equal(n, 4096 / 64 - 1, "the kernel keeps producer - consumer below the ring size");
  assert.equal(counter(counters, 1), 100 - n, "failed emits are the rest");
});

test("a new consumer continues where a closed one stopped", { skip }, () => {
  using events = ringbuf(65536);
  using counters = countersMap();
  using prog = producerProgram({ emit: "ringbuf_output", events, counters, size: 16 });
  produce(prog, 100);
  const seen: number[] = [];
  const take = (bytes: Uint8Array) => void seen.push(Number(new DataView(bytes.buffer).getBigUint64(0, true)));
  {
    using first = new RingBuffer(events);
    assert.equal(first.consume(take, 40), 40);
  }
  using second = new RingBuffer(events);
  assert.equal(second.consume(take), 60);
  assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i + 1));
});

for (const backend of backends) {
  test(`event loop delivery (${backend.name}): several ring buffers in one consumer`, { skip: backend.skip }, async () => {
    useWatchBackend(backend.name);
    try {
      using a = ringbuf(65536, "ring_a");
      using b = ringbuf(65536, "ring_b");
      using ca = countersMap();
      using cb = countersMap();
      using pa = producerProgram({ emit: "ringbuf_output", events: a, counters: ca, size: 24 });
      using pb = producerProgram({ emit: "ringbuf_output", events: b, counters: cb, size: 24 });
      using rb = new RingBuffer(a);
      assert.equal(rb.add(b), 1);
      assert.deepEqual(
        rb.rings.map((r) => [r.index, r.name, r.size]),
        [
          [0, "ring_a", 65536],
          [1, "ring_b", 65536],
        ],
      );
      const next = [1, 1];
      rb.onRaw((view, offset, size, source) => {
        assert.equal(checkRecord(view, offset, size, 24), next[source]!);
        next[source]!++;
      });
      for (let round = 0; round < 20; round++) {
        produce(pa, 100);
        produce(pb, 50);
        await until(() => next[0] === 100 * (round + 1) + 1 && next[1] === 50 * (round + 1) + 1);
      }
      rb.off();
      produce(pa, 10);
      await sleep(20);
      assert.equal(next[0], 2001, "no delivery after off()");
      assert.equal(rb.consume(() => {}), 10);
    } finally {
      useWatchBackend(undefined);
    }
  });

  test(`async iteration (${backend.name}): decoded events from BTF, break stops polling`, { skip: backend.skip }, async () => {
    useWatchBackend(backend.name);
    try {
      using events = ringbuf(65536);
      using counters = countersMap();
      using prog = producerProgram({ emit: "ringbuf_output", events, counters, size: 32 });
      const b = new BtfBuilder();
      const u64 = b.addInt("unsigned long long", 8);
      const u32 = b.addInt("unsigned int", 4);
      const words = b.addArray(u32, u32, 4);
      b.addStruct("event", 32, [
        { name: "seq", type: u64, bitOffset: 0 },
        { name: "ts", type: u64, bitOffset: 64 },
        { name: "words", type: words, bitOffset: 128 },
      ]);
      const decode = btfDecoder<{ seq: bigint; ts: bigint; words: number[] }>(b.build(), "struct event");
      using rb = new RingBuffer(events, { decode });
      const timer = setInterval(() => produce(prog, 7), 2);
      const got: bigint[] = [];
      const before = process.hrtime.bigint();
      try {
        for await (const ev of rb) {
          assert.deepEqual(ev.words, [4, 5, 6, 7].map((k) => Number(ev.seq) + k));
          assert.ok(ev.ts > 0n && ev.ts <= process.hrtime.bigint() && ev.ts >= before - 10_000_000_000n);
          got.push(ev.seq);
          if (got.length === 200) break;
        }
      } finally {
        clearInterval(timer);
      }
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
      // After break the buffer stays open; a new loop picks up where the last left off.
      for await (const ev of rb) {
        assert.equal(ev.seq, 201n);
        break;
      }
    } finally {
      useWatchBackend(undefined);
    }
  });
}

test("close inside a callback stops at once; a view kept past close reads zeros, never unmapped memory", { skip }, () => {
  using events = ringbuf(65536);
  using counters = countersMap();
  using prog = producerProgram({ emit: "ringbuf_output", events, counters, size: 16 });
  const rb = new RingBuffer(events);
  produce(prog, 50);
  let kept: DataView | undefined;
  let keptAt = 0;
  let n = 0;
  rb.onRaw((view, offset) => {
    kept = view;
    keptAt = offset;
    if (++n === 5) rb.close();
  });
  assert.equal(rb.consume(), 5);
  assert.ok(rb.closed);
  assert.equal(kept!.getBigUint64(keptAt, true), 0n, "the released range reads as zero pages");
  assert.throws(() => rb.consume(), (e: unknown) => e instanceof CoreBpfError && e.code === "CLOSED");
  rb.close(); // idempotent
  // The records the closed consumer did not take are still in the map.
  using again = new RingBuffer(events);
  assert.equal(again.consume(() => {}), 45);
});

test("a throwing callback: the error is reported, the record consumed, delivery goes on", { skip }, async () => {
  using events = ringbuf(65536);
  using counters = countersMap();
  using prog = producerProgram({ emit: "ringbuf_output", events, counters, size: 16 });
  const errors: unknown[] = [];
  using rb = new RingBuffer(events, { onError: (e) => errors.push(e) });
  const seen: number[] = [];
  rb.on((bytes) => {
    const seq = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    seen.push(seq);
    if (seq === 3) throw new Error("boom");
  });
  produce(prog, 5);
  await until(() => seen.length === 5);
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  assert.equal(errors.length, 1);
  assert.equal((errors[0] as Error).message, "boom");
  // consume() called by the user throws directly, after consuming the record.
  rb.off();
  resetCounters(counters);
  produce(prog, 3);
  assert.throws(() => rb.consume((b) => assert.notEqual(new DataView(b.buffer).getBigUint64(0, true), 2n)), /Expected/);
  assert.equal(rb.consume(() => {}), 1);
});

test("one consumer at a time; wrong map types are refused", { skip }, async () => {
  using events = ringbuf(4096);
  using rb = new RingBuffer(events);
  rb.on(() => {});
  assert.throws(() => rb[Symbol.asyncIterator](), (e: unknown) => e instanceof CoreBpfError && e.code === "BUSY");
  assert.throws(() => rb.add(events), (e: unknown) => e instanceof CoreBpfError && e.code === "BUSY");
  rb.off();
  const it = rb[Symbol.asyncIterator]();
  assert.throws(() => rb.on(() => {}), (e: unknown) => e instanceof CoreBpfError && e.code === "BUSY");
  await it.return!();
  assert.throws(() => rb.consume(), (e: unknown) => e instanceof CoreBpfError && e.code === "NO_HANDLER");
  using hash = Map.create({ type: "hash", keySize: 4, valueSize: 4, maxEntries: 1 });
  assert.throws(() => new RingBuffer(hash), (e: unknown) => e instanceof CoreBpfError && e.code === "WRONG_MAP_TYPE" && /hash map, not ringbuf/.test(e.message));
});

test("close() ends a pending iteration", { skip }, async () => {
  using events = ringbuf(4096);
  const rb = new RingBuffer(events);
  const it = rb[Symbol.asyncIterator]();
  const pending = it.next();
  rb.close();
  assert.deepEqual(await pending, { value: undefined, done: true });
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});
