// Section names understood as libbpf does, auto-attach from them, and USDT
// probes (a C program with a hand-written SDT note and semaphore, compiled here).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { arch } from "node:process";
import { AttachType, ProgType } from "../../src/kernel/index.js";
import { attachSection, attachUsdt, parseSection, usdtSites, type SectionInfo } from "../../src/kernel/attach/index.js";
import { repoRoot } from "../support/paths.js";
import { count, counterMap, counterProgram, hasTool, kernelSkip, makeNetns, netSkip, openFdCount, run, thrown, waitFor } from "./support.js";

test("section names parse as libbpf's table says", () => {
  const cases: [string, Partial<SectionInfo>][] = [
    ["tracepoint/sched/sched_process_exec", { progType: ProgType.TRACEPOINT, autoAttach: { kind: "tracepoint", tracepoint: "sched/sched_process_exec" } }],
    ["tp/syscalls/sys_enter_openat", { progType: ProgType.TRACEPOINT, autoAttach: { kind: "tracepoint", tracepoint: "syscalls/sys_enter_openat" } }],
    ["raw_tp/sched_switch", { progType: ProgType.RAW_TRACEPOINT, autoAttach: { kind: "raw_tracepoint", name: "sched_switch" } }],
    ["kprobe/do_unlinkat", { progType: ProgType.KPROBE, autoAttach: { kind: "kprobe", target: "do_unlinkat", retprobe: false } }],
    ["kretprobe/do_unlinkat", { autoAttach: { kind: "kprobe", target: "do_unlinkat", retprobe: true } }],
    ["ksyscall/execve", { autoAttach: { kind: "ksyscall", syscall: "execve", retprobe: false } }],
    ["uprobe//bin/bash:readline", { autoAttach: { kind: "uprobe", target: "/bin/bash:readline", retprobe: false } }],
    ["uretprobe.s/libc.so.6:malloc", { sleepable: true, autoAttach: { kind: "uprobe", target: "libc.so.6:malloc", retprobe: true } }],
    ["usdt/libc.so.6:libc:setjmp", { autoAttach: { kind: "usdt", path: "libc.so.6", provider: "libc", name: "setjmp" } }],
    ["fentry/do_unlinkat", { progType: ProgType.TRACING, expectedAttachType: AttachType.TRACE_FENTRY, btfTarget: { kind: "fentry", name: "do_unlinkat" }, autoAttach: { kind: "tracing", tracing: "fentry" } }],
    ["lsm.s/file_open", { progType: ProgType.LSM, sleepable: true, btfTarget: { kind: "lsm", name: "file_open" } }],
    ["iter/task", { btfTarget: { kind: "iter", name: "task" }, autoAttach: { kind: "iter" } }],
    ["tp_btf/sched_switch", { expectedAttachType: AttachType.TRACE_RAW_TP, autoAttach: { kind: "tracing", tracing: "tp_btf" } }],
    ["xdp", { progType: ProgType.XDP, expectedAttachType: AttachType.XDP, expectedAttachTypeOptional: true, needs: "interface" }],
    ["xdp.frags", { xdpFrags: true, needs: "interface" }],
    ["xdp/devmap", { expectedAttachType: AttachType.XDP_DEVMAP, needs: "unsupported" }],
    ["tc", { progType: ProgType.SCHED_CLS, needs: "interface" }],
    ["tcx/egress", { expectedAttachType: AttachType.TCX_EGRESS, needs: "interface" }],
    ["cgroup_skb/ingress", { progType: ProgType.CGROUP_SKB, expectedAttachType: AttachType.CGROUP_INET_INGRESS, needs: "cgroup" }],
    ["cgroup/connect4", { progType: ProgType.CGROUP_SOCK_ADDR, expectedAttachType: AttachType.CGROUP_INET4_CONNECT }],
    ["socket", { progType: ProgType.SOCKET_FILTER, needs: "socket" }],
    ["sk_lookup", { expectedAttachType: AttachType.SK_LOOKUP, needs: "netns" }],
    ["perf_event", { progType: ProgType.PERF_EVENT, needs: "perf_event" }],
    ["kprobe", { progType: ProgType.KPROBE, autoAttach: undefined, needs: "target_name" }],
    ["struct_ops/foo", { progType: ProgType.STRUCT_OPS, needs: "unsupported" }],
  ];
  for (const [section, expected] of cases) {
    const info = parseSection(section);
    assert.ok(info, section);
    for (const [k, v] of Object.entries(expected)) assert.deepEqual((info as unknown as Record<string, unknown>)[k], v, `${section}: ${k}`);
  }
  for (const bad of ["", "xdpx", "tracepointfoo", "kprobes/x", ".text", "license", "maps"]) assert.equal(parseSection(bad), undefined, bad);
});

