// The thread behind the epoll fallback watcher: waits on the epoll fd the main
// thread fills (one-shot registrations whose data is a watch id) and posts the
// ids that became ready. While no watch is active it sleeps in Atomics.wait,
// which process exit interrupts; epoll_wait cannot be interrupted, so it has a
// timeout that bounds how long the thread can hold exit.
import { parentPort, workerData } from "node:worker_threads";
import { EPOLL_EVENT_DATA, EPOLL_EVENT_SIZE, LE, NativeBuffer, lastErrno, rawEpollWait } from "../kernel/sys.js";

interface EpollWorkerData {
  epfd: number;
  /** Int32Array over a SharedArrayBuffer: [0] is the number of active watches. */
  state: SharedArrayBuffer;
  timeoutMs: number;
}

const EINTR = 4;
const MAX_EVENTS = 64;

const { epfd, state, timeoutMs } = workerData as EpollWorkerData;
const active = new Int32Array(state);
const events = NativeBuffer.alloc(MAX_EVENTS * EPOLL_EVENT_SIZE);

for (;;) {
  if (Atomics.load(active, 0) === 0) {
    Atomics.wait(active, 0, 0);
    continue;
  }
  const n = rawEpollWait(epfd, events.address, MAX_EVENTS, timeoutMs);
  if (n < 0) {
    const errno = lastErrno();
    if (errno === EINTR) continue;
    parentPort!.postMessage({ errno });
    break;
  }
  if (n === 0) continue;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(events.view.getUint32(i * EPOLL_EVENT_SIZE + EPOLL_EVENT_DATA + (LE ? 0 : 4), LE));
  parentPort!.postMessage(ids);
}
