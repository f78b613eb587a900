// bpffs: mounting on demand, pin path checks, finding pinned objects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreBpfError } from "../../src/errors.js";
import { Map, bpffsMounts, ensureBpffs, fdObjectKind, isOnBpffs, pinnedObjects, preparePinPath, Program } from "../../src/kernel/index.js";
import { kernelSkip, returnProgram } from "./support.js";

test("ensureBpffs mounts a bpffs where none is, and is idempotent", { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-bpffs-"));
  try {
    assert.equal(isOnBpffs(dir), false);
    assert.equal(ensureBpffs(dir), dir);
    assert.ok(bpffsMounts().includes(dir));
    assert.equal(isOnBpffs(dir), true);
    assert.equal(ensureBpffs(dir), dir);
    using m = Map.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1 });
    preparePinPath(`${dir}/sub/m`);
    m.pin(`${dir}/sub/m`);
    using p = Program.load({ type: "socket_filter", insns: returnProgram(0) });
    p.pin(`${dir}/p`);
    assert.deepEqual(pinnedObjects("map").get(m.info().id), [`${dir}/sub/m`]);
    assert.deepEqual(pinnedObjects("prog").get(p.info().id), [`${dir}/p`]);
    assert.equal(fdObjectKind(m.fd.value), "map");
    assert.equal(fdObjectKind(p.fd.value), "prog");
  } finally {
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pinning outside a bpffs is refused with advice", { skip: kernelSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-notbpf-"));
  try {
    assert.throws(() => preparePinPath(`${dir}/x`), (e: unknown) => e instanceof CoreBpfError && e.code === "NOT_BPFFS" && /sys\/fs\/bpf/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
