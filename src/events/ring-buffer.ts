// BPF_MAP_TYPE_RINGBUF consumer. Layout (kernel/bpf/ringbuf.c): page 0 holds
// the consumer position (mapped read-write, written only by us); page 1 the
// producer position; the data area follows, mapped twice back to back so a
// record that wraps past the end is contiguous in memory. Each record starts
// with an 8-byte header: u32 length (bit 31 busy: not committed yet; bit 30
// discarded) and u32 page offset; records are 8-byte aligned.
//
// Memory ordering. The kernel publishes with release stores (producer
// position, then the committed header length) and reads our position with an
// acquire load. We read the producer position with Atomics.load and publish
// ours with Atomics.store (sequentially consistent: at least acquire and
// release; they also keep V8 from caching or reordering these accesses). Each
// header length is read with an acquire load too: Atomics.load, or on x86 a
// plain load, which is one there (see positions.ts). The record's bytes are
// read after the header load that acquired them, and our position is
// published only after the callback that read them returned. Publishing is a
// full barrier on x86 (xchg), so it happens every PUBLISH_EVERY records and
// at the end of each drain, not after each record as libbpf does.
//
// Positions are 64-bit counters. A ring holds at most 2^31 bytes (max_entries
// is a u32 power of two), so producer - consumer < 2^32 and the low 32 bits of
// the producer position, read by one aligned 32-bit atomic load, are enough.
// Our own position is kept exactly in a JS number and stored through the low
// 32-bit word while the high word is unchanged (a single-copy-atomic store that
// the kernel's 64-bit load sees whole); when the high word changes, once per
// 4 GiB, the full 64 bits are stored atomically through a BigInt64Array.
import { CoreBpfError } from "../errors.js";
import { type FdLike } from "../kernel/fd.js";
import { pageSize } from "../kernel/sys.js";
import { MapType } from "../kernel/uapi.js";
import { EventConsumer, type ConsumerOptions, type RawHandler } from "./consumer.js";
import { SharedMapping } from "../kernel/shared-mapping.js";
import { openMapFd, type OwnedMap } from "./map-fd.js";
import { LO_WORD, PLAIN_LOADS_ACQUIRE } from "./positions.js";

// A module-local constant, so that V8 folds the branch in the record loop.
const PLAIN_LOADS = PLAIN_LOADS_ACQUIRE;

const BUSY = 0x80000000;
const DISCARD = 0x40000000;
const LENGTH_MASK = 0x3fffffff;
const HEADER = 8;
const TWO_32 = 4294967296;
/** Records consumed between publications of the consumer position. */
const PUBLISH_EVERY = 64;

/** What is known about one ring of a RingBuffer. */
export interface RingInfo {
  /** Order of addition: the `source` passed to callbacks. */
  readonly index: number;
  readonly name: string;
  /** Map id. */
  readonly id: number;
  /** Data area size in bytes (the map's max_entries). */
  readonly size: number;
}

interface Ring extends RingInfo {
  map: OwnedMap;
  consumerPage: SharedMapping;
  data: SharedMapping;
  /** Over the consumer page: [LO_WORD] is the low half of the consumer position. */
  cons32: Int32Array;
  cons64: BigInt64Array;
  /** Over the producer page and the doubled data area (the headers are read through it too). */
  data32: Int32Array;
  view: DataView;
  mask: number;
  /** Offset of the data area in `view` (one page). */
  dataStart: number;
  /** The consumer position, exact (a JS number holds 2^53 bytes of traffic). */
  cons: number;
  consHi: number;
}

export interface RingBufferOptions<T> extends ConsumerOptions<T> {}

/**
 * Consumes one or more BPF ring buffers, polled together on the event loop
 * (like libbpf's ring_buffer__new/__add). Records are handed over in the order
 * each ring committed them.
 */
export class RingBuffer<T = Uint8Array> extends EventConsumer<T> {
  readonly #rings: Ring[] = [];
  #fds: number[] = [];

  /** Opens a consumer on `map` (a RINGBUF map: a Map, an Fd or a number; the consumer keeps its own duplicate fd). */
  constructor(map: FdLike, options: RingBufferOptions<T> = {}) {
    super(options);
    this.add(map);
  }

