// Map type probes, as bpftool feature probe does them: create a minimal map of
// each type (with the inner map, BTF or sizes the type insists on).
import { BtfHandle } from "../btf-handle.js";
import { Errno } from "../errno.js";
import { type MapTypeName, mapTypeOf, MapFlags } from "../flags.js";
import { createMapFd, type MapSpec } from "../map-create.js";
import { pageSize, rawClose } from "../sys.js";
import { MapType } from "../uapi.js";
import { CoreBpfError, SyscallError } from "../../errors.js";
import { localStorageBtf } from "./btf-blob.js";

/** The minimal spec used to probe `type`, and the errno that means "supported" if creation must fail. */
export function mapTypeProbeSpec(type: number): { spec: MapSpec; needsInner: boolean; needsBtf: boolean; expectErrno?: number } {
  const spec: MapSpec = { type, keySize: 4, valueSize: 4, maxEntries: 1 };
  switch (type) {
    case MapType.STACK_TRACE:
      return { spec: { ...spec, valueSize: 8 }, needsInner: false, needsBtf: false };
    case MapType.LPM_TRIE:
      return { spec: { ...spec, keySize: 8, valueSize: 8, flags: MapFlags.NO_PREALLOC }, needsInner: false, needsBtf: false };
    case MapType.CGROUP_STORAGE:
    case MapType.PERCPU_CGROUP_STORAGE:
      return { spec: { ...spec, keySize: 16, valueSize: 8, maxEntries: 0 }, needsInner: false, needsBtf: false };
    case MapType.QUEUE:
    case MapType.STACK:
    case MapType.BLOOM_FILTER:
      return { spec: { ...spec, keySize: 0 }, needsInner: false, needsBtf: false };
    case MapType.SK_STORAGE:
    case MapType.INODE_STORAGE:
    case MapType.TASK_STORAGE:
    case MapType.CGRP_STORAGE:
      return { spec: { ...spec, valueSize: 8, maxEntries: 0, flags: MapFlags.NO_PREALLOC }, needsInner: false, needsBtf: true };
    case MapType.RINGBUF:
    case MapType.USER_RINGBUF:
      return { spec: { ...spec, keySize: 0, valueSize: 0, maxEntries: pageSize() }, needsInner: false, needsBtf: false };
    case MapType.STRUCT_OPS:
      return { spec: { ...spec, btfVmlinuxValueTypeId: 1 }, needsInner: false, needsBtf: false, expectErrno: Errno.ENOTSUPP };
    case MapType.ARENA:
      return { spec: { ...spec, keySize: 0, valueSize: 0, flags: MapFlags.MMAPABLE }, needsInner: false, needsBtf: false };
    case MapType.INSN_ARRAY:
      return { spec: { ...spec, valueSize: 16 }, needsInner: false, needsBtf: false };
    case MapType.RHASH:
      return { spec: { ...spec, flags: MapFlags.NO_PREALLOC }, needsInner: false, needsBtf: false };
    case MapType.ARRAY_OF_MAPS:
    case MapType.HASH_OF_MAPS:
      return { spec, needsInner: true, needsBtf: false };
    default:
      return { spec, needsInner: false, needsBtf: false };
  }
}

const cache = new globalThis.Map<number, boolean>();

function tryCreate(spec: MapSpec): { fd: number; errno: number } {
  try {
    return { fd: createMapFd(spec), errno: 0 };
  } catch (err) {
    if (err instanceof SyscallError) return { fd: -1, errno: err.errnoNumber };
    throw err;
  }
}

/** Whether this kernel can create maps of `type` (probed once per process). */
export function probeMapType(type: MapType | MapTypeName | number | string): boolean {
  const t = mapTypeOf(type);
  const hit = cache.get(t);
  if (hit !== undefined) return hit;
  const plan = mapTypeProbeSpec(t);
  let inner = -1;
  let btf: BtfHandle | undefined;
  let result: { fd: number; errno: number } = { fd: -1, errno: 0 };
  try {
    if (plan.needsInner) {
      inner = tryCreate({ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 1 }).fd;
      if (inner < 0) result = { fd: -1, errno: Errno.EINVAL };
    }
    if (plan.needsBtf) {
      const local = localStorageBtf();
      try {
        btf = BtfHandle.load(local.blob);
      } catch (err) {
        if (!(err instanceof CoreBpfError)) throw err;
      }
      if (btf) plan.spec = { ...plan.spec, btf, btfKeyTypeId: local.keyTypeId, btfValueTypeId: local.valueTypeId };
    }
    if (!(plan.needsInner && inner < 0) && !(plan.needsBtf && !btf)) {
      result = tryCreate(plan.needsInner ? { ...plan.spec, innerMap: inner } : plan.spec);
    }
  } finally {
    if (result.fd >= 0) rawClose(result.fd);
    if (inner >= 0) rawClose(inner);
    btf?.close();
  }
  const ok = plan.expectErrno !== undefined ? result.fd < 0 && result.errno === plan.expectErrno : result.fd >= 0;
  cache.set(t, ok);
  return ok;
}
