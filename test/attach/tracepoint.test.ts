// Tracepoints and raw tracepoints attached for real: a spawned process's exec
// moves the counter of a program attached to sched/sched_process_exec.
import { test } from "node:test";
import assert from "node:assert/strict";
import { attachRawTracepoint, attachTracepoint } from "../../src/kernel/attach/index.js";
import { count, counterMap, counterProgram, kernelSkip, linkIds, linksGone, openFdCount, run, waitFor } from "./support.js";

test("tracepoint sched/sched_process_exec counts a spawned process's exec", { skip: kernelSkip }, async () => {
  const fds = openFdCount();
  const links = linkIds();
  {
    using map = counterMap();
    using prog = counterProgram("tracepoint", map);
    using link = attachTracepoint(prog, "sched/sched_process_exec");
    assert.equal(link.kind, "tracepoint");
    run("/bin/true", []);
    assert.ok(await waitFor(() => count(map) > 0n), "counter moved");
  }
  assert.equal(openFdCount(), fds);
  assert.deepEqual(await linksGone(links), []);
});

test("tracepoint through the ioctl path (PERF_EVENT_IOC_SET_BPF)", { skip: kernelSkip }, async () => {
  const fds = openFdCount();
  {
    using map = counterMap();
    using prog = counterProgram("tracepoint", map);
    using att = attachTracepoint(prog, "syscalls/sys_enter_execve", { mode: "ioctl" });
    run("/bin/true", []);
    assert.ok(await waitFor(() => count(map) > 0n));
    att.close();
    const frozen = count(map);
    run("/bin/true", []);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(count(map), frozen, "closing detached the program");
  }
  assert.equal(openFdCount(), fds);
});

test("raw tracepoint sched_process_exec", { skip: kernelSkip }, async () => {
  const fds = openFdCount();
  const links = linkIds();
  {
    using map = counterMap();
    using prog = counterProgram("raw_tracepoint", map);
    using link = attachRawTracepoint(prog, "sched_process_exec");
    assert.equal(link.info().tpName, "sched_process_exec");
    run("/bin/true", []);
    assert.ok(await waitFor(() => count(map) > 0n));
  }
  assert.equal(openFdCount(), fds);
  assert.deepEqual(await linksGone(links), []);
});
