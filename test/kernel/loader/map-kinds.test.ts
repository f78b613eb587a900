// maps_more.bpf.o, the map kinds maps.bpf.o leaves out (redirect, socket,
// cgroup, cgroup storage, user ring buffer, arena), loaded for real: every map
// created as the object defines it and used by some program, every program
// loaded (and run where BPF_PROG_TEST_RUN can), nothing left behind on close,
// and `corebpf map show` of each map as bpftool 7.1 prints it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mapShowOutput } from "../../../src/cli/map.js";
import { MapFlags, MapType, effectiveMaxEntries, loadObject, mapTypeName, openObject, probeMapType } from "../../../src/kernel/index.js";
import { bpftoolSkip, kernelSkip, openFdCount, runBpftool, sameAsBpftool, showStyles } from "../support.js";
import { kernelIds, kernelNames, leftovers, objectPath, run } from "./support.js";

const path = objectPath("maps_more");
const spec = openObject(path).spec;

/** Reason to skip: the probe's verdict on each map type of the object this kernel lacks. */
function mapKindSkip(): string | false {
  if (kernelSkip) return kernelSkip;
  const missing = [...new Set(spec.maps.map((m) => m.type))].filter((t) => !probeMapType(t));
  return missing.length ? `this kernel cannot create ${missing.map((t) => mapTypeName(t) ?? t).join(", ")} maps (feature probe)` : false;
}
const skip = mapKindSkip();

test("maps_more.bpf.o: every map created as defined and used by a program; every program loads and test-runs as the README says", { skip }, async () => {
  using obj = await loadObject(path);
  assert.equal(obj.maps.size, spec.maps.length);
  for (const m of spec.maps) {
    const info = obj.map(m.name).info();
    // Device maps hand programs read-only values: the kernel adds BPF_F_RDONLY_PROG.
    const forced = m.type === MapType.DEVMAP || m.type === MapType.DEVMAP_HASH ? MapFlags.RDONLY_PROG : 0;
    assert.deepEqual(
      [info.type, info.keySize, info.valueSize, info.maxEntries, info.flags, info.mapExtra],
      [m.type, m.keySize, m.valueSize, effectiveMaxEntries(m.type, m.maxEntries), m.flags | forced, m.mapExtra],
      `${m.name}: type, key/value size, max_entries, flags, map_extra`,
    );
  }
  // BTF key/value types go only to kinds that take them (libbpf drops them
  // for fd-valued maps, redirect maps, ring buffers and arenas).
  const withBtf = spec.maps.filter((m) => {
    const info = obj.map(m.name).info();
    return info.btfKeyTypeId !== 0 || info.btfValueTypeId !== 0;
  });
  assert.deepEqual(withBtf.map((m) => m.name), ["reuse_socks", "cg_storage", "cg_pcpu_storage", "maps_mor.bss"]);
  const arena = obj.map("arena").info();
  assert.equal(arena.type, MapType.ARENA);
  assert.equal(arena.mapExtra, 1n << 44n, "the arena's fixed user address");

  assert.deepEqual([...obj.programs.keys()].sort(), spec.programs.map((p) => p.name).sort());
  const used = new Set([...obj.programs.values()].flatMap((p) => p.info().mapIds));
  for (const [name, m] of obj.maps) assert.ok(used.has(m.info().id), `${name} is referenced by a loaded program`);

  // sk_msg and sk_reuseport programs have no BPF_PROG_TEST_RUN.
  const runs: Record<string, number> = {};
  for (const name of ["xdp_redirects", "tc_under_cgroup", "count_ingress", "count_egress_per_cpu", "drain_user_events", "arena_roundtrip"]) {
    runs[name] = run(obj.program(name));
  }
  assert.deepEqual(runs, { xdp_redirects: 2, tc_under_cgroup: 0, count_ingress: 1, count_egress_per_cpu: 1, drain_user_events: 0, arena_roundtrip: 42 });
  assert.equal(obj.globals.get("user_sum"), 0n, "nothing was produced into user_events");
});

test("maps_more.bpf.o: load/run/close cycles leave no fd, program or map behind", { skip, timeout: 120_000 }, async () => {
  {
    using warm = await loadObject(path); // kernel BTF, kfunc ids and probes are read once per process
    assert.equal(run(warm.program("arena_roundtrip")), 42);
  }
  const fds = openFdCount();
  const before = kernelIds();
  for (let i = 0; i < 20; i++) {
    using obj = await loadObject(path);
    assert.equal(run(obj.program("arena_roundtrip")), 42);
    run(obj.program("count_ingress"));
  }
  assert.equal(openFdCount(), fds, "open fds of the process");
  assert.deepEqual(await leftovers(before, kernelNames(spec), 30_000), [], "programs and maps of the cycles are all freed");
});

/**
 * bpftool 7.1 (libbpf 1.1) predates arena maps and prints their type as a
 * number; corebpf names it, as later bpftool releases do.
 */
function withArenaName(bpftoolOutput: string): string {
  return bpftoolOutput.replace(/^(\d+): type 33 /m, "$1: arena ").replace(/"type":33,/, '"type":"arena",').replace(/"type": 33,/, '"type": "arena",');
}

test("maps_more.bpf.o: map show of every map equals bpftool's map show id N (plain, -j, -p)", { skip: skip || bpftoolSkip() }, async () => {
  using obj = await loadObject(path);
  for (const [name, m] of obj.maps) {
    const id = String(m.info().id);
    const fix = m.info().type === MapType.ARENA ? withArenaName : (s: string) => s;
    for (const s of showStyles) {
      sameAsBpftool(() => mapShowOutput(["id", id], s.ctx), () => fix(runBpftool([...s.flags, "map", "show", "id", id])), `${name} (id ${id}) ${s.flags.join(" ")}`);
    }
  }
});
