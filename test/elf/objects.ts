// Test support: every committed BPF object of the repository.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../support/paths.js";

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (name.endsWith(".o")) yield path;
  }
}

/** Committed objects (X.bpf.o little endian, X.bpfeb.o big endian), as repository-relative paths. */
export const committedObjects: string[] = [...walk(join(repoRoot, "bpf"))].map((p) => relative(repoRoot, p));

export const readObject = (rel: string): Uint8Array => new Uint8Array(readFileSync(join(repoRoot, rel)));

/**
 * Sources whose code legitimately differs between byte orders, so their two
 * builds cannot be compared instruction for instruction: bitfield extraction
 * (BPF_CORE_READ_BITFIELD shifts), constants read as bytes and the
 * pt_regs/usdt argument accessors of bpf_tracing.h depend on it.
 */
export const byteOrderSensitive = new Set([
  "bpf/test/core_kernel.bpf.o",
  "bpf/test/core_cpuv4.bpf.o",
  "bpf/test/core_large.bpf.o",
  "bpf/test/core_local.bpf.o",
  "bpf/test/progs_trace.bpf.o",
  "bpf/test/maps.bpf.o", // initial values of map slots laid out as integers
  "bpf/test/progs_net.bpf.o", // network byte order constants (bpf_htons)
  "bpf/test/externs.bpf.o", // char kconfig values read bytewise
]);

/** Little-endian objects with a big-endian twin to compare against. */
export const comparablePairs = (): [le: string, be: string][] =>
  committedObjects
    .filter((p) => p.endsWith(".bpf.o") && !byteOrderSensitive.has(p))
    .map((le) => [le, le.replace(/\.bpf\.o$/, ".bpfeb.o")] as [string, string])
    .filter(([, be]) => committedObjects.includes(be));
