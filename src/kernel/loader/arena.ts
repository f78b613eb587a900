// The object's arena at load, as libbpf 1.8 handles it: the arena data
// (__arena variables, .addr_space.1) goes at the arena's end where the
// verifier takes ld_imm64 offsets that far, else at its start; the arena is
// mapped as soon as it is created (programs that use it load only once its
// user address is known), the data copied in, and the variables' loads
// pointed at where the data now is.
import { CoreBpfError } from "../../errors.js";
import { ARENA_SECTION, type MapSpec, type ObjectSpec } from "../../obj/index.js";
import { arenaLength, mapArena } from "../arena.js";
import { MapFlags } from "../flags.js";
import type { Map as BpfMap } from "../map.js";
import type { MapMemory } from "../map-memory.js";
import { pageSize } from "../sys.js";
import { MapType } from "../uapi.js";
import { hasLdimm64FullRangeOff } from "./features.js";
import type { MapSettings } from "./settings.js";

export interface LoadedArena {
  /** Index of the arena in the object's maps. */
  readonly index: number;
  /** Where the __arena variables start in the arena, in bytes. */
  readonly dataOffset: number;
  /** The arena mapped in this process; undefined when the map was reused (libbpf maps only arenas it creates). */
  memory: MapMemory | undefined;
}

/** Where the object's arena data will sit (undefined without an arena); refuses data the arena cannot hold. */
export function planArena(obj: ObjectSpec, settings: readonly MapSettings[]): LoadedArena | undefined {
  const index = obj.maps.findIndex((m) => m.type === MapType.ARENA);
  if (index < 0 || !settings[index]!.autocreate) return undefined;
  const spec = obj.maps[index]!;
  const page = pageSize();
  const length = arenaLength(settings[index]!.maxEntries);
  const dataSize = spec.data?.length ?? 0;
  const dataPages = Math.ceil(dataSize / page);
  if (dataPages * page > length) {
    throw new CoreBpfError("E2BIG", `map '${spec.name}': the arena (${length} bytes) is too small to hold the __arena variables (${dataSize} bytes)`, {
      section: ARENA_SECTION,
      hint: `give it max_entries ${dataPages} or more`,
    });
  }
  return { index, dataOffset: hasLdimm64FullRangeOff() ? length - dataPages * page : 0, memory: undefined };
}

/** Maps an arena this load created and copies the arena data in (the caller owns the mapping). */
export function mapNewArena(map: BpfMap, spec: MapSpec, image: Uint8Array | undefined, dataOffset: number): MapMemory {
  const data = image ?? spec.data;
  if (data !== undefined && data.length > 0 && (spec.flags & MapFlags.SEGV_ON_FAULT) !== 0) {
    // Writing the data would fault on pages no program allocated: SIGSEGV for the whole process.
    throw new CoreBpfError("ARENA_SEGV_ON_FAULT", `map '${spec.name}': cannot copy the __arena variables into an arena created with BPF_F_SEGV_ON_FAULT`, {
      section: ARENA_SECTION,
      hint: "drop BPF_F_SEGV_ON_FAULT from the arena: the pages of its variables come from the loader's writes",
    });
  }
  const memory = mapArena(map.fd.value, map.maxEntries, spec.mapExtra, map.label);
  try {
    if (data !== undefined && data.length > 0) memory.write(dataOffset, data);
  } catch (err) {
    memory.close();
    throw err;
  }
  return memory;
}
