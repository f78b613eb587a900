// Shared by the kernel tests: the probed reason to skip, tiny programs, and
// counters of the process's fds and the kernel's loaded objects.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { encodeInsns, exit, hasBpfPrivilege, ids, mov64Imm, rawBpf, lastErrno, Errno } from "../../src/kernel/index.js";

function probeSkip(): string | false {
  if (process.platform !== "linux") return "not Linux";
  if (rawBpf(5, 0, 0) < 0 && lastErrno() === Errno.ENOSYS) return "this kernel has no bpf() syscall";
  if (!hasBpfPrivilege()) return "needs root or CAP_BPF (the kernel tests load programs)";
  return false;
}

/** Reason to skip tests that need to load objects into the kernel, or false. */
export const kernelSkip: string | false = probeSkip();

let bpftool: boolean | undefined;
/** Reason to skip comparisons with bpftool, or false. */
export function bpftoolSkip(): string | false {
  if (kernelSkip) return kernelSkip;
  if (bpftool === undefined) {
    try {
      execFileSync("bpftool", ["version"], { stdio: "ignore" });
      bpftool = true;
    } catch {
      bpftool = false;
    }
  }
  return bpftool ? false : "bpftool is not installed";
}

/** Runs bpftool with `args` and returns stdout. */
export function runBpftool(args: readonly string[]): string {
  return execFileSync("bpftool", args, { encoding: "utf8", maxBuffer: 1 << 28 });
}

/** The three output styles of show commands: plain, -j, -p (flags for bpftool, context for corebpf). */
export const showStyles = [
  { flags: [] as string[], ctx: { json: false, pretty: false } },
  { flags: ["-j"], ctx: { json: true, pretty: false } },
  { flags: ["-p"], ctx: { json: true, pretty: true } },
];

/** Compares, retrying when another process changed the kernel's objects between the two runs. */
export function sameAsBpftool(ours: () => string, theirs: () => string, what: string): void {
  let a = "";
  let b = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    a = ours();
    b = theirs();
    if (a === b) return;
  }
  assert.equal(a, b, what);
}

/** "r0 = value; exit" as socket-filter bytes. */
export function returnProgram(value: number): Uint8Array {
  return encodeInsns([mov64Imm(0, value), exit()]);
}

/** A 64-byte packet (socket filters and tc programs need at least an Ethernet header). */
export const packet = new Uint8Array(64).map((_, i) => i);

/** The number of open fds of this process. */
export function openFdCount(): number {
  return readdirSync("/proc/self/fd").length;
}

/** How many programs, maps and BTF objects the kernel holds. */
export function kernelObjectCounts(): { progs: number; maps: number; btfs: number } {
  return { progs: [...ids("prog")].length, maps: [...ids("map")].length, btfs: [...ids("btf")].length };
}
