// Creating an object's maps as libbpf's bpf_object__create_maps does: sizes
// fixed (ring buffers, perf event arrays), BTF key/value ids from the loaded
// object BTF (dropped for map types that take none, retried without on
// failure), inner map templates, LIBBPF_PIN_BY_NAME pins reused when
// compatible, global data written and .rodata/.kconfig frozen, then the
// initial slots of maps of maps.
import { existsSync } from "node:fs";
import { CoreBpfError, NotSupportedError } from "../../errors.js";
import type { MapSpec } from "../../obj/index.js";
import { preparePinPath } from "../bpffs.js";
import type { BtfHandle } from "../btf-handle.js";
import { possibleCpuCount } from "../cpus.js";
import { supports } from "../features/index.js";
import { Fd, fdOf } from "../fd.js";
import { MapFlags, mapTypeName } from "../flags.js";
import { Map as BpfMap, type MapSpec as CreateSpec } from "../map.js";
import { pageSize } from "../sys.js";
import { MapType } from "../uapi.js";
import type { LoadResources } from "./resources.js";
import type { LoadLog, MapSettings } from "./settings.js";

/** Map types created without BTF key/value types (libbpf clears them). */
const NO_BTF_TYPES = new Set<number>([
  MapType.PERF_EVENT_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.STACK_TRACE,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
  MapType.DEVMAP,
  MapType.DEVMAP_HASH,
  MapType.CPUMAP,
  MapType.XSKMAP,
  MapType.SOCKMAP,
  MapType.SOCKHASH,
  MapType.QUEUE,
  MapType.STACK,
  MapType.ARENA,
]);

const INTERNAL = new Set(["data", "rodata", "bss", "kconfig"]);

/** libbpf's adjust_ringbuf_sz: a power-of-2 number of pages, at least `size`. */
export function ringbufSize(size: number, page = pageSize()): number {
  if (size === 0) return 0;
  if (size % page === 0 && ((size / page) & (size / page - 1)) === 0) return size;
  for (let mul = 1; mul * page <= 0xffffffff; mul *= 2) if (mul * page > size) return mul * page;
  return size;
}

/** max_entries as the kernel will get it. */
export function effectiveMaxEntries(type: number, maxEntries: number): number {
  if (type === MapType.RINGBUF || type === MapType.USER_RINGBUF) return ringbufSize(maxEntries);
  if (type === MapType.PERF_EVENT_ARRAY && maxEntries === 0) return possibleCpuCount();
  return maxEntries;
}

export interface CreateMapsInput {
  specs: readonly MapSpec[];
  settings: readonly MapSettings[];
  btf: BtfHandle | undefined;
  /** Initial value of each internal map (by index in specs). */
  initial: readonly (Uint8Array | undefined)[];
  resources: LoadResources;
  log: LoadLog;
  /** Called with each map this load created (not reused), before it is pinned. */
  onCreated?: (index: number, map: BpfMap) => void;
}

function createSpec(spec: MapSpec, s: MapSettings, btf: BtfHandle | undefined, withBtf: boolean): CreateSpec {
  let flags = spec.flags;
  if (flags & MapFlags.MMAPABLE && !supports.misc("array_mmap")) flags &= ~MapFlags.MMAPABLE;
  const useBtf = withBtf && btf !== undefined && !NO_BTF_TYPES.has(spec.type) && (spec.keyTypeId !== 0 || spec.valueTypeId !== 0);
  return {
    type: spec.type,
    name: spec.name,
    keySize: spec.keySize,
    valueSize: spec.valueSize,
    maxEntries: effectiveMaxEntries(spec.type, s.maxEntries),
    flags,
    numaNode: spec.numaNode,
    mapExtra: spec.mapExtra,
    ...(useBtf ? { btf: btf!, btfKeyTypeId: spec.keyTypeId, btfValueTypeId: spec.valueTypeId } : {}),
  };
}

/** Creates one map (and its inner template), retrying without BTF types as libbpf does. */
function createOne(spec: MapSpec, s: MapSettings, input: CreateMapsInput): BpfMap {
  let inner: BpfMap | undefined;
  if (spec.inner !== undefined) {
    const innerSettings = { ...s, name: spec.inner.name, spec: spec.inner, maxEntries: spec.inner.maxEntries };
    inner = createOne(spec.inner, innerSettings, input);
  }
  try {
    const base = createSpec(spec, s, input.btf, true);
    if (inner !== undefined) base.innerMap = inner;
    try {
      return BpfMap.create(base);
    } catch (err) {
      if (base.btf === undefined || err instanceof NotSupportedError) throw err;
      input.log("warn", `map '${spec.name}': creation with BTF types failed (${(err as Error).message}); retrying without BTF`);
      const plain = createSpec(spec, s, input.btf, false);
      if (inner !== undefined) plain.innerMap = inner;
      return BpfMap.create(plain);
    }
  } catch (err) {
    throw wrap(spec, err);
  } finally {
    inner?.close();
  }
}

