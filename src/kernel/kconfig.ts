// The running kernel's build configuration: /boot/config-$(uname -r), else
// /proc/config.gz. Used by feature probe output and (later) kconfig externs.
import { existsSync, readFileSync } from "node:fs";
import { release } from "node:os";
import { gunzipSync } from "node:zlib";

export interface KernelConfig {
  /** Where the configuration was read from. */
  source: string;
  /** CONFIG_* name -> value as written ("y", "m", "250", "\"str\""); "is not set" names map to null. */
  values: ReadonlyMap<string, string | null>;
}

/** Parses kernel .config text. */
export function parseKernelConfig(text: string): Map<string, string | null> {
  const values = new globalThis.Map<string, string | null>();
  for (const line of text.split("\n")) {
    const set = /^(CONFIG_\w+)=(.*)$/.exec(line);
    if (set) {
      values.set(set[1]!, set[2]!);
      continue;
    }
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset) values.set(unset[1]!, null);
  }
  return values;
}

/** The candidate locations, in the order they are tried. */
export function kernelConfigPaths(): string[] {
  return [`/boot/config-${release()}`, "/proc/config.gz"];
}

let cached: KernelConfig | null | undefined;

/** The running kernel's configuration, or null when no source is readable. */
export function readKernelConfig(): KernelConfig | null {
  if (cached !== undefined) return cached;
  cached = null;
  for (const path of kernelConfigPaths()) {
    if (!existsSync(path)) continue;
    try {
      const raw = readFileSync(path);
      const text = path.endsWith(".gz") ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
      cached = { source: path, values: parseKernelConfig(text) };
      break;
    } catch {
      continue;
    }
  }
  return cached;
}
