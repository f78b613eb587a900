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
