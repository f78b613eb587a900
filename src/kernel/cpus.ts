// CPU masks from sysfs: per-CPU map values hold one slot per *possible* CPU.
import { readFileSync } from "node:fs";
import { CoreBpfError } from "../errors.js";

/** Parses a kernel CPU list ("0-3,5,7-8") into sorted CPU ids. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  const trimmed = text.trim();
  if (trimmed === "") return cpus;
  for (const part of trimmed.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new CoreBpfError("BAD_CPU_LIST", `cannot parse CPU list '${trimmed}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi - lo > 65536) throw new CoreBpfError("BAD_CPU_LIST", `bad CPU range '${part}'`);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

let possible: number[] | undefined;

/** Ids of the possible CPUs (/sys/devices/system/cpu/possible), read once. */
export function possibleCpus(): readonly number[] {
  return (possible ??= parseCpuList(readFileSync("/sys/devices/system/cpu/possible", "utf8")));
}

/** How many slots a per-CPU map value has. */
export function possibleCpuCount(): number {
  return possibleCpus().length;
}

/** Ids of the online CPUs (/sys/devices/system/cpu/online). */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8"));
}
