// `corebpf btf dump {id | prog | map}` against `bpftool btf dump` on objects
// loaded here (maps.bpf.o's programs and maps, a map and a program without
// BTF) and on the kernel's vmlinux BTF: stdout byte for byte in raw, -j, -p
// and C, stderr for the failures; nothing left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BtfHandle, Map, Program, ensureBpffs, ids, loadObject } from "../../src/kernel/index.js";
import { firstDifference } from "../btf/dump-support.js";
import { bpftoolSkip, kernelObjectCounts, openFdCount, returnProgram } from "../kernel/support.js";
import { cliPath, repoRoot } from "../support/paths.js";

const skip = bpftoolSkip();

function run(command: string, args: readonly string[]) {
  const r = spawnSync(command, args, { maxBuffer: 1 << 28 });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}
const corebpf = (args: readonly string[]) => run(process.execPath, [cliPath, ...args]);
const bpftool = (args: readonly string[]) => run("bpftool", args);

function assertSameOutput(args: readonly string[]): void {
  const ours = corebpf(args);
  const ref = bpftool(args);
  assert.equal(ref.status, 0, `bpftool ${args.join(" ")}: ${ref.stderr}`);
  assert.equal(ours.status, 0, `corebpf ${args.join(" ")}: ${ours.stderr}`);
  const diff = firstDifference(ours.stdout, ref.stdout);
  if (diff !== undefined) assert.fail(`corebpf ${args.join(" ")}: ${diff}`);
}

/** A failure: nothing on stdout, bpftool's lines on stderr (bpftool exits with -errno's low byte, corebpf 255). */
function assertSameFailure(args: readonly string[]): void {
  const ours = corebpf(args);
  const ref = bpftool(args);
  assert.notEqual(ref.status, 0);
  assert.equal(ours.status, 255, `corebpf ${args.join(" ")}: ${ours.stderr}`);
  assert.equal(ours.stdout.length, 0);
  assert.equal(ours.stderr, ref.stderr, args.join(" "));
}

const STYLES: readonly (readonly string[])[] = [[], ["-j"], ["-p"]];

function vmlinuxBtfId(): number {
  for (const id of ids("btf")) {
    using h = BtfHandle.fromId(id);
    const info = h.info();
    if (info.kernelBtf && info.name === "vmlinux") return id;
  }
  throw new Error("no vmlinux BTF object");
}

test("btf dump id|prog|map prints what bpftool prints, and fails as it fails", { skip, timeout: 600_000 }, async () => {
  const fdsBefore = openFdCount();
  const countsBefore = kernelObjectCounts();
  const dir = `${ensureBpffs()}/corebpf-btfdump-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  try {
    using obj = await loadObject(join(repoRoot, "bpf/test/maps.bpf.o"), { pinRoot: dir });
    const [progName, prog] = [...obj.programs][0]!;
    const progInfo = prog.info();
    assert.notEqual(progInfo.btfId, 0);
    prog.pin(`${dir}/prog`);
    for (const s of STYLES) {
      assertSameOutput([...s, "btf", "dump", "id", String(progInfo.btfId)]);
      assertSameOutput([...s, "btf", "dump", "prog", "id", String(progInfo.id)]);
    }
    assertSameOutput(["btf", "dump", "id", String(progInfo.btfId), "format", "c"]);
    assertSameOutput(["btf", "d", "p", "i", String(progInfo.id), "f", "c"]);
    assertSameOutput(["btf", "dump", "prog", "pinned", `${dir}/prog`]);
    assertSameOutput(["btf", "dump", "prog", "tag", progInfo.tag]);
    assertSameOutput(["btf", "dump", "prog", "name", progName.slice(0, 15)]);

    let withoutBtf = 0;
    let fullyCompared = 0;
    let keylessSeen = false;
    for (const map of obj.maps.values()) {
      const id = String(map.info().id);
      if (map.info().btfId === 0) {
        // Maps libbpf creates without BTF (perf event arrays, ...), as the loader does.
        assertSameFailure(["btf", "dump", "map", "id", id]);
        withoutBtf++;
        continue;
      }
      assertSameOutput(["btf", "dump", "map", "id", id]);
      assertSameOutput(["btf", "dump", "map", "id", id, "format", "c"]);
      // Every selection and style on a few maps (each comparison is two processes).
      const keyless = map.info().btfKeyTypeId === 0; // queues and stacks: `key` is void
      if (fullyCompared >= 3 && (!keyless || keylessSeen)) continue;
      fullyCompared++;
      keylessSeen ||= keyless;
      for (const part of ["key", "value", "kv", "all"]) {
        for (const s of STYLES) assertSameOutput([...s, "btf", "dump", "map", "id", id, part]);
        assertSameOutput(["btf", "dump", "map", "id", id, part, "format", "c"]);
      }
    }
    assert.ok(withoutBtf < obj.maps.size);
    assert.ok(keylessSeen, "a map with BTF but no key type was compared");

    // Maps and programs with no BTF at all.
    using plain = Map.create({ type: "hash", name: "no_btf", keySize: 4, valueSize: 8, maxEntries: 4 });
    using bare = Program.load({ type: "socket_filter", name: "no_btf", insns: returnProgram(0), license: "GPL" });
    assertSameFailure(["btf", "dump", "map", "id", String(plain.info().id)]);
    assertSameFailure(["btf", "dump", "map", "id", String(plain.info().id), "format", "c"]);
    assertSameFailure(["btf", "dump", "prog", "id", String(bare.info().id)]);
    assertSameFailure(["btf", "dump", "id", "4294967295"]);
    assertSameFailure(["btf", "dump", "id", "12x"]);
    assertSameFailure(["btf", "dump", "map", "id", "4294967295"]);
    assertSameFailure(["btf", "dump", "prog", "id", "4294967295"]);
    assertSameFailure(["btf", "dump", "map", "id", String(plain.info().id), "bogus"]);
    const json = corebpf(["-j", "btf", "dump", "id", "4294967295"]);
    assert.equal((JSON.parse(json.stdout.toString()) as { error: string }).error, "get btf by id (4294967295): No such file or directory");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // The kernel frees programs and maps after an RCU grace period.
  for (let i = 0; i < 100 && JSON.stringify(kernelObjectCounts()) !== JSON.stringify(countsBefore); i++) await sleep(20);
  assert.deepEqual(kernelObjectCounts(), countsBefore);
  assert.equal(openFdCount(), fdsBefore);
});

test("btf dump id of the kernel's vmlinux BTF, raw, JSON and C", { skip, timeout: 600_000 }, () => {
  const id = String(vmlinuxBtfId());
  assertSameOutput(["btf", "dump", "id", id]);
  assertSameOutput(["-j", "btf", "dump", "id", id]);
  assertSameOutput(["btf", "dump", "id", id, "format", "c"]);
});