test("attachSection: tracepoint and raw_tp attach by name; xdp needs an interface", { skip: kernelSkip }, async () => {
  const fds = openFdCount();
  {
    using map = counterMap();
    using tp = counterProgram("tracepoint", map);
    using a = attachSection(tp, "tracepoint/sched/sched_process_exec");
    using raw = counterProgram("raw_tracepoint", map);
    using b = attachSection(raw, "raw_tp/sched_process_exec");
    run("/bin/true", []);
    assert.ok(await waitFor(() => count(map) >= 2n));
    using xdp = counterProgram("xdp", map, { ret: 2 });
    assert.throws(() => attachSection(xdp, "xdp"), /attaches to a network interface.*pass iface/);
    assert.throws(() => attachSection(xdp, "no_such_section"), /not a program section libbpf knows/);
    assert.throws(() => attachSection(xdp, "kprobe"), /a target/);
    // Suggestions only for typos; none for a name unlike any section.
    assert.throws(() => attachSection(xdp, "foo/bar"), (err: Error) => err.message === "section 'foo/bar' is not a program section libbpf knows");
    assert.throws(() => attachSection(xdp, "tracepont/sched/sched_process_exec"), /did you mean 'tracepoint'\?/);
    using cls = counterProgram("sched_cls", map);
    assert.throws(
      () => attachSection(cls, "tc", { iface: "lo" }),
      (err: Error) =>
        err.message ===
        "section 'tc' does not say which direction (ingress or egress) of the tc hook it attaches to (name it in the section (tc/ingress, tcx/egress...), or call attachTc with a direction)",
    );
  }
  assert.equal(openFdCount(), fds);
});

test("attachSection: xdp and tcx with an interface in a netns", { skip: netSkip() }, () => {
  using ns = makeNetns();
  using map = counterMap();
  using xdp = counterProgram("xdp", map, { ret: 2 });
  using cls = counterProgram("sched_cls", map);
  using a = attachSection(xdp, "xdp", { iface: ns.b, netns: ns.path, xdpMode: "skb" });
  using b = attachSection(cls, "tc/ingress", { iface: ns.b, netns: ns.path });
  assert.equal(a.kind, "xdp");
  assert.ok(b.kind === "tcx" || b.kind === "tc");
});

const usdtSkip = kernelSkip || (!hasTool("gcc") ? "gcc is not installed" : arch !== "x64" ? "the test's hand-written SDT note is x86-64 assembly" : false);
let dir = "";
let usdtBinary = "";
before(() => {
  if (usdtSkip) return;
  dir = mkdtempSync(join(tmpdir(), "corebpf-usdt-"));
  usdtBinary = join(dir, "usdt-target");
  const r = spawnSync("gcc", ["-O1", "-o", usdtBinary, join(repoRoot, "test/attach/fixtures/usdt-target.c")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("USDT: notes match readelf, the semaphore is raised while attached, every hit counted", { skip: usdtSkip }, async () => {
  const { sites } = usdtSites(usdtBinary, "corebpf_test", "tick");
  assert.equal(sites.length, 1);
  const readelf = spawnSync("readelf", ["-n", usdtBinary], { encoding: "utf8" }).stdout;
  const m = /Location: 0x([0-9a-f]+), Base: 0x[0-9a-f]+, Semaphore: 0x([0-9a-f]+)/.exec(readelf);
  assert.ok(m);
  assert.equal(sites[0]!.address, Number.parseInt(m[1]!, 16));
  assert.equal(sites[0]!.semaphore, Number.parseInt(m[2]!, 16));
  assert.equal(sites[0]!.args, "-4@%eax");

  assert.equal(spawnSync(usdtBinary, ["4"], { encoding: "utf8" }).stdout.trim(), "0", "semaphore off without a probe");
  const fds = openFdCount();
  {
    using map = counterMap();
    using prog = counterProgram("kprobe", map);
    using group = attachUsdt(prog, usdtBinary, "corebpf_test", "tick");
    assert.equal(group.members.length, 1);
    const out = spawnSync(usdtBinary, ["5"], { encoding: "utf8" }).stdout.trim();
    assert.equal(out, "5", "the kernel raised the semaphore");
    assert.equal(count(map), 5n);
    // The same through the section name, for one process only.
    const child = spawn(usdtBinary, ["3", "wait"], { stdio: ["pipe", "ignore", "ignore"] });
    const closed = once(child, "close");
    using map2 = counterMap();
    using prog2 = counterProgram("kprobe", map2);
    using viaSection = attachSection(prog2, `usdt/${usdtBinary}:corebpf_test:tick`, { pid: child.pid! });
    child.stdin.end("go\n");
    await closed;
    assert.equal(count(map2), 3n);
    assert.throws(() => attachUsdt(prog, usdtBinary, "corebpf_test", "nope"), /no USDT probe corebpf_test:nope/);
  }
  assert.equal(openFdCount(), fds);
  assert.equal(thrown(() => usdtSites("/no/such/file", "a", "b")) instanceof Error, true);
});
