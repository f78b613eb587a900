// `corebpf run` for real: the bundled execsnoop sees the processes the test
// starts; a test object's ring buffer and perf buffer records come out decoded
// through its BTF; a kprobe that cannot attach is reported, not fatal; SIGINT
// stops promptly, maps are dumped, and nothing the run made stays in the kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { probeKprobeEvents, probeKprobePmu } from "../../src/kernel/index.js";
import { repoRoot } from "../support/paths.js";
import { RunProcess, bpffsEntries, execsnoopSkip, idsGone, marker, runCommand, runEventsSkip, type Json } from "./support.js";

const runEventsObject = join(repoRoot, "bpf", "test", "run_events.bpf.o");

/** Ids of what a run reported making: programs, links, event maps, dumped maps. */
function idsOf(records: readonly Json[]): { prog: number[]; link: number[]; map: number[] } {
  const start = records.find((r) => r.type === "start")!;
  return {
    prog: start.programs.filter((p: Json) => p.id > 0).map((p: Json) => p.id as number),
    link: start.programs.flatMap((p: Json) => (p.link_ids ?? []) as number[]),
    map: [...start.streams.map((s: Json) => s.id as number), ...records.filter((r) => r.type === "map").map((r) => r.id as number)],
  };
}

async function assertReleased(records: readonly Json[]): Promise<void> {
  const ids = idsOf(records);
  assert.ok(ids.prog.length > 0 && ids.map.length > 0);
  assert.deepEqual(await idsGone("link", ids.link), [], "links left in the kernel");
  assert.deepEqual(await idsGone("prog", ids.prog), [], "programs left in the kernel");
  assert.deepEqual(await idsGone("map", ids.map), [], "maps left in the kernel");
}

test("corebpf run (bundled execsnoop, -j): the spawned processes with pid, ppid, comm, filename, args, ret", { skip: execsnoopSkip }, async () => {
  const run = new RunProcess(["-j", "--duration", "3"]);
  try {
    await run.waitFor('"type":"start"');
    const tag = marker();
    const pids: number[] = [];
    for (let i = 0; i < 3; i++) pids.push((await runCommand("/bin/true", [tag, String(i)]))!);
    await runCommand(`/nonexistent-${tag}`, []);
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr);
    const records = run.records();
    const start = records[0]!;
    assert.equal(start.type, "start");
    assert.match(start.object, /bpf\/tools\/execsnoop\.bpf\.o$/);
    assert.deepEqual(
      start.programs.map((p: Json) => [p.name, p.attached, p.kind]),
      [
        ["execve_enter", true, "tracepoint"],
        ["execve_exit", true, "tracepoint"],
      ],
    );
    assert.deepEqual(Object.keys(start.ms), ["cli", "imports", "load", "attach", "attached"]);
    assert.ok(start.ms.attached > 0);

    const ours = records.filter((r) => r.type === "event" && String(r.data.args).includes(tag) && r.data.filename === "/bin/true");
    assert.equal(ours.length, 3, run.stdout);
    for (const [i, e] of ours.entries()) {
      assert.deepEqual(Object.keys(e), ["type", "map", "size", "record_type", "data"]);
      assert.equal(e.map, "events");
      assert.equal(e.record_type, "struct event");
      assert.deepEqual(Object.keys(e.data), ["pid", "ppid", "uid", "ret", "comm", "filename", "args"]);
      assert.equal(e.data.pid, pids[i]);
      assert.equal(e.data.ppid, process.pid);
      assert.equal(e.data.uid, process.getuid!());
      assert.equal(e.data.ret, 0);
      assert.equal(e.data.comm, "true");
      assert.equal(e.data.args, `/bin/true ${tag} ${i}`);
    }
    const failed = records.find((r) => r.type === "event" && r.data.filename === `/nonexistent-${tag}`);
    assert.ok(failed, "the failed exec is reported");
    assert.equal(failed.data.ret, -2); // ENOENT
    assert.equal(failed.data.ppid, process.pid);

    const maps = records.filter((r) => r.type === "map");
    assert.deepEqual(
      maps.map((m) => m.map),
      ["execs", "execsnoo.bss"],
    );
    const totals = maps[1]!.entries[0].value;
    assert.ok(totals.exec_calls >= 4 && totals.exec_failed >= 1, JSON.stringify(totals));
    const exit = records[records.length - 1]!;
    assert.deepEqual(exit, { type: "exit", reason: "duration", events: exit.events, lost: 0 });
    assert.ok(exit.events >= 4);
    await assertReleased(records);
  } finally {
    run.kill();
  }
});

