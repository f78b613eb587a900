// What this process may do with bpf(): effective capabilities and the
// unprivileged_bpf_disabled sysctl, for error advice and test skips.
import { readFileSync } from "node:fs";

export const Capability = {
  NET_ADMIN: 12,
  SYS_ADMIN: 21,
  PERFMON: 38,
  BPF: 39,
} as const;

/** The effective capability set (CapEff of /proc/self/status), or undefined if unreadable. */
export function effectiveCapabilities(): bigint | undefined {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? BigInt("0x" + m[1]!) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the effective set holds capability `cap`. */
export function hasCapability(cap: number, caps = effectiveCapabilities()): boolean {
  return caps !== undefined && ((caps >> BigInt(cap)) & 1n) === 1n;
}

/** Whether this process can load programs and create maps (CAP_SYS_ADMIN, or CAP_BPF). */
export function hasBpfPrivilege(): boolean {
  const caps = effectiveCapabilities();
  return hasCapability(Capability.SYS_ADMIN, caps) || hasCapability(Capability.BPF, caps);
}

/** The value of /proc/sys/kernel/unprivileged_bpf_disabled (0, 1, 2), or undefined. */
export function unprivilegedBpfDisabled(): number | undefined {
  try {
    const v = Number.parseInt(readFileSync("/proc/sys/kernel/unprivileged_bpf_disabled", "utf8"), 10);
    return Number.isNaN(v) ? undefined : v;
  } catch {
    return undefined;
  }
}

/** Names of the BPF-related capabilities the process lacks, e.g. ["CAP_BPF", "CAP_PERFMON"]. */
export function missingBpfCapabilities(): string[] {
  const caps = effectiveCapabilities();
  if (hasCapability(Capability.SYS_ADMIN, caps)) return [];
  const missing: string[] = [];
  if (!hasCapability(Capability.BPF, caps)) missing.push("CAP_BPF");
  if (!hasCapability(Capability.PERFMON, caps)) missing.push("CAP_PERFMON");
  return missing;
}
