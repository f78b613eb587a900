// Shared by the event tests: probed skip reasons, fd/mapping counters.
import { readFileSync, readdirSync } from "node:fs";
import koffi from "koffi";
import { setTimeout as sleep } from "node:timers/promises";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { probeHelper, probeMapType } from "../../src/kernel/index.js";
import { openBpfOutputEvent, uvBackendUnavailableReason, type WatchBackend } from "../../src/events/index.js";
import { rawClose } from "../../src/kernel/sys.js";
import { kernelSkip } from "../kernel/support.js";

function ringbufReason(): string | false {
  if (kernelSkip) return kernelSkip;
  if (!probeMapType("ringbuf")) return "this kernel has no ringbuf maps (probed)";
  if (probeHelper("socket_filter", "ringbuf_output")?.supported === false) return "socket filters cannot call bpf_ringbuf_output here (probed)";
  return false;
}

function perfReason(): string | false {
  if (kernelSkip) return kernelSkip;
  if (probeHelper("sched_cls", "perf_event_output")?.supported === false) return "tc programs cannot call bpf_perf_event_output here (probed)";
  try {
    rawClose(openBpfOutputEvent(0));
  } catch (err) {
    return `cannot open a BPF output perf event: ${(err as Error).message}`;
  }
  return false;
}

/** Reason to skip ring buffer tests, or false. */
export const ringbufSkip: string | false = ringbufReason();
/** Reason to skip perf buffer tests, or false. */
export const perfSkip: string | false = perfReason();

export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

/**
 * From /proc/self/maps: all lines, those mapping BPF maps or perf events, and
 * the bytes of read-only anonymous private memory, which is what a released
 * buffer's inert placeholder is until its views are collected (the heap's
 * own mappings are writable or inaccessible, and come and go with GC).
 */
export function mappings(): { total: number; kernel: number; inertBytes: number } {
  const lines = readFileSync("/proc/self/maps", "utf8").trim().split("\n");
  let inertBytes = 0;
  for (const line of lines) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) r--p \S+ 00:00 0\s*$/.exec(line);
    if (m !== null) inertBytes += parseInt(m[2]!, 16) - parseInt(m[1]!, 16);
  }
  return { total: lines.length, kernel: lines.filter((l) => /anon_inode:(bpf|\[perf_event\])/.test(l)).length, inertBytes };
}

/** A full garbage collection (released mappings are unmapped when their views are collected). */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/** Both watch backends, each with its reason to skip (given the test's own reason). */
export function watchBackends(skip: string | false): { name: WatchBackend; skip: string | false }[] {
  return [
    { name: "uv", skip: skip || (uvBackendUnavailableReason() ?? false) },
    { name: "epoll-worker", skip },
  ];
}

/** Waits on the event loop until `done()`, or throws after `ms`. */
export async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error("timed out waiting for events");
    await sleep(1);
  }
}

const libc = koffi.load("libc.so.6");
const getAffinity = libc.func("int sched_getaffinity(int pid, size_t size, _Out_ uint8_t *mask)") as (pid: number, size: number, mask: Uint8Array) => number;
const setAffinity = libc.func("int sched_setaffinity(int pid, size_t size, const uint8_t *mask)") as (pid: number, size: number, mask: Uint8Array) => number;

/**
 * Runs `body` with this thread pinned to one CPU it may run on. A perf buffer
 * has a ring per CPU: a test process that migrates between CPUs while it
 * produces splits its samples (and their loss reports) across rings, which
 * tests of order and of loss accounting must not see.
 */
export async function onOneCpu<T>(body: () => T | Promise<T>): Promise<T> {
  const saved = new Uint8Array(128);
  if (getAffinity(0, saved.length, saved) !== 0) throw new Error("sched_getaffinity failed");
  const first = saved.findIndex((b) => b !== 0);
  const one = new Uint8Array(saved.length);
  one[first] = saved[first]! & -saved[first]!; // the lowest CPU allowed
  if (setAffinity(0, one.length, one) !== 0) throw new Error("sched_setaffinity failed");
  try {
    return await body();
  } finally {
    setAffinity(0, saved.length, saved);
  }
}
