// The dependency rule of DESIGN.md: pure layers import nothing from Node, and
// import arrows point downwards only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./support/paths.js";

const src = join(repoRoot, "src");

// Each layer with the layers it may import from (besides itself and src/*.ts).
const allowed: Record<string, string[]> = {
  btf: ["elf"],
  elf: [],
  asm: [],
  obj: ["btf", "elf", "asm"],
  core: ["obj", "btf", "elf", "asm"],
  kernel: ["core", "obj", "btf", "elf", "asm"],
  events: ["kernel", "core", "obj", "btf", "elf", "asm"],
  gen: ["kernel", "events", "core", "obj", "btf", "elf", "asm"],
  tools: ["gen", "kernel", "events", "core", "obj", "btf", "elf", "asm"],
  cli: ["tools", "gen", "kernel", "events", "core", "obj", "btf", "elf", "asm"],
};
const pure = new Set(["btf", "elf", "asm", "obj", "core"]);

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* tsFiles(path);
    else if (name.endsWith(".ts")) yield path;
  }
}

const importRe = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

test("pure layers import no node: modules and arrows point downwards", () => {
  const problems: string[] = [];
  for (const file of tsFiles(src)) {
    const rel = relative(src, file);
    const layer = rel.includes("/") ? rel.split("/")[0]! : undefined;
    if (layer === undefined) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith("node:") || /^(fs|path|os|child_process|zlib|util|crypto|worker_threads)$/.test(spec)) {
        if (pure.has(layer)) problems.push(`${rel}: pure layer imports ${spec}`);
        continue;
      }
      if (!spec.startsWith(".")) {
        if (pure.has(layer)) problems.push(`${rel}: pure layer imports package ${spec}`);
        continue;
      }
      const target = relative(src, join(file, "..", spec));
      const targetLayer = target.includes("/") ? target.split("/")[0]! : undefined;
      if (targetLayer === undefined || targetLayer === layer) continue;
      if (!(allowed[layer] ?? []).includes(targetLayer)) problems.push(`${rel}: ${layer} may not import ${targetLayer} (${spec})`);
    }
  }
  assert.deepEqual(problems, []);
});
