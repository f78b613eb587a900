// bpffs: mounting on demand, pin path checks, finding pinned objects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreBpfError } from "../../src/errors.js";
import { BPFFS_DEFAULT, Map, bpffsMounts, checkPinDirectory, ensureBpffs, fdObjectKind, isOnBpffs, makePinDirectory, pinnedObjects, preparePinPath, Program } from "../../src/kernel/index.js";
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
    // Checked before anything is created: no stray directories off bpffs.
    assert.throws(() => preparePinPath(`${dir}/a/b/x`), (e: unknown) => e instanceof CoreBpfError && e.code === "NOT_BPFFS" && e.message.includes(`${dir} is not on a BPF filesystem`));
    assert.throws(() => makePinDirectory(`${dir}/c`), (e: unknown) => e instanceof CoreBpfError && e.code === "NOT_BPFFS");
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pin directories: created on a bpffs (outermost first returned), refused under a pin", { skip: kernelSkip }, () => {
  const root = mkdtempSync(join(ensureBpffs(BPFFS_DEFAULT), "corebpf-pindir-"));
  try {
    assert.deepEqual(makePinDirectory(`${root}/a/b`), [`${root}/a`, `${root}/a/b`]);
    assert.deepEqual(makePinDirectory(`${root}/a/b`), []);
    checkPinDirectory(`${root}/new/deeper`);
    assert.equal(existsSync(`${root}/new`), false, "checking creates nothing");
    using m = Map.create({ type: "array", keySize: 4, valueSize: 4, maxEntries: 1 });
    m.pin(`${root}/pin`);
    for (const dir of [`${root}/pin`, `${root}/pin/x/y`]) {
      assert.throws(
        () => checkPinDirectory(dir),
        (e: unknown) => e instanceof CoreBpfError && e.code === "NOT_A_DIRECTORY" && e.message.includes(`${root}/pin is a pin, not a directory`) && e.hint!.includes(`rm ${root}/pin`),
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
