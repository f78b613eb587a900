// BPF_MAP_TYPE_PERF_EVENT_ARRAY consumer: one perf ring per CPU (a BPF output
// event, mmapped as 1 metadata page + 2^n data pages), stored in the map at the
// CPU's index so bpf_perf_event_output(..., BPF_F_CURRENT_CPU, ...) lands in it.
//
// Reading follows the perf ABI: data_head is loaded with acquire semantics
// (Atomics.load; the kernel writes records before it publishes the head, so
// records need no further barrier), records are read, then data_tail is
// stored with release semantics (Atomics.store), once per drain. See
// ring-buffer.ts for why the low 32 bits of the head suffice and how the
// 64-bit tail is stored. Records are
// PERF_RECORD_SAMPLE (u32 raw size, then the bytes, padded so the record is
// 8-aligned: callbacks see the padded size) and PERF_RECORD_LOST (the kernel
// writes it once space is free again, with the count of samples it dropped).
// A record that wraps past the end of the ring is copied out first.
import { CoreBpfError } from "../errors.js";
import { onlineCpus } from "../kernel/cpus.js";
import { Fd, type FdLike } from "../kernel/fd.js";
import { Map } from "../kernel/map.js";
import { LE, getU64, pageSize } from "../kernel/sys.js";
import { MapType } from "../kernel/uapi.js";
import { EventConsumer, type ConsumerOptions, type RawHandler } from "./consumer.js";
import { openMapFd } from "./map-fd.js";
import { SharedMapping } from "../kernel/shared-mapping.js";
import { MmapPage, PERF_RECORD_LOST, PERF_RECORD_SAMPLE, openBpfOutputEvent, type BpfOutputOptions } from "./perf-event.js";
import { LO_WORD } from "./positions.js";

const TWO_32 = 4294967296;
const HEAD_WORD = MmapPage.data_head / 4 + LO_WORD;
const TAIL_WORD = MmapPage.data_tail / 4 + LO_WORD;
const MAX_RECORD = 0x10000; // perf_event_header.size is a u16

/** A report of samples the kernel dropped on `cpu` because its ring was full. */
export class LostSamples {
  constructor(
    readonly count: number,
    readonly cpu: number,
  ) {}
}

export interface PerfBufferOptions<T> extends ConsumerOptions<T>, BpfOutputOptions {
  /** Data pages per CPU, a power of two (default 64). */
  pages?: number;
  /** CPUs to open rings on (default: the online CPUs below the map's max_entries). */
  cpus?: readonly number[];
  /** Called with each loss report (also counted in `lost`, and yielded by iterators). */
  onLost?: (count: number, cpu: number) => void;
}

interface CpuRing {
  cpu: number;
  fd: Fd;
  mapping: SharedMapping;
  meta32: Int32Array;
  meta64: BigInt64Array;
  view: DataView;
  bytes: Uint8Array;
  /** The mapping as a native-endian u32 array, for record headers. */
  words: Uint32Array;
  dataStart: number;
  size: number;
  mask: number;
  tail: number;
  tailHi: number;
}

export class PerfBuffer<T = Uint8Array> extends EventConsumer<T, T | LostSamples> {
  /** Samples the kernel reported lost, over all CPUs. */
  lost = 0;
  readonly #map: Map;
  readonly #rings: CpuRing[] = [];
  readonly #fds: number[];
  readonly #onLost: ((count: number, cpu: number) => void) | undefined;
  readonly #scratch = new Uint8Array(MAX_RECORD);
  readonly #scratchView = new DataView(this.#scratch.buffer);
  #warnedLoss = false;

