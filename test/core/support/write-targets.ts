// Writes the built target BTFs to test/core/data/<name>.btf (run by
// scripts/gen-core-goldens.sh after `npm run build`).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../support/paths.js";
import { builtTargets } from "./targets.js";

const dir = join(repoRoot, "test", "core", "data");
mkdirSync(dir, { recursive: true });
for (const [name, target] of Object.entries(builtTargets)) {
  writeFileSync(join(dir, `${name}.btf`), target.build().bytes);
  console.log(`test/core/data/${name}.btf: ${target.about}`);
}