function wrap(spec: MapSpec, err: unknown): unknown {
  if (!(err instanceof CoreBpfError) || err.message.includes(`'${spec.name}'`)) return err;
  return new CoreBpfError(err.code, `map '${spec.name}': ${err.message}`, { ...err.where, cause: err, ...(err.hint ? { hint: err.hint } : {}) });
}

/** The first attribute in which a pinned map differs from the object's definition, or undefined. */
export function pinnedMismatch(pinned: BpfMap, want: CreateSpec): string | undefined {
  const info = pinned.info();
  const name = (t: number) => mapTypeName(t) ?? String(t);
  const rows: [string, string | number | bigint, string | number | bigint][] = [
    ["map_type", name(info.type), name(Number(want.type))],
    ["key_size", info.keySize, want.keySize],
    ["value_size", info.valueSize, want.valueSize],
    ["max_entries", info.maxEntries, want.maxEntries],
    ["map_flags", `0x${info.flags.toString(16)}`, `0x${(want.flags ?? 0).toString(16)}`],
    ["map_extra", info.mapExtra, BigInt(want.mapExtra ?? 0)],
  ];
  for (const [attr, have, wanted] of rows) if (have !== wanted) return `${attr} ${have} (pinned) vs ${wanted} (object)`;
  return undefined;
}

/** Reuses the map pinned at s.pinPath when there is one (throws when it is incompatible). */
function reusePinned(spec: MapSpec, s: MapSettings, input: CreateMapsInput): BpfMap | undefined {
  const path = s.pinPath!;
  if (!existsSync(path)) return undefined;
  const map = BpfMap.openPinned(path);
  const diff = pinnedMismatch(map, createSpec(spec, s, input.btf, false));
  if (diff !== undefined) {
    map.close();
    throw new CoreBpfError("PINNED_MAP_MISMATCH", `map '${spec.name}': cannot reuse the map pinned at ${path}: ${diff}`, {
      hint: `remove the stale pin (rm ${path}) or load the object it was made for`,
    });
  }
  input.log("debug", `map '${spec.name}': reused pinned map at ${path}`);
  return map;
}

/** Writes an internal map's initial value and freezes .rodata/.kconfig (before any program sees them). */
function populate(map: BpfMap, spec: MapSpec, data: Uint8Array | undefined): void {
  const value = new Uint8Array(spec.valueSize);
  if (data !== undefined) value.set(data.subarray(0, spec.valueSize));
  map.set(new Uint8Array(4), value);
  if (spec.kind === "rodata" || spec.kind === "kconfig") map.freeze();
}

/** Creates every map to create; `result[i]` is specs[i]'s map, or undefined when not created. */
export function createMaps(input: CreateMapsInput): (BpfMap | undefined)[] {
  const { specs, settings, resources } = input;
  const out: (BpfMap | undefined)[] = specs.map(() => undefined);
  const globalData = supports.misc("global_data");
  specs.forEach((spec, i) => {
    const s = settings[i]!;
    if (!s.autocreate) return;
    if (INTERNAL.has(spec.kind) && !globalData) {
      input.log("warn", `map '${spec.name}': this kernel has no global data; programs that use it will fail`);
      return;
    }
    if (spec.kind === "struct_ops") {
      throw new NotSupportedError("struct_ops", `map '${spec.name}': struct_ops maps are not supported by this loader yet`, {
        hint: `set autocreate = false on map '${spec.name}' and autoload = false on its programs to load the rest`,
      });
    }
    let map = s.reuse !== undefined ? BpfMap.fromFd(new Fd(fdOf(s.reuse)).dup()) : s.pinPath === undefined ? undefined : reusePinned(spec, s, input);
    const reused = map !== undefined;
    map ??= createOne(spec, s, input);
    resources.own(map);
    if (!reused && INTERNAL.has(spec.kind)) populate(map, spec, input.initial[i]);
    if (!reused) input.onCreated?.(i, map);
    if (!reused && s.pinPath !== undefined) {
      resources.madeDirectories(preparePinPath(s.pinPath));
      map.pin(s.pinPath);
      resources.pinned(s.pinPath);
    }
    out[i] = map;
  });
  fillMapInMapSlots(specs, out);
  return out;
}

function fillMapInMapSlots(specs: readonly MapSpec[], maps: readonly (BpfMap | undefined)[]): void {
  specs.forEach((spec, i) => {
    const outer = maps[i];
    if (outer === undefined || spec.type === MapType.PROG_ARRAY) return;
    for (const slot of spec.slots) {
      if (slot.map === undefined) continue;
      const target = maps[specs.findIndex((m) => m.name === slot.map)];
      if (target === undefined) {
        throw new CoreBpfError("MAP_SLOT", `map '${spec.name}': slot [${slot.index}] names map '${slot.map}', which was not created`, {
          hint: `create '${slot.map}' too (autocreate)`,
        });
      }
      const key = new Uint8Array(spec.keySize);
      new DataView(key.buffer).setUint32(0, slot.index, true);
      outer.setFd(key, target);
    }
  });
}
