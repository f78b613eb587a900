// Arena globals (libbpf 1.4+): clang puts variables declared in address space
// 1 (`__arena`) in section .addr_space.1. libbpf makes that section the
// initial data of the object's one BPF_MAP_TYPE_ARENA map: a loader copies
// it into the arena once the arena is mapped, and ld_imm64s of those
// variables become map-value loads of the arena map (the offset is into the
// arena data; the loader adds where that data sits in the arena).
import { type Btf } from "../btf/index.js";
import type { ElfFile } from "../elf/index.js";
import { ObjectError } from "../errors.js";
import { variablesOf } from "./maps-data.js";
import type { SectionTable } from "./sections.js";
import type { DatasecLayout, MapSpec } from "./types.js";
import { MapType } from "./uapi.js";

/** The ELF section (and DATASEC) of `__arena` variables. */
export const ARENA_SECTION = ".addr_space.1";

export interface ArenaContext {
  elf: ElfFile;
  table: SectionTable;
  btf: Btf | undefined;
  layouts: Map<string, DatasecLayout>;
}

/**
 * The .maps maps with the arena's data and variables attached to the arena
 * map. Refuses, as libbpf does at open, two arena maps, and arena data
 * without an arena map.
 */
export function withArenaData(maps: readonly MapSpec[], ctx: ArenaContext): MapSpec[] {
  const arenas = maps.flatMap((m, i) => (m.type === MapType.ARENA ? [i] : []));
  if (arenas.length > 1) {
    const [a, b] = [maps[arenas[0]!]!, maps[arenas[1]!]!];
    throw new ObjectError("OBJ_MULTIPLE_ARENAS", `map '${b.name}': only one ARENA map per object is supported (map '${a.name}' is also one)`, {
      section: ".maps",
      offset: b.sectionOffset,
      hint: "put every arena variable in one arena, as libbpf requires",
    });
  }
  const section = ctx.table.arena === 0 ? undefined : ctx.elf.sections[ctx.table.arena]!;
  const out = [...maps];
  if (section === undefined || section.size === 0) return out;
  if (arenas.length === 0) {
    throw new ObjectError("OBJ_ARENA_WITHOUT_MAP", `section '${ARENA_SECTION}' holds __arena variables (${section.size} bytes), but the object declares no ARENA map`, {
      section: ARENA_SECTION,
      offset: section.offset,
      hint: 'declare the arena in SEC(".maps"): struct { __uint(type, BPF_MAP_TYPE_ARENA); __uint(map_flags, BPF_F_MMAPABLE); __uint(max_entries, PAGES); } arena SEC(".maps");',
    });
  }
  // A NOBITS section (zero-filled variables only) has no bytes in the file.
  const data = new Uint8Array(section.size);
  data.set(section.data.subarray(0, section.size));
  const i = arenas[0]!;
  out[i] = { ...maps[i]!, data, variables: variablesOf(ctx.btf, ctx.layouts.get(ARENA_SECTION)) };
  return out;
}
