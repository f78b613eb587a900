// BPF arenas (BPF_MAP_TYPE_ARENA, Linux 6.9+): pages shared by programs and
// user space, where a pointer is the same user address on both sides. The
// kernel learns the arena's user address at creation (map_extra) or from the
// first mmap, and programs using the arena load only once it is known, so a
// loader maps every arena it creates, as libbpf does: max_entries pages,
// read/write, shared, at map_extra when set.
//
// Touching a page from user space that no program allocated allocates it (or
// kills the process with SIGSEGV when the arena has BPF_F_SEGV_ON_FAULT, and
// on a page where a program faulted): read what programs wrote.
import { CoreBpfError } from "../errors.js";
import { MapMemory } from "./map-memory.js";
import { pageSize } from "./sys.js";

/** Bytes of an arena's mapping: one page per entry. */
export function arenaLength(maxEntries: number): number {
  return maxEntries * pageSize();
}

/**
 * Maps the arena behind `fd`: at `mapExtra` exactly when non-zero (never over
 * another mapping: MAP_FIXED_NOREPLACE where libbpf uses MAP_FIXED), else
 * where the kernel chooses (it then keeps the range within 4 GiB).
 */
export function mapArena(fd: number, maxEntries: number, mapExtra: bigint, what = "arena"): MapMemory {
  if (mapExtra > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CoreBpfError("ERANGE", `${what}: map_extra 0x${mapExtra.toString(16)} is beyond the addresses this library can map`, { hint: "use an address below 2^53" });
  }
  const hint =
    mapExtra === 0n
      ? "an arena is mapped once per process (the kernel keeps the first address); use the mapping you have"
      : `the arena's fixed address 0x${mapExtra.toString(16)} (map_extra) must be free in this process, and an arena is mapped once per process`;
  return MapMemory.map(fd, arenaLength(maxEntries), true, what, { hint, ...(mapExtra === 0n ? {} : { address: Number(mapExtra) }) });
}
