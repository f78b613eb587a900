// What the object model adds to the uapi numbering of src/uapi.ts: libbpf's
// names for program, attach and map types, map and program flags, pinning.
import { AttachType, MapType, ProgType } from "../uapi.js";

export { AttachType, MapType, ProgType };

const lowerNames = (table: Record<string, number>): readonly string[] => {
  const out: string[] = [];
  for (const [name, value] of Object.entries(table)) out[value] ??= name.toLowerCase();
  return out;
};

const progTypeNames = lowerNames(ProgType);
const attachTypeNames = lowerNames(AttachType);
const mapTypeNames = lowerNames(MapType);

/** libbpf's name of a program type ("socket_filter", "sched_cls"...), or "type N". */
export const progTypeName = (type: number): string => progTypeNames[type] ?? `type ${type}`;

/** libbpf's name of an attach type ("cgroup_inet_ingress", "trace_fentry"...), or "attach type N". */
export const attachTypeName = (type: number): string => attachTypeNames[type] ?? `attach type ${type}`;

/** libbpf's (and bpftool's) name of a map type ("hash", "lru_percpu_hash"...), or "type N". */
export const mapTypeName = (type: number): string => mapTypeNames[type] ?? `type ${type}`;

/** BPF_MAP_CREATE map_flags bits a loader or `obj show` meets. */
export const MapFlag = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  CLONE: 1 << 9,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
  LINK: 1 << 13,
  PATH_FD: 1 << 14,
  VTYPE_BTF_OBJ_FD: 1 << 15,
  TOKEN_FD: 1 << 16,
  SEGV_ON_FAULT: 1 << 17,
  NO_USER_CONV: 1 << 18,
} as const;

/** BPF_PROG_LOAD prog_flags bits that section names imply. */
export const ProgFlag = {
  SLEEPABLE: 1 << 4,
  XDP_HAS_FRAGS: 1 << 5,
} as const;

/** Map pinning (libbpf's LIBBPF_PIN_*). */
export const Pinning = { NONE: 0, BY_NAME: 1 } as const;
