// tracefs: tracepoint ids and the legacy kprobe_events/uprobe_events
// interface. Found where it is mounted (or through debugfs), mounted at
// /sys/kernel/tracing when absent and this process may mount.
import { appendFileSync, existsSync, readFileSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { CoreBpfError, NotSupportedError, PermissionError } from "../errors.js";
import { errnoName } from "./errno.js";
import { lastErrno, rawMount } from "./sys.js";

/** The conventional mount point. */
export const TRACEFS_DEFAULT = "/sys/kernel/tracing";
/** Where debugfs exposes tracefs. */
export const TRACEFS_UNDER_DEBUGFS = "/sys/kernel/debug/tracing";
/** TRACEFS_MAGIC, the f_type of a tracefs. */
export const TRACEFS_MAGIC = 0x74726163;

/** tracefs mount points in /proc/self/mounts (debugfs mounts contribute their tracing/ directory). */
export function tracefsMounts(mountsText?: string): string[] {
  const text = mountsText ?? readFileSync("/proc/self/mounts", "utf8");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const [, rawTarget, fstype] = line.split(" ");
    if (!rawTarget) continue;
    const target = rawTarget.replace(/\\040/g, " ");
    if (fstype === "tracefs") out.push(target);
    else if (fstype === "debugfs") out.push(join(target, "tracing"));
  }
  return out;
}

function isTracefs(path: string): boolean {
  try {
    return Number(statfsSync(path).type) === TRACEFS_MAGIC;
  } catch {
    return false;
  }
}

let cached: string | undefined;

/** A mounted tracefs, or undefined. */
export function findTracefs(): string | undefined {
  if (cached !== undefined && isTracefs(cached)) return cached;
  for (const candidate of [...tracefsMounts(), TRACEFS_DEFAULT, TRACEFS_UNDER_DEBUGFS]) {
    if (isTracefs(candidate)) return (cached = candidate);
  }
  return undefined;
}

/** A mounted tracefs, mounting one at /sys/kernel/tracing when there is none (needs root). */
export function ensureTracefs(): string {
  const found = findTracefs();
  if (found !== undefined) return found;
  if (!existsSync(TRACEFS_DEFAULT)) {
    throw new NotSupportedError("tracefs", `no tracefs is mounted and ${TRACEFS_DEFAULT} does not exist`, {
      hint: "the kernel needs CONFIG_TRACING (tracefs), or mount it: mount -t tracefs tracefs /sys/kernel/tracing",
    });
  }
  if (rawMount("tracefs", TRACEFS_DEFAULT, "tracefs", 0) !== 0) {
    const errno = lastErrno();
    const name = errnoName(errno);
    const msg = `cannot mount tracefs at ${TRACEFS_DEFAULT} (${name})`;
    if (name === "EPERM") throw new PermissionError(name, errno, msg, { hint: "mounting needs root (CAP_SYS_ADMIN); or mount it: mount -t tracefs tracefs /sys/kernel/tracing" });
    if (name === "ENODEV") throw new NotSupportedError("tracefs", `${msg}: this kernel has no tracefs`, { hint: "the kernel needs CONFIG_TRACING" });
    throw new CoreBpfError(name, msg);
  }
  cached = TRACEFS_DEFAULT;
  return TRACEFS_DEFAULT;
}

const eventNamePart = /^[A-Za-z0-9_.-]+$/;

/** The id of tracepoint `category/name` (tracefs events/CATEGORY/NAME/id). */
export function tracepointId(category: string, name: string): number {
  if (!eventNamePart.test(category) || !eventNamePart.test(name)) {
    throw new CoreBpfError("BAD_ARGUMENT", `tracepoint '${category}/${name}': category and name may only hold letters, digits, '_', '.', '-'`);
  }
  const root = ensureTracefs();
  const path = join(root, "events", category, name, "id");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const hint = existsSync(join(root, "events", category))
      ? `no event '${name}' in category '${category}' (ls ${join(root, "events", category)})`
      : `no category '${category}' (ls ${join(root, "events")})`;
    throw new CoreBpfError("ENOENT", `tracepoint '${category}/${name}' does not exist on this kernel`, { hint, cause: err });
  }
  const id = Number(text.trim());
  if (!Number.isInteger(id) || id < 0) throw new CoreBpfError("BAD_TRACEFS", `${path} holds '${text.trim()}', not an event id`);
  return id;
}

/** Whether a tracefs file exists (kprobe_events, uprobe_events...), in a mounted or mountable tracefs. */
export function tracefsFileExists(file: string): boolean {
  let root: string;
  try {
    root = ensureTracefs();
  } catch {
    return false;
  }
  return existsSync(join(root, file));
}

/** The group corebpf creates its kprobe_events/uprobe_events probes in. */
export const DYNAMIC_EVENT_GROUP = "corebpf";

let eventCounter = 0;

/** A dynamic probe created through kprobe_events or uprobe_events; close() removes it. */
export class DynamicEvent {
  readonly file: "kprobe_events" | "uprobe_events";
  readonly group: string;
  readonly name: string;
  /** Its tracepoint id (perf_event_open with PERF_TYPE_TRACEPOINT). */
  readonly id: number;
  #removed = false;

  private constructor(file: "kprobe_events" | "uprobe_events", group: string, name: string, id: number) {
    this.file = file;
    this.group = group;
    this.name = name;
    this.id = id;
  }

  /**
   * Adds `TYPE:GROUP/NAME TARGET` to `file` (TYPE "p", or "r"/"rN" for a
   * return probe); the name is made unique from `hint`, this process and a counter.
   */
  static create(file: "kprobe_events" | "uprobe_events", type: string, hint: string, target: string): DynamicEvent {
    const root = ensureTracefs();
    const path = join(root, file);
    const kind = file === "kprobe_events" ? "kprobe" : "uprobe";
    if (!existsSync(path)) {
      throw new NotSupportedError(file, `tracefs has no ${file} (${path})`, { hint: `the kernel needs CONFIG_${kind.toUpperCase()}_EVENTS` });
    }
    const safe = hint.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 32);
    const name = `${kind}_${process.pid}_${safe}_${eventCounter++}`;
    const group = DYNAMIC_EVENT_GROUP;
    try {
      appendFileSync(path, `${type}:${group}/${name} ${target}\n`);
    } catch (err) {
      throw new CoreBpfError("TRACEFS_WRITE", `cannot add ${kind} '${target}' to ${path}`, {
        hint: `the kernel refused it: check the target exists (${kind === "kprobe" ? "available_filter_functions" : "the file and offset"}); ${join(root, "error_log")} says why`,
        cause: err,
      });
    }
    try {
      return new DynamicEvent(file, group, name, tracepointId(group, name));
    } catch (err) {
      removeDynamicEvent(path, group, name);
      throw err;
    }
  }

  /** Removes the probe (idempotent); a probe still in use (a pinned link) is left in place. */
  close(): void {
    if (this.#removed) return;
    this.#removed = true;
    const root = findTracefs();
    if (root !== undefined) removeDynamicEvent(join(root, this.file), this.group, this.name);
  }
}

function removeDynamicEvent(path: string, group: string, name: string): boolean {
  try {
    appendFileSync(path, `-:${group}/${name}\n`);
    return true;
  } catch {
    return false;
  }
}
