// Object model benchmark: parseObject (ELF, BTF index, BTF.ext, maps,
// externs, relocations, every program linked) over every committed
// little-endian test object, beside libbpf's bpf_object__open_mem of the same
// bytes (which parses and links less: it links at prepare time) in a small C
// program compiled here. Both sides work from memory; medians of RUNS.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { objectNameFromPath, parseObject } from "../src/obj/index.js";
import { CReference, firstLine, median, repoRoot, staticLibbpf18 } from "./support.js";

const RUNS = 201;

function objects(): string[] {
  const dir = join(repoRoot, "bpf/test");
  return execFileSync("ls", [dir], { encoding: "utf8" }).split("\n").filter((n) => n.endsWith(".bpf.o")).map((n) => join("bpf/test", n));
}

/** libbpf's median ns per file, or a reason it could not run. */
function reference(files: string[]): { ns: Map<string, number>; which: string } | string {
  const static18 = staticLibbpf18();
  if (static18 === undefined && !existsSync("/usr/include/bpf/libbpf.h")) return "no libbpf to build the reference with";
  try {
    using ref = new CReference("obj-open.c", static18 ?? ["-lbpf"]);
    const ns = new Map<string, number>();
    for (const line of ref.run([String(RUNS), ...files]).trim().split("\n")) {
      const [file, value] = line.split(" ");
      if (value !== "error") ns.set(file!, Number(value));
    }
    return { ns, which: static18 !== undefined ? "libbpf 1.8 (static)" : "system libbpf" };
  } catch (err) {
    return `cannot build or run the libbpf reference: ${firstLine(err)}`;
  }
}

export async function run(): Promise<void> {
  const files = objects();
  const ours = new Map<string, { ms: number; bytes: number; insns: number }>();
  for (const file of files) {
    const b = readFileSync(join(repoRoot, file));
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    const name = objectNameFromPath(file);
    for (let i = 0; i < 30; i++) parseObject(bytes, { name });
    const times: number[] = [];
    let insns = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const obj = parseObject(bytes, { name });
      times.push(performance.now() - t0);
      insns = obj.programs.reduce((n, p) => n + p.insns.length, 0);
    }
    ours.set(file, { ms: median(times), bytes: bytes.length, insns });
  }
  const ref = reference(files);
  console.log(`parseObject (every program linked) vs ${typeof ref === "string" ? "(no reference)" : `${ref.which} bpf_object__open_mem`}, medians of ${RUNS}`);
  console.log(`${"object".padEnd(34)} ${"KiB".padStart(6)} ${"insns".padStart(6)} ${"corebpf".padStart(10)} ${"libbpf".padStart(10)} ${"ratio".padStart(7)}`);
  let totalOurs = 0;
  let totalRef = 0;
  let totalBytes = 0;
  for (const file of files) {
    const o = ours.get(file)!;
    const r = typeof ref === "string" ? undefined : ref.ns.get(file);
    totalOurs += o.ms;
    totalBytes += o.bytes;
    if (r !== undefined) totalRef += r / 1e6;
    console.log(
      `${file.replace("bpf/test/", "").padEnd(34)} ${(o.bytes / 1024).toFixed(0).padStart(6)} ${String(o.insns).padStart(6)} ${`${o.ms.toFixed(3)} ms`.padStart(10)} ${r === undefined ? "-".padStart(10) : `${(r / 1e6).toFixed(3)} ms`.padStart(10)} ${r === undefined ? "" : `${(o.ms / (r / 1e6)).toFixed(2)}x`.padStart(7)}`,
    );
  }
  const mib = totalBytes / 2 ** 20;
  console.log(`all ${files.length} objects: corebpf ${totalOurs.toFixed(2)} ms (${(totalOurs / files.length).toFixed(3)} ms per object, ${(totalOurs / mib).toFixed(2)} ms per MiB)` +
    (typeof ref === "string" ? `; reference skipped: ${ref}` : `; libbpf ${totalRef.toFixed(2)} ms (${(totalRef / mib).toFixed(2)} ms per MiB); ratio ${(totalOurs / totalRef).toFixed(2)}x`));
}
