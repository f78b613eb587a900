// What the dump tests share: running bpftool on a blob or a file, and saying
// where two outputs first differ.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectingSink } from "../../src/btf/index.js";

export const bpftoolSkip: string | false = (() => {
  const r = spawnSync("bpftool", ["version"], { stdio: "ignore" });
  return r.status === 0 ? false : "bpftool is not installed (.ci/run installs it)";
})();

export interface BpftoolResult {
  stdout: Buffer;
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs `bpftool ARGS` (stdout kept as bytes). */
export function bpftool(args: string[]): BpftoolResult {
  const r = spawnSync("bpftool", args, { maxBuffer: 1 << 28 });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status, signal: r.signal };
}

/** Runs `fn` with `bytes` written to a temporary file, which is removed afterwards. */
export function withTempFile<T>(bytes: Uint8Array, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-dump-"));
  try {
    const path = join(dir, "blob.btf");
    writeFileSync(path, bytes);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Output of a dump function taking a sink, as bytes. */
export function capture(dump: (sink: (chunk: Uint8Array) => void) => void): Buffer {
  const out = collectingSink();
  dump(out.sink);
  const bytes = out.bytes();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Undefined when equal, else the first differing line of each. */
export function firstDifference(actual: Uint8Array, expected: Uint8Array): string | undefined {
  if (Buffer.compare(actual, expected) === 0) return undefined;
  const a = Buffer.from(actual).toString("latin1").split("\n");
  const e = Buffer.from(expected).toString("latin1").split("\n");
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `line ${i + 1}:\n  corebpf: ${JSON.stringify(a[i])}\n  bpftool: ${JSON.stringify(e[i])}`;
  }
  return "same lines, different bytes";
}
