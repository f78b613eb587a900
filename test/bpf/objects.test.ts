// Every committed BPF object must match its source's last build recipe
// (scripts/build-bpf.mjs): a stale or hand-edited object fails loudly here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";

interface LockEntry {
  recipe: string;
  objects: Record<string, string>;
}

const recipe = (await import(join(repoRoot, "scripts", "bpf-recipe.mjs"))) as {
  listSources(root: string): string[];
  objectPaths(source: string): string[];
  recipeHash(root: string, source: string): string;
  fileHash(path: string): string;
};
const lock = JSON.parse(readFileSync(join(repoRoot, "bpf", "objects.lock.json"), "utf8")) as Record<string, LockEntry>;

for (const source of recipe.listSources(repoRoot)) {
  test(`${source} is built from its current source`, () => {
    const entry = lock[source];
    assert.ok(entry, `${source} has no entry in bpf/objects.lock.json: run node scripts/build-bpf.mjs`);
    assert.equal(recipe.recipeHash(repoRoot, source), entry.recipe, `${source} changed since its objects were built: run node scripts/build-bpf.mjs`);
    for (const obj of recipe.objectPaths(source)) {
      const path = join(repoRoot, obj);
      assert.ok(existsSync(path), `${obj} is missing: run node scripts/build-bpf.mjs`);
      assert.equal(recipe.fileHash(path), entry.objects[obj], `${obj} differs from what the build recorded`);
    }
  });
}
