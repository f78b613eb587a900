// Watching fds for readability without blocking a JS thread: libuv's own
// uv_poll_t on Node's event loop when its symbols are reachable (probed once),
// else a worker thread waiting in epoll_wait. Either way a watch that is
// stopped, closed or unref'd does not keep the process alive.
import { CoreBpfError } from "../errors.js";
import { epollWatch } from "./watch-epoll.js";
import { uvUnavailableReason, uvWatch } from "./watch-uv.js";

/** Called on the JS thread when the fd is readable (level-triggered: it is called again while data remains and the watch is active). */
export type ReadableCallback = () => void;
/** Called with an error the watch hit (the watch is stopped). */
export type WatchErrorCallback = (err: unknown) => void;

/** One fd's readiness subscription. Methods are idempotent. */
export interface FdWatch {
  /** Starts delivering readiness callbacks. */
  start(): void;
  /** Stops them (the fd may be started again). */
  stop(): void;
  /** An active watch keeps the process alive (the default). */
  ref(): void;
  /** An active watch no longer keeps the process alive. */
  unref(): void;
  /** Stops for good and releases the watch's resources; the fd itself is the caller's to close, after this. */
  close(): void;
  readonly active: boolean;
}

export type WatchBackend = "uv" | "epoll-worker";

let forced: WatchBackend | undefined = envBackend();

function envBackend(): WatchBackend | undefined {
  const v = process.env["COREBPF_WATCH_BACKEND"];
  return v === "uv" || v === "epoll-worker" ? v : undefined;
}

/** The backend new watches use: "uv" when libuv's poll functions are usable here, else "epoll-worker". */
export function watchBackend(): WatchBackend {
  if (forced !== undefined) return forced;
  return uvUnavailableReason() === undefined ? "uv" : "epoll-worker";
}

/** Why the uv backend is unusable in this process, or undefined when it is usable. */
export function uvBackendUnavailableReason(): string | undefined {
  return uvUnavailableReason();
}

/**
 * Forces the backend of watches created from now on (tests; also settable with
 * COREBPF_WATCH_BACKEND=uv|epoll-worker); undefined returns to the probe.
 */
export function useWatchBackend(backend: WatchBackend | undefined): void {
  if (backend === "uv" && uvUnavailableReason() !== undefined) {
    throw new CoreBpfError("NOT_SUPPORTED", `the uv watch backend is unavailable: ${uvUnavailableReason()}`);
  }
  forced = backend;
}

/** Watches `fd` for readability; starts inactive (call start()). */
export function watchFd(fd: number, onReadable: ReadableCallback, onError: WatchErrorCallback): FdWatch {
  return watchBackend() === "uv" ? uvWatch(fd, onReadable, onError) : epollWatch(fd, onReadable, onError);
}
