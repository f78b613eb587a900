// The perf event behind a kprobe or uprobe: from the kprobe/uprobe PMU where
// the kernel has it, else a probe added to tracefs kprobe_events/uprobe_events.
import { basename } from "node:path";
import { NotSupportedError } from "../../errors.js";
import { type Fd } from "../fd.js";
import { NativeBuffer } from "../sys.js";
import { DynamicEvent } from "../tracefs.js";
import { type Owned } from "./link.js";
import { PerfType, perfEventOpen } from "./perf-event.js";
import { PMU_DIR, type ProbePmu, probeKprobeEvents, probeKprobePmu, probeUprobeEvents, probeUprobePmu } from "./probes.js";

/** How a probe is created: "pmu" (perf_event_open on the PMU), "legacy" (tracefs), or "auto" (the PMU if present). */
export type ProbeMode = "auto" | "pmu" | "legacy";

export interface ProbeEventRequest {
  kind: "kprobe" | "uprobe";
  retprobe: boolean;
  /** kprobe: function name (or "" with `offset` an address); uprobe: file path. */
  target: string;
  /** kprobe: offset into the function (or the address); uprobe: file offset. */
  offset: number;
  /** uprobe: semaphore (reference counter) offset. */
  refCtrOffset?: number;
  /** uprobe: only this process; -1/undefined for every process. */
  pid?: number;
  /** kretprobe: instances kept for concurrent returns (legacy interface only). */
  maxActive?: number;
  mode?: ProbeMode;
  /** Short description for messages and legacy event names. */
  label: string;
}

/** Why neither the PMU nor the tracefs interface can be used, naming both. */
export function probeUnavailable(kind: "kprobe" | "uprobe"): NotSupportedError {
  const config = kind === "kprobe" ? "CONFIG_KPROBES and CONFIG_KPROBE_EVENTS" : "CONFIG_UPROBES and CONFIG_UPROBE_EVENTS";
  return new NotSupportedError(
    kind,
    `this kernel has neither the ${kind} PMU (${PMU_DIR}/${kind}) nor ${kind}_events in tracefs, so ${kind}s cannot be attached`,
    { hint: `the kernel needs ${config}` },
  );
}

function pmuConfig(pmu: ProbePmu, req: ProbeEventRequest): bigint {
  let config = req.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
  if (req.refCtrOffset) {
    if (pmu.refCtrOffsetShift === undefined) {
      throw new NotSupportedError("uprobe_ref_ctr", `${req.label}: this kernel's uprobe PMU has no reference counter (semaphore) support`, { hint: "needs Linux 4.20+" });
    }
    config |= BigInt(req.refCtrOffset) << BigInt(pmu.refCtrOffsetShift);
  }
  return config;
}

function pidAndCpu(pid: number | undefined): [number, number] {
  // A task-bound event may run on any CPU; an unbound one names CPU 0 (the program still runs everywhere).
  return pid === undefined || pid < 0 ? [-1, 0] : [pid, -1];
}

/** Opens the probe's perf event; `owned` holds a legacy tracefs probe to remove after the event. */
export function openProbeEvent(req: ProbeEventRequest): { event: Fd; owned: Owned[] } {
  const mode = req.mode ?? "auto";
  const pmu = mode === "legacy" ? undefined : req.kind === "kprobe" ? probeKprobePmu() : probeUprobePmu();
  const [pid, cpu] = pidAndCpu(req.pid);
  if (pmu !== undefined) {
    const text = new TextEncoder().encode(req.target + "\0");
    using name = NativeBuffer.alloc(text.length);
    name.bytes.set(text);
    const byAddress = req.kind === "kprobe" && req.target === "";
    const event = perfEventOpen(
      { type: pmu.type, config: pmuConfig(pmu, req), config1: byAddress ? 0 : name.address, config2: req.offset },
      pid,
      cpu,
      req.label,
    );
    return { event, owned: [] };
  }
  if (mode === "pmu") {
    throw new NotSupportedError(`${req.kind}_pmu`, `${req.label}: this kernel has no ${req.kind} PMU (${PMU_DIR}/${req.kind})`, { hint: "use mode 'auto' or 'legacy' (tracefs)" });
  }
  const legacyOk = req.kind === "kprobe" ? probeKprobeEvents() : probeUprobeEvents();
  if (!legacyOk) throw probeUnavailable(req.kind);
  const file = req.kind === "kprobe" ? "kprobe_events" : "uprobe_events";
  const target = legacyTarget(req);
  const type = req.retprobe ? `r${req.maxActive ?? ""}` : "p";
  const hint = req.kind === "kprobe" ? req.target || "addr" : `${basename(req.target)}_${req.offset.toString(16)}`;
  const probe = DynamicEvent.create(file, type, hint, target);
  try {
    const event = perfEventOpen({ type: PerfType.TRACEPOINT, config: probe.id, samplePeriod: 1, wakeupEvents: 1 }, pid, cpu, req.label);
    return { event, owned: [probe] };
  } catch (err) {
    probe.close();
    throw err;
  }
}

/** The probe definition written after "p:GROUP/NAME " in kprobe_events/uprobe_events. */
export function legacyTarget(req: ProbeEventRequest): string {
  if (req.kind === "kprobe") {
    if (req.target === "") return `0x${req.offset.toString(16)}`;
    return req.offset ? `${req.target}+${req.offset}` : req.target;
  }
  const ref = req.refCtrOffset ? `(0x${req.refCtrOffset.toString(16)})` : "";
  return `${req.target}:0x${req.offset.toString(16)}${ref}`;
}
