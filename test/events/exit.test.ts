// A process that stops consuming exits promptly: consumers never hold the
// event loop once closed, off()'d, unref()'d, left idle, or when an iterator
// loop is broken out of, with either watch backend; a consumer with a ref'd
// callback does keep the process alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { uvBackendUnavailableReason } from "../../src/events/index.js";
import { perfSkip, ringbufSkip } from "./support.js";

const child = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "exit-child.js");
const skip = ringbufSkip || perfSkip;
const GENEROUS_MS = 15_000;

function run(mode: string, backend: string, timeout = GENEROUS_MS): { status: number | null; signal: string | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [child, mode], {
    env: { ...process.env, COREBPF_WATCH_BACKEND: backend },
    encoding: "utf8",
    timeout,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

for (const backend of ["uv", "epoll-worker"]) {
  const backendSkip = skip || (backend === "uv" ? (uvBackendUnavailableReason() ?? false) : false);
  for (const mode of ["idle", "handler-close", "handler-off", "handler-unref", "iterator-break", "perf-iterator-break"]) {
    test(`${backend}: a process exits on its own after '${mode}'`, { skip: backendSkip, timeout: GENEROUS_MS + 5000 }, (t) => {
      const r = run(mode, backend);
      assert.equal(r.signal, null, `the child was still running after ${GENEROUS_MS} ms (stderr: ${r.stderr})`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), `done ${backend}`);
      t.diagnostic(`exited after ${r.ms} ms`);
    });
  }

  test(`${backend}: a ref'd callback keeps the process alive`, { skip: backendSkip, timeout: 10_000 }, () => {
    const r = run("forever", backend, 1500);
    assert.equal(r.stdout.trim(), `done ${backend}`);
    assert.equal(r.signal, "SIGTERM", "killed by the timeout, not exited");
  });
}
