// Where tests find the repository, its committed BPF objects and ../shared.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above " + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export const repoRoot = findRepoRoot();

/** The CLI entry point, run with `node` in tests. */
export const cliPath = join(repoRoot, "bin", "corebpf.js");

/** ../shared/testdata next to the repository, or undefined on a user's plain clone. */
export const sharedTestdata: string | undefined = (() => {
  const dir = resolve(repoRoot, "..", "shared", "testdata");
  return existsSync(dir) ? dir : undefined;
})();

/**
 * Path of a file under ../shared/testdata, or a skip reason for node:test's
 * `{ skip }` option when ../shared is absent.
 */
export function sharedFile(rel: string): { path: string; skip: false } | { path: undefined; skip: string } {
  if (sharedTestdata === undefined) return { path: undefined, skip: "../shared/testdata is absent (plain clone)" };
  const path = join(sharedTestdata, rel);
  if (!existsSync(path)) return { path: undefined, skip: `${path} is absent` };
  return { path, skip: false };
}
