// Linking compared with libbpf 1.8: for every little-endian test object, each
// program's final instructions, func_info and line_info must be what
// bpf_object__prepare() leaves for the kernel (CO-RE left out on both sides).
// The goldens come from test/reference/libbpf-insns.c through
// scripts/gen-libbpf-goldens.sh; where root, gcc and the reference libbpf are
// present, the reference also runs live and must still agree with them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type MapSpec, MapType, type ObjectSpec, type ProgramSpec } from "../../src/obj/index.js";
import { repoRoot } from "../support/paths.js";
import { committedObjects, model } from "./support.js";

interface GoldenProgram {
  name: string;
  section: string;
  insns: string[];
  funcInfo: [number, number][];
  lineInfo: [number, number, number, number][];
}
interface GoldenMap {
  name: string;
  type: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  flags: number;
  numa_node: number;
  map_extra: number;
  key_type: number;
  value_type: number;
  autocreate: boolean;
  inner?: GoldenMap | null;
  initial: string | null;
}
interface Golden {
  libbpf: string;
  objects: { file: string; name: string; maps: GoldenMap[]; error: string | null; programs: GoldenProgram[] }[];
}

const goldenPath = join(repoRoot, "test/obj/golden/libbpf-insns.json");
const golden = JSON.parse(readFileSync(goldenPath, "utf8")) as Golden;

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** The imm of an instruction given as 16 hex digits (little-endian). */
const immOf = (insn: string): number => Number.parseInt(insn.slice(14, 16) + insn.slice(12, 14) + insn.slice(10, 12) + insn.slice(8, 10), 16) | 0;

/**
 * Our instructions as hex, and libbpf's, with what the kernel resolves left
 * out of both: ksym loads and kfunc calls keep only their opcode (libbpf
 * writes BTF ids, addresses, or poisons absent weak kfuncs). Loads of
 * __arena variables: libbpf adds where the arena data sits in the arena
 * (0, or the arena's end on kernels that take such ld_imm64 offsets, probed);
 * the same page-aligned amount over every such load is taken out of theirs.
 */
function comparable(obj: ObjectSpec, p: ProgramSpec, theirs: string[]): { ours: string[]; theirs: string[] } {
  const ours = Array.from({ length: p.insns.length }, (_, i) => hex(p.insns.bytes.subarray(i * 8, i * 8 + 8)));
  const masked = [...theirs];
  const arenaLoads = p.relocations.filter((r) => r.kind === "data" && obj.maps[r.map]!.type === MapType.ARENA).map((r) => r.insn + 1);
  const shifts = new Set(arenaLoads.map((i) => immOf(masked[i] ?? "") - immOf(ours[i]!)));
  const [shift] = shifts;
  if (shifts.size === 1 && shift! >= 0 && shift! % 4096 === 0) for (const i of arenaLoads) masked[i] = ours[i]!;
  for (const r of p.relocations) {
    if (r.kind !== "ksym" && r.kind !== "kfunc") continue;
    const slots = r.kind === "ksym" ? [r.insn, r.insn + 1] : [r.insn];
    for (const i of slots) {
      ours[i] = ours[i]!.slice(0, 2);
      masked[i] = masked[i]?.slice(0, 2) ?? "";
    }
  }
  return { ours, theirs: masked };
}

test("goldens come from libbpf 1.8 and cover every little-endian object of bpf/test", () => {
  assert.equal(golden.libbpf, "1.8");
  const littleEndian = committedObjects.filter((p) => p.startsWith("bpf/test/") && p.endsWith(".bpf.o")).sort();
  assert.deepEqual(golden.objects.map((o) => o.file).sort(), littleEndian, "regenerate with scripts/gen-libbpf-goldens.sh");
  for (const o of golden.objects) assert.equal(o.error, null, `${o.file}: libbpf failed: ${o.error}`);
});

for (const o of golden.objects) {
  test(`${o.file}: every program linked as libbpf 1.8 links it (instructions, func_info, line_info)`, () => {
    const obj = model(o.file);
    assert.equal(obj.name, o.name);
    assert.deepEqual(obj.programs.map((p) => p.name), o.programs.map((p) => p.name), "programs and their order");
    for (const g of o.programs) {
      const p = obj.program(g.name)!;
      assert.equal(p.section, g.section, `${g.name}: section`);
      const { ours, theirs } = comparable(obj, p, g.insns);
      assert.deepEqual(ours, theirs, `${g.name}: instructions`);
      assert.deepEqual(p.funcInfo.map((f) => [f.insn, f.typeId]), g.funcInfo, `${g.name}: func_info`);
      assert.deepEqual(p.lineInfo.map((l) => [l.insn, l.fileNameOff, l.lineOff, (l.lineNum << 10) | l.lineCol]), g.lineInfo, `${g.name}: line_info`);
    }
  });
}

