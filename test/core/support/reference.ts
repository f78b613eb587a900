// The libbpf 1.8 reference program (test/reference/libbpf-relocate.c), built
// once per test process when gcc and a static libbpf 1.8 are at hand.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../support/paths.js";

export const LIBBPF_DIR = process.env.LIBBPF_DIR ?? "/work/ref/libbpf-1.8/usr";

let built: { path: string } | { skip: string } | undefined;

/** Path of the built reference program, or why it cannot be built or run here. */
export function libbpfReference(): { path: string } | { skip: string } {
  if (built !== undefined) return built;
  const lib = join(LIBBPF_DIR, "lib64", "libbpf.a");
  if (!existsSync(lib)) return (built = { skip: `no static libbpf 1.8 at ${lib} (set LIBBPF_DIR)` });
  if (process.getuid?.() !== 0) return (built = { skip: "bpf_object__prepare needs root" });
  const path = join(mkdtempSync(join(tmpdir(), "corebpf-core-")), "libbpf-relocate");
  try {
    execFileSync("gcc", ["-O1", `-I${join(LIBBPF_DIR, "include")}`, "-o", path, join(repoRoot, "test/reference/libbpf-relocate.c"), lib, "-lelf", "-lz"], { stdio: "pipe" });
  } catch (err) {
    return (built = { skip: `cannot build the libbpf reference: ${String((err as { stderr?: Buffer }).stderr ?? err).split("\n")[0]}` });
  }
  return (built = { path });
}

/** libbpf's output for OBJ against TARGET (undefined: the running kernel). */
export function runReference(exe: string, obj: string, target?: string): string {
  try {
    return execFileSync(exe, target === undefined ? [obj] : [obj, target], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 1 << 26 });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout;
    if (out) return out;
    throw err;
  }
}
