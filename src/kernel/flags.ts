// Flag bits of the bpf() commands (uapi values), and name lookups that let
// specs say "hash" or MapType.HASH alike.
import { CoreBpfError } from "../errors.js";
import { MapType, mapTypeNames, ProgType, progTypeNames, AttachType, attachTypeNames } from "./uapi.js";

export { MapFlags, ProgFlags } from "./uapi.js";

/** Flags of BPF_MAP_UPDATE_ELEM / LOOKUP_ELEM (the `flags` argument). */
export const UpdateFlags = {
  /** Create a new element or update an existing one. */
  ANY: 0,
  /** Create a new element only if it did not exist. */
  NOEXIST: 1,
  /** Update an existing element only. */
  EXIST: 2,
  /** Take the value's bpf_spin_lock while copying. */
  F_LOCK: 4,
} as const;

/** flags of BPF_PROG_TEST_RUN. */
export const TestRunFlags = {
  RUN_ON_CPU: 1 << 0,
  XDP_LIVE_FRAMES: 1 << 1,
  SKB_CHECKSUM_COMPLETE: 1 << 2,
} as const;

/** file_flags of BPF_OBJ_GET and open_flags of the GET_FD_BY_ID commands. */
export const FileFlags = {
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
} as const;

/** Lower-case map type names as bpftool prints them ("hash", "percpu_array"). */
export type MapTypeName = Lowercase<keyof typeof MapType>;
/** Lower-case program type names as bpftool prints them ("socket_filter", "xdp"). */
export type ProgTypeName = Lowercase<keyof typeof ProgType>;
/** Lower-case attach type names as libbpf prints them ("cgroup_inet_ingress"). */
export type AttachTypeName = Lowercase<keyof typeof AttachType>;

function resolve(value: number | string, names: readonly string[], what: string): number {
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new CoreBpfError("BAD_ARGUMENT", `invalid ${what} ${value}`);
    return value;
  }
  const i = names.indexOf(value.toLowerCase());
  if (i < 0) throw new CoreBpfError("BAD_ARGUMENT", `unknown ${what} '${value}'`, { hint: `expected one of: ${names.join(", ")}` });
  return i;
}

/** The numeric map type of a number or a bpftool name. */
export function mapTypeOf(type: MapType | MapTypeName | number | string): number {
  return resolve(type, mapTypeNames, "map type");
}

/** The numeric program type of a number or a bpftool name. */
export function progTypeOf(type: ProgType | ProgTypeName | number | string): number {
  return resolve(type, progTypeNames, "program type");
}

/** The numeric attach type of a number or a libbpf name. */
export function attachTypeOf(type: AttachType | AttachTypeName | number | string): number {
  return resolve(type, attachTypeNames, "attach type");
}

/** bpftool's name of a map type, or "type N" style undefined for unknown values. */
export function mapTypeName(type: number): string | undefined {
  return mapTypeNames[type];
}

/** bpftool's name of a program type, or undefined for values newer than this table. */
export function progTypeName(type: number): string | undefined {
  return progTypeNames[type];
}

const perCpuTypes = new Set<number>([MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH, MapType.PERCPU_CGROUP_STORAGE]);

/** Whether values of this map type hold one slot per possible CPU. */
export function isPerCpuMapType(type: number): boolean {
  return perCpuTypes.has(type);
}

const arrayLikeTypes = new Set<number>([
  MapType.ARRAY,
  MapType.PERCPU_ARRAY,
  MapType.PROG_ARRAY,
  MapType.PERF_EVENT_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.ARRAY_OF_MAPS,
  MapType.DEVMAP,
  MapType.CPUMAP,
  MapType.XSKMAP,
  MapType.REUSEPORT_SOCKARRAY,
]);

/** Whether the keys of this map type are the indexes 0..max_entries-1 (no deletion races). */
export function isArrayLikeMapType(type: number): boolean {
  return arrayLikeTypes.has(type);
}