/** A map as the golden records it (libbpf's bpf_map__* getters right after open). */
function asGolden(m: MapSpec, withInner: boolean): GoldenMap {
  const initial = m.data !== undefined && (m.kind === "data" || m.kind === "rodata") ? hex(m.data) : null;
  return {
    name: m.name,
    type: m.type,
    key_size: m.keySize,
    value_size: m.valueSize,
    max_entries: m.maxEntries,
    flags: m.flags,
    numa_node: m.numaNode,
    map_extra: Number(m.mapExtra),
    key_type: m.keyTypeId,
    value_type: m.valueTypeId,
    autocreate: m.autocreate,
    ...(withInner ? { inner: m.inner === undefined ? null : asGolden(m.inner, false) } : {}),
    initial,
  };
}

for (const o of golden.objects) {
  test(`${o.file}: maps as libbpf 1.8 opens them (names, attributes, BTF ids, inner maps, initial data)`, () => {
    assert.deepEqual(model(o.file).maps.map((m) => asGolden(m, true)), o.maps);
  });
}

const libbpf = process.env.LIBBPF ?? "/work/ref/libbpf-1.8";
const liveSkip =
  process.getuid?.() !== 0 ? "needs root (bpf_object__prepare creates maps)" :
  !existsSync(join(libbpf, "usr/lib64/libbpf.a")) ? `no reference libbpf at ${libbpf}` :
  !existsSync("/usr/include/gelf.h") || !existsSync("/usr/include/zlib.h") ? "libelf or zlib headers are absent (libelf-dev, zlib1g-dev)" :
  (() => { try { execFileSync("gcc", ["--version"], { stdio: "ignore" }); return false; } catch { return "gcc is absent"; } })();

test("the reference program, run now, still produces the committed goldens", { skip: liveSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-libbpf-"));
  try {
    const exe = join(dir, "libbpf-insns");
    execFileSync("gcc", ["-O2", "-I", join(libbpf, "usr/include"), "-o", exe, join(repoRoot, "test/reference/libbpf-insns.c"), join(libbpf, "usr/lib64/libbpf.a"), "-lelf", "-lz"], { stdio: "pipe" });
    const live = JSON.parse(execFileSync(exe, golden.objects.map((o) => o.file), { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 << 20 })) as Golden;
    for (const [i, o] of live.objects.entries()) {
      const g = golden.objects[i]!;
      assert.equal(o.error, null, `${o.file}: ${o.error}`);
      for (const [k, p] of o.programs.entries()) {
        const q = g.programs[k]!;
        const { ours, theirs } = comparable(model(o.file), model(o.file).program(p.name)!, p.insns);
        assert.deepEqual(ours, theirs, `${o.file} ${p.name}: live libbpf vs model`);
        assert.deepEqual([p.funcInfo, p.lineInfo, p.insns.length], [q.funcInfo, q.lineInfo, q.insns.length], `${o.file} ${p.name}: live vs golden`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with CO-RE applied by libbpf against this kernel, only instructions our CO-RE records point at change", { skip: liveSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-libbpf-"));
  try {
    const exe = join(dir, "libbpf-insns");
    execFileSync("gcc", ["-O2", "-I", join(libbpf, "usr/include"), "-o", exe, join(repoRoot, "test/reference/libbpf-insns.c"), join(libbpf, "usr/lib64/libbpf.a"), "-lelf", "-lz"], { stdio: "pipe" });
    const live = JSON.parse(execFileSync(exe, ["--keep-core", ...golden.objects.map((o) => o.file)], { cwd: repoRoot, encoding: "utf8", maxBuffer: 64 << 20 })) as Golden;
    let changed = 0;
    for (const o of live.objects) {
      if (o.error !== null) continue; // a hard CO-RE error on this kernel: nothing to compare
      for (const g of o.programs) {
        const p = model(o.file).program(g.name)!;
        const { ours, theirs } = comparable(model(o.file), p, g.insns);
        assert.equal(theirs.length, ours.length, `${o.file} ${g.name}: CO-RE does not change the length`);
        const relocated = new Set(p.coreRelocations.flatMap((r) => [r.insn, r.insn + 1]));
        for (let i = 0; i < ours.length; i++) {
          if (ours[i] === theirs[i]) continue;
          changed++;
          assert.ok(relocated.has(i), `${o.file} ${g.name}: insn ${i} changed (${ours[i]} → ${theirs[i]}) without a CO-RE record there`);
        }
      }
    }
    assert.ok(changed > 0, "CO-RE changed nothing: the check proves nothing on this kernel");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
