// What ring buffers and perf buffers share: one way of consuming at a time
// (a callback, a raw-view callback or an async iterator), fd watches on the
// event loop, ref/unref like Node's timers, errors reported instead of lost,
// and a close that stops polling before the subclass releases its mappings and
// fds.
//
// Liveness: watches run (and keep the process alive, unless unref()'d) while a
// callback is registered, or while an async iterator waits for its next event.
// An open consumer that nobody listens to holds nothing: the process can exit.
import { CoreBpfError } from "../errors.js";
import { watchFd, type FdWatch } from "./watch.js";

/**
 * Turns one record into a value. `view` spans the whole buffer: the record is
 * `size` bytes at `offset`. The bytes are only valid during the call: copy what
 * you keep (the decoders of this module return fresh objects).
 */
export type Decoder<T> = (view: DataView, offset: number, size: number) => T;

/**
 * Zero-copy record callback: `size` bytes at `offset` of `view`, valid only
 * until the callback returns (the kernel reuses the space afterwards).
 * `source` is the ring's index (ring buffers) or the CPU (perf buffers).
 */
export type RawHandler = (view: DataView, offset: number, size: number, source: number) => void;

/** Decoded record callback; `source` as for RawHandler. */
export type EventHandler<T> = (event: T, source: number) => void;

/** A copy of the record's bytes: the default decoder. */
export const copyBytes: Decoder<Uint8Array> = (view, offset, size) =>
  new Uint8Array(view.buffer, view.byteOffset + offset, size).slice();

export interface ConsumerOptions<T> {
  /** Record decoder (default: a copy of the bytes as a Uint8Array). */
  decode?: Decoder<T>;
  /**
   * Errors thrown by callbacks or decoders while the event loop delivers
   * records (default: rethrown asynchronously, as an uncaught exception).
   */
  onError?: (err: unknown) => void;
  /** Records handled per readiness callback before yielding to the event loop (default 65536). */
  batchLimit?: number;
}

type Mode = "idle" | "handler" | "iterator";

const DEFAULT_BATCH = 65536;

export abstract class EventConsumer<T, Item = T> implements AsyncIterable<Item> {
  /** Records delivered to callbacks or iterators so far (loss reports not included). */
  received = 0;
  protected readonly decode: Decoder<T>;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #batchLimit: number;
  #mode: Mode = "idle";
  #sink: RawHandler | undefined;
  #watches: FdWatch[] = [];
  #refed = true;
  #closed = false;
  #released = false;
  #draining = false;
  #rescheduled = false;
  #checkScheduled = false;
  // Iterator state. An iterator takes one item from the kernel per next(), so
  // breaking out of a loop never drops records already consumed.
  #item: Item | undefined;
  #hasItem = false;
  #nextRing = 0;
  #waiting: { resolve: (r: IteratorResult<Item>) => void; reject: (err: unknown) => void } | undefined;
  readonly #offerSink: RawHandler;

  protected constructor(options: ConsumerOptions<T>) {
    this.decode = options.decode ?? (copyBytes as unknown as Decoder<T>);
    this.#onError = options.onError;
    this.#batchLimit = options.batchLimit ?? DEFAULT_BATCH;
    const decode = this.decode;
    this.#offerSink = (view, offset, size) => this.offer(decode(view, offset, size) as unknown as Item);
  }

  /** "ring buffer 'events'" for messages. */
  abstract get label(): string;

  /** The fds to watch, one per ring (their index is passed to drainOne). */
  protected abstract get fds(): readonly number[];

  /**
   * Handles up to `limit` items of ring `index` published now, returns how
   * many; counts delivered records in `received`. While iterating, an item is
   * a record or anything the subclass offer()s (e.g. a loss report).
   */
  protected abstract drainOne(index: number, sink: RawHandler, limit: number): number;

  /** Unmaps and closes what the subclass owns (called once, watches already closed). */
  protected abstract release(): void;

  /** Records currently published and not consumed, in bytes (all rings). */
  abstract pendingBytes(): number;

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `handler` with each decoded record, as they arrive, until off() or close(). */
  on(handler: EventHandler<T>): this {
    const decode = this.decode;
    return this.#setHandler((view, offset, size, source) => handler(decode(view, offset, size), source));
  }

  /** Calls `handler` with each record's bytes in place (zero copy; see RawHandler). */
  onRaw(handler: RawHandler): this {
    return this.#setHandler(handler);
  }

