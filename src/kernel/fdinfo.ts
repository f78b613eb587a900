// /proc/<pid>/fdinfo/<fd>: what the kernel tells about a BPF fd beyond the
// info structs (memlock, frozen, owner_prog_type of prog arrays, ids).
import { readFileSync } from "node:fs";

/** The "key:\tvalue" lines of an fdinfo file as a record. */
export function parseFdinfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}

/** fdinfo of one of this process's fds (pid defaults to self). */
export function readFdinfo(fd: number, pid: number | "self" = "self"): Record<string, string> {
  return parseFdinfo(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"));
}
