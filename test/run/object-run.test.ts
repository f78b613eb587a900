// ObjectRun in this process: records from both kinds of buffer, programs
// reported per attach policy (cgroup programs only on a given cgroup), and
// close() leaving no fd, mapping or kernel object behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreBpfError } from "../../src/errors.js";
import { ObjectRun, type RunEvent, type RunRecord } from "../../src/events/index.js";
import { collectGarbage, mappings, openFdCount } from "../events/support.js";
import { cgroup2Root, kernelSkip, makeCgroup } from "../attach/support.js";
import { repoRoot } from "../support/paths.js";
import { idsGone, marker, runCommand, runEventsSkip } from "./support.js";

const object = (name: string) => join(repoRoot, "bpf", "test", `${name}.bpf.o`);

test("ObjectRun: typed records from the ring buffer and the perf buffer; close() releases fds, mappings and kernel objects", { skip: runEventsSkip }, async () => {
  // Warm-up: first use opens process-lifetime resources (kernel BTF, watcher).
  (await ObjectRun.start(object("run_events"))).close();
  collectGarbage();
  const fds = openFdCount();
  const mapped = mappings().kernel;

  const run = await ObjectRun.start(object("run_events"));
  const records: RunRecord[] = [];
  let progIds: number[] = [];
  let mapIds: number[] = [];
  let linkIds: number[] = [];
  try {
    progIds = run.programs.filter((p) => p.id > 0).map((p) => p.id);
    linkIds = run.programs.flatMap((p) => p.linkIds);
    mapIds = run.streams.map((s) => s.id);
    assert.ok(run.timings.start <= run.timings.loaded && run.timings.loaded <= run.timings.attached);
    assert.deepEqual(
      run.otherMaps().map((m) => [m.name, m.kind]),
      [
        ["exec_counts", "btf"],
        ["run_even.bss", "bss"],
      ],
    );
    assert.deepEqual(
      run.otherMaps({ readOnly: true }).map((m) => m.name),
      ["exec_counts", "run_even.bss"],
    );
    run.consume((r) => records.push(r));
    const pid = await runCommand("/bin/true", [marker()]);
    const mine = (map: string) => records.find((r): r is RunEvent => r.type === "event" && r.stream.map === map && (r.value?.pid === pid || r.value?.child_pid === pid));
    for (let i = 0; i < 250 && (mine("exec_events") === undefined || mine("fork_events") === undefined); i++) await sleep(20);
    const exec = mine("exec_events");
    const fork = mine("fork_events");
    assert.ok(exec && fork, `pid ${pid}: ${records.map((r) => (r.type === "event" ? `${r.stream.map} ${String(r.value?.pid ?? r.value?.child_pid)}` : "lost")).join(", ")}`);
    assert.equal(exec.recordType?.name, "struct exec_event");
    assert.deepEqual({ ...exec.value, seq: 0 }, { pid, ppid: process.pid, seq: 0, comm: "true" });
    assert.equal(fork.recordType?.name, "struct fork_sample");
    assert.equal(fork.value?.parent_pid, process.pid);
    assert.ok(run.events >= 2);
    run.detach();
    run.flush();
    const seen = run.events;
    await runCommand("/bin/true", []);
    await sleep(50);
    run.flush();
    assert.equal(run.events, seen, "no records once detached");
  } finally {
    run.close();
  }
  run.close(); // idempotent
  assert.throws(() => run.consume(() => {}), CoreBpfError);
  collectGarbage();
  assert.equal(openFdCount(), fds, "fds left open");
  assert.equal(mappings().kernel, mapped, "mappings left");
  assert.deepEqual(await idsGone("link", linkIds), []);
  assert.deepEqual(await idsGone("prog", progIds), []);
  assert.deepEqual(await idsGone("map", mapIds), []);
});

test("ObjectRun: a user's record type that does not fit the records gives bytes", { skip: runEventsSkip }, async () => {
  using run = await ObjectRun.start(object("run_events"), { recordTypes: { fork_events: "struct exec_event" } });
  const got: RunEvent[] = [];
  run.consume((r) => {
    if (r.type === "event" && r.stream.map === "fork_events") got.push(r);
  });
  await runCommand("/bin/true", []);
  for (let i = 0; i < 100 && got.length === 0; i++) await sleep(20);
  assert.ok(got.length > 0);
  assert.equal(got[0]!.value, undefined);
  assert.equal(got[0]!.bytes?.length, 28);
});

test("ObjectRun: network and cgroup programs are not attached without --iface/--cgroup, cgroup ones are with it", { skip: kernelSkip }, async () => {
  const fds = openFdCount();
  {
    using run = await ObjectRun.start(object("progs_net"));
    assert.ok(run.programs.length >= 16);
    assert.deepEqual(run.programs.filter((p) => p.attached), []);
    const reason = (name: string) => run.programs.find((p) => p.name === name)?.reason;
    for (const p of run.programs) assert.ok(p.id > 0 && p.reason, p.name);
    assert.match(reason(run.programs.find((p) => p.section === "xdp")!.name)!, /--iface/);
    assert.match(reason(run.programs.find((p) => p.section === "cgroup_skb/ingress")!.name)!, /--cgroup/);
    assert.match(reason(run.programs.find((p) => p.section === "socket")!.name)!, /socket/);
    assert.match(reason(run.programs.find((p) => p.section === "sk_lookup")!.name)!, /network namespace/);
  }
  const root = cgroup2Root();
  if (root !== undefined) {
    using cg = makeCgroup(root);
    using run = await ObjectRun.start(object("progs_net"), { cgroup: cg.path });
    const cgroupProgs = run.programs.filter((p) => /^cgroup/.test(p.section));
    assert.ok(cgroupProgs.length >= 4);
    for (const p of cgroupProgs) assert.equal(p.attached, true, `${p.section}: ${p.reason}`);
    assert.equal(run.programs.find((p) => p.section === "xdp")?.attached, false);
  }
  assert.equal(openFdCount(), fds);
});

test("ObjectRun.start: a missing file, an unknown record type or map are typed errors and leave nothing open", { skip: runEventsSkip }, async () => {
  await ObjectRun.start(object("run_events")).then((r) => r.close()); // warm-up
  const fds = openFdCount();
  await assert.rejects(ObjectRun.start("/nonexistent/x.bpf.o"), (err: unknown) => err instanceof CoreBpfError && err.code === "ENOENT");
  await assert.rejects(ObjectRun.start(object("run_events"), { recordTypes: { exec_events: "struct nope" } }), (err: unknown) => err instanceof CoreBpfError && err.code === "BTF_TYPE_NOT_FOUND");
  await assert.rejects(ObjectRun.start(object("run_events"), { recordTypes: { nomap: "struct exec_event" } }), (err: unknown) => err instanceof CoreBpfError && err.code === "NO_SUCH_MAP");
  assert.equal(openFdCount(), fds);
});
