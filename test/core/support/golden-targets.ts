// Target names used by the goldens (test/core/goldens/<object>.<target>.json)
// and how to open each: the Btf for corebpf, the path for libbpf.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type CoreTarget } from "../../../src/core/index.js";
import { kernelBtf, kernelModuleBtf, kernelModuleNames, readBtfFile, readBtfFileSync } from "../../../src/kernel/index.js";
import { repoRoot, sharedFile } from "../../support/paths.js";

export const goldenDir = join(repoRoot, "test", "core", "goldens");
export const objectPath = (name: string) => join(repoRoot, "bpf", "test", `${name}.bpf.o`);

export interface GoldenTarget {
  /** Opens the target (undefined path: the running kernel with its modules). */
  open(): Promise<CoreTarget>;
  /** Path given to libbpf as btf_custom_path; undefined for the running kernel. */
  libbpfPath: string | undefined;
  skip: string | false;
}

const kernelSha = (): string | undefined => {
  if (!existsSync("/sys/kernel/btf/vmlinux")) return undefined;
  return createHash("sha256").update(readFileSync("/sys/kernel/btf/vmlinux")).digest("hex");
};

/** The target a golden's name stands for. */
export function goldenTarget(name: string): GoldenTarget {
  if (name === "core_target") {
    const path = objectPath("core_target");
    return { open: async () => ({ btf: readBtfFileSync(path) }), libbpfPath: path, skip: false };
  }
  if (name.startsWith("ct-")) {
    const path = join(repoRoot, "test", "core", "data", `${name}.btf`);
    return { open: async () => ({ btf: readBtfFileSync(path) }), libbpfPath: path, skip: false };
  }
  if (name === "vmlinux-7.1") {
    const shared = sharedFile("btf/vmlinux.btf.gz");
    if (shared.path === undefined) return { open: () => Promise.reject(new Error(shared.skip)), libbpfPath: undefined, skip: shared.skip };
    const path = shared.path;
    return { open: async () => ({ btf: await readBtfFile(path) }), libbpfPath: undefined, skip: false };
  }
  if (name === "kernel") {
    const recorded = join(goldenDir, "kernel.sha256");
    const sha = kernelSha();
    let skip: string | false = false;
    if (sha === undefined) skip = "the running kernel has no BTF";
    else if (!existsSync(recorded) || readFileSync(recorded, "utf8").trim() !== sha) skip = "the kernel goldens were made on another kernel (test/core/goldens/kernel.sha256)";
    return { open: async () => runningKernel(), libbpfPath: undefined, skip };
  }
  throw new Error(`unknown golden target ${name}`);
}

/** The running kernel's BTF and its modules', as libbpf searches them. */
export function runningKernel(): CoreTarget {
  return { btf: kernelBtf(), modules: kernelModuleNames().map((name) => ({ name, btf: kernelModuleBtf(name) })) };
}

/** Every golden: [object, target, file]. */
export function goldens(): { object: string; target: string; file: string }[] {
  return readdirSync(goldenDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const [object, ...rest] = file.slice(0, -".json".length).split(".");
      return { object: object!, target: rest.join("."), file: join(goldenDir, file) };
    });
}

