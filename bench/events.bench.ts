// Events: corebpf's RingBuffer / PerfBuffer beside libbpf's ring_buffer /
// perf_buffer (bench/c/events.c, built here with gcc against Debian's
// libbpf-dev), on the same BPF program producing the same 64-byte records
// (BPF_PROG_TEST_RUN of a socket filter calling bpf_ringbuf_output, or of a tc
// program calling bpf_perf_event_output). Three figures per consumer:
//  - drain: records already in the buffer, consumed in one call; the pure
//    consumer cost (ns/event, events/s). corebpf zero-copy views and decoded
//    objects; libbpf's callback reads the same sequence number.
//  - stream: a producer process on CPU 0 emits records in chunks of 1000 as
//    fast as it can while the consumer (on the other CPUs) waits on its event
//    loop / epoll;
//    events/s received, and the failed emits the program counted (losses are
//    never silent: the ring buffer's are counted by the program, the perf
//    buffer's reported by the kernel).
//  - wakeup latency: one record every 500 us; consumer clock (CLOCK_MONOTONIC)
//    minus the record's bpf_ktime_get_ns(), p50 and p99.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BtfBuilder } from "../src/btf/index.js";
import { LE, Map, ensureBpffs, hasBpfPrivilege, possibleCpuCount, type Program } from "../src/kernel/index.js";
import { PerfBuffer, RingBuffer, btfDecoder, watchBackend, type EventConsumer } from "../src/events/index.js";
import { CReference, median } from "./support.js";
import { counter, countersMap, producerProgram, resetCounters, type Emit } from "../test/events/programs.js";

const RECORD = 64;
const DRAIN = { ringbuf: 500_000, perf: 200_000 };
const STREAM = 2_000_000;
const LATENCY = 2000;
const ROUNDS = 9;
const PERF_PAGES = 8192; // 32 MiB per CPU: the drain fills one CPU's ring

const fmt = (x: number, digits = 1) => x.toFixed(digits);
const row = (what: string, ours: string, ref: string, ratio?: number) =>
  console.log(`${what.padEnd(46)} ${ours.padStart(14)} ${ref.padStart(14)} ${ratio === undefined ? "" : `${ratio.toFixed(2).padStart(7)}x`}`);

type Figures = Record<string, number>;

/** Starts a C consumer; resolves `ready` once it is set up, `result` with its JSON line. */
function startC(exe: string, args: string[]): { ready: Promise<void>; result: Promise<Figures>; go: () => void } {
  const stdio: ["pipe", "pipe", "inherit"] = ["pipe", "pipe", "inherit"];
  const child = possibleCpuCount() > 1 ? spawn("taskset", ["-c", consumerCpus(), exe, ...args], { stdio }) : spawn(exe, args, { stdio });
  const lines = createInterface({ input: child.stdout });
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<Figures>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line === "ready") onReady();
      else resolve(JSON.parse(line) as Figures);
    });
    child.on("exit", (code) => (code === 0 ? undefined : reject(new Error(`${args[0]} exited with ${code}`))));
  });
  return { ready, result, go: () => child.stdin.end("go\n") };
}

/** Where streaming consumers run: every CPU but the producer's CPU 0 (when there are others). */
function consumerCpus(): string {
  const n = possibleCpuCount();
  return n > 1 ? `1-${n - 1}` : "0";
}

/** The shared producer, pinned to CPU 0 so the consumer has the other CPUs. */
function produce(exe: string, progPin: string, total: number, chunk: number, intervalUs: number): Promise<void> {
  const args = [exe, "produce", progPin, String(total), String(chunk), String(intervalUs)];
  const child = possibleCpuCount() > 1 ? spawn("taskset", ["-c", "0", ...args], { stdio: "inherit" }) : spawn(args[0]!, args.slice(1), { stdio: "inherit" });
  return new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`producer exited with ${code}`)))));
}


// A module-local constant: V8 folds it into the DataView reads of the callbacks.
const le = LE;

/** Raw-view callback checking that the sequence's low 32 bits increase on each ring (CPU), like the C callback. */
function orderChecker(): { handler: (view: DataView, offset: number, size: number, source: number) => void; state: { errors: number; count: number }; reset: () => void } {
  const state = { errors: 0, count: 0 };
  const last = new Uint32Array(1024);
  return {
    state,
    reset: () => {
      state.count = 0;
      last.fill(0);
    },
    handler: (view, offset, _size, source) => {
      const seq = view.getUint32(offset, le);
      if (seq <= last[source & 1023]!) state.errors++;
      last[source & 1023] = seq;
      state.count++;
    },
  };
}

