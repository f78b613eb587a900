// The fallback fd watcher, for runtimes where libuv's poll functions are not
// reachable (or inside worker threads): one worker thread (and one epoll fd),
// started on first use and kept for the life of the process, blocks in
// epoll_wait while watches are active (with a timeout, so it never holds exit
// for long) and posts the ids of ready watches to this thread. Registrations
// are one-shot and re-armed after the callback ran, so a level-triggered fd
// still being drained does not flood the port. The worker is ref'd only while
// an active watch is. (A worker per use would cost a thread start each time,
// and koffi keeps some memory per thread it was loaded in.)
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
  /** [0]: active watches, read by the worker to decide whether to wait in epoll_wait. */
  readonly #active = new Int32Array(new SharedArrayBuffer(4));
  readonly #event = NativeBuffer.alloc(EPOLL_EVENT_SIZE);
  readonly watches = new Map<number, EpollWatch>();
  #nextId = 1;
  #refed = false;

  constructor() {
    this.epfd = rawEpollCreate1(Epoll.CLOEXEC);
    if (this.epfd < 0) throw new CoreBpfError(errnoName(lastErrno()), `epoll_create1 failed (${errnoName(lastErrno())})`);
    this.#worker = new Worker(new URL("./epoll-worker.js", import.meta.url), {
      workerData: { epfd: this.epfd, state: this.#active.buffer, timeoutMs: WAIT_TIMEOUT_MS },
    });
    this.#worker.unref();
    this.#worker.on("message", (msg: number[] | { errno: number }) => this.#dispatch(msg));
    this.#worker.on("error", (err) => this.#failAll(err));
    this.#worker.on("exit", () => {
      rawClose(this.epfd);
      if (hub === this) hub = undefined;
      this.#failAll(new CoreBpfError("EPOLL_WORKER_EXIT", "the epoll watcher thread exited"));
    });
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

  /** Wakes or idles the worker, and refs it exactly while some active watch is ref'd. */
  update(): void {
    let active = 0;
    let want = false;
    for (const w of this.watches.values()) {
      if (!w.active) continue;
      active++;
      if (w.refed) want = true;
    }
    if (Atomics.exchange(this.#active, 0, active) === 0 && active > 0) Atomics.notify(this.#active, 0);
    if (want === this.#refed) return;
    this.#refed = want;
    if (want) this.#worker.ref();
    else this.#worker.unref();
  }

  remove(id: number): void {
    this.watches.delete(id);
    this.update();
  }

  #failAll(err: unknown): void {
    for (const w of [...this.watches.values()]) w.fail(err);
  }

  #dispatch(msg: number[] | { errno: number }): void {
    if (!Array.isArray(msg)) {
      this.#failAll(new CoreBpfError(errnoName(msg.errno), `epoll_wait failed (${errnoName(msg.errno)})`));
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
    if (this.#active) {
      this.#active = false;
      try {
        this.#hub.ctl(Epoll.CTL_DEL, this.#fd, this.#id);
      } catch {
        // The epoll fd may be gone with the worker.
      }
      this.#hub.update();
    }
    this.#onError(err);
  }

  start(): void {
    if (this.#closed || this.#active) return;
    this.#hub.ctl(Epoll.CTL_ADD, this.#fd, this.#id);
    this.#active = true;
    this.#hub.update();
  }

  stop(): void {
    if (this.#closed || !this.#active) return;
    this.#active = false;
    try {
      this.#hub.ctl(Epoll.CTL_DEL, this.#fd, this.#id);
    } finally {
      this.#hub.update();
    }
  }

  ref(): void {
    this.refed = true;
    if (!this.#closed) this.#hub.update();
  }

  unref(): void {
    this.refed = false;
    if (!this.#closed) this.#hub.update();
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
