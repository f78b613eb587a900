// `npm run bench`: runs every benchmark suite; each prints corebpf's figure
// beside the reference measured in the same run, and the ratio.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
for (const name of readdirSync(dir).filter((n) => n.endsWith(".bench.js")).sort()) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  console.log(`\n## ${name.replace(/\.bench\.js$/, "")}`);
  const mod = (await import(join(dir, name))) as { run: () => Promise<void> };
  await mod.run();
}
