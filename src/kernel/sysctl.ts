// Reading BPF-related sysctls the way bpftool does (a decimal number on one
// line, else -1), and telling whether /proc is a procfs.
import { readFileSync, statfsSync } from "node:fs";

const PROC_SUPER_MAGIC = 0x9fa0;

/** The BPF sysctls bpftool reports, by name. */
export const bpfSysctls = {
  unprivileged_bpf_disabled: "/proc/sys/kernel/unprivileged_bpf_disabled",
  bpf_jit_enable: "/proc/sys/net/core/bpf_jit_enable",
  bpf_jit_harden: "/proc/sys/net/core/bpf_jit_harden",
  bpf_jit_kallsyms: "/proc/sys/net/core/bpf_jit_kallsyms",
  bpf_jit_limit: "/proc/sys/net/core/bpf_jit_limit",
} as const;

/** The first line of a procfs file as a decimal number, or -1 if absent or malformed. */
export function readProcfsNumber(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return -1;
  }
  const nl = text.indexOf("\n");
  if (nl < 0) return -1;
  const line = text.slice(0, nl);
  return /^\s*[+-]?\d+$/.test(line) ? Number.parseInt(line, 10) : -1;
}

/** Whether /proc is a mounted procfs. */
export function procfsMounted(): boolean {
  try {
    return Number(statfsSync("/proc").type) === PROC_SUPER_MAGIC;
  } catch {
    return false;
  }
}
