// What the benchmarks share: where the repository is, medians, and the C
// reference programs of bench/c/ built with gcc into a temporary directory.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository (benchmarks run from dist/bench/). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The libbpf 1.8 reference build (scripts/gen-libbpf-goldens.sh); absent on a plain clone. */
export const LIBBPF_18 = process.env.LIBBPF_DIR ?? "/work/ref/libbpf-1.8/usr";

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** gcc arguments that link libbpf 1.8 statically, or undefined when that build is absent. */
export function staticLibbpf18(): string[] | undefined {
  const lib = join(LIBBPF_18, "lib64", "libbpf.a");
  return existsSync(lib) ? ["-I", join(LIBBPF_18, "include"), lib, "-lelf", "-lz"] : undefined;
}

/** The first line of an error's message, for "reference skipped: ..." lines. */
export const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split("\n")[0]!;

/** A C program of bench/c/ compiled with gcc -O2; disposing removes it. */
export class CReference implements Disposable {
  readonly exe: string;
  readonly #dir: string;

  /** Compiles bench/c/`source` with `gccArgs` after the source (libraries, include paths); throws what gcc said. */
  constructor(source: string, gccArgs: string[]) {
    this.#dir = mkdtempSync(join(tmpdir(), "corebpf-bench-"));
    this.exe = join(this.#dir, basename(source, ".c"));
    try {
      execFileSync("gcc", ["-O2", "-o", this.exe, join(repoRoot, "bench/c", source), ...gccArgs], { stdio: "pipe" });
    } catch (err) {
      this[Symbol.dispose]();
      throw new Error(`cannot build bench/c/${source}: ${firstLine((err as { stderr?: Buffer }).stderr?.toString() || err)}`);
    }
  }

  /** Runs it and returns its standard output. */
  run(args: string[], cwd = repoRoot): string {
    return execFileSync(this.exe, args, { cwd, encoding: "utf8" });
  }

  [Symbol.dispose](): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
