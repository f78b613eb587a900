// Shared by the loader tests: object paths and the test-run conventions of
// bpf/test/README.md.
import { join } from "node:path";
import { type IdKind, type Program, ProgType, ids, mapInfo, programInfo, rawClose, tryGetFdById } from "../../../src/kernel/index.js";
import type { ObjectSpec } from "../../../src/obj/index.js";
import { repoRoot } from "../../support/paths.js";

export const objectPath = (name: string): string => join(repoRoot, "bpf", "test", `${name}.bpf.o`);

/** A 64-byte zero packet (socket, tc and xdp programs). */
export const zeroPacket = new Uint8Array(64);

/** Runs a program once the way the README's tables assume and returns r0 (signed). */
export function run(p: Program): number {
  switch (p.type) {
    case ProgType.SYSCALL:
      return p.testRun({}).retval | 0;
    case ProgType.RAW_TRACEPOINT:
      return p.testRun({ ctx: new Uint8Array(24), ctxOutSize: 0 }).retval | 0;
    default:
      return p.testRun({ data: zeroPacket }).retval | 0;
  }
}

/** The ids of every program, map and BTF object the kernel holds now. */
export function kernelIds(): Record<IdKind, Set<number>> {
  return { prog: new Set(ids("prog")), map: new Set(ids("map")), btf: new Set(ids("btf")), link: new Set<number>() };
}

function nameOf(kind: "prog" | "map", id: number): string | undefined {
  const fd = tryGetFdById(kind, id);
  if (fd === undefined) return undefined;
  try {
    return kind === "prog" ? programInfo(fd).name : mapInfo(fd).name;
  } catch {
    return undefined;
  } finally {
    rawClose(fd);
  }
}

/**
 * Programs and maps created since `before` that carry one of `names` and are
 * still alive, after waiting up to `timeoutMs` for the kernel's deferred
 * frees. Objects of other processes (other names) are not counted, so tests
 * running in parallel do not disturb the check.
 */
export async function leftovers(before: Record<IdKind, Set<number>>, names: ReadonlySet<string>, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  // Let the kernel finish releasing first: opening a prog_array by id while
  // its deferred clear is queued makes Linux 6.18 queue it twice and leak
  // the map for good (an empty prog_array no fd or program holds).
  await new Promise((r) => setTimeout(r, 200));
  for (;;) {
    const left: string[] = [];
    for (const kind of ["prog", "map"] as const) {
      for (const id of ids(kind)) {
        if (before[kind].has(id)) continue;
        const name = nameOf(kind, id);
        if (name !== undefined && names.has(name)) left.push(`${kind} ${id} '${name}'`);
      }
    }
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The kernel names (15 bytes) of an object's maps and programs. */
export function kernelNames(obj: ObjectSpec): Set<string> {
  return new Set([...obj.maps.map((m) => m.name), ...obj.programs.map((p) => p.name)].map((n) => n.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15)));
}
