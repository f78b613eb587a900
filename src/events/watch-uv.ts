// Fd readiness from Node's own event loop: libuv's uv_poll_t, driven through
// koffi. Node exports libuv's symbols, so a poll handle can be initialised on
// the default loop and its callback (a koffi registered callback) runs on the
// main thread like any other I/O callback: no thread is blocked, a stopped or
// unref'd handle lets the process exit. One registered callback serves every
// handle (dispatched by handle address); it is unregistered once the last
// handle's memory is freed, which only happens in uv_close's callback.
import koffi from "koffi";
type IKoffiCType = ReturnType<typeof koffi.pointer>;
import { isMainThread } from "node:worker_threads";
import { CoreBpfError } from "../errors.js";
import { errnoName } from "../kernel/errno.js";
import type { FdWatch, ReadableCallback, WatchErrorCallback } from "./watch.js";

const UV_POLL = 8; // uv_handle_type UV_POLL
const UV_READABLE = 1;

interface UvApi {
  loop: bigint;
  handleSize: number;
  pollInit: (loop: bigint, handle: bigint, fd: number) => number;
  pollStart: (handle: bigint, events: number, cb: bigint) => number;
  pollStop: (handle: bigint) => number;
  close: (handle: bigint, cb: bigint) => void;
  ref: (handle: bigint) => void;
  unref: (handle: bigint) => void;
  pollCbType: IKoffiCType;
  closeCbType: IKoffiCType;
}

let api: UvApi | undefined;
let unavailable: string | undefined;

/** Binds libuv's poll functions from the running process; the reason they are unusable, or undefined. */
export function uvUnavailableReason(): string | undefined {
  if (api !== undefined) return undefined;
  if (unavailable !== undefined) return unavailable;
  if (!isMainThread) return (unavailable = "libuv's default loop belongs to the main thread (this is a worker)");
  try {
    const self = koffi.load(null);
    const defaultLoop = self.func("void *uv_default_loop()") as () => bigint;
    const handleSizeOf = self.func("size_t uv_handle_size(int type)") as (type: number) => number | bigint;
    const handleSize = Number(handleSizeOf(UV_POLL));
    if (!(handleSize > 0 && handleSize < 4096)) return (unavailable = `uv_handle_size(UV_POLL) answered ${handleSize}`);
    // Prototype names are process-global in koffi: keep them unique to this module.
    const pollCbType = koffi.pointer(koffi.proto("void corebpf_uv_poll_cb(void *handle, int status, int events)"));
    const closeCbType = koffi.pointer(koffi.proto("void corebpf_uv_close_cb(void *handle)"));
    api = {
      loop: defaultLoop(),
      handleSize,
      pollInit: self.func("int uv_poll_init(void *loop, void *handle, int fd)") as UvApi["pollInit"],
      pollStart: self.func("int uv_poll_start(void *handle, int events, corebpf_uv_poll_cb *cb)") as UvApi["pollStart"],
      pollStop: self.func("int uv_poll_stop(void *handle)") as UvApi["pollStop"],
      close: self.func("void uv_close(void *handle, corebpf_uv_close_cb *cb)") as UvApi["close"],
      ref: self.func("void uv_ref(void *handle)") as UvApi["ref"],
      unref: self.func("void uv_unref(void *handle)") as UvApi["unref"],
      pollCbType,
      closeCbType,
    };
    if (!api.loop) {
      api = undefined;
      return (unavailable = "uv_default_loop() returned NULL");
    }
    return undefined;
  } catch (err) {
    return (unavailable = `libuv is not reachable through koffi: ${(err as Error).message}`);
  }
}

/** Live handles by address (the key the C callbacks receive). */
const handles = new Map<bigint, UvWatch>();
let callbacks: { poll: bigint; close: bigint } | undefined;
let unregisterScheduled = false;

function registeredCallbacks(uv: UvApi): { poll: bigint; close: bigint } {
  if (callbacks !== undefined) return callbacks;
  const poll = koffi.register((handle: bigint, status: number) => {
    // Never let an exception reach koffi (it would be swallowed): the watch reports it.
    handles.get(handle)?.dispatch(status);
  }, uv.pollCbType);
  const close = koffi.register((handle: bigint) => {
    handles.delete(handle);
    koffi.free(handle);
    if (handles.size === 0) scheduleUnregister();
  }, uv.closeCbType);
  return (callbacks = { poll, close });
}

// Unregistering from inside the close callback would pull the trampoline from
// under the running call: defer it (the unref'd immediate never holds the loop).
function scheduleUnregister(): void {
  if (unregisterScheduled) return;
  unregisterScheduled = true;
  setImmediate(() => {
    unregisterScheduled = false;
    if (handles.size !== 0 || callbacks === undefined) return;
    koffi.unregister(callbacks.poll);
    koffi.unregister(callbacks.close);
    callbacks = undefined;
  }).unref();
}

function uvError(what: string, rc: number): CoreBpfError {
  const name = errnoName(-rc);
  return new CoreBpfError(name, `${what} failed (${name})`);
}

class UvWatch implements FdWatch {
  readonly #uv: UvApi;
  readonly #handle: bigint;
  readonly #onReadable: ReadableCallback;
  readonly #onError: WatchErrorCallback;
  #active = false;
  #closed = false;

  constructor(uv: UvApi, fd: number, onReadable: ReadableCallback, onError: WatchErrorCallback) {
    this.#uv = uv;
    this.#onReadable = onReadable;
    this.#onError = onError;
    registeredCallbacks(uv);
    const handle = koffi.alloc("uint8_t", uv.handleSize) as bigint;
    const rc = uv.pollInit(uv.loop, handle, fd);
    if (rc < 0) {
      koffi.free(handle);
      if (handles.size === 0) scheduleUnregister();
      throw uvError(`uv_poll_init(fd ${fd})`, rc);
    }
    this.#handle = handle;
    handles.set(handle, this);
  }

  get active(): boolean {
    return this.#active;
  }

  dispatch(status: number): void {
    if (this.#closed) return;
    try {
      if (status < 0) {
        this.stop();
        this.#onError(uvError("polling the fd", status));
        return;
      }
      this.#onReadable();
    } catch (err) {
      this.#onError(err);
    }
  }

  start(): void {
    if (this.#closed || this.#active) return;
    const rc = this.#uv.pollStart(this.#handle, UV_READABLE, registeredCallbacks(this.#uv).poll);
    if (rc < 0) throw uvError("uv_poll_start", rc);
    this.#active = true;
  }

  stop(): void {
    if (this.#closed || !this.#active) return;
    this.#uv.pollStop(this.#handle);
    this.#active = false;
  }

  ref(): void {
    if (!this.#closed) this.#uv.ref(this.#handle);
  }

  unref(): void {
    if (!this.#closed) this.#uv.unref(this.#handle);
  }

  close(): void {
    if (this.#closed) return;
    this.stop();
    this.#closed = true;
    // The memory is freed in the close callback, on a later loop iteration.
    this.#uv.close(this.#handle, registeredCallbacks(this.#uv).close);
  }
}

/** A uv_poll_t watching `fd` for readability on the main loop (throws when unavailable). */
export function uvWatch(fd: number, onReadable: ReadableCallback, onError: WatchErrorCallback): FdWatch {
  const reason = uvUnavailableReason();
  if (reason !== undefined || api === undefined) throw new CoreBpfError("NOT_SUPPORTED", `uv_poll watcher unavailable: ${reason}`);
  return new UvWatch(api, fd, onReadable, onError);
}
