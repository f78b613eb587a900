// The running kernel's version as LINUX_VERSION_CODE, with the distribution
// quirks that make uname's release differ from the code the kernel was built
// with (Ubuntu's /proc/version_signature, Debian's version in uname -v).
import { readFileSync } from "node:fs";
import { release, version } from "node:os";

/** KERNEL_VERSION(a, b, c): the sublevel saturates at 255 as in the kernel. */
export function kernelVersionCode(major: number, minor: number, patch: number): number {
  return major * 65536 + minor * 256 + Math.min(patch, 255);
}

/** Parses the first "a.b.c" of `text` into a version code, or undefined. */
export function parseVersionCode(text: string): number | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m ? kernelVersionCode(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

export interface UnameInfo {
  release: string;
  version: string;
  /** Contents of /proc/version_signature (Ubuntu), if present. */
  versionSignature?: string;
}

/** The version code the kernel reports itself as, given uname data (pure, for tests). */
export function versionCodeFrom(info: UnameInfo): number {
  // Ubuntu: "Ubuntu 5.4.0-42.46-generic 5.4.44" -> the last field is upstream's version.
  if (info.versionSignature) {
    const fields = info.versionSignature.trim().split(/\s+/);
    const code = parseVersionCode(fields[2] ?? "");
    if (code !== undefined) return code;
  }
  // Debian: "#1 SMP Debian 5.10.46-4 (2021-08-03)" -> 5.10.46 while release says 5.10.0.
  const debian = /Debian (\d+\.\d+\.\d+)/.exec(info.version);
  if (debian) {
    const code = parseVersionCode(debian[1]!);
    if (code !== undefined) return code;
  }
  return parseVersionCode(info.release) ?? 0;
}

let cached: number | undefined;

/** LINUX_VERSION_CODE of the running kernel (0 if it cannot be told). */
export function runningKernelVersion(): number {
  if (cached !== undefined) return cached;
  let versionSignature: string | undefined;
  try {
    versionSignature = readFileSync("/proc/version_signature", "utf8");
  } catch {
    versionSignature = undefined;
  }
  cached = versionCodeFrom({ release: release(), version: version(), ...(versionSignature ? { versionSignature } : {}) });
  return cached;
}
