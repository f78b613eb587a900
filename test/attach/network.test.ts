// XDP and tc on a veth pair inside a network namespace made by the test,
// sk_lookup on that namespace: packets sent with bash's /dev/udp move the
// counters. Links are pinned, re-opened, updated and detached; the netlink
// paths (IFLA_XDP, clsact + cls_bpf) are exercised too. Every namespace is
// deleted, even on failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  Link,
  attachNetns,
  attachTc,
  attachXdp,
  queryPrograms,
  queryXdpPrograms,
  resolveIfindex,
  tcFilters,
  withNetns,
  type XdpMode,
} from "../../src/kernel/attach/index.js";
import { AttachType, ensureBpffs } from "../../src/kernel/index.js";
import { count, counterMap, counterProgram, linkIds, linksGone, makeNetns, netSkip, openFdCount, sendUdp, waitFor } from "./support.js";

const skip = netSkip();
const XDP_PASS = 2;

for (const mode of ["skb", "drv"] as XdpMode[]) {
  test(`xdp link (${mode} mode) on a veth in a test netns: counts, update swaps, pin survives close, detach ends it`, { skip }, async () => {
    const fds = openFdCount();
    const links = linkIds();
    const pinDir = `${ensureBpffs()}/corebpf-test-${process.pid}`;
    mkdirSync(pinDir, { recursive: true });
    try {
      using ns = makeNetns();
      using mapA = counterMap("xdp_a");
      using mapB = counterMap("xdp_b");
      using progA = counterProgram("xdp", mapA, { ret: XDP_PASS });
      using progB = counterProgram("xdp", mapB, { ret: XDP_PASS });
      using link = attachXdp(progA, ns.b, { netns: ns.path, mode });
      assert.ok(link instanceof Link);
      const ifindex = withNetns(ns.path, () => resolveIfindex(ns.b, "test"));
      assert.equal(link.info().ifindex, ifindex);
      assert.equal(queryXdpPrograms(ns.b, ns.path).progId, progA.info().id);

      sendUdp(ns);
      assert.ok(await waitFor(() => count(mapA) >= 5n), `program A counts the 5 datagrams: ${count(mapA)}`);

      link.update(progB);
      await sleep(20); // a run of A that began before the swap may still finish
      const a = count(mapA);
      sendUdp(ns);
      assert.ok(await waitFor(() => count(mapB) >= 5n), `program B counts after update: ${count(mapB)}`);
      assert.equal(count(mapA), a, "program A stopped");

      const pin = `${pinDir}/xdp-${mode}`;
      link.pin(pin);
      link.close();
      const b = count(mapB);
      sendUdp(ns);
      assert.ok(await waitFor(() => count(mapB) > b), "still attached through the pin");

      using again = Link.openPinned(pin);
      assert.equal(again.kind, "xdp");
      assert.equal(again.info().progId, progB.info().id);
      again.detach();
      assert.equal(queryXdpPrograms(ns.b, ns.path).progId, 0, "detached");
      rmSync(pin);
    } finally {
      rmSync(pinDir, { recursive: true, force: true });
    }
    assert.equal(openFdCount(), fds);
    assert.deepEqual(await linksGone(links), []);
  });
}

test("xdp through rtnetlink (IFLA_XDP): attach, replace-protected update, detach on close", { skip }, async () => {
  const fds = openFdCount();
  {
    using ns = makeNetns();
    using mapA = counterMap();
    using mapB = counterMap();
    using progA = counterProgram("xdp", mapA, { ret: XDP_PASS });
    using progB = counterProgram("xdp", mapB, { ret: XDP_PASS });
    using att = attachXdp(progA, ns.b, { netns: ns.path, mode: "skb", via: "netlink" });
    assert.equal(att.kind, "xdp");
    assert.ok(!(att instanceof Link));
    assert.equal(queryXdpPrograms(ns.b, ns.path).skbProgId, progA.info().id);
    // A second attach without replace fails: something is attached.
    assert.throws(() => attachXdp(progB, ns.b, { netns: ns.path, mode: "skb", via: "netlink" }), /EBUSY|EEXIST/);
    sendUdp(ns);
    assert.ok(await waitFor(() => count(mapA) > 0n));
    if ("update" in att) att.update(progB);
    sendUdp(ns);
    assert.ok(await waitFor(() => count(mapB) > 0n));
    att.close();
    assert.equal(queryXdpPrograms(ns.b, ns.path).progId, 0);
  }
  assert.equal(openFdCount(), fds);
});

