// Full load of tool-sized objects (core_large: 9 programs, ~1,000 CO-RE
// relocations; maps: 22 maps of every kind, 7 programs): corebpf's loader in
// process (loadObject + close) and as a whole process (`corebpf prog loadall`),
// beside `bpftool prog loadall OBJ DIR` (bpftool 7.1, libbpf 1.1, whole
// process) and libbpf 1.8 in process (a small C program built here against
// /work/ref/libbpf-1.8 when present). Medians of RUNS.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { BPFFS_DEFAULT, ensureBpffs, hasBpfPrivilege, loadObject } from "../src/kernel/index.js";
import { CReference, LIBBPF_18, firstLine, median, repoRoot, staticLibbpf18 } from "./support.js";

const RUNS = 21;

function timeProcess(cmd: string, args: (dir: string) => string[]): number | string {
  const times: number[] = [];
  for (let i = -2; i < RUNS; i++) {
    const dir = join(BPFFS_DEFAULT, `corebpf-bench-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    const t0 = performance.now();
    const r = spawnSync(cmd, args(dir), { stdio: "pipe" });
    const t = performance.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) return `${cmd} failed: ${r.stderr.toString().split("\n")[0]}`;
    if (i >= 0) times.push(t);
  }
  return median(times);
}

function libbpfInProcess(object: string): number | string {
  const libbpf = staticLibbpf18();
  if (libbpf === undefined) return `no static libbpf 1.8 at ${LIBBPF_18}`;
  try {
    using ref = new CReference("obj-load.c", libbpf);
    return Number(ref.run([String(RUNS), object])) / 1e6;
  } catch (err) {
    return `cannot build or run the libbpf 1.8 reference: ${firstLine(err)}`;
  }
}

const fmt = (v: number | string) => (typeof v === "string" ? "-" : `${v.toFixed(1)} ms`);
const ratio = (a: number | string, b: number | string) => (typeof a === "number" && typeof b === "number" ? `${(a / b).toFixed(2)}x` : "-");

export async function run(): Promise<void> {
  if (!hasBpfPrivilege()) {
    console.log("skipped: loading needs root (CAP_BPF)");
    return;
  }
  ensureBpffs(BPFFS_DEFAULT);
  const cli = join(repoRoot, "bin", "corebpf.js");
  console.log(`full object load, medians of ${RUNS} (in process: open+load+close; whole process: exec to exit, programs pinned)`);
  console.log(`${"object".padEnd(12)} ${"corebpf in-proc".padStart(16)} ${"libbpf 1.8 in-proc".padStart(19)} ${"ratio".padStart(6)} ${"corebpf process".padStart(16)} ${"bpftool process".padStart(16)} ${"ratio".padStart(6)}`);
  for (const name of ["core_large", "maps", "progs_net"]) {
    const object = join(repoRoot, "bpf", "test", `${name}.bpf.o`);
    const pinRoot = join(BPFFS_DEFAULT, `corebpf-bench-pins-${process.pid}`);
    const times: number[] = [];
    for (let i = -3; i < RUNS; i++) {
      const t0 = performance.now();
      const obj = await loadObject(object, { pinRoot });
      obj.close();
      if (i >= 0) times.push(performance.now() - t0);
    }
    rmSync(pinRoot, { recursive: true, force: true });
    const ours = median(times);
    const libbpf = libbpfInProcess(object);
    const oursProc = timeProcess(process.execPath, (dir) => [cli, "prog", "loadall", object, dir]);
    const bpftool = timeProcess("bpftool", (dir) => ["prog", "loadall", object, dir]);
    console.log(
      `${name.padEnd(12)} ${fmt(ours).padStart(16)} ${fmt(libbpf).padStart(19)} ${ratio(ours, libbpf).padStart(6)} ${fmt(oursProc).padStart(16)} ${fmt(bpftool).padStart(16)} ${ratio(oursProc, bpftool).padStart(6)}`,
    );
    for (const v of [libbpf, oursProc, bpftool]) if (typeof v === "string") console.log(`  note: ${v}`);
  }
  console.log("maps includes map-in-map slot updates, which wait for an RCU grace period in the kernel (both loaders pay it).");
}
