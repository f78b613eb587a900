// Tracepoints: perf events of PERF_TYPE_TRACEPOINT (id from tracefs) carrying
// a tracepoint program, and raw tracepoints (BPF_RAW_TRACEPOINT_OPEN).
import { CoreBpfError } from "../../errors.js";
import { attr } from "../attr.js";
import { bpfTry, cString } from "../bpf.js";
import { bpfError } from "../bpf-error.js";
import { Errno } from "../errno.js";
import { Fd, type FdLike, fdOf } from "../fd.js";
import { tracepointId } from "../tracefs.js";
import { Cmd } from "../uapi.js";
import { RawTracepointOpen } from "./attr.js";
import { Link } from "./link.js";
import { type PerfAttachOptions, PerfEventAttachment, PerfType, attachToPerfEvent, perfEventOpen } from "./perf-event.js";

/** Splits "category/name" (libbpf's SEC("tracepoint/category/name") target). */
export function splitTracepoint(tracepoint: string): [string, string] {
  const slash = tracepoint.indexOf("/");
  if (slash <= 0 || slash === tracepoint.length - 1 || tracepoint.indexOf("/", slash + 1) >= 0) {
    throw new CoreBpfError("BAD_ARGUMENT", `tracepoint '${tracepoint}' is not of the form category/name`, { hint: "e.g. sched/sched_process_exec or syscalls/sys_enter_execve" });
  }
  return [tracepoint.slice(0, slash), tracepoint.slice(slash + 1)];
}

/**
 * Attaches a tracepoint program (ProgType.TRACEPOINT) to `category/name`
 * on every CPU: a perf event on the tracepoint, with a BPF perf link where
 * the kernel has them, else the ioctl path.
 */
export function attachTracepoint(program: FdLike, tracepoint: string, options: PerfAttachOptions = {}): Link | PerfEventAttachment {
  const [category, name] = splitTracepoint(tracepoint);
  const id = tracepointId(category, name);
  const what = `tracepoint ${category}/${name}`;
  // pid -1, cpu 0: a tracepoint's program runs wherever the tracepoint fires.
  const event = perfEventOpen({ type: PerfType.TRACEPOINT, config: id, samplePeriod: 1, wakeupEvents: 1 }, -1, 0, what);
  return attachToPerfEvent("tracepoint", program, event, [], options);
}

export interface RawTracepointOptions {
  /** bpf_cookie (Linux 6.10+). */
  cookie?: bigint | number;
}

/**
 * BPF_RAW_TRACEPOINT_OPEN: attaches a raw tracepoint program to `name`
 * ("sched_switch"), or, with no name, a BTF-typed program (tp_btf, fentry,
 * fexit, fmod_ret, lsm) to the target it was loaded for.
 */
export function attachRawTracepoint(program: FdLike, name: string | undefined, options: RawTracepointOptions = {}): Link {
  return rawTracepointOpen(name === undefined ? "tracing" : "raw_tracepoint", program, name, options);
}

/** BPF_RAW_TRACEPOINT_OPEN, the link labelled `kind`. */
export function rawTracepointOpen(kind: string, program: FdLike, name: string | undefined, options: RawTracepointOptions = {}): Link {
  const what = name === undefined ? "raw tracepoint" : `raw tracepoint ${name}`;
  const nameAddr = name === undefined ? 0 : cString(name);
  attr
    .begin(RawTracepointOpen.prog_fd + 4)
    .u64(RawTracepointOpen.name, "name", nameAddr)
    .u32(RawTracepointOpen.prog_fd, "prog_fd", fdOf(program))
    .u64(RawTracepointOpen.cookie, "cookie", options.cookie ?? 0);
  const r = bpfTry(Cmd.RAW_TRACEPOINT_OPEN);
  if (r < 0) {
    const hint =
      r === -Errno.ENOENT
        ? `no raw tracepoint '${name}' in this kernel (see ${"available_events"} in tracefs)`
        : r === -Errno.EINVAL
          ? "the program must be a raw_tracepoint program (or a BTF-typed tracing program opened without a name)"
          : undefined;
    throw bpfError(Cmd.RAW_TRACEPOINT_OPEN, -r, { object: what, field: attr.field, hint });
  }
  return new Link(new Fd(r), kind);
}