  /** Opens a ring per CPU and stores their fds in `map` (a PERF_EVENT_ARRAY; the consumer keeps its own duplicate fd). */
  constructor(map: FdLike, options: PerfBufferOptions<T> = {}) {
    super(options);
    const owned = openMapFd(map, MapType.PERF_EVENT_ARRAY, "perf buffer");
    this.#map = Map.fromFd(owned.fd);
    this.#onLost = options.onLost;
    const pages = options.pages ?? 64;
    if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
      this.#map.close();
      throw new CoreBpfError("BAD_ARGUMENT", `perf buffer: pages must be a power of two, got ${pages}`);
    }
    const cpus = options.cpus ?? onlineCpus().filter((c) => c < this.#map.maxEntries);
    try {
      for (const cpu of cpus) {
        if (cpu >= this.#map.maxEntries) {
          throw new CoreBpfError("BAD_ARGUMENT", `${this.label}: cpu ${cpu} is beyond the map's ${this.#map.maxEntries} entries`);
        }
        this.#rings.push(this.#openCpu(cpu, pages, options));
      }
    } catch (err) {
      this.release();
      throw err;
    }
    this.#fds = this.#rings.map((r) => r.fd.raw);
  }

  #openCpu(cpu: number, pages: number, options: BpfOutputOptions): CpuRing {
    const fd = new Fd(openBpfOutputEvent(cpu, options));
    const page = pageSize();
    let mapping: SharedMapping | undefined;
    try {
      mapping = SharedMapping.map(fd.value, (1 + pages) * page, { writable: true, what: `${this.label} cpu ${cpu}` });
      const view = new DataView(mapping.buffer);
      const dataStart = getU64(view, MmapPage.data_offset) || page;
      const size = getU64(view, MmapPage.data_size) || pages * page;
      this.#map.setFd(cpuKey(cpu), fd.value);
      const meta64 = new BigInt64Array(mapping.buffer, 0, page / 8);
      const tail = Number(BigInt.asUintN(64, Atomics.load(meta64, MmapPage.data_tail / 8)));
      return {
        cpu,
        fd,
        mapping,
        meta32: new Int32Array(mapping.buffer, 0, page / 4),
        meta64,
        view,
        bytes: new Uint8Array(mapping.buffer),
        words: new Uint32Array(mapping.buffer),
        dataStart,
        size,
        mask: size - 1,
        tail,
        tailHi: Math.floor(tail / TWO_32),
      };
    } catch (err) {
      mapping?.release();
      fd.close();
      throw err;
    }
  }

  override get label(): string {
    return `perf buffer '${this.#map.name}'`;
  }

  /** The CPUs with a ring, in the order of their index. */
  get cpus(): readonly number[] {
    return this.#rings.map((r) => r.cpu);
  }

  protected override get fds(): readonly number[] {
    return this.#fds;
  }

  override pendingBytes(): number {
    let total = 0;
    for (const r of this.#rings) total += (Atomics.load(r.meta32, HEAD_WORD) - r.tail) >>> 0;
    return total;
  }

  // The record loop is kept small (rare cases in their own methods) so that
  // V8 inlines the callback into it: a callback call that is not inlined
  // costs as much as the rest of a record's handling.
  protected override drainOne(index: number, sink: RawHandler, limit: number): number {
    const r = this.#rings[index]!;
    const view = r.view;
    const words = r.words;
    const mask = r.mask;
    const ringEnd = r.size;
    const dataStart = r.dataStart;
    const cpu = r.cpu;
    // Small integers in the loop (a position in the ring, bytes taken): the
    // 64-bit tail, a JS number that may not fit 32 bits, is updated once.
    const avail = (Atomics.load(r.meta32, HEAD_WORD) - r.tail) >>> 0;
    let pos = r.tail & mask;
    let taken = 0;
    let n = 0;
    let samples = 0;
    try {
      while (taken < avail && n < limit) {
        const at = dataStart + pos; // a header never wraps: records are 8-aligned, the ring a multiple of 8
        // perf_event_header in native byte order: u32 type, u16 misc, u16 size
        // (one u32 array read for all: the size is the upper or lower half of a word).
        const type = words[at >>> 2]!;
        const miscSize = words[(at + 4) >>> 2]!;
        const size = LE ? miscSize >>> 16 : miscSize & 0xffff;
        if (size < 8 || size > avail - taken) throw this.#corrupt(r, `record of ${size} bytes with ${avail - taken} published`);
        // Consumed before the callback runs (a throwing callback cannot wedge
        // the ring); the kernel learns of it when data_tail is published.
        taken += size;
        const wraps = pos + size > ringEnd;
        if (type === PERF_RECORD_SAMPLE && !wraps) {
          const raw = words[(at + 8) >>> 2]!;
          if (12 + raw > size) throw this.#corrupt(r, `sample of ${raw} bytes in a ${size}-byte record`);
          n++;
          samples++;
          sink(view, at + 12, raw, cpu);
        } else if (this.#rareRecord(r, type, pos, size, sink)) {
          n++;
          if (type === PERF_RECORD_SAMPLE) samples++;
        }
        pos = (pos + size) & mask;
        if (this.closing) break; // the mappings stay until this drain unwinds
      }
    } finally {
      this.received += samples;
      r.tail += taken;
      publishTail(r);
    }
    return n;
  }

  /** A sample that wraps past the ring's end (copied out first), a loss report or another record type; true when it is an item. */
  #rareRecord(r: CpuRing, type: number, pos: number, size: number, sink: RawHandler): boolean {
    const at = r.dataStart + pos;
    let v = r.view;
    let o = at;
    if (pos + size > r.size) {
      const first = r.size - pos;
      this.#scratch.set(r.bytes.subarray(at, at + first), 0);
      this.#scratch.set(r.bytes.subarray(r.dataStart, r.dataStart + size - first), first);
      v = this.#scratchView;
      o = 0;
    }
    if (type === PERF_RECORD_SAMPLE) {
      const raw = v.getUint32(o + 8, LE);
      if (12 + raw > size) throw this.#corrupt(r, `sample of ${raw} bytes in a ${size}-byte record`);
      sink(v, o + 12, raw, r.cpu);
      return true;
    }
    if (type === PERF_RECORD_LOST) {
      this.#reportLost(getU64(v, o + 16), r.cpu);
      return this.iterating; // the report is an item of the iteration
    }
    return false;
  }

  #reportLost(count: number, cpu: number): void {
    this.lost += count;
    if (this.iterating) this.offer(new LostSamples(count, cpu));
    if (this.#onLost !== undefined) this.#onLost(count, cpu);
    else if (!this.iterating && !this.#warnedLoss) {
      this.#warnedLoss = true;
      process.emitWarning(`${this.label}: the kernel dropped ${count} samples on cpu ${cpu} (ring full); see .lost, or pass onLost`, "CoreBpfWarning");
    }
  }

  #corrupt(r: CpuRing, what: string): CoreBpfError {
    return new CoreBpfError("PERF_RING_CORRUPT", `${this.label} cpu ${r.cpu}: ${what}`);
  }

  protected override release(): void {
    let first: unknown;
    for (const r of this.#rings) {
      try {
        if (!this.#map.closed) this.#map.delete(cpuKey(r.cpu));
      } catch {
        // The slot may already hold another reader's fd or be gone with the map.
      }
      try {
        r.mapping.release();
      } catch (err) {
        first ??= err;
      }
      r.fd.close();
    }
    this.#rings.length = 0;
    this.#map.close();
    if (first !== undefined) throw first;
  }
}

function cpuKey(cpu: number): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, cpu, LE);
  return key;
}

/** Stores data_tail (release); see ring-buffer.ts for the 32/64-bit split. */
function publishTail(r: CpuRing): void {
  const hi = Math.floor(r.tail / TWO_32);
  if (hi === r.tailHi) Atomics.store(r.meta32, TAIL_WORD, r.tail | 0);
  else {
    r.tailHi = hi;
    Atomics.store(r.meta64, MmapPage.data_tail / 8, BigInt(r.tail));
  }
}
