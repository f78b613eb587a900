// uprobes and uretprobes: a kprobe-type program on a function of an
// executable or shared library, by path or through a process's mappings,
// optionally only for one process.
import { CoreBpfError } from "../../errors.js";
import { functionFileOffset, resolveBinaryPath } from "../elf-symbols.js";
import { type FdLike } from "../fd.js";
import { type Link } from "./link.js";
import { type PerfAttachOptions, type PerfEventAttachment, attachToPerfEvent } from "./perf-event.js";
import { type ProbeMode, openProbeEvent } from "./probe-event.js";

/** Where a uprobe goes: a file and a function in it (plus an offset), or a bare file offset. */
export interface UprobeTarget {
  /** Path of the executable or library, or a bare name ("libc.so.6", "libc") resolved through `pid`'s mappings or the library directories. */
  path: string;
  /** Function name; without it, `offset` is a file offset. */
  symbol?: string;
  /** Bytes past the function's start, or the file offset when there is no symbol. */
  offset?: number;
}

export interface UprobeOptions extends PerfAttachOptions {
  /** Attach to the function's return (uretprobe). */
  retprobe?: boolean;
  /** Only this process (default: every process running the file). */
  pid?: number;
  /** Offset of a USDT semaphore (reference counter) the kernel increments while attached. */
  refCtrOffset?: number;
  /** "pmu", "legacy" (tracefs uprobe_events) or "auto" (default: the PMU if present). */
  probe?: ProbeMode;
}

/** Parses libbpf's "PATH:FUNC[+OFFSET]" or "PATH:0xOFFSET". */
export function parseUprobeTarget(text: string): UprobeTarget {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) throw new CoreBpfError("BAD_ARGUMENT", `uprobe target '${text}' is not PATH:FUNC[+OFFSET] or PATH:0xOFFSET`, { hint: "e.g. /usr/bin/bash:readline or libc.so.6:malloc" });
  const path = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(rest)) return { path, offset: Number(rest) };
  const m = /^([^+\s]+)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(rest);
  if (!m) throw new CoreBpfError("BAD_ARGUMENT", `uprobe target '${text}': '${rest}' is not FUNC, FUNC+OFFSET or an offset`);
  return m[2] === undefined ? { path, symbol: m[1]! } : { path, symbol: m[1]!, offset: Number(m[2]) };
}

/** The file and file offset a uprobe target designates. */
export function resolveUprobe(target: UprobeTarget, pid?: number): { path: string; offset: number } {
  const path = resolveBinaryPath(target.path, pid);
  if (target.symbol === undefined) {
    if (target.offset === undefined) throw new CoreBpfError("BAD_ARGUMENT", `uprobe on ${path}: give a function name or a file offset`);
    return { path, offset: target.offset };
  }
  const sym = functionFileOffset(path, target.symbol);
  return { path, offset: sym.fileOffset + (target.offset ?? 0) };
}

/**
 * Attaches a kprobe-type program to a user-space function: `target` is
 * "PATH:FUNC[+OFFSET]", "PATH:0xOFFSET" or a UprobeTarget.
 */
export function attachUprobe(program: FdLike, target: string | UprobeTarget, options: UprobeOptions = {}): Link | PerfEventAttachment {
  const t = typeof target === "string" ? parseUprobeTarget(target) : target;
  const retprobe = options.retprobe ?? false;
  const { path, offset } = resolveUprobe(t, options.pid);
  const kind = retprobe ? "uretprobe" : "uprobe";
  const label = `${kind} ${path}:${t.symbol ?? ""}${t.symbol !== undefined && t.offset ? "+" : ""}${t.offset ? `0x${t.offset.toString(16)}` : ""}`;
  const { event, owned } = openProbeEvent({
    kind: "uprobe",
    retprobe,
    target: path,
    offset,
    label,
    ...(options.pid === undefined ? {} : { pid: options.pid }),
    ...(options.refCtrOffset === undefined ? {} : { refCtrOffset: options.refCtrOffset }),
    ...(options.probe === undefined ? {} : { mode: options.probe }),
  });
  return attachToPerfEvent(kind, program, event, owned, options);
}
