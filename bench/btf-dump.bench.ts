// Whole-process benchmark: `corebpf btf dump file /sys/kernel/btf/vmlinux
// format {c | raw}` beside `bpftool btf dump ...` (the same command), run as
// fresh processes in alternation: median and best wall time over RUNS runs
// with the output going to /dev/null and to a file (what `> vmlinux.h` does),
// and peak RSS from GNU time (`apt-get install time`) when it is installed.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median, repoRoot } from "./support.js";

const KERNEL_BTF = "/sys/kernel/btf/vmlinux";
const RUNS = 21;
const cli = join(repoRoot, "bin", "corebpf.js");

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

interface Command {
  label: string;
  argv: string[];
}

/** Wall times of each command, run in turns so that load changes hit all alike. */
function wallTimes(commands: Command[], stdoutPath: string): number[][] {
  const times = commands.map(() => [] as number[]);
  for (let run = 0; run < RUNS + 2; run++) {
    commands.forEach((c, i) => {
      const fd = openSync(stdoutPath, "w");
      try {
        const started = performance.now();
        const r = spawnSync(c.argv[0]!, c.argv.slice(1), { stdio: ["ignore", fd, "ignore"] });
        const took = performance.now() - started;
        if (r.status !== 0) throw new Error(`${c.argv.join(" ")} exited with ${r.status}`);
        if (run >= 2) times[i]!.push(took); // two warm-up rounds (page cache, binaries)
      } finally {
        closeSync(fd);
      }
    });
  }
  return times;
}

/** Peak RSS in KiB (the largest of three runs), or undefined without GNU time. */
function peakRss(argv: string[]): number | undefined {
  if (!existsSync("/usr/bin/time")) return undefined;
  let peak = 0;
  for (let i = 0; i < 3; i++) {
    const r = spawnSync("/usr/bin/time", ["-f", "%M", ...argv], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    const kib = Number(r.stderr.trim().split("\n").pop());
    if (!Number.isFinite(kib)) return undefined;
    peak = Math.max(peak, kib);
  }
  return peak;
}

export async function run(): Promise<void> {
  if (!existsSync(KERNEL_BTF)) {
    console.log(`skipped: ${KERNEL_BTF} is absent`);
    return;
  }
  if (spawnSync("bpftool", ["version"], { stdio: "ignore" }).status !== 0) {
    console.log("skipped: bpftool is not installed (apt-get install bpftool)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "corebpf-bench-"));
  try {
    const file = join(dir, "out");
    console.log(`whole process, ${RUNS} runs each in alternation; median (best) wall time; load average ${(await import("node:os")).loadavg()[0]!.toFixed(2)}`);
    console.log(`${"".padEnd(34)} ${"corebpf".padStart(18)} ${"bpftool".padStart(18)} ${"ratio".padStart(7)}`);
    const goals: string[] = [];
    for (const format of ["c", "raw"]) {
      const args = ["btf", "dump", "file", KERNEL_BTF, "format", format];
      const ours: Command = { label: "corebpf", argv: [process.execPath, cli, ...args] };
      const ref: Command = { label: "bpftool", argv: ["bpftool", ...args] };
      for (const [where, path] of [["> /dev/null", "/dev/null"], ["> file", file]] as const) {
        const [a, b] = wallTimes([ours, ref], path);
        const row = `format ${format} ${where}`.padEnd(34);
        const ratio = median(a!) / median(b!);
        console.log(`${row} ${`${ms(median(a!))} (${ms(Math.min(...a!))})`.padStart(18)} ${`${ms(median(b!))} (${ms(Math.min(...b!))})`.padStart(18)} ${ratio.toFixed(2).padStart(6)}x`);
        if (format === "c") goals.push(`wall ${where} <= 1.5x: ${ratio <= 1.5 ? "met" : "MISSED"}`);
      }
      const rssOurs = peakRss(ours.argv);
      const rssRef = peakRss(ref.argv);
      if (rssOurs === undefined || rssRef === undefined) console.log(`format ${format} peak RSS: needs GNU time (apt-get install time)`);
      else console.log(`${`format ${format} peak RSS`.padEnd(34)} ${mib(rssOurs).padStart(18)} ${mib(rssRef).padStart(18)} ${(rssOurs / rssRef).toFixed(2).padStart(6)}x`);
      if (format === "c" && rssOurs !== undefined) goals.push(`peak RSS <= 80 MiB: ${rssOurs <= 80 * 1024 ? "met" : "MISSED"}`);
    }
    const node = wallTimes([{ label: "node", argv: [process.execPath, "-e", "0"] }], "/dev/null")[0]!;
    console.log(`for scale: node -e 0 takes ${ms(median(node))}`);
    console.log(`goals (format c): ${goals.join("; ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
