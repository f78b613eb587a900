// Shared by the `corebpf run` tests: probed skip reasons, the CLI run as a
// child process with its NDJSON parsed, and checks that what a run created is
// gone from the kernel.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { rawClose, tracepointId, tryGetFdById, type IdKind } from "../../src/kernel/index.js";
import { ringbufSkip, perfSkip } from "../events/support.js";
import { kernelSkip } from "../kernel/support.js";
import { cliPath } from "../support/paths.js";

function tracepointSkip(category: string, name: string): string | false {
  try {
    tracepointId(category, name);
    return false;
  } catch (err) {
    return `no tracepoint ${category}/${name} here: ${(err as Error).message}`;
  }
}

/** Reason to skip runs of the bundled execsnoop, or false. */
export const execsnoopSkip: string | false = ringbufSkip || tracepointSkip("syscalls", "sys_enter_execve") || tracepointSkip("syscalls", "sys_exit_execve");
/** Reason to skip runs of bpf/test/run_unsupported.bpf.o (and other objects that need no buffers), or false. */
export const runUnsupportedSkip: string | false = kernelSkip || tracepointSkip("sched", "sched_process_exec");
/** Reason to skip runs of bpf/test/run_events.bpf.o, or false. */
export const runEventsSkip: string | false = ringbufSkip || perfSkip || tracepointSkip("sched", "sched_process_exec");

export type Json = Record<string, any>;

/** A `corebpf run` child process, its output collected. */
export class RunProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [cliPath, "run", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  /** Waits until `text` appears on stdout or stderr (or the process exits). */
  async waitFor(text: string, ms = 20000): Promise<void> {
    const end = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => (exited = true));
    while (!this.stdout.includes(text) && !this.stderr.includes(text)) {
      if (exited) throw new Error(`corebpf run exited before printing '${text}':\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > end) throw new Error(`no '${text}' from corebpf run within ${ms} ms:\n${this.stdout}\n${this.stderr}`);
      await sleep(20);
    }
  }

  /** stdout as NDJSON records. */
  records(): Json[] {
    return this.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Json);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

/** Runs `file args` to completion; its pid. */
export function runCommand(file: string, args: readonly string[]): Promise<number | undefined> {
  return new Promise((resolve) => {
    const c = spawn(file, args, { stdio: "ignore" });
    c.on("error", () => resolve(undefined));
    c.on("exit", () => resolve(c.pid));
  });
}

/** The ids among `ids` that still name a kernel object of `kind`. */
export function liveIds(kind: IdKind, ids: readonly number[]): number[] {
  return ids.filter((id) => {
    const fd = tryGetFdById(kind, id);
    if (fd === undefined) return false;
    rawClose(fd);
    return true;
  });
}

/** Objects freed by the kernel after their last fd closes may linger a moment (RCU): poll. */
export async function idsGone(kind: IdKind, ids: readonly number[], ms = 3000): Promise<number[]> {
  const end = Date.now() + ms;
  for (;;) {
    const live = liveIds(kind, ids);
    if (live.length === 0 || Date.now() > end) return live;
    await sleep(50);
  }
}

/** Every path under the bpffs at /sys/fs/bpf (to see that a run left no pins). */
export function bpffsEntries(dir = "/sys/fs/bpf"): string[] {
  const out: string[] = [];
  try {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      out.push(path);
      if (e.isDirectory()) out.push(...bpffsEntries(path));
    }
  } catch {
    // not mounted or not readable: nothing
  }
  return out.sort();
}

export function marker(): string {
  return `corebpf-test-${Math.random().toString(36).slice(2, 10)}`;
}
