// The relocated programs run in the running kernel (BPF_PROG_TEST_RUN) and
// return what their own checks expect: 0 when every relocated value (offset,
// size, existence, enum value, bitfield read) was right, 1 when the target has
// no ct_marker, else the __LINE__ of the first failed check. A minimal loader
// here (global data as array maps, map fds into the ldimm64s) stands in for
// the kernel layer's object loader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readBtfFileSync } from "../../src/kernel/index.js";
import { Map as BpfMap, Program, hasBpfPrivilege } from "../../src/kernel/index.js";
import { VerifierError } from "../../src/errors.js";
import { type CoreTarget, relocateObject } from "../../src/core/index.js";
import type { ObjectSpec } from "../../src/obj/index.js";
import { openObject } from "../../src/cli/core.js";
import { repoRoot } from "../support/paths.js";
import { objectPath, runningKernel } from "./support/golden-targets.js";

const skip: string | false = process.getuid?.() !== 0 || !hasBpfPrivilege() ? "needs root (CAP_BPF, CAP_PERFMON)" : false;

const RUNNABLE = new Set([31 /* syscall */, 17 /* raw_tracepoint */]);

/** Loads every test-runnable program of OBJECT relocated against TARGET; returns name -> return value or the load error. */
function run(object: string, target: CoreTarget): Record<string, number | Error> {
  const obj = openObject(objectPath(object));
  const relocated = relocateObject(obj, target);
  if (relocated.error !== undefined) throw relocated.error;
  const maps = createDataMaps(obj);
  const out: Record<string, number | Error> = {};
  try {
    obj.programs.forEach((p, i) => {
      if (!RUNNABLE.has(p.type)) return;
      const insns = relocated.programs[i]!.insns;
      for (const r of p.relocations) {
        if (r.kind !== "data" && r.kind !== "map") continue;
        const map = maps[r.map];
        if (map === undefined) throw new Error(`${object}: program ${p.name} uses map #${r.map}, which this test does not create`);
        insns.setImm(r.insn, map.fd.value);
      }
      try {
        using prog = Program.load({ type: p.type, name: p.name.slice(0, 15), insns: insns.bytes, license: obj.license || "GPL", flags: p.progFlags, expectedAttachType: p.expectedAttachType });
        out[p.name] = prog.testRun(p.type === 17 ? { ctx: new Uint8Array(24), ctxOutSize: 0 } : {}).retval | 0;
      } catch (err) {
        if (!(err instanceof VerifierError)) throw err;
        out[p.name] = err;
      }
    });
  } finally {
    for (const m of maps) m?.close();
  }
  return out;
}

/** Global data sections as one-entry array maps holding their initial bytes. */
function createDataMaps(obj: ObjectSpec): (BpfMap | undefined)[] {
  return obj.maps.map((m) => {
    if (m.kind !== "data" && m.kind !== "rodata" && m.kind !== "bss") return undefined;
    const map = BpfMap.create({ type: "array", name: m.name.slice(0, 15), keySize: 4, valueSize: m.valueSize, maxEntries: 1 });
    const value = new Uint8Array(m.valueSize);
    if (m.data !== undefined) value.set(m.data);
    map.set(new Uint8Array(4), value);
    return map;
  });
}

const coreTarget = (): CoreTarget => ({ btf: readBtfFileSync(objectPath("core_target")) });
const builtTarget = (name: string): CoreTarget => ({ btf: readBtfFileSync(join(repoRoot, "test", "core", "data", `${name}.btf`)) });
const allZero = (r: Record<string, number | Error>) => Object.fromEntries(Object.keys(r).map((k) => [k, 0]));

test("core_kernel relocated against the running kernel: every check passes", { skip }, () => {
  const r = run("core_kernel", runningKernel());
  assert.deepEqual(r, { core_kernel_fields: 0, core_kernel_chains: 0, core_kernel_types: 0 });
});

test("core_local against core_target: every field, bitfield, type and enum value checks out", { skip }, () => {
  const r = run("core_local", coreTarget());
  assert.equal(Object.keys(r).length, 7);
  assert.deepEqual(r, allZero(r));
});

test("core_local against the same types built with the BTF encoder: the same", { skip }, () => {
  const r = run("core_local", builtTarget("ct-built"));
  assert.deepEqual(r, allZero(r));
});

test("core_cpuv4 (LDX MEMSX, ST) against core_target", { skip }, () => {
  assert.deepEqual(run("core_cpuv4", coreTarget()), { core_direct_v4: 0 });
});

test("core_local and core_errors against the running kernel: no ct_marker, every program returns 1", { skip }, () => {
  for (const object of ["core_local", "core_errors"]) {
    const r = run(object, runningKernel());
    assert.deepEqual(r, Object.fromEntries(Object.keys(r).map((k) => [k, 1])), object);
  }
});

test("a reachable poisoned load is what the verifier rejects, naming the invalid helper", { skip }, () => {
  // ct_resized.counter is a signed 64-bit field there: core_direct's 32-bit load of it is poisoned.
  const r = run("core_local", builtTarget("ct-resized-signed"));
  const err = r["core_direct"];
  assert.ok(err instanceof VerifierError, `core_direct: ${String(err)}`);
  assert.ok(err.log.some((l) => l.includes("unknown#195896080")), err.log.slice(-5).join("\n"));
  // Programs whose poisoned instructions are dead code load and run.
  assert.equal(r["core_enums"], 0);
});

test("core_subprogs: relocated subprograms shared by two programs", { skip }, () => {
  assert.deepEqual(run("core_subprogs", builtTarget("ct-no-far")), { core_sub_one: 0, core_sub_two: 0, core_sub_late: 0 });
  assert.deepEqual(run("core_subprogs", runningKernel()), { core_sub_one: 1, core_sub_two: 1, core_sub_late: 1 });
});
