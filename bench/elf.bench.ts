// ELF + instruction decoding of every committed object, beside llvm-readelf
// (-S -s -r, spawned once per object: its figure includes process start-up,
// which is what a user of the tool pays) measured in the same run.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { SHF, parseElf } from "../src/elf/index.js";
import { decodeInsns } from "../src/asm/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const READELF = "llvm-readelf-19";

function* objects(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.startsWith(".")) continue;
    if (statSync(path).isDirectory()) yield* objects(path);
    else if (name.endsWith(".o")) yield path;
  }
}

/** Everything a loader needs from the ELF layer: sections, symbols, relocations, decoded code. */
function parseAll(bytes: Uint8Array): number {
  const elf = parseElf(bytes);
  let n = elf.symbols().length;
  for (const s of elf.sections) {
    n += elf.relocations(s).length;
    if ((s.flags & SHF.EXECINSTR) !== 0 && s.size > 0) n += decodeInsns(s.data, { littleEndian: elf.littleEndian }).length;
  }
  return n;
}

/** Mean ms per call, repeating for at least `budgetMs` after a warm-up. */
function timeIt(fn: () => unknown, budgetMs = 200): number {
  for (let i = 0; i < 20; i++) fn();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs || runs < 10) {
    fn();
    runs++;
  }
  return (performance.now() - start) / runs;
}

export async function run(): Promise<void> {
  const hasReadelf = spawnSync(READELF, ["--version"]).error === undefined;
  const rows: string[][] = [["object", "KiB", "corebpf ms", "corebpf ms/MiB", `${READELF} ms`, "ratio"]];
  let totalBytes = 0;
  let totalOurs = 0;
  let totalRef = 0;
  for (const path of objects(join(root, "bpf"))) {
    const bytes = new Uint8Array(readFileSync(path));
    const ours = timeIt(() => parseAll(bytes));
    const ref = hasReadelf ? timeIt(() => spawnSync(READELF, ["-S", "-s", "-r", path], { stdio: "ignore" }), 300) : NaN;
    totalBytes += bytes.length;
    totalOurs += ours;
    totalRef += ref;
    const mib = bytes.length / (1 << 20);
    rows.push([relative(root, path), (bytes.length / 1024).toFixed(1), ours.toFixed(4), (ours / mib).toFixed(2), ref.toFixed(2), (ref / ours).toFixed(0) + "x"]);
  }
  const n = rows.length - 1;
  const mib = totalBytes / (1 << 20);
  rows.push([`mean of ${n}`, (totalBytes / n / 1024).toFixed(1), (totalOurs / n).toFixed(4), (totalOurs / mib).toFixed(2), (totalRef / n).toFixed(2), (totalRef / totalOurs).toFixed(0) + "x"]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
  console.log(`corebpf: parseElf + symbols + relocations + decodeInsns of every code section, in process.`);
  console.log(hasReadelf ? `${READELF}: -S -s -r, one process per object (start-up included). ratio = ${READELF} / corebpf.` : `${READELF} is not installed: no reference figure.`);
}
