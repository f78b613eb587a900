// uprobes and uretprobes on a C program compiled here, by path and by a
// library name resolved through the process's mappings, filtered by PID,
// through the uprobe PMU and the tracefs uprobe_events interface.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { attachUprobe, parseUprobeTarget } from "../../src/kernel/attach/index.js";
import { functionFileOffset, resolveBinaryPath } from "../../src/kernel/elf-symbols.js";
import { probeUprobeEvents, probeUprobePmu } from "../../src/kernel/attach/probes.js";
import { count, counterMap, counterProgram, hasTool, kernelSkip, linkIds, linksGone, openFdCount, waitFor } from "./support.js";

const source = `
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((noinline)) int corebpf_target(int x) { __asm__ volatile(""); return x * 2; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3, s = 0;
  if (argc > 2) { char line[8]; if (!fgets(line, sizeof line, stdin)) return 2; }
  for (int i = 0; i < n; i++) { s += corebpf_target(i); s += (int)getpid() & 0; }
  return s == n * (n - 1) ? 0 : 1;
}
`;

const skip = kernelSkip || (!hasTool("gcc") ? "gcc is not installed (the test compiles its target)" : false);
let dir = "";
let binary = "";

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "corebpf-uprobe-"));
  writeFileSync(join(dir, "target.c"), source);
  binary = join(dir, "target");
  const r = spawnSync("gcc", ["-O1", "-o", binary, join(dir, "target.c")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runTarget(n: number): number | null {
  return spawnSync(binary, [String(n)]).status;
}

/** Starts the target paused on stdin; go() lets it run, done resolves to its exit code. */
function startPaused(n: number) {
  const child = spawn(binary, [String(n), "wait"], { stdio: ["pipe", "ignore", "ignore"] });
  const done = once(child, "exit").then(([code]) => code as number);
  return { pid: child.pid!, go: () => child.stdin.end("go\n"), done };
}

test("target strings parse as libbpf's PATH:FUNC[+OFF]", () => {
  assert.deepEqual(parseUprobeTarget("/bin/bash:readline"), { path: "/bin/bash", symbol: "readline" });
  assert.deepEqual(parseUprobeTarget("libc.so.6:malloc+0x10"), { path: "libc.so.6", symbol: "malloc", offset: 16 });
  assert.deepEqual(parseUprobeTarget("/x:0x1234"), { path: "/x", offset: 0x1234 });
  assert.throws(() => parseUprobeTarget("nocolon"), /PATH:FUNC/);
});

test("a symbol resolves to its file offset (compared with nm/readelf's addresses)", { skip }, () => {
  const sym = functionFileOffset(binary, "corebpf_target");
  const nm = spawnSync("nm", [binary], { encoding: "utf8" }).stdout;
  const line = nm.split("\n").find((l) => l.endsWith(" corebpf_target"));
  assert.ok(line);
  assert.equal(sym.address, Number.parseInt(line.split(" ")[0]!, 16));
  assert.ok(sym.fileOffset > 0 && sym.fileOffset <= sym.address);
  assert.throws(() => functionFileOffset(binary, "no_such_function"), /no function 'no_such_function'/);
});

test("uprobe by path counts every call, in every process", { skip }, async () => {
  const fds = openFdCount();
  const links = linkIds();
  {
    using map = counterMap();
    using prog = counterProgram("kprobe", map);
    using link = attachUprobe(prog, `${binary}:corebpf_target`);
    assert.equal(link.kind, "uprobe");
    assert.equal(runTarget(5), 0);
    assert.equal(runTarget(2), 0);
    assert.equal(count(map), 7n);
  }
  assert.equal(openFdCount(), fds);
  assert.deepEqual(await linksGone(links), []);
});

test("uretprobe counts returns", { skip }, () => {
  using map = counterMap();
  using prog = counterProgram("kprobe", map);
  using link = attachUprobe(prog, { path: binary, symbol: "corebpf_target" }, { retprobe: true });
  assert.equal(link.kind, "uretprobe");
  assert.equal(runTarget(4), 0);
  assert.equal(count(map), 4n);
});

test("uprobe filtered by PID sees only that process", { skip }, async () => {
  using map = counterMap();
  using prog = counterProgram("kprobe", map);
  const paused = startPaused(6);
  using link = attachUprobe(prog, `${binary}:corebpf_target`, { pid: paused.pid });
  assert.equal(runTarget(3), 0, "another process");
  assert.equal(count(map), 0n);
  paused.go();
  assert.equal(await paused.done, 0);
  assert.equal(count(map), 6n);
  link.close();
});

test("uprobe on a libc function by library name through the process's mappings", { skip }, async () => {
  using map = counterMap();
  using prog = counterProgram("kprobe", map);
  const paused = startPaused(9);
  try {
    // The dynamic linker maps libc before main() blocks on stdin.
    assert.ok(await waitFor(() => readFileSync(`/proc/${paused.pid}/maps`, "utf8").includes("libc")), "libc mapped");
    const path = resolveBinaryPath("libc", paused.pid);
    assert.match(path, /libc[.-]/);
    using link = attachUprobe(prog, "libc:getpid", { pid: paused.pid });
    paused.go();
    assert.equal(await paused.done, 0);
    assert.ok(count(map) >= 9n, `getpid calls seen: ${count(map)}`);
    link.close();
  } finally {
    paused.go();
  }
});

test("uprobe through tracefs uprobe_events (legacy path)", { skip: skip || (!probeUprobeEvents() ? "no uprobe_events in tracefs" : false) }, async () => {
  const fds = openFdCount();
  {
    using map = counterMap();
    using prog = counterProgram("kprobe", map);
    using link = attachUprobe(prog, `${binary}:corebpf_target`, { probe: "legacy", retprobe: true });
    assert.equal(runTarget(3), 0);
    assert.equal(count(map), 3n);
    link.close();
  }
  assert.equal(openFdCount(), fds);
  const { findTracefs } = await import("../../src/kernel/tracefs.js");
  const events = readFileSync(join(findTracefs()!, "uprobe_events"), "utf8");
  assert.ok(!events.includes(`_${process.pid}_`), `probe removed:\n${events}`);
});

test("the uprobe PMU is probed from sysfs", { skip: kernelSkip }, () => {
  const pmu = probeUprobePmu();
  if (pmu) {
    assert.ok(pmu.type > 0);
    assert.equal(pmu.retprobeBit, 0);
  }
});