  #setHandler(sink: RawHandler): this {
    this.#open();
    if (this.#mode === "iterator") throw new CoreBpfError("BUSY", `${this.label}: an async iterator is consuming it`, { hint: "break out of the loop first" });
    this.#sink = sink;
    this.#mode = "handler";
    this.#startWatches();
    return this;
  }

  /** Removes the callback and stops polling (the buffer stays open). */
  off(): this {
    if (this.#mode === "handler") {
      this.#mode = "idle";
      this.#sink = undefined;
      this.#stopWatches();
    }
    return this;
  }

  /**
   * Synchronously handles every record published now (up to `limit`) with
   * `handler`, or the callback set by on()/onRaw(); returns the count.
   */
  consume(handler?: EventHandler<T> | undefined, limit = Infinity): number {
    this.#open();
    let sink = this.#sink;
    if (handler !== undefined) {
      const decode = this.decode;
      sink = (view, offset, size, source) => handler(decode(view, offset, size), source);
    }
    if (sink === undefined) {
      throw new CoreBpfError("NO_HANDLER", `${this.label}: consume() without a callback`, { hint: "pass one, or call on()/onRaw() first" });
    }
    if (this.#draining) throw new CoreBpfError("BUSY", `${this.label}: consume() called from inside a record callback`);
    this.#draining = true;
    let total = 0;
    try {
      const n = this.fds.length;
      for (let more = true; more && total < limit && !this.#closed; ) {
        more = false;
        for (let i = 0; i < n && total < limit && !this.#closed; i++) {
          const got = this.drainOne(i, sink, limit - total);
          if (got > 0) more = true;
          total += got;
        }
      }
    } finally {
      this.#endDrain();
    }
    return total;
  }

  /** One ring became readable: deliver what is there, bounded so the loop keeps turning. */
  #readable(index: number): void {
    if (this.#closed || this.#draining) return;
    if (this.#mode === "handler" && this.#sink !== undefined) {
      this.#draining = true;
      let got = 0;
      try {
        got = this.drainOne(index, this.#sink, this.#batchLimit);
      } catch (err) {
        this.#report(err);
      } finally {
        this.#endDrain();
      }
      // Perf rings signal readiness once per wakeup: come back for what the limit left.
      if (got >= this.#batchLimit) this.#reschedule(index);
    } else if (this.#mode === "iterator" && this.#waiting !== undefined) {
      this.#nextRing = index;
      const failure = this.#fill();
      if (failure !== undefined) this.#report(failure.error);
      else this.#deliver();
    }
  }

  #reschedule(index: number): void {
    if (this.#rescheduled) return;
    this.#rescheduled = true;
    setImmediate(() => {
      this.#rescheduled = false;
      this.#readable(index);
    });
  }

  /** Rethrown asynchronously unless the user asked for errors. */
  #report(err: unknown): void {
    if (this.#waiting !== undefined) {
      const w = this.#waiting;
      this.#waiting = undefined;
      this.#stopWatches();
      w.reject(err);
      return;
    }
    if (this.#onError !== undefined) this.#onError(err);
    else
      process.nextTick(() => {
        throw err;
      });
  }

  // ---- async iteration -------------------------------------------------------

  /** Hands one item to the iterator (decoded records; subclasses add others, e.g. loss reports). */
  protected offer(item: Item): void {
    this.#item = item;
    this.#hasItem = true;
  }

  /** Whether an iterator is consuming (subclasses offer() extra items only then). */
  protected get iterating(): boolean {
    return this.#mode === "iterator";
  }

  /** Whether a callback or an iterator is consuming. */
  protected get consuming(): boolean {
    return this.#mode !== "idle";
  }

  /** Takes one item, trying the rings round-robin from #nextRing; returns what went wrong, if anything. */
  #fill(): { error: unknown } | undefined {
    if (this.#draining || this.#hasItem) return undefined;
    this.#draining = true;
    try {
      const n = this.fds.length;
      for (let k = 0; k < n && !this.#hasItem && !this.#closed; k++) {
        const i = (this.#nextRing + k) % n;
        if (this.drainOne(i, this.#offerSink, 1) > 0) this.#nextRing = (i + 1) % n;
      }
      return undefined;
    } catch (error) {
      return { error };
    } finally {
      this.#endDrain();
    }
  }

  #takeItem(): IteratorResult<Item> {
    const value = this.#item as Item;
    this.#item = undefined;
    this.#hasItem = false;
    return { value, done: false };
  }

  /** Resolves a waiting next() with the item taken; polls only while one waits and nothing was found. */
  #deliver(): void {
    if (this.#waiting === undefined || !this.#hasItem) return;
    const w = this.#waiting;
    this.#waiting = undefined;
    this.#stopWatches();
    w.resolve(this.#takeItem());
  }

  /**
   * Async iteration over decoded records (perf buffers also yield their loss
   * reports). Breaking out of the loop stops polling; the buffer stays open
   * and nothing beyond what the loop received was consumed.
   */
  [Symbol.asyncIterator](): AsyncIterator<Item> {
    this.#open();
    if (this.#mode !== "idle") {
      throw new CoreBpfError("BUSY", `${this.label}: already consumed by ${this.#mode === "handler" ? "a callback" : "another iterator"}`, {
        hint: "one consumer at a time: call off() or break out of the other loop",
      });
    }
    this.#mode = "iterator";
    let finished = false;
    const done = (): IteratorResult<Item> => ({ value: undefined, done: true });
    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (this.#mode !== "iterator") return;
      this.#mode = "idle";
      this.#stopWatches();
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.resolve(done());
    };
    return {
      next: () => {
        if (this.#closed || finished) return Promise.resolve(done());
        if (this.#waiting !== undefined) return Promise.reject(new CoreBpfError("BUSY", `${this.label}: next() called before the previous one settled`));
        const failure = this.#fill();
        if (failure !== undefined) return Promise.reject(failure.error);
        if (this.#hasItem) return Promise.resolve(this.#takeItem());
        return new Promise<IteratorResult<Item>>((resolve, reject) => {
          this.#waiting = { resolve, reject };
          try {
            this.#startWatches();
          } catch (err) {
            this.#waiting = undefined;
            reject(err);
          }
        });
      },
      return: () => {
        finish();
        return Promise.resolve(done());
      },
      throw: (err: unknown) => {
        finish();
        return Promise.reject(err);
      },
    };
  }

  // ---- watches, liveness, close --------------------------------------------------

  #startWatches(): void {
    if (this.#watches.length === 0) {
      this.#watches = this.fds.map((fd, i) =>
        watchFd(
          fd,
          () => this.#readable(i),
          (err) => this.#report(err),
        ),
      );
      if (!this.#refed) for (const w of this.#watches) w.unref();
    }
    let started = false;
    for (const w of this.#watches) {
      if (w.active) continue;
      w.start();
      started = true;
    }
    if (started) this.#checkAfterStart();
  }

  /**
   * Records published before an fd joined the poll set are never signalled (a
   * perf ring's readiness is a wakeup flag, not its fill level), and libuv adds
   * a started fd to its epoll set only in its next poll phase. So look for
   * data twice: in the next check phase, and in the one after, which follows a
   * poll phase that registered the fd.
   */
  #checkAfterStart(): void {
    if (this.#checkScheduled) return;
    this.#checkScheduled = true;
    const check = (): void => {
      for (let i = 0; i < this.fds.length && !this.#closed; i++) this.#readable(i);
    };
    setImmediate(() => {
      check();
      setImmediate(() => {
        this.#checkScheduled = false;
        check();
      });
    });
  }

  #stopWatches(): void {
    for (const w of this.#watches) w.stop();
  }

  /** Polling keeps the process alive (the default, like a timer). */
  ref(): this {
    this.#refed = true;
    for (const w of this.#watches) w.ref();
    return this;
  }

  /** Polling no longer keeps the process alive: it may exit while this buffer is open and consumed. */
  unref(): this {
    this.#refed = false;
    for (const w of this.#watches) w.unref();
    return this;
  }

  /** Whether polling would keep the process alive. */
  hasRef(): boolean {
    return this.#refed;
  }

  /** A close() from inside a callback releases once the drain unwinds (the record in hand is still advanced past). */
  #endDrain(): void {
    this.#draining = false;
    if (this.#closed && !this.#released) {
      this.#released = true;
      this.release();
    }
  }

  #open(): void {
    if (this.#closed) throw new CoreBpfError("CLOSED", `${this.label} is closed`);
  }

  /**
   * Stops polling, ends a pending iteration, then releases the mappings and
   * the fds (in that order). Safe to call from a callback: the record in hand
   * counts as consumed and the release happens when the callback returns.
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#watches) w.close();
    this.#watches = [];
    this.#sink = undefined;
    const w = this.#waiting;
    this.#waiting = undefined;
    this.#mode = "idle";
    this.#item = undefined;
    this.#hasItem = false;
    try {
      if (!this.#draining) {
        this.#released = true;
        this.release();
      }
    } finally {
      w?.resolve({ value: undefined, done: true });
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
