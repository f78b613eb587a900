#!/usr/bin/env node
// Builds every bpf/**/*.bpf.c with clang-19 into committed objects:
//   X.bpf.o    little endian (-target bpfel, what this host loads)
//   X.bpfeb.o  big endian    (-target bpfeb, for parser tests)
// and records each build recipe in bpf/objects.lock.json so that the test suite
// can prove no committed object is stale (see test/bpf/objects.test.ts).
//
// Usage: node scripts/build-bpf.mjs [--force] [FILTER...]
// Build machine only: needs clang-19, llvm-strip-19 and bpftool (for vmlinux.h).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { recipeHash, fileHash, listSources, objectPaths, buildFlags, TARGETS } from "./bpf-recipe.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const force = args.includes("--force");
const filters = args.filter((a) => !a.startsWith("--"));
const lockPath = join(root, "bpf", "objects.lock.json");
const lock = existsSync(lockPath) ? JSON.parse(readFileSync(lockPath, "utf8")) : {};

// vmlinux.h of the build machine's kernel; not part of the recipe (CO-RE makes
// the object independent of the exact kernel the header came from).
const buildDir = join(root, "bpf", ".build");
const vmlinuxH = join(buildDir, "vmlinux.h");
if (!existsSync(vmlinuxH)) {
  mkdirSync(buildDir, { recursive: true });
  const header = execFileSync("bpftool", ["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"], { maxBuffer: 1 << 30 });
  writeFileSync(vmlinuxH, header);
}

const clangVersion = execFileSync("clang-19", ["--version"], { encoding: "utf8" }).split("\n")[0];
let built = 0;
for (const source of listSources(root)) {
  if (filters.length > 0 && !filters.some((f) => source.includes(f))) continue;
  const hash = recipeHash(root, source);
  const outs = objectPaths(source);
  const entry = lock[source];
  const fresh = entry?.recipe === hash && outs.every((o) => existsSync(join(root, o)) && entry.objects?.[o] === fileHash(join(root, o)));
  if (fresh && !force) continue;
  const objects = {};
  const flags = buildFlags(root, source);
  for (const [i, target] of TARGETS.entries()) {
    const out = outs[i];
    // Run from the repository root with relative paths and
    // -fdebug-compilation-dir=. (in FLAGS): the object's line info then names
    // files the same way on every build machine and in every checkout.
    execFileSync("clang-19", [...flags, "-target", target, "-I", relative(root, buildDir), "-c", source, "-o", out], { cwd: root, stdio: "inherit" });
    // Keep BTF and BTF.ext, drop DWARF (libbpf-tools do the same).
    execFileSync("llvm-strip-19", ["-g", out], { cwd: root, stdio: "inherit" });
    objects[out] = fileHash(join(root, out));
  }
  lock[source] = { recipe: hash, clang: clangVersion, objects };
  console.log(`built ${source}`);
  built++;
}
for (const source of Object.keys(lock)) if (!existsSync(join(root, source))) delete lock[source];
const sorted = Object.fromEntries(Object.keys(lock).sort().map((k) => [k, lock[k]]));
writeFileSync(lockPath, JSON.stringify(sorted, null, 2) + "\n");
console.log(`${built} source(s) built, ${Object.keys(sorted).length} in ${relative(root, lockPath)}`);