test("corebpf run OBJ -j: ring buffer and perf buffer records decoded through the object's BTF; a kprobe that cannot attach is reported", { skip: runEventsSkip }, async () => {
  const run = new RunProcess([runEventsObject, "-j", "--duration", "3"]);
  try {
    await run.waitFor('"type":"start"');
    const tag = marker();
    const pid = await runCommand("/bin/true", [tag]);
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr);
    const records = run.records();
    const start = records[0]!;
    const byName = new Map<string, Json>(start.programs.map((p: Json) => [p.name, p]));
    assert.equal(byName.get("on_exec")!.attached, true);
    assert.equal(byName.get("on_exec")!.kind, "tracepoint");
    assert.equal(byName.get("on_fork")!.attached, true);
    assert.equal(byName.get("on_fork")!.kind, "raw_tracepoint");
    const kprobe = byName.get("on_nanosleep")!;
    if (!probeKprobePmu() && !probeKprobeEvents()) {
      assert.equal(kprobe.attached, false);
      assert.equal(kprobe.code, "NOT_SUPPORTED");
      assert.match(kprobe.reason, /kprobe/);
    }
    assert.deepEqual(
      start.streams.map((s: Json) => [s.map, s.kind]),
      [
        ["exec_events", "ringbuf"],
        ["fork_events", "perf"],
      ],
    );

    const exec = records.find((r) => r.type === "event" && r.map === "exec_events" && r.data.pid === pid);
    assert.ok(exec, run.stdout);
    assert.deepEqual(Object.keys(exec), ["type", "map", "size", "record_type", "data"]);
    assert.equal(exec.size, 32);
    assert.equal(exec.record_type, "struct exec_event");
    assert.deepEqual(exec.data, { pid, ppid: process.pid, seq: exec.data.seq, comm: "true" });

    const fork = records.find((r) => r.type === "event" && r.map === "fork_events" && r.data.child_pid === pid);
    assert.ok(fork, run.stdout);
    assert.deepEqual(Object.keys(fork), ["type", "map", "cpu", "size", "record_type", "data"]);
    assert.equal(fork.size, 28); // 24 bytes, padded by the kernel
    assert.equal(fork.record_type, "struct fork_sample");
    assert.equal(fork.data.parent_pid, process.pid);

    const counts = records.find((r) => r.type === "map" && r.map === "exec_counts")!;
    assert.ok(counts.entries.some((e: Json) => e.key.comm === "true" && e.value >= 1), JSON.stringify(counts));
    const bss = records.find((r) => r.type === "map" && r.map === "run_even.bss")!;
    assert.ok(bss.entries[0].value.exec_seq >= 1);
    await assertReleased(records);
  } finally {
    run.kill();
  }
});

test("corebpf run: SIGINT stops promptly, prints aligned lines and the map dump, leaves nothing loaded or pinned", { skip: runEventsSkip }, async () => {
  const pinsBefore = bpffsEntries();
  const run = new RunProcess([runEventsObject, "--verbose"]);
  try {
    await run.waitFor("Ctrl-C to stop");
    assert.match(run.stderr, /2 of 3 programs attached|3 of 3 programs attached/);
    assert.match(run.stderr, /attached [\d.]+ ms after process start/);
    const tag = marker();
    const pid = await runCommand("/bin/true", [tag]);
    await run.waitFor(`${pid}`);
    await sleep(100);
    const sent = Date.now();
    run.child.kill("SIGINT");
    const { code } = await run.exited;
    const stopMs = Date.now() - sent;
    assert.equal(code, 0, run.stderr);
    assert.ok(stopMs < 5000, `stopped ${stopMs} ms after SIGINT`);
    assert.match(run.stderr, /SIGINT: \d+ events?/);

    const lines = run.stdout.split("\n");
    const header = lines.find((l) => l.startsWith("MAP") && l.includes("COMM") && l.includes("SEQ"));
    assert.ok(header, run.stdout);
    const row = lines.find((l) => l.startsWith("exec_events ") && l.includes(` ${pid} `));
    assert.ok(row, run.stdout);
    // Columns line up with the header: each value starts where its name does.
    for (const name of ["PID", "PPID", "SEQ", "COMM"]) {
      const at: number = header.indexOf(` ${name}`) + 1;
      assert.notEqual(row[at - 1], undefined);
      assert.equal(row[at - 1], " ", `column ${name}`);
      assert.notEqual(row[at], " ", `column ${name}`);
    }
    assert.ok(row.trimEnd().endsWith("true"));
    assert.match(run.stdout, /\nmap 'exec_counts' \(hash, id \d+\):\n\[\{/);
    assert.match(run.stdout, /"comm": "true"/);
    assert.match(run.stdout, /\nmap 'run_even\.bss' \(array, id \d+\):\n/);

    const ids = [...run.stdout.matchAll(/id (\d+)\):/g)].map((m) => Number(m[1]));
    assert.deepEqual(await idsGone("map", ids), []);
    const newPins = bpffsEntries().filter((p) => !pinsBefore.includes(p) && /exec|fork|run_even|nanosleep/.test(p));
    assert.deepEqual(newPins, []);
  } finally {
    run.kill();
  }
});

test("corebpf run: bad arguments are usage errors (exit 255)", async () => {
  for (const args of [["--duration", "0"], ["--duration"], ["--bogus"], ["no-such-tool"], ["--type", "nomap"]]) {
    const run = new RunProcess(args);
    const { code } = await run.exited;
    assert.equal(code, 255, `${args.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, /^Error: /);
  }
});
