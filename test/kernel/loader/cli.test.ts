// `corebpf prog load|loadall` and `corebpf map dump` against bpftool 7.1:
// the same programs pinned with the same tags (the kernel's hash of the
// final instructions) and the same maps; map dumps equal byte for byte, exit
// status included, with and without BTF, plain, -j and -p.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BPFFS_DEFAULT, Map as BpfMap, Program, ensureBpffs, loadObject, mapInfo } from "../../../src/kernel/index.js";
import { mapDumpOutput } from "../../../src/cli/map-dump.js";
import { cliPath } from "../../support/paths.js";
import { bpftoolSkip } from "../support.js";
import { objectPath, zeroPacket } from "./support.js";

const skip = bpftoolSkip();

function corebpf(args: readonly string[]): { stdout: string; stderr: string; status: number | null } {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8" });
}

/** Program name -> tag and the kernel shape of its maps, for every program pinned under dir. */
function pinnedSummary(dir: string): Record<string, { tag: string; type: number; maps: string[] }> {
  const out: Record<string, { tag: string; type: number; maps: string[] }> = {};
  for (const name of readdirSync(dir).sort()) {
    using p = Program.openPinned(join(dir, name));
    const info = p.info();
    const maps = info.mapIds.map((id) => {
      using m = BpfMap.fromId(id);
      const i = mapInfo(m.fd.value);
      return `${i.name}:${i.type}:${i.keySize}:${i.valueSize}:${i.maxEntries}:${i.flags}`;
    });
    out[name] = { tag: info.tag, type: info.type, maps: maps.sort() };
  }
  return out;
}

function withDirs(fn: (ours: string, theirs: string) => void): () => void {
  return () => {
    ensureBpffs(BPFFS_DEFAULT);
    const root = mkdtempSync(join(BPFFS_DEFAULT, "corebpf-cli-"));
    try {
      fn(join(root, "ours"), join(root, "theirs"));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

for (const name of ["minimal", "subprogs", "progs_net", "globals", "core_kernel", "core_large"]) {
  test(
    `prog loadall ${name}.bpf.o: the programs bpftool pins, with the same tags and maps`,
    { skip },
    withDirs((ours, theirs) => {
      execFileSync("bpftool", ["prog", "loadall", objectPath(name), theirs], { stdio: "pipe" });
      const r = corebpf(["prog", "loadall", objectPath(name), ours]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "");
      assert.deepEqual(pinnedSummary(ours), pinnedSummary(theirs));
    }),
  );
}

test(
  "prog load pins the first program; type, pinmaps and -j as bpftool",
  { skip },
  withDirs((ours, theirs) => {
    execFileSync("bpftool", ["prog", "load", objectPath("subprogs"), theirs], { stdio: "pipe" });
    assert.equal(corebpf(["prog", "load", objectPath("subprogs"), ours]).status, 0);
    using a = Program.openPinned(ours);
    using b = Program.openPinned(theirs);
    assert.equal(a.info().name, "calls_nested");
    assert.equal(a.info().tag, b.info().tag);
    rmSync(ours);
    const r = corebpf(["-j", "prog", "load", objectPath("minimal"), ours, "type", "xdp", "pinmaps", `${ours}_maps`]);
    assert.equal(r.stdout, "null\n", r.stderr);
    using x = Program.openPinned(ours);
    assert.equal(x.info().typeName, "xdp");
    assert.deepEqual(readdirSync(`${ours}_maps`).sort(), ["counter", "minimal_rodata"]);
  }),
);

test(
  "prog loadall of an object with a '?' program fails like bpftool and leaves no pin",
  { skip },
  withDirs((ours) => {
    const r = corebpf(["prog", "loadall", objectPath("progs_trace"), ours]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /can't pin program that wasn't loaded/);
    // bpftool leaves the empty directory; corebpf checks before creating it.
    assert.equal(existsSync(ours), false);
  }),
);

test("map dump equals bpftool's for every map of the test objects (plain, -j), exit status included", { skip }, async () => {
  const objects = await Promise.all([
    loadObject(objectPath("maps"), { pinRoot: `/sys/fs/bpf/corebpf-dump-${process.pid}` }),
    loadObject(objectPath("globals")),
    loadObject(objectPath("externs")),
    loadObject(objectPath("core_local"), { btf: objectPath("core_target") }),
  ]);
  const extra = [
    BpfMap.create({ type: "hash", name: "wide", keySize: 20, valueSize: 40, maxEntries: 4 }),
    BpfMap.create({ type: "percpu_hash", name: "pcpu_wide", keySize: 4, valueSize: 24, maxEntries: 4 }),
  ];
  try {
    const [maps, globals, externs, core] = objects as [(typeof objects)[0], (typeof objects)[0], (typeof objects)[0], (typeof objects)[0]];
    maps.map("flows").set({ saddr: 1, daddr: 2, sport: 3, dport: 4, proto: 6 }, { packets: 5n, bytes: 6n });
    maps.map("counters").set(new Uint8Array([2, 0, 0, 0]), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    maps.map("pcpu_hash").setPerCpu(5, 9n);
    globals.program("read_and_write_globals").testRun({ data: zeroPacket });
    externs.program("read_kconfig").testRun({});
    for (const p of core.programs.values()) p.testRun({});
    extra[0]!.set(new Uint8Array(20).fill(7), new Uint8Array(40).map((_, i) => i));
    extra[1]!.setPerCpu(new Uint8Array(4), new Uint8Array(24).fill(9));
    const all = [...objects.flatMap((o) => [...o.maps.values()]), ...extra];
    const diffs: string[] = [];
    for (const m of all) {
      for (const mode of [[], ["-j"]]) {
        const id = String(m.info().id);
        const r = spawnSync("bpftool", [...mode, "map", "dump", "id", id], { encoding: "utf8" });
        const ours = mapDumpOutput(["id", id], { json: mode.length > 0, pretty: false });
        if (ours.stdout !== r.stdout || ours.status !== r.status) diffs.push(`${m.name} ${mode.join("")}: status ${ours.status} vs ${r.status}\n${ours.stdout}\n---\n${r.stdout}`);
      }
    }
    assert.deepEqual(diffs, []);
    assert.ok(all.length >= 30);
  } finally {
    for (const o of objects) o.close();
    for (const m of extra) m.close();
    rmSync(`/sys/fs/bpf/corebpf-dump-${process.pid}`, { recursive: true, force: true });
  }
});

test("map dump by name (several maps) and -p, through the CLI", { skip }, async () => {
  using a = BpfMap.create({ type: "hash", name: "corebpf_twin", keySize: 4, valueSize: 4, maxEntries: 4 });
  using b = BpfMap.create({ type: "array", name: "corebpf_twin", keySize: 4, valueSize: 4, maxEntries: 2 });
  a.set(new Uint8Array([1, 0, 0, 0]), new Uint8Array([2, 0, 0, 0]));
  assert.ok(b.maxEntries === 2);
  using g = await loadObject(objectPath("globals"));
  for (const sel of [["name", "corebpf_twin"], ["id", String(g.map("globals.bss").info().id)]]) {
    for (const mode of [[], ["-j"], ["-p"]]) {
      const r = spawnSync("bpftool", [...mode, "map", "dump", ...sel], { encoding: "utf8" });
      const ours = corebpf([...mode, "map", "dump", ...sel]);
      assert.equal(ours.stdout, r.stdout, `${mode.join("")} ${sel.join(" ")}`);
      assert.equal(ours.status, r.status);
    }
  }
});
