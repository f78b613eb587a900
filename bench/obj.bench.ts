// Object model benchmark: parseObject (ELF, BTF index, BTF.ext, maps,
// externs, relocations, every program linked) over every committed
// little-endian test object, beside libbpf's bpf_object__open_mem of the same
// bytes (which parses and links less: it links at prepare time) in a small C
// program compiled here. Both sides work from memory; medians of RUNS.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { objectNameFromPath, parseObject } from "../src/obj/index.js";

const RUNS = 201;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const LIBBPF_18 = "/work/ref/libbpf-1.8";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function objects(): string[] {
  const dir = join(repoRoot, "bpf/test");
  return execFileSync("ls", [dir], { encoding: "utf8" }).split("\n").filter((n) => n.endsWith(".bpf.o")).map((n) => join("bpf/test", n));
}

/** libbpf's median ns per file, or a reason it could not run. */
function reference(files: string[]): { ns: Map<string, number>; which: string } | string {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-bench-"));
  try {
    const exe = join(dir, "obj-open");
    const src = join(repoRoot, "bench/c/obj-open.c");
    let which: string;
    if (existsSync(join(LIBBPF_18, "usr/lib64/libbpf.a"))) {
      execFileSync("gcc", ["-O2", "-I", join(LIBBPF_18, "usr/include"), "-o", exe, src, join(LIBBPF_18, "usr/lib64/libbpf.a"), "-lelf", "-lz"], { stdio: "pipe" });
      which = "libbpf 1.8 (static)";
    } else if (existsSync("/usr/include/bpf/libbpf.h")) {
      execFileSync("gcc", ["-O2", "-o", exe, src, "-lbpf"], { stdio: "pipe" });
      which = "system libbpf";
    } else {
      return "no libbpf to build the reference with";
    }
    const out = execFileSync(exe, [String(RUNS), ...files], { cwd: repoRoot, encoding: "utf8" });
    const ns = new Map<string, number>();
    for (const line of out.trim().split("\n")) {
      const [file, value] = line.split(" ");
      if (value !== "error") ns.set(file!, Number(value));
    }
    return { ns, which };
  } catch (err) {
    return `cannot build or run the libbpf reference: ${(err as Error).message.split("\n")[0]}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
