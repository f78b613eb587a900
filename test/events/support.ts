// Shared by the event tests: probed skip reasons, fd/mapping counters.
import { readFileSync, readdirSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { probeHelper, probeMapType } from "../../src/kernel/index.js";
import { openBpfOutputEvent } from "../../src/events/index.js";
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

/** Lines of /proc/self/maps, and those that map BPF maps or perf events. */
export function mappings(): { total: number; kernel: number } {
  const lines = readFileSync("/proc/self/maps", "utf8").trim().split("\n");
  return { total: lines.length, kernel: lines.filter((l) => /anon_inode:(bpf|\[perf_event\])/.test(l)).length };
}

/** A full garbage collection (released mappings are unmapped when their views are collected). */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
