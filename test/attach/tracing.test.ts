// BTF-based tracing: tp_btf and iterators run here; fentry/fexit/fmod_ret/lsm
// are attached where the probe says the kernel loads them, and otherwise
// refused with a NotSupportedError that says why.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NotSupportedError } from "../../src/errors.js";
import { attachIter, attachTracing, loadTracing, probeTracing, readIter, requireTracing, tracingTarget, type TracingKind } from "../../src/kernel/attach/index.js";
import { count, counterInsns, counterMap, kernelSkip, linkIds, linksGone, openFdCount, run, thrown, waitFor } from "./support.js";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("tp_btf sched_process_exec counts a spawned process's exec", { skip: kernelSkip || (probeTracing("tp_btf").ok ? false : probeTracing("tp_btf").reason) }, async () => {
  const fds = openFdCount();
  const links = linkIds();
  {
    using map = counterMap();
    using prog = loadTracing("tp_btf", "sched_process_exec", { name: "tp_btf_exec", insns: counterInsns(map, 0) });
    using link = attachTracing(prog, "tp_btf");
    assert.equal(link.kind, "tp_btf");
    run("/bin/true", []);
    assert.ok(await waitFor(() => count(map) > 0n));
  }
  assert.equal(openFdCount(), fds);
  assert.deepEqual(await linksGone(links), []);
});

test("iter/task visits every task", { skip: kernelSkip || (probeTracing("iter").ok ? false : probeTracing("iter").reason) }, async () => {
  const fds = openFdCount();
  {
    using map = counterMap();
    using prog = loadTracing("iter", "task", { name: "iter_task", insns: counterInsns(map, 0) });
    using link = attachIter(prog);
    assert.equal(link.info().iterTarget, "task");
    assert.equal(readIter(link).length, 0, "the program writes nothing");
    const tasks = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length;
    // Once per task (threads included) and once more at the end.
    assert.ok(count(map) > BigInt(tasks), `${count(map)} calls for ${tasks} processes`);
  }
  assert.equal(openFdCount(), fds);
});

for (const [kind, target] of [
  ["fentry", "do_unlinkat"],
  ["fexit", "do_unlinkat"],
  ["fmod_ret", "bpf_modify_return_test"],
  ["lsm", "path_unlink"],
] as const) {
  test(`${kind}: attached where supported, else a NotSupportedError saying why`, { skip: kernelSkip }, async () => {
    using map = counterMap();
    const verdict = probeTracing(kind as TracingKind);
    if (!verdict.ok) {
      const err = thrown(() => loadTracing(kind, target, { insns: counterInsns(map, 0) }));
      assert.ok(err instanceof NotSupportedError, String(err));
      assert.equal(err.feature, kind);
      assert.match(err.message, new RegExp(`^${kind} '${target}': `));
      assert.ok(err.message.includes(verdict.reason.slice(0, 20)), err.message);
      assert.throws(() => requireTracing(kind), (e: unknown) => e instanceof NotSupportedError && e.message.includes(verdict.reason));
      return;
    }
    using prog = loadTracing(kind, target, { insns: counterInsns(map, 0) });
    using link = attachTracing(prog, kind);
    if (kind === "fmod_ret") return;
    const file = join(tmpdir(), `corebpf-unlink-${process.pid}`);
    writeFileSync(file, "x");
    rmSync(file);
    assert.ok(await waitFor(() => count(map) > 0n));
  });
}

test("tracing targets resolve in the kernel's BTF, with a clear error when absent", { skip: kernelSkip }, () => {
  const t = tracingTarget("tp_btf", "sched_switch");
  assert.ok(t.attachBtfId > 0);
  assert.equal(tracingTarget("lsm", "bpf_lsm_file_open").attachBtfId, tracingTarget("lsm", "file_open").attachBtfId);
  assert.throws(() => tracingTarget("fentry", "no_such_kernel_function_xyz"), /no no_such_kernel_function_xyz in the kernel's BTF/);
});