  /** Adds another ring buffer map, consumed with the same decoder; returns its index (the callbacks' `source`). */
  add(map: FdLike): number {
    if (this.closed) throw new CoreBpfError("CLOSED", `${this.label} is closed`);
    if (this.consuming) throw new CoreBpfError("BUSY", `${this.label}: add rings before consuming`, { hint: "call off() or finish the iteration first" });
    const ring = openRing(map, this.#rings.length);
    this.#rings.push(ring);
    this.#fds = this.#rings.map((r) => r.map.fd.raw);
    return ring.index;
  }

  override get label(): string {
    const names = this.#rings.map((r) => `'${r.name}'`).join(", ");
    return `ring buffer ${names}`;
  }

  /** The rings, in the order they were added. */
  get rings(): readonly RingInfo[] {
    return this.#rings.map(({ index, name, id, size }) => ({ index, name, id, size }));
  }

  protected override get fds(): readonly number[] {
    return this.#fds;
  }

  override pendingBytes(): number {
    let total = 0;
    for (const r of this.#rings) total += (Atomics.load(r.data32, LO_WORD) - r.cons) >>> 0;
    return total;
  }

  protected override drainOne(index: number, sink: RawHandler, limit: number): number {
    const r = this.#rings[index]!;
    if (Atomics.load(r.cons32, LO_WORD) !== (r.cons | 0)) resync(r);
    const data32 = r.data32;
    const view = r.view;
    const mask = r.mask;
    const base = r.dataStart;
    // Small integers in the loop (a position in the ring, bytes taken): the
    // 64-bit consumer position, a JS number that may not fit 32 bits, is
    // only added to when it is published.
    const cons = r.cons;
    // Bytes published now; the loop takes no more than that (the caller comes back).
    const avail = (Atomics.load(data32, LO_WORD) - cons) >>> 0;
    let pos = cons & mask;
    let taken = 0;
    let n = 0;
    let sincePublish = 0;
    try {
      while (taken < avail && n < limit) {
        const at = base + pos;
        const len = PLAIN_LOADS ? data32[at >>> 2]! : Atomics.load(data32, at >>> 2);
        if (len & BUSY) break; // reserved, not committed yet: later records wait behind it
        const size = len & LENGTH_MASK;
        const total = (size + HEADER + 7) & ~7;
        if (total > avail - taken) throw corrupt(r, `record of ${size} bytes exceeds the ${avail - taken} bytes published`);
        // Counted as consumed before the callback runs, so a throwing callback
        // cannot wedge the ring (like libbpf); the kernel only learns of it
        // when the position is published, after the callback returned.
        taken += total;
        pos = (pos + total) & mask;
        if ((len & DISCARD) === 0) {
          n++;
          sink(view, at + HEADER, size, index);
          if (this.closing) break; // the mappings stay until this drain unwinds
        }
        // Publishing is a full barrier (xchg on x86): amortise it over records.
        if (++sincePublish === PUBLISH_EVERY) {
          sincePublish = 0;
          publish(r, cons + taken);
        }
      }
    } finally {
      this.received += n;
      publish(r, cons + taken);
    }
    return n;
  }

  protected override release(): void {
    let first: unknown;
    for (const r of this.#rings) {
      try {
        r.consumerPage.release();
        r.data.release();
      } catch (err) {
        first ??= err;
      }
      r.map.close();
    }
    if (first !== undefined) throw first;
  }
}

/** Publishes the consumer position `cons` (release store; see the header comment). */
function publish(r: Ring, cons: number): void {
  r.cons = cons;
  const hi = Math.floor(cons / TWO_32);
  if (hi === r.consHi) Atomics.store(r.cons32, LO_WORD, cons | 0);
  else {
    r.consHi = hi;
    Atomics.store(r.cons64, 0, BigInt(cons));
  }
}

/** Another consumer (an earlier one, another process) moved the position: take it over. */
function resync(r: Ring): void {
  r.cons = Number(BigInt.asUintN(64, Atomics.load(r.cons64, 0)));
  r.consHi = Math.floor(r.cons / TWO_32);
}

function corrupt(r: Ring, what: string): CoreBpfError {
  return new CoreBpfError("RINGBUF_CORRUPT", `ring buffer '${r.name}': ${what}`, { hint: "is another process consuming this ring buffer?" });
}

function openRing(map: FdLike, index: number): Ring {
  const owned = openMapFd(map, MapType.RINGBUF, "ring buffer");
  const page = pageSize();
  const size = owned.info.maxEntries;
  const what = `ring buffer '${owned.info.name}'`;
  let consumerPage: SharedMapping | undefined;
  try {
    consumerPage = SharedMapping.map(owned.fd.value, page, { writable: true, what });
    const data = SharedMapping.map(owned.fd.value, page + 2 * size, { writable: false, offset: page, what });
    const cons64 = new BigInt64Array(consumerPage.buffer, 0, 1);
    const cons = Number(BigInt.asUintN(64, Atomics.load(cons64, 0)));
    return {
      index,
      name: owned.info.name,
      id: owned.info.id,
      size,
      map: owned,
      consumerPage,
      data,
      cons32: new Int32Array(consumerPage.buffer, 0, 2),
      cons64,
      data32: new Int32Array(data.buffer),
      view: new DataView(data.buffer),
      mask: size - 1,
      dataStart: page,
      cons,
      consHi: Math.floor(cons / TWO_32),
    };
  } catch (err) {
    consumerPage?.release();
    owned.close();
    throw err;
  }
}