function eventDecoder() {
  const b = new BtfBuilder();
  const u64 = b.addInt("unsigned long long", 8);
  const u32 = b.addInt("unsigned int", 4);
  b.addStruct("event", RECORD, [
    { name: "seq", type: u64, bitOffset: 0 },
    { name: "ts", type: u64, bitOffset: 64 },
    { name: "words", type: b.addArray(u32, u32, (RECORD - 16) / 4), bitOffset: 128 },
  ]);
  return btfDecoder<{ seq: bigint; ts: bigint }>(b.build(), "struct event");
}

/**
 * Times consume() of `n` records that the producer process published
 * beforehand, `rounds` times; returns ns/event per round.
 */
async function drainJs(consumer: EventConsumer<unknown, unknown>, exe: string, progPin: string, counters: Map, n: number, rounds: number, decoded: boolean): Promise<number[]> {
  const check = orderChecker();
  let sum = 0n;
  const onEvent = (ev: unknown) => void (sum += (ev as { seq: bigint }).seq);
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    resetCounters(counters);
    await produce(exe, progPin, n, n, 0);
    check.reset();
    const t0 = process.hrtime.bigint();
    const got = decoded ? consumer.consume(onEvent) : consumer.consumeRaw(check.handler);
    const t1 = process.hrtime.bigint();
    if (got !== n || check.state.errors !== 0 || counter(counters, 1) !== 0) {
      throw new Error(`drain: ${got}/${n} records, ${check.state.errors} out of order, ${counter(counters, 1)} failed emits`);
    }
    out.push(Number(t1 - t0) / n);
  }
  return out;
}

/** Runs `fn` with this process's main thread (JS and the event loop) on `cpus`, then back on every CPU. */
async function onCpus<R>(cpus: string, fn: () => Promise<R>): Promise<R> {
  const pin = (list: string) => {
    try {
      execFileSync("taskset", ["-p", "-c", list, String(process.pid)], { stdio: "ignore" });
    } catch {
      // taskset missing or refused: run unpinned
    }
  };
  pin(cpus);
  try {
    return await fn();
  } finally {
    pin(`0-${possibleCpuCount() - 1}`);
  }
}

/** Streams STREAM records from the producer process into the consumer; events/s and losses. */
async function streamJs(consumer: EventConsumer<unknown, unknown>, exe: string, progPin: string, counters: Map, lost: () => number): Promise<Figures> {
  resetCounters(counters);
  const check = orderChecker();
  let first = 0;
  let last = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  let target = Infinity; // known once the producer is done: STREAM minus the emits the program saw fail
  consumer.onRaw((view, offset, size, source) => {
    if (check.state.count === 0) first = performance.now();
    check.handler(view, offset, size, source);
    if ((check.state.count & 1023) === 0) last = performance.now();
    if (check.state.count >= target) finish();
  });
  await produce(exe, progPin, STREAM, 1000, 0);
  target = STREAM - counter(counters, 1);
  const deadline = setTimeout(finish, 3000);
  if (check.state.count >= target) finish();
  await finished;
  clearTimeout(deadline);
  last = Math.max(last, performance.now());
  consumer.off();
  return { count: check.state.count, ns: (last - first) * 1e6, failed: counter(counters, 1), lost: lost() };
}

async function latencyJs(consumer: EventConsumer<unknown, unknown>, exe: string, progPin: string): Promise<Figures> {
  const latencies: number[] = [];
  consumer.onRaw((view, offset) => {
    latencies.push(Number(process.hrtime.bigint() - view.getBigUint64(offset + 8, le)));
  });
  await produce(exe, progPin, LATENCY, 1, 500);
  const end = Date.now() + 2000;
  while (latencies.length < LATENCY && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  consumer.off();
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, p50: latencies[latencies.length >> 1] ?? 0, p99: latencies[Math.floor((latencies.length * 99) / 100)] ?? 0 };
}

