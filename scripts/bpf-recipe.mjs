// The build recipe of a committed BPF object: shared by scripts/build-bpf.mjs
// (which writes bpf/objects.lock.json) and the test that checks it.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

// -fdebug-compilation-dir=. keeps the checkout's absolute path out of the
// objects (BTF line info names "./bpf/test/x.bpf.c"), so any checkout builds
// the same bytes.
export const FLAGS = ["-g", "-O2", "-Wall", "-Werror", "-mcpu=v3", "-D__TARGET_ARCH_x86", "-fdebug-compilation-dir=.", "-I", "bpf/include"];
export const TARGETS = ["bpfel", "bpfeb"];

// A source may add clang flags of its own with lines such as
//   // build-flags: -mcpu=v4 -DNAME=1
// They come after FLAGS, so they can override them (the last -mcpu wins).
const SOURCE_FLAGS = /^\/\/ build-flags:(.*)$/gm;

/** FLAGS plus the source's own `// build-flags:` lines, in order. */
export function buildFlags(root, source) {
  const text = readFileSync(join(root, source), "utf8");
  const extra = [...text.matchAll(SOURCE_FLAGS)].flatMap((m) => m[1].trim().split(/\s+/).filter(Boolean));
  return [...FLAGS, ...extra];
}

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

/** sha256 over the flags, the source and every header (*.h) of bpf/include. */
export function recipeHash(root, source) {
  const h = createHash("sha256");
  h.update(JSON.stringify({ flags: buildFlags(root, source), targets: TARGETS }));
  h.update(readFileSync(join(root, source)));
  for (const header of walk(join(root, "bpf", "include"))) {
    if (!header.endsWith(".h")) continue; // a README is not part of any build
    h.update(relative(root, header));
    h.update(readFileSync(header));
  }
  return h.digest("hex");
}
