// kprobes and kretprobes: a kprobe program on a kernel function, through the
// kprobe PMU or tracefs kprobe_events, whichever the kernel has.
import { CoreBpfError } from "../../errors.js";
import { type FdLike } from "../fd.js";
import { type Link } from "./link.js";
import { type PerfAttachOptions, type PerfEventAttachment, attachToPerfEvent } from "./perf-event.js";
import { type ProbeMode, openProbeEvent } from "./probe-event.js";

export interface KprobeOptions extends PerfAttachOptions {
  /** Attach to the function's return (kretprobe). */
  retprobe?: boolean;
  /** Offset into the function (kprobes only). */
  offset?: number;
  /** Concurrent return instances (kretprobes through kprobe_events only). */
  maxActive?: number;
  /** "pmu", "legacy" (tracefs kprobe_events) or "auto" (default: the PMU if present). */
  probe?: ProbeMode;
}

/** Splits libbpf's kprobe target "FUNC[+OFFSET]". */
export function parseKprobeTarget(target: string): { symbol: string; offset: number } {
  const m = /^([A-Za-z_.][\w.]*)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(target);
  if (!m) throw new CoreBpfError("BAD_ARGUMENT", `kprobe target '${target}' is not FUNC or FUNC+OFFSET`, { hint: "e.g. do_unlinkat or tcp_v4_connect+0x10" });
  return { symbol: m[1]!, offset: m[2] === undefined ? 0 : Number(m[2]) };
}

/**
 * Attaches a kprobe program (ProgType.KPROBE) to kernel function `target`
 * ("FUNC" or "FUNC+OFFSET"). A kernel with neither the kprobe PMU nor
 * kprobe_events gives a NotSupportedError naming both.
 */
export function attachKprobe(program: FdLike, target: string, options: KprobeOptions = {}): Link | PerfEventAttachment {
  const parsed = parseKprobeTarget(target);
  const retprobe = options.retprobe ?? false;
  const offset = options.offset ?? parsed.offset;
  if (retprobe && offset !== 0) throw new CoreBpfError("BAD_ARGUMENT", `kretprobe '${target}': a return probe takes no offset`);
  const kind = retprobe ? "kretprobe" : "kprobe";
  const label = `${kind} ${parsed.symbol}${offset ? `+${offset}` : ""}`;
  const { event, owned } = openProbeEvent({
    kind: "kprobe",
    retprobe,
    target: parsed.symbol,
    offset,
    label,
    ...(options.maxActive === undefined ? {} : { maxActive: options.maxActive }),
    ...(options.probe === undefined ? {} : { mode: options.probe }),
  });
  return attachToPerfEvent(kind, program, event, owned, options);
}
