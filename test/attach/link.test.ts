// Link life cycle on a tracepoint link: pin, close (still attached), re-open
// from bpffs, info, update refused for this kind, detach; and no fd or link
// left behind after many attach/close cycles of several kinds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { NotSupportedError } from "../../src/errors.js";
import { Link, PerfEventLinkType, attachRawTracepoint, attachTc, attachTracepoint, attachUprobe, attachXdp } from "../../src/kernel/attach/index.js";
import { LinkType, ensureBpffs } from "../../src/kernel/index.js";
import { count, counterMap, counterProgram, kernelSkip, linkIds, linksGone, makeNetns, netSkip, openFdCount, run, thrown, waitFor } from "./support.js";

test("tracepoint link: pin, close, re-open, info, update refused, detach", { skip: kernelSkip }, async () => {
  const dir = `${ensureBpffs()}/corebpf-link-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const fds = openFdCount();
  const links = linkIds();
  try {
    using map = counterMap();
    using prog = counterProgram("tracepoint", map);
    using other = counterProgram("tracepoint", map);
    const link = attachTracepoint(prog, "sched/sched_process_exec");
    assert.ok(link instanceof Link);
    const info = link.info();
    assert.equal(info.type, LinkType.PERF_EVENT);
    assert.equal(info.progId, prog.info().id);
    if (info.perfEvent && info.perfEvent.type !== 0) {
      assert.equal(info.perfEvent.type, PerfEventLinkType.TRACEPOINT);
      assert.equal(info.perfEvent.name, "sched_process_exec");
    }
    const err = thrown(() => link.update(other));
    assert.ok(err instanceof NotSupportedError, String(err));

    link.pin(`${dir}/tp`);
    assert.equal(link.pinnedPath, `${dir}/tp`);
    link.close();
    link.close(); // idempotent
    run("/bin/true", []);
    assert.ok(await waitFor(() => count(map) > 0n), "still attached through the pin");

    const again = Link.openPinned(`${dir}/tp`);
    assert.equal(again.id, info.id);
    assert.equal(again.kind, "perf_event");
    again.detach(); // a perf link cannot be force-detached: the pin goes, then the link
    assert.ok(!existsSync(`${dir}/tp`));
    assert.ok(again.closed);
    assert.deepEqual(await linksGone(links), []);
    const frozen = count(map);
    run("/bin/true", []);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(count(map), frozen, "detached");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(openFdCount(), fds);
});

test("Link.fromId opens a link by id and owns its own fd", { skip: kernelSkip }, () => {
  using map = counterMap();
  using prog = counterProgram("raw_tracepoint", map);
  using link = attachRawTracepoint(prog, "sched_switch");
  using byId = Link.fromId(link.id);
  assert.notEqual(byId.fd.raw, link.fd.raw);
  assert.equal(byId.info().tpName, "sched_switch");
  assert.equal(byId.label, `raw_tracepoint link ${link.id}`);
});

test("60 attach/close cycles of several kinds leak no fd and no link", { skip: netSkip(), timeout: 120_000 }, async () => {
  using ns = makeNetns();
  using map = counterMap();
  using tp = counterProgram("tracepoint", map);
  using raw = counterProgram("raw_tracepoint", map);
  using up = counterProgram("kprobe", map);
  using xdp = counterProgram("xdp", map, { ret: 2 });
  using cls = counterProgram("sched_cls", map);
  const fds = openFdCount();
  const links = linkIds();
  for (let i = 0; i < 60; i++) {
    switch (i % 6) {
      case 0:
        attachTracepoint(tp, "sched/sched_process_exec", { mode: i % 12 === 0 ? "ioctl" : "auto" }).close();
        break;
      case 1:
        attachRawTracepoint(raw, "sched_switch").close();
        break;
      case 2:
        attachUprobe(up, "/bin/bash:main", { retprobe: i % 4 === 0 }).close();
        break;
      case 3:
        attachXdp(xdp, ns.b, { netns: ns.path, mode: "skb", via: i % 2 ? "link" : "netlink" }).close();
        break;
      case 4:
        attachTc(cls, ns.b, { direction: "ingress", netns: ns.path, via: "netlink" }).close();
        break;
      default:
        attachTc(cls, ns.b, { direction: "egress", netns: ns.path, via: "tcx" }).close();
    }
  }
  assert.equal(openFdCount(), fds, "open fds");
  assert.deepEqual(await linksGone(links), [], "links freed");
});
