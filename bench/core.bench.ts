// CO-RE benchmark: relocating every program of core_large (1010 relocations)
// against the running kernel's BTF, in process, beside libbpf 1.8's CO-RE
// engine doing the same work in a small C program (bench/c/core-relocate.c,
// built here against a static libbpf 1.8) timed in the same run.
//   core only:      the object model built and the target BTF opened (corebpf: parsed with its
//                   name index; the CO-RE pass pays the flavored-name scan and
//                   the member tables on a fresh Btf, libbpf its linear scans)
//   with opening:   reading and parsing the target BTF included
// and, for scale, libbpf's bpf_object__open_file + bpf_object__prepare (which
// also creates the maps and loads the object's BTF into the kernel).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Btf } from "../src/btf/index.js";
import { relocateObject } from "../src/core/index.js";
import { parseObject } from "../src/obj/index.js";
import { kernelBtfBytes } from "../src/kernel/index.js";
import { CReference, LIBBPF_18, firstLine, median, repoRoot, staticLibbpf18 } from "./support.js";

const KERNEL_BTF = "/sys/kernel/btf/vmlinux";
const RUNS = 31;
const OBJECT = join(repoRoot, "bpf", "test", "core_large.bpf.o");
const LIBBPF_SRC = process.env.LIBBPF_SRC ?? "/work/ref/linux-source-7.2/tools/lib/bpf";

const ms = (x: number) => `${x.toFixed(3)} ms`;
const row = (what: string, ours: string, ref: string, ratio: string) => console.log(`${what.padEnd(40)} ${ours.padStart(12)} ${ref.padStart(12)} ${ratio.padStart(8)}`);

function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function libbpfReference(): Record<string, number> | string {
  const libbpf = staticLibbpf18();
  if (libbpf === undefined || !existsSync(join(LIBBPF_SRC, "relo_core.h"))) return `no static libbpf 1.8 and its sources (LIBBPF_DIR=${LIBBPF_18}, LIBBPF_SRC=${LIBBPF_SRC})`;
  try {
    using ref = new CReference("core-relocate.c", [`-I${LIBBPF_SRC}`, ...libbpf]);
    const out = ref.run([OBJECT, KERNEL_BTF, String(RUNS)]);
    return Object.fromEntries(out.trim().split("\n").map((l) => { const [k, v] = l.split(" "); return [k!, Number(v)]; }));
  } catch (err) {
    return `cannot build or run the libbpf reference: ${firstLine(err)}`;
  }
}

export async function run(): Promise<void> {
  if (!existsSync(KERNEL_BTF)) {
    console.log(`skipped: ${KERNEL_BTF} is absent`);
    return;
  }
  const obj = parseObject(readBytes(OBJECT));
  const relocateAll = (target: Btf): number => {
    const result = relocateObject(obj, target);
    if (result.error !== undefined) throw result.error;
    return result.fixups.length;
  };
  const core: number[] = [];
  const withOpen: number[] = [];
  const warm: number[] = [];
  let relos = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    // Opened as the loader opens the running kernel's BTF (mapped where the kernel allows it).
    const target = Btf.parse(kernelBtfBytes());
    target.nameIndex();
    const t1 = performance.now();
    relos = relocateAll(target);
    const t2 = performance.now();
    relocateAll(target);
    const t3 = performance.now();
    core.push(t2 - t1);
    withOpen.push(t2 - t0);
    warm.push(t3 - t2);
  }
  const ref = libbpfReference();
  console.log(`core_large: ${relos} relocations in ${obj.programs.length} programs vs the kernel's BTF; median of ${RUNS} runs`);
  row("", "corebpf", "libbpf 1.8", "ratio");
  const refMs = (k: string) => (typeof ref === "string" || ref[k] === undefined ? undefined : ref[k]! / 1e6);
  const line = (what: string, ours: number, key?: string) => {
    const theirs = key === undefined ? undefined : refMs(key);
    row(what, ms(ours), theirs === undefined ? "" : ms(theirs), theirs === undefined ? "" : `${(ours / theirs).toFixed(2)}x`);
  };
  line("CO-RE, target BTF opened (fresh)", median(core), "core_ns");
  line("CO-RE, target BTF warm (second pass)", median(warm));
  line("CO-RE with opening the target BTF", median(withOpen), "with_open_ns");
  if (typeof ref === "string") console.log(`(reference skipped: ${ref})`);
  else if (ref.prepare_ns !== undefined) {
    row("libbpf open + prepare (maps, BTF load)", "", ms(ref.prepare_ns / 1e6), "");
    row("libbpf open only", "", ms(ref.open_ns! / 1e6), "");
  }
  console.log(`goals (< 10 ms): CO-RE ${median(core) < 10 ? "met" : "MISSED"}, with opening ${median(withOpen) < 10 ? "met" : "MISSED"}`);
}
