// perf_event programs sampling cpu-clock on every CPU, and kprobes, which this
// kind of kernel may lack: then the error names both missing interfaces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NotSupportedError } from "../../src/errors.js";
import { attachKprobe, attachPerfEvent, legacyTarget } from "../../src/kernel/attach/index.js";
import { probeKprobeEvents, probeKprobePmu } from "../../src/kernel/attach/probes.js";
import { onlineCpus } from "../../src/kernel/index.js";
import { count, counterMap, counterProgram, kernelSkip, linkIds, linksGone, openFdCount, thrown, waitFor } from "./support.js";

test("perf_event on cpu-clock: one link per CPU, samples counted, all released", { skip: kernelSkip }, async () => {
  const fds = openFdCount();
  const links = linkIds();
  {
    using map = counterMap();
    using prog = counterProgram("perf_event", map);
    using group = attachPerfEvent(prog, { sampleFreq: 1000 });
    assert.equal(group.members.length, onlineCpus().length);
    assert.ok(await waitFor(() => count(map) >= 5n), `samples: ${count(map)}`);
    group.close();
    assert.ok(group.closed);
    const frozen = count(map);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(count(map), frozen, "no samples after close");
  }
  assert.equal(openFdCount(), fds);
  assert.deepEqual(await linksGone(links), []);
});

test("perf_event through the ioctl path", { skip: kernelSkip }, async () => {
  using map = counterMap();
  using prog = counterProgram("perf_event", map);
  using group = attachPerfEvent(prog, { samplePeriod: 1_000_000, mode: "ioctl", cpus: [0] });
  assert.ok(await waitFor(() => count(map) >= 2n));
});

test("kprobe: attached where the kernel has kprobes, else a NotSupportedError naming the PMU and kprobe_events", { skip: kernelSkip }, async () => {
  using map = counterMap();
  using prog = counterProgram("kprobe", map);
  if (probeKprobePmu() === undefined && !probeKprobeEvents()) {
    const err = thrown(() => attachKprobe(prog, "do_sys_openat2"));
    assert.ok(err instanceof NotSupportedError);
    assert.equal(err.feature, "kprobe");
    assert.match(err.message, /kprobe PMU \(\/sys\/bus\/event_source\/devices\/kprobe\)/);
    assert.match(err.message, /kprobe_events in tracefs/);
    assert.match(err.message, /CONFIG_KPROBES/);
    assert.throws(() => attachKprobe(prog, "do_sys_openat2", { retprobe: true }), NotSupportedError);
    assert.throws(() => attachKprobe(prog, "do_sys_openat2", { probe: "pmu" }), /no kprobe PMU/);
    return;
  }
  using link = attachKprobe(prog, "do_sys_openat2");
  (await import("node:fs")).readFileSync("/proc/self/stat");
  assert.ok(await waitFor(() => count(map) > 0n));
});

test("legacy probe definitions follow the tracefs syntax", () => {
  assert.equal(legacyTarget({ kind: "kprobe", retprobe: false, target: "do_unlinkat", offset: 0, label: "" }), "do_unlinkat");
  assert.equal(legacyTarget({ kind: "kprobe", retprobe: false, target: "do_unlinkat", offset: 8, label: "" }), "do_unlinkat+8");
  assert.equal(legacyTarget({ kind: "uprobe", retprobe: false, target: "/bin/x", offset: 0x1234, label: "" }), "/bin/x:0x1234");
  assert.equal(legacyTarget({ kind: "uprobe", retprobe: false, target: "/bin/x", offset: 0x10, refCtrOffset: 0x20, label: "" }), "/bin/x:0x10(0x20)");
});