function report(kind: string, perf: boolean, drain: { raw: number; decoded: number; c: number }, stream: { js: Figures; c: Figures }, latency: { js: Figures; c: Figures }): void {
  const perSec = (nsPerEvent: number) => `${fmt(1e3 / nsPerEvent, 2)} M/s`;
  console.log(`\n${kind}: ${RECORD}-byte records; watch backend ${watchBackend()}; median of ${ROUNDS} drains`);
  console.log(`${"".padEnd(46)} ${"corebpf".padStart(14)} ${"libbpf (C)".padStart(14)} ${"ratio".padStart(8)}`);
  row("drain, zero-copy view: ns/event", fmt(drain.raw), fmt(drain.c), drain.c / drain.raw);
  row("drain, zero-copy view: events/s", perSec(drain.raw), perSec(drain.c), drain.c / drain.raw);
  row("drain, decoded from BTF: ns/event", fmt(drain.decoded), fmt(drain.c), drain.c / drain.decoded);
  const rate = (f: Figures) => (f["count"]! / f["ns"]!) * 1e3;
  row(`stream ${STREAM / 1e6}M from CPU 0: events/s`, `${fmt(rate(stream.js), 2)} M/s`, `${fmt(rate(stream.c), 2)} M/s`, rate(stream.js) / rate(stream.c));
  // Every record not received must be accounted for: counted by the program
  // (failed emits) and, for perf buffers, reported by the kernel (a LOST record
  // is written with the next sample that fits, so the last drops of a stream
  // may stay unreported until the producer emits again).
  const accounted = (f: Figures) => `${f["count"]} + ${f["failed"] ?? 0}${perf ? ` (kernel: ${f["lost"] ?? 0})` : ""}`;
  row("stream: received + failed emits", accounted(stream.js), accounted(stream.c));
  row("wakeup latency p50 (us)", fmt(latency.js["p50"]! / 1e3), fmt(latency.c["p50"]! / 1e3), latency.c["p50"]! / latency.js["p50"]!);
  row("wakeup latency p99 (us)", fmt(latency.js["p99"]! / 1e3), fmt(latency.c["p99"]! / 1e3), latency.c["p99"]! / latency.js["p99"]!);
  const unreported = (f: Figures) => STREAM - f["count"]! - (f["failed"] ?? 0);
  console.log(`goals: drain throughput >= 0.7x libbpf: ${drain.c / drain.raw >= 0.7 ? "met" : "MISSED"}; unreported losses: corebpf ${unreported(stream.js)}, libbpf ${unreported(stream.c)}`);
}

interface Kind {
  name: string;
  emit: Emit;
  /** A consumer on `map`, with the given decoder and buffer size (perf: pages per CPU). */
  open: (map: Map, decoded: boolean, large: boolean) => EventConsumer<unknown, unknown> & { lost?: number };
  mapSpec: (large: boolean) => Parameters<typeof Map.create>[0];
  drain: number;
  /** C consumer arguments after the mode and the map pin. */
  cArgs: (large: boolean) => string[];
  /** Losses the consumer learns of (perf: reported by the kernel; ring buffer: none, the program counts them). */
  lost: (consumer: EventConsumer<unknown, unknown> & { lost?: number }) => number;
}

const kinds: Kind[] = [
  {
    name: "ring buffer",
    emit: "ringbuf_output",
    open: (map, decoded) => new RingBuffer(map, decoded ? { decode: eventDecoder() } : {}) as EventConsumer<unknown, unknown>,
    mapSpec: (large) => ({ type: "ringbuf", name: "bench_rb", keySize: 0, valueSize: 0, maxEntries: large ? 64 << 20 : 8 << 20 }),
    drain: DRAIN.ringbuf,
    cArgs: () => [],
    lost: () => 0,
  },
  {
    name: "perf buffer",
    emit: "perf_event_output",
    open: (map, decoded, large) => new PerfBuffer(map, { pages: large ? PERF_PAGES : 64, ...(decoded ? { decode: eventDecoder() } : {}) }) as EventConsumer<unknown, unknown>,
    mapSpec: () => ({ type: "perf_event_array", name: "bench_pb", keySize: 4, valueSize: 4, maxEntries: possibleCpuCount() }),
    drain: DRAIN.perf,
    cArgs: (large) => [String(large ? PERF_PAGES : 64)],
    lost: (c) => c.lost ?? 0,
  },
];

