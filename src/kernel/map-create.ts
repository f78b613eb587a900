// MapSpec -> BPF_MAP_CREATE. The raw step shared by Map.create() and the
// map-type probes (which must not recurse into feature checks).
import { CoreBpfError } from "../errors.js";
import { attr, MapCreate } from "./attr.js";
import { bpfCall } from "./bpf.js";
import { type ErrorContext } from "./bpf-error.js";
import { type FdLike, fdOf } from "./fd.js";
import { type MapTypeName, mapTypeOf } from "./flags.js";
import { Cmd, type MapType } from "./uapi.js";

/** Everything BPF_MAP_CREATE takes. Sizes are in bytes. */
export interface MapSpec {
  /** MapType.HASH or its bpftool name ("hash"). */
  type: MapType | MapTypeName | number;
  /** Object name (at most 15 bytes of [A-Za-z0-9_.]; longer names are truncated). */
  name?: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** MapFlags bits. */
  flags?: number;
  /** NUMA node (also set MapFlags.NUMA_NODE). */
  numaNode?: number;
  /** Type-specific extra (bloom filter hash count, arena address). */
  mapExtra?: bigint | number;
  /** Offload device. */
  ifindex?: number;
  /** Template inner map for array_of_maps / hash_of_maps. */
  innerMap?: FdLike;
  /** BTF object describing key and value. */
  btf?: FdLike;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /** struct_ops: the kernel's value type id in vmlinux (or module) BTF. */
  btfVmlinuxValueTypeId?: number;
  /** struct_ops: module BTF fd holding btfVmlinuxValueTypeId (set MapFlags.VTYPE_BTF_OBJ_FD). */
  valueTypeBtfObj?: FdLike;
}

const utf8 = new TextEncoder();

/** The bytes the kernel accepts as an object name: [A-Za-z0-9_.], at most 15. */
export function objectNameBytes(name: string | undefined): Uint8Array {
  if (!name) return new Uint8Array(0);
  const clean = name.replace(/[^A-Za-z0-9_.]/g, "_").slice(0, 15);
  return utf8.encode(clean);
}

function checkSize(spec: MapSpec, field: "keySize" | "valueSize" | "maxEntries"): number {
  const v = spec[field];
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new CoreBpfError("BAD_MAP_SPEC", `map '${spec.name ?? ""}': ${field} must be an integer in [0, 2^32), got ${String(v)}`);
  }
  return v;
}

/** Creates the map and returns its new fd (the caller owns it). */
export function createMapFd(spec: MapSpec, ctx: ErrorContext = {}): number {
  const type = mapTypeOf(spec.type);
  const keySize = checkSize(spec, "keySize");
  const valueSize = checkSize(spec, "valueSize");
  const maxEntries = checkSize(spec, "maxEntries");
  attr
    .begin(MapCreate.map_flags + 4)
    .u32(MapCreate.map_type, "map_type", type)
    .u32(MapCreate.key_size, "key_size", keySize)
    .u32(MapCreate.value_size, "value_size", valueSize)
    .u32(MapCreate.max_entries, "max_entries", maxEntries)
    .u32(MapCreate.map_flags, "map_flags", spec.flags ?? 0)
    .u32(MapCreate.inner_map_fd, "inner_map_fd", spec.innerMap === undefined ? 0 : fdOf(spec.innerMap))
    .u32(MapCreate.numa_node, "numa_node", spec.numaNode ?? 0)
    .name(MapCreate.map_name, "map_name", objectNameBytes(spec.name))
    .u32(MapCreate.map_ifindex, "map_ifindex", spec.ifindex ?? 0)
    .u32(MapCreate.btf_fd, "btf_fd", spec.btf === undefined ? 0 : fdOf(spec.btf))
    .u32(MapCreate.btf_key_type_id, "btf_key_type_id", spec.btfKeyTypeId ?? 0)
    .u32(MapCreate.btf_value_type_id, "btf_value_type_id", spec.btfValueTypeId ?? 0)
    .u32(MapCreate.btf_vmlinux_value_type_id, "btf_vmlinux_value_type_id", spec.btfVmlinuxValueTypeId ?? 0)
    .u64(MapCreate.map_extra, "map_extra", spec.mapExtra ?? 0)
    .s32(MapCreate.value_type_btf_obj_fd, "value_type_btf_obj_fd", spec.valueTypeBtfObj === undefined ? 0 : fdOf(spec.valueTypeBtfObj));
  return bpfCall(Cmd.MAP_CREATE, { object: `map '${spec.name ?? ""}'`, ...ctx });
}
