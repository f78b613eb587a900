// perf_event programs: one sampling perf event per CPU (cpu-clock by
// default), each carrying the program, grouped in one attachment.
import { CoreBpfError } from "../../errors.js";
import { onlineCpus } from "../cpus.js";
import { type FdLike } from "../fd.js";
import { type AttachmentGroup, buildGroup } from "./group.js";
import { type Link } from "./link.js";
import { type PerfAttachOptions, type PerfEventAttachment, PerfSoftware, PerfType, attachToPerfEvent, perfEventOpen } from "./perf-event.js";

export interface PerfSamplingOptions extends PerfAttachOptions {
  /** PerfType (default SOFTWARE). */
  type?: number;
  /** Event config (default PerfSoftware.CPU_CLOCK). */
  config?: number | bigint;
  /** Sample every N events (for cpu-clock: nanoseconds). */
  samplePeriod?: number | bigint;
  /** Samples per second (default 1000 when no period is given). */
  sampleFreq?: number;
  /** CPUs to sample on (default: every online CPU). */
  cpus?: readonly number[];
  /** Only this process (default: every process). */
  pid?: number;
}

/** Attaches a perf_event program to a sampling event on each CPU. */
export function attachPerfEvent(program: FdLike, options: PerfSamplingOptions = {}): AttachmentGroup<Link | PerfEventAttachment> {
  if (options.samplePeriod !== undefined && options.sampleFreq !== undefined) {
    throw new CoreBpfError("BAD_ARGUMENT", "perf_event: give samplePeriod or sampleFreq, not both");
  }
  const cpus = options.cpus ?? onlineCpus();
  const type = options.type ?? PerfType.SOFTWARE;
  const config = options.config ?? PerfSoftware.CPU_CLOCK;
  const sampling = options.samplePeriod !== undefined ? { samplePeriod: options.samplePeriod } : { sampleFreq: options.sampleFreq ?? 1000 };
  return buildGroup("perf_event", cpus.length, (i) => {
    const cpu = cpus[i]!;
    const event = perfEventOpen({ type, config, ...sampling, disabled: true }, options.pid ?? -1, cpu, `perf_event type ${type} config ${config} on CPU ${cpu}`);
    return attachToPerfEvent("perf_event", program, event, [], options);
  });
}
