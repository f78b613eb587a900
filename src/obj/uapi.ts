// What the object model adds to the uapi numbering of src/uapi.ts: libbpf's
// names for program, attach and map types, map and program flags, pinning.
import { attachTypeNames, mapTypeNames, progTypeNames } from "../uapi.js";

export { AttachType, MapType, ProgType, MapFlags as MapFlag, ProgFlags as ProgFlag } from "../uapi.js";

/** libbpf's name of a program type ("socket_filter", "sched_cls"...), or "type N". */
export const progTypeName = (type: number): string => progTypeNames[type] ?? `type ${type}`;

/** libbpf's name of an attach type ("cgroup_inet_ingress", "trace_fentry"...), or "attach type N". */
export const attachTypeName = (type: number): string => attachTypeNames[type] ?? `attach type ${type}`;

/** libbpf's (and bpftool's) name of a map type ("hash", "lru_percpu_hash"...), or "type N". */
export const mapTypeName = (type: number): string => mapTypeNames[type] ?? `type ${type}`;

/** Map pinning (libbpf's LIBBPF_PIN_*). */
export const Pinning = { NONE: 0, BY_NAME: 1 } as const;
