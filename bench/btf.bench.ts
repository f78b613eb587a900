// BTF in-process benchmark: opening the running kernel's BTF with its name
// index, and looking up task_struct with every member resolved, beside libbpf
// doing the same (btf__parse, btf__find_by_name_kind, member walk) in a small
// C program compiled here and timed in-process with clock_gettime.
import { existsSync, readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Btf, BtfKind, resolveSize } from "../src/btf/index.js";
import { CReference, firstLine, median } from "./support.js";

const KERNEL_BTF = "/sys/kernel/btf/vmlinux";
const RUNS = 31;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const ms = (x: number) => `${x.toFixed(3)} ms`;
const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
const row = (what: string, ours: string, ref: string, ratio: number) =>
  console.log(`${what.padEnd(44)} ${ours.padStart(12)} ${ref.padStart(12)} ${ratio.toFixed(2).padStart(7)}x`);

function readBytes(): Uint8Array {
  const b = readFileSync(KERNEL_BTF);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The same work as the C program's member walk, with the same checksum. */
function walkTaskStruct(btf: Btf): { members: number; checksum: number } {
  const id = btf.find("task_struct", BtfKind.STRUCT)!;
  const t = btf.typeOfKind(id, BtfKind.STRUCT);
  let checksum = 0;
  for (const m of t.members) {
    const size = resolveSize(btf, m.type);
    const typeName = btf.name(m.type);
    checksum += size + (m.name.charCodeAt(0) || 0) + (typeName.charCodeAt(0) || 0) + m.bitOffset;
  }
  return { members: t.members.length, checksum };
}

function lastNamedStruct(btf: Btf): string {
  for (let id = btf.typeCount - 1; id > 0; id--) {
    if (btf.kind(id) === BtfKind.STRUCT && btf.name(id) !== "" && btf.find(btf.name(id), BtfKind.STRUCT) === id) return btf.name(id);
  }
  return "task_struct";
}

function libbpfReference(late: string): Record<string, number[]> | string {
  if (!existsSync("/usr/include/bpf/btf.h")) return "libbpf-dev is not installed";
  try {
    using ref = new CReference("btf-open.c", ["-lbpf"]);
    const out = ref.run([KERNEL_BTF, String(RUNS), late]);
    return Object.fromEntries(out.trim().split("\n").map((l) => { const [k, ...v] = l.split(" "); return [k!, v.map(Number)]; }));
  } catch (err) {
    return `cannot build or run the libbpf reference: ${firstLine(err)}`;
  }
}

export async function run(): Promise<void> {
  if (!existsSync(KERNEL_BTF)) {
    console.log(`skipped: ${KERNEL_BTF} is absent`);
    return;
  }
  const openRead: number[] = [];
  const openOnly: number[] = [];
  const lookup: number[] = [];
  const late: number[] = [];
  const lateName = lastNamedStruct(Btf.parse(readBytes()));
  let walked = { members: 0, checksum: 0 };
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const bytes = readBytes();
    const t1 = performance.now();
    const btf = Btf.parse(bytes);
    btf.nameIndex();
    const t2 = performance.now();
    walked = walkTaskStruct(btf);
    const t3 = performance.now();
    btf.find(lateName, BtfKind.STRUCT);
    const t4 = performance.now();
    openRead.push(t2 - t0);
    openOnly.push(t2 - t1);
    lookup.push(t3 - t2);
    late.push(t4 - t3);
  }
  // Memory added by one open Btf with its index, the file's bytes counted apart
  // (repeated collections first: the timed runs left garbage and dead buffers).
  const settle = () => {
    for (let i = 0; i < 4; i++) gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = settle();
  const bytes = readBytes();
  const btf = Btf.parse(bytes);
  btf.nameIndex();
  const added = settle() - before - bytes.length;
  const ref = libbpfReference(lateName);
  console.log(`kernel BTF: ${mib(bytes.length)}, ${btf.typeCount - 1} types; median of ${RUNS} runs`);
  console.log(`${"".padEnd(44)} ${"corebpf".padStart(12)} ${"libbpf".padStart(12)} ${"ratio".padStart(8)}`);
  if (typeof ref === "string") {
    console.log(`open + name index (file read included)      ${ms(median(openRead))}   (reference skipped: ${ref})`);
    console.log(`open + name index (from bytes)              ${ms(median(openOnly))}`);
    console.log(`task_struct + ${walked.members} members resolved          ${ms(median(lookup))}`);
    console.log(`added heap (input bytes excluded)           ${mib(added)}`);
    return;
  }
  const nsToMs = (ns: number) => ns / 1e6;
  const refOpen = nsToMs(ref.open_ns![0]!);
  row("open + name index (file read included)", ms(median(openRead)), ms(refOpen), median(openRead) / refOpen);
  row("  of which open + index from bytes", ms(median(openOnly)), "", median(openOnly) / refOpen);
  row(`task_struct + ${walked.members} members resolved`, ms(median(lookup)), ms(nsToMs(ref.lookup_ns![0]!)), median(lookup) / nsToMs(ref.lookup_ns![0]!));
  row(`find '${lateName}' (id ${btf.find(lateName)})`, ms(median(late)), ms(nsToMs(ref.late_ns![0]!)), median(late) / nsToMs(ref.late_ns![0]!));
  const refHeap = ref.heap_bytes![0]!;
  row("added heap (incl. the BTF bytes)", mib(added + bytes.length), mib(refHeap), (added + bytes.length) / refHeap);
  row("added heap (input bytes excluded)", mib(added), mib(refHeap - bytes.length), added / Math.max(1, refHeap - bytes.length));
  const same = ref.members![0] === walked.members && ref.members![1] === walked.checksum;
  console.log(`member walk checksum ${walked.checksum} ${same ? "equals" : "DIFFERS FROM"} libbpf's (${ref.members![1]})`);
  console.log(`goals: open + name index <= 10 ms median: ${median(openRead) <= 10 ? "met" : "MISSED"}; added heap <= 20 MiB: ${added <= 20 * 2 ** 20 ? "met" : "MISSED"}`);
}