test("tc: tcx ingress link and a netlink cls_bpf egress filter both count; closing removes them", { skip }, async () => {
  const fds = openFdCount();
  const links = linkIds();
  {
    using ns = makeNetns();
    using mapIn = counterMap();
    using mapOut = counterMap();
    using progIn = counterProgram("sched_cls", mapIn, { ret: 0, name: "tc_in" });
    using progOut = counterProgram("sched_cls", mapOut, { ret: 0, name: "tc_out" });
    using tcx = attachTc(progIn, ns.b, { direction: "ingress", netns: ns.path });
    using filter = attachTc(progOut, ns.a, { direction: "egress", netns: ns.pathA, via: "netlink" });
    assert.equal(tcx.kind, "tcx");
    assert.equal(filter.kind, "tc");
    const ifindexB = withNetns(ns.path, () => resolveIfindex(ns.b, "test"));
    assert.deepEqual(withNetns(ns.path, () => queryPrograms(ifindexB, AttachType.TCX_INGRESS)).programIds, [progIn.info().id]);
    const shown = tcFilters(ns.a, "egress", ns.pathA);
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.kind, "bpf");
    assert.equal(shown[0]!.progId, progOut.info().id);
    assert.equal(shown[0]!.progName, "tc_out");

    sendUdp(ns);
    assert.ok(await waitFor(() => count(mapIn) >= 5n && count(mapOut) >= 5n), `ingress ${count(mapIn)}, egress ${count(mapOut)}`);

    filter.close();
    tcx.close();
    ns.exec(`tc qdisc show dev ${ns.a} | grep -q clsact && exit 1 || exit 0`);
    assert.deepEqual(withNetns(ns.path, () => queryPrograms(ifindexB, AttachType.TCX_INGRESS)).programIds, []);
  }
  assert.equal(openFdCount(), fds);
  assert.deepEqual(await linksGone(links), []);
});

test("tcx: the same program attached twice to one hook gives EEXIST saying something is already attached", { skip }, () => {
  using ns = makeNetns();
  using map = counterMap();
  using prog = counterProgram("sched_cls", map, { ret: 0, name: "tc_twice" });
  using first = attachTc(prog, ns.b, { direction: "ingress", netns: ns.path });
  assert.equal(first.kind, "tcx");
  assert.throws(
    () => attachTc(prog, ns.b, { direction: "ingress", netns: ns.path }),
    (err: Error & { errno?: string; hint?: string }) => err.errno === "EEXIST" && /already attached/.test(err.hint ?? ""),
  );
});

test("tc netlink filter: update replaces the program in place", { skip }, async () => {
  using ns = makeNetns();
  using mapA = counterMap();
  using mapB = counterMap();
  using progA = counterProgram("sched_cls", mapA, { ret: 0 });
  using progB = counterProgram("sched_cls", mapB, { ret: 0 });
  using att = attachTc(progA, ns.b, { direction: "ingress", netns: ns.path, via: "netlink", priority: 7, handle: 3 });
  assert.ok("filter" in att);
  assert.deepEqual({ priority: att.filter.priority, handle: att.filter.handle }, { priority: 7, handle: 3 });
  att.update(progB);
  assert.equal(tcFilters(ns.b, "ingress", ns.path)[0]!.progId, progB.info().id);
  sendUdp(ns);
  assert.ok(await waitFor(() => count(mapB) > 0n));
  assert.equal(count(mapA), 0n);
});

test("sk_lookup on a test netns runs for each delivered datagram", { skip }, async () => {
  const fds = openFdCount();
  {
    using ns = makeNetns();
    using map = counterMap();
    using prog = counterProgram("sk_lookup", map, { ret: 1, expectedAttachType: AttachType.SK_LOOKUP });
    using link = attachNetns(prog, AttachType.SK_LOOKUP, ns.path);
    assert.equal(link.info().attachType, AttachType.SK_LOOKUP);
    sendUdp(ns, 3);
    assert.ok(await waitFor(() => count(map) >= 3n), `lookups: ${count(map)}`);
  }
  assert.equal(openFdCount(), fds);
});

test("flow_dissector attaches to a test netns through a netns link", { skip }, async () => {
  const links = linkIds();
  {
    using ns = makeNetns();
    using map = counterMap();
    using prog = counterProgram("flow_dissector", map, { ret: 0, expectedAttachType: AttachType.FLOW_DISSECTOR });
    using link = attachNetns(prog, AttachType.FLOW_DISSECTOR, ns.path);
    assert.equal(link.kind, "flow_dissector");
    const info = link.info();
    assert.equal(info.attachType, AttachType.FLOW_DISSECTOR);
    assert.equal(info.progId, prog.info().id);
  }
  assert.deepEqual(await linksGone(links), []);
});
