// cgroup programs on a cgroup v2 directory made by the test (a child moved
// into it creates sockets and sends packets), through links and through
// BPF_PROG_ATTACH; socket filters on a socket pair.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { AttachFlags, Link, attachCgroup, attachSocketFilter, openCgroup, queryPrograms } from "../../src/kernel/attach/index.js";
import { AttachType, LE, NativeBuffer, lastErrno, rawClose, rawRecv, rawSocketpair, rawWrite } from "../../src/kernel/index.js";
import { cgroup2Root, count, counterMap, counterProgram, hasTool, kernelSkip, linkIds, linksGone, makeCgroup, openFdCount, waitFor } from "./support.js";

const root = kernelSkip ? undefined : cgroup2Root();
const skip = kernelSkip || (root === undefined ? "no cgroup v2 hierarchy is mounted" : !hasTool("bash") ? "bash is not installed" : false);

/** Runs bash inside the cgroup: it moves itself in, then runs `script`. */
function inCgroup(path: string, script: string): void {
  const r = spawnSync("bash", ["-c", `echo $$ > ${path}/cgroup.procs && ${script}`], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

const sockets = "for i in 1 2 3; do echo x > /dev/udp/127.0.0.1/9 || true; done";

for (const via of ["link", "attach"] as const) {
  test(`cgroup/sock_create and cgroup_skb/egress through ${via === "link" ? "a cgroup link" : "BPF_PROG_ATTACH"}`, { skip }, async () => {
    const fds = openFdCount();
    const links = linkIds();
    {
      using cg = makeCgroup(root!);
      using mapSock = counterMap();
      using mapSkb = counterMap();
      using sockProg = counterProgram("cgroup_sock", mapSock, { ret: 1, expectedAttachType: AttachType.CGROUP_INET_SOCK_CREATE });
      using skbProg = counterProgram("cgroup_skb", mapSkb, { ret: 1, expectedAttachType: AttachType.CGROUP_INET_EGRESS });
      using a = attachCgroup(sockProg, cg.path, "cgroup_inet_sock_create", { via });
      using b = attachCgroup(skbProg, cg.path, AttachType.CGROUP_INET_EGRESS, { via });
      assert.equal(a instanceof Link, via === "link");
      {
        using fd = openCgroup(cg.path);
        const q = queryPrograms(fd.value, AttachType.CGROUP_INET_SOCK_CREATE);
        assert.deepEqual(q.programIds, [sockProg.info().id]);
        if (via === "attach") assert.equal(q.attachFlags, AttachFlags.ALLOW_MULTI);
      }
      inCgroup(cg.path, sockets);
      assert.ok(await waitFor(() => count(mapSock) >= 3n && count(mapSkb) >= 3n), `sockets ${count(mapSock)}, packets ${count(mapSkb)}`);
      const before = count(mapSock);
      spawnSync("bash", ["-c", sockets]);
      assert.equal(count(mapSock), before, "a process outside the cgroup is not counted");
      a.close();
      inCgroup(cg.path, sockets);
      assert.equal(count(mapSock), before, "closed: detached");
      {
        using fd = openCgroup(cg.path);
        assert.deepEqual(queryPrograms(fd.value, AttachType.CGROUP_INET_SOCK_CREATE).programIds, []);
      }
    }
    assert.equal(openFdCount(), fds);
    assert.deepEqual(await linksGone(links), []);
  });
}

test("cgroup link update swaps the program; a BPF_PROG_ATTACH attachment updates with BPF_F_REPLACE", { skip }, async () => {
  using cg = makeCgroup(root!);
  for (const via of ["link", "attach"] as const) {
    using mapA = counterMap();
    using mapB = counterMap();
    using progA = counterProgram("cgroup_sock", mapA, { ret: 1, expectedAttachType: AttachType.CGROUP_INET_SOCK_CREATE });
    using progB = counterProgram("cgroup_sock", mapB, { ret: 1, expectedAttachType: AttachType.CGROUP_INET_SOCK_CREATE });
    using att = attachCgroup(progA, cg.path, AttachType.CGROUP_INET_SOCK_CREATE, { via });
    inCgroup(cg.path, sockets);
    assert.ok(count(mapA) >= 3n);
    att.update(progB);
    const a = count(mapA);
    inCgroup(cg.path, sockets);
    assert.ok(count(mapB) >= 3n, `${via}: new program counts`);
    assert.equal(count(mapA), a, `${via}: old program stopped`);
  }
});

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const MSG_DONTWAIT = 0x40;
const EAGAIN = 11;

test("socket filter on a socket pair counts, can drop, and detaches", { skip: kernelSkip }, () => {
  const fds = openFdCount();
  using sv = NativeBuffer.alloc(8);
  assert.equal(rawSocketpair(AF_UNIX, SOCK_DGRAM, 0, sv.address), 0);
  const [tx, rx] = [sv.view.getInt32(0, LE), sv.view.getInt32(4, LE)];
  try {
    using msg = NativeBuffer.alloc(64);
    const send = () => assert.equal(rawWrite(tx, msg.address, 16), 16);
    const receive = () => rawRecv(rx, msg.address, 64, MSG_DONTWAIT);
    using keep = counterMap();
    using drop = counterMap();
    using keepProg = counterProgram("socket_filter", keep, { ret: -1 });
    using dropProg = counterProgram("socket_filter", drop, { ret: 0 });
    using filter = attachSocketFilter(rx, keepProg);
    send();
    assert.equal(receive(), 16);
    assert.equal(count(keep), 1n);
    filter.update(dropProg);
    send();
    assert.equal(receive(), -1);
    assert.equal(lastErrno(), EAGAIN, "dropped by the filter");
    assert.equal(count(drop), 1n);
    filter.close();
    send();
    assert.equal(receive(), 16, "detached: delivered again");
    assert.equal(count(drop), 1n);
  } finally {
    rawClose(tx);
    rawClose(rx);
  }
  assert.equal(openFdCount(), fds);
});
