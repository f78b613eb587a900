// The fallback fd watcher, for runtimes where libuv's poll functions are not
// reachable (or inside worker threads): one process-wide worker thread blocks
// in epoll_wait (with a timeout, so it never holds exit for long) and posts the
// ids of ready watches to this thread. Registrations are one-shot and re-armed
// after the callback ran, so a level-triggered fd that is still being drained
// does not flood the port. The worker is ref'd only while an active watch is.
import { Worker } from "node:worker_threads";
import { CoreBpfError } from "../errors.js";
import { errnoName } from "../kernel/errno.js";
import { EPOLL_EVENT_DATA, EPOLL_EVENT_SIZE, Epoll, LE, NativeBuffer, lastErrno, rawClose, rawEpollCreate1, rawEpollCtl } from "../kernel/sys.js";
import type { FdWatch, ReadableCallback, WatchErrorCallback } from "./watch.js";

/** How long the worker blocks per epoll_wait: the bound on the exit delay it adds. */
const WAIT_TIMEOUT_MS = 50;

class EpollHub {
  readonly epfd: number;
  readonly #worker: Worker;
  readonly #stop = new Int32Array(new SharedArrayBuffer(4));
  readonly #event = NativeBuffer.alloc(EPOLL_EVENT_SIZE);
  readonly watches = new Map<number, EpollWatch>();
  #nextId = 1;
  #refed = false;

  constructor() {
    this.epfd = rawEpollCreate1(Epoll.CLOEXEC);
    if (this.epfd < 0) throw new CoreBpfError(errnoName(lastErrno()), `epoll_create1 failed (${errnoName(lastErrno())})`);
    const epfd = this.epfd;
    this.#worker = new Worker(new URL("./epoll-worker.js", import.meta.url), {
      workerData: { epfd, stop: this.#stop.buffer, timeoutMs: WAIT_TIMEOUT_MS },
    });
    this.#worker.unref();
    this.#worker.on("message", (msg: number[] | { errno: number }) => this.#dispatch(msg));
    this.#worker.on("error", (err) => {
      for (const w of this.watches.values()) w.fail(err);
    });
    // The epoll fd outlives the thread that waits on it.
    this.#worker.on("exit", () => rawClose(epfd));
  }

  newId(): number {
    return this.#nextId++;
  }

  ctl(op: number, fd: number, id: number): void {
    const v = this.#event.view;
    v.setUint32(0, Epoll.IN | Epoll.ONESHOT, LE);
    v.setUint32(EPOLL_EVENT_DATA + (LE ? 0 : 4), id, LE);
    v.setUint32(EPOLL_EVENT_DATA + (LE ? 4 : 0), 0, LE);
    if (rawEpollCtl(this.epfd, op, fd, op === Epoll.CTL_DEL ? 0 : this.#event.address) < 0) {
      const name = errnoName(lastErrno());
      throw new CoreBpfError(name, `epoll_ctl(${op}, fd ${fd}) failed (${name})`);
    }
  }

  /** The worker keeps the process alive exactly while some active watch is ref'd. */
  updateRef(): void {
    let want = false;
    for (const w of this.watches.values()) if (w.active && w.refed) want = true;
    if (want === this.#refed) return;
    this.#refed = want;
    if (want) this.#worker.ref();
    else this.#worker.unref();
  }

  remove(id: number): void {
    this.watches.delete(id);
    this.updateRef();
    if (this.watches.size === 0) {
      Atomics.store(this.#stop, 0, 1);
      this.#event.free();
      if (hub === this) hub = undefined;
    }
  }

  #dispatch(msg: number[] | { errno: number }): void {
    if (!Array.isArray(msg)) {
      const err = new CoreBpfError(errnoName(msg.errno), `epoll_wait failed (${errnoName(msg.errno)})`);
      for (const w of this.watches.values()) w.fail(err);
      return;
    }
    for (const id of msg) this.watches.get(id)?.fire();
  }
}

let hub: EpollHub | undefined;

class EpollWatch implements FdWatch {
  readonly #hub: EpollHub;
  readonly #fd: number;
  readonly #id: number;
  readonly #onReadable: ReadableCallback;
  readonly #onError: WatchErrorCallback;
  #active = false;
  #closed = false;
  refed = true;

  constructor(fd: number, onReadable: ReadableCallback, onError: WatchErrorCallback) {
    this.#hub = hub ??= new EpollHub();
    this.#fd = fd;
    this.#id = this.#hub.newId();
    this.#onReadable = onReadable;
    this.#onError = onError;
    this.#hub.watches.set(this.#id, this);
  }

  get active(): boolean {
    return this.#active;
  }

  fire(): void {
    if (!this.#active) return;
    try {
      this.#onReadable();
      // One-shot: re-arm for the next readiness (the callback may have stopped or closed us).
      if (this.#active) this.#hub.ctl(Epoll.CTL_MOD, this.#fd, this.#id);
    } catch (err) {
      this.#onError(err);
    }
  }

  fail(err: unknown): void {
    this.stop();
    this.#onError(err);
  }

  start(): void {
    if (this.#closed || this.#active) return;
    this.#hub.ctl(Epoll.CTL_ADD, this.#fd, this.#id);
    this.#active = true;
    this.#hub.updateRef();
  }

  stop(): void {
    if (this.#closed || !this.#active) return;
    this.#active = false;
    try {
      this.#hub.ctl(Epoll.CTL_DEL, this.#fd, this.#id);
    } finally {
      this.#hub.updateRef();
    }
  }

  ref(): void {
    this.refed = true;
    if (!this.#closed) this.#hub.updateRef();
  }

  unref(): void {
    this.refed = false;
    if (!this.#closed) this.#hub.updateRef();
  }

  close(): void {
    if (this.#closed) return;
    this.stop();
    this.#closed = true;
    this.#hub.remove(this.#id);
  }
}

/** A watch served by the shared epoll worker thread. */
export function epollWatch(fd: number, onReadable: ReadableCallback, onError: WatchErrorCallback): FdWatch {
  return new EpollWatch(fd, onReadable, onError);
}
