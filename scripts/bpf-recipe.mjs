// The build recipe of a committed BPF object: shared by scripts/build-bpf.mjs
// (which writes bpf/objects.lock.json) and the test that checks it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export const FLAGS = ["-g", "-O2", "-Wall", "-Werror", "-mcpu=v3", "-D__TARGET_ARCH_x86", "-I", "bpf/include"];
export const TARGETS = ["bpfel", "bpfeb"];

/**
 * The flags of one source: FLAGS, adjusted by a first line `// build-bpf: FLAG...`
 * (an -mcpu= there replaces the default, others are appended), then followed by
 * the flags of any `// build-flags: FLAG...` lines, in order (the last -mcpu wins).
 */
export function flagsFor(root, source) {
  const text = readFileSync(join(root, source), "utf8");
  const first = text.split("\n", 1)[0];
  const m = /^\/\/ build-bpf: (.+)$/.exec(first);
  const extra = m ? m[1].trim().split(/\s+/) : [];
  const cpu = extra.some((f) => f.startsWith("-mcpu="));
  const lines = [...text.matchAll(/^\/\/ build-flags:(.*)$/gm)].flatMap((l) => l[1].trim().split(/\s+/).filter(Boolean));
  return [...FLAGS.filter((f) => !(cpu && f.startsWith("-mcpu="))), ...extra, ...lines];
}

/** The same as flagsFor (the name the build-flags syntax was introduced with). */
export const buildFlags = flagsFor;

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (name.startsWith(".")) continue;
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** Every BPF C source, as a path relative to the repository root. */
export function listSources(root) {
  return [...walk(join(root, "bpf"))].filter((p) => p.endsWith(".bpf.c")).map((p) => relative(root, p));
}

/** The objects built from a source: little endian first, then big endian. */
export function objectPaths(source) {
  const stem = source.slice(0, -".bpf.c".length);
  return [`${stem}.bpf.o`, `${stem}.bpfeb.o`];
}

export function fileHash(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** sha256 over the flags, the source and every header of bpf/include. */
export function recipeHash(root, source) {
  const h = createHash("sha256");
  h.update(JSON.stringify({ flags: flagsFor(root, source), targets: TARGETS }));
  h.update(readFileSync(join(root, source)));
  for (const header of walk(join(root, "bpf", "include"))) {
    h.update(relative(root, header));
    h.update(readFileSync(header));
  }
  return h.digest("hex");
}
