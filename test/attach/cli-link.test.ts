// `corebpf link show` equals bpftool 7.1's output byte for byte for the links
// created here (perf_event, raw_tracepoint, iter, xdp, tcx, cgroup, netns),
// plain, -j and -p, by id, pinned, with -f and all; `link pin` and `link detach`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { linkShowOutput } from "../../src/cli/link.js";
import {
  type Attachment,
  Link,
  attachCgroup,
  attachIter,
  attachNetns,
  attachRawTracepoint,
  attachTc,
  attachTracepoint,
  attachTracing,
  attachUprobe,
  attachXdp,
  loadTracing,
  probeTracing,
} from "../../src/kernel/attach/index.js";
import { AttachType, Program, encodeInsns, ensureBpffs, exit, mov64Imm } from "../../src/kernel/index.js";
import { cliPath } from "../support/paths.js";
import { bpftoolSkip, cgroup2Root, makeCgroup, makeNetns, netSkip, runBpftool, sameAsBpftool, showStyles } from "./support.js";

const skip = bpftoolSkip() || netSkip();
const styles = showStyles;

const ret = (v: number) => encodeInsns([mov64Imm(0, v), exit()]);

test("link show matches bpftool for every link type made here", { skip }, () => {
  const dir = `${ensureBpffs()}/corebpf-link-show-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const programs: Program[] = [];
  const links: Attachment[] = [];
  const load = (p: Program) => (programs.push(p), p);
  using ns = makeNetns();
  const root = cgroup2Root();
  using cg = root === undefined ? undefined : makeCgroup(root);
  try {
    links.push(attachTracepoint(load(Program.load({ type: "tracepoint", name: "show_tp", insns: ret(0) })), "sched/sched_process_exec"));
    links.push(attachRawTracepoint(load(Program.load({ type: "raw_tracepoint", name: "show_raw", insns: ret(0) })), "sched_switch"));
    links.push(attachUprobe(load(Program.load({ type: "kprobe", name: "show_up", insns: ret(0) })), "/bin/bash:main"));
    if (probeTracing("iter").ok) links.push(attachIter(load(loadTracing("iter", "task", { name: "show_iter", insns: ret(0) }))));
    if (probeTracing("tp_btf").ok) links.push(attachTracing(load(loadTracing("tp_btf", "sched_switch", { name: "show_tpbtf", insns: ret(0) })), "tp_btf"));
    links.push(attachXdp(load(Program.load({ type: "xdp", name: "show_xdp", insns: ret(2) })), ns.b, { netns: ns.path, mode: "skb" }));
    links.push(attachTc(load(Program.load({ type: "sched_cls", name: "show_tcx", insns: ret(0) })), ns.b, { direction: "ingress", netns: ns.path, via: "auto" }));
    links.push(attachNetns(load(Program.load({ type: "sk_lookup", name: "show_skl", insns: ret(1), expectedAttachType: AttachType.SK_LOOKUP })), AttachType.SK_LOOKUP, ns.path));
    if (cg) {
      const prog = load(Program.load({ type: "cgroup_skb", name: "show_cg", insns: ret(1), expectedAttachType: AttachType.CGROUP_INET_INGRESS }));
      links.push(attachCgroup(prog, cg.path, AttachType.CGROUP_INET_INGRESS));
    }
    const owned = links.filter((l): l is Link => l instanceof Link);
    owned[0]!.pin(`${dir}/tp`);
    owned[1]!.pin(`${dir}/raw`);

    for (const link of owned) {
      for (const s of styles) {
        sameAsBpftool(() => linkShowOutput(["id", String(link.id)], s.ctx), () => runBpftool([...s.flags, "link", "show", "id", String(link.id)]), `${link.kind} ${s.flags.join(" ")}`);
      }
    }
    for (const s of styles) {
      sameAsBpftool(() => linkShowOutput(["pinned", `${dir}/raw`], s.ctx), () => runBpftool([...s.flags, "link", "show", "pinned", `${dir}/raw`]), `pinned ${s.flags.join(" ")}`);
      sameAsBpftool(() => linkShowOutput([], s.ctx), () => runBpftool([...s.flags, "link", "show"]), `all ${s.flags.join(" ")}`);
      sameAsBpftool(() => linkShowOutput(["-f"], s.ctx), () => runBpftool([...s.flags, "-f", "link", "show"]), `all -f ${s.flags.join(" ")}`);
      sameAsBpftool(() => linkShowOutput(["id", String(owned[0]!.id)], { ...s.ctx, bpffs: true }), () => runBpftool([...s.flags, "-f", "link", "show", "id", String(owned[0]!.id)]), `-f id ${s.flags.join(" ")}`);
    }
    // The command line end to end.
    const id = String(owned[1]!.id);
    assert.equal(execFileSync(process.execPath, [cliPath, "link", "show", "id", id], { encoding: "utf8" }), runBpftool(["link", "show", "id", id]));
    assert.equal(execFileSync(process.execPath, [cliPath, "-j", "link", "list", "id", id], { encoding: "utf8" }), runBpftool(["-j", "link", "list", "id", id]));
  } finally {
    for (const l of links) l.close();
    for (const p of programs) p.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("link show errors read like bpftool's", { skip: bpftoolSkip() }, () => {
  const ours = spawnSync(process.execPath, [cliPath, "link", "show", "id", "4000000000"], { encoding: "utf8" });
  const theirs = spawnSync("bpftool", ["link", "show", "id", "4000000000"], { encoding: "utf8" });
  assert.equal(ours.stderr, theirs.stderr);
  assert.notEqual(ours.status, 0);
  const pinnedOurs = spawnSync(process.execPath, [cliPath, "link", "show", "pinned", "/sys/fs/bpf/corebpf-nothing-here"], { encoding: "utf8" });
  const pinnedTheirs = spawnSync("bpftool", ["link", "show", "pinned", "/sys/fs/bpf/corebpf-nothing-here"], { encoding: "utf8" });
  assert.equal(pinnedOurs.stderr, pinnedTheirs.stderr);
});

test("link pin and link detach", { skip: netSkip() }, () => {
  const dir = `${ensureBpffs()}/corebpf-link-pin-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  try {
    using ns = makeNetns();
    using prog = Program.load({ type: "xdp", name: "pin_xdp", insns: ret(2) });
    using link = attachXdp(prog, ns.b, { netns: ns.path, mode: "skb" }) as Link;
    const r = spawnSync(process.execPath, [cliPath, "link", "pin", "id", String(link.id), `${dir}/x`], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(`${dir}/x`));
    link.close();
    using again = Link.openPinned(`${dir}/x`);
    assert.equal(again.info().progId, prog.info().id);
    const d = spawnSync(process.execPath, [cliPath, "link", "detach", "pinned", `${dir}/x`], { encoding: "utf8" });
    assert.equal(d.status, 0, d.stderr);
    assert.equal(again.info().ifindex, 0, "detached: the link no longer names a device");
    const j = spawnSync(process.execPath, [cliPath, "-j", "link", "detach", "pinned", `${dir}/x`], { encoding: "utf8" });
    assert.equal(j.stdout, "null\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