/** One program and map per size; pinned for the C processes. */
function setup(kind: Kind, large: boolean, counters: Map, pins: string): { map: Map; prog: Program; mapPin: string; progPin: string } {
  const map = Map.create(kind.mapSpec(large));
  const prog = producerProgram({ emit: kind.emit, events: map, counters, size: RECORD });
  const tag = `${kind.emit}_${large ? "large" : "small"}`;
  const mapPin = join(pins, `${tag}_map`);
  const progPin = join(pins, `${tag}_prog`);
  map.pin(mapPin);
  prog.pin(progPin);
  return { map, prog, mapPin, progPin };
}

async function benchKind(kind: Kind, exe: string, pins: string): Promise<void> {
  using counters = countersMap();
  const large = setup(kind, true, counters, pins);
  const small = setup(kind, false, counters, pins);
  try {
    const raw: number[] = [];
    const decoded: number[] = [];
    const c: number[] = [];
    for (const dec of [false, true]) {
      using consumer = kind.open(large.map, dec, true);
      // On the consumer CPUs, like the C consumer: the records are read from another core's writes.
      (dec ? decoded : raw).push(...(await onCpus(consumerCpus(), () => drainJs(consumer, exe, large.progPin, counters, kind.drain, ROUNDS, dec))));
    }
    for (let r = 0; r < ROUNDS; r++) {
      resetCounters(counters);
      const drain = startC(exe, [kind.emit === "perf_event_output" ? "pb-drain" : "rb-drain", large.mapPin, String(kind.drain), ...kind.cArgs(true)]);
      await drain.ready;
      await produce(exe, large.progPin, kind.drain, kind.drain, 0);
      drain.go();
      const f = await drain.result;
      if (f["count"] !== kind.drain || f["order_errors"] !== 0 || (f["lost"] ?? 0) !== 0) throw new Error(`C drain: ${JSON.stringify(f)}`);
      c.push(f["ns"]! / kind.drain);
    }
    let streamJsFigures: Figures;
    let latencyJsFigures: Figures;
    {
      using consumer = kind.open(small.map, false, false);
      [streamJsFigures, latencyJsFigures] = await onCpus(consumerCpus(), async () => [
        await streamJs(consumer, exe, small.progPin, counters, () => kind.lost(consumer)),
        await latencyJs(consumer, exe, small.progPin),
      ]);
    }
    const prefix = kind.emit === "perf_event_output" ? "pb" : "rb";
    resetCounters(counters);
    const cStream = startC(exe, [`${prefix}-stream`, small.mapPin, String(STREAM), "3000", ...kind.cArgs(false)]);
    await cStream.ready;
    await produce(exe, small.progPin, STREAM, 1000, 0);
    const streamC = { ...(await cStream.result), failed: counter(counters, 1) };
    const cLatency = startC(exe, [`${prefix}-latency`, small.mapPin, String(LATENCY), ...kind.cArgs(false)]);
    await cLatency.ready;
    await produce(exe, small.progPin, LATENCY, 1, 500);
    const latencyC = await cLatency.result;
    report(kind.name, kind.emit === "perf_event_output", { raw: median(raw), decoded: median(decoded), c: median(c) }, { js: streamJsFigures, c: streamC }, { js: latencyJsFigures, c: latencyC });
  } finally {
    for (const x of [large, small]) {
      x.prog.close();
      x.map.close();
    }
  }
}

export async function run(): Promise<void> {
  if (!hasBpfPrivilege()) {
    console.log("skipped: needs root (loads programs and maps)");
    return;
  }
  if (!existsSync("/usr/include/bpf/libbpf.h")) {
    console.log("skipped: libbpf-dev is not installed (the C reference consumer needs it)");
    return;
  }
  using consumer = new CReference("events.c", ["-lbpf"]);
  const pins = join(ensureBpffs(), `corebpf-bench-events-${process.pid}`);
  try {
    mkdirSync(pins, { recursive: true });
    // BENCH_EVENTS=ring or =perf runs one kind only.
    for (const kind of kinds) if (!process.env["BENCH_EVENTS"] || kind.name.startsWith(process.env["BENCH_EVENTS"])) await benchKind(kind, consumer.exe, pins);
  } finally {
    rmSync(pins, { recursive: true, force: true });
  }
}
