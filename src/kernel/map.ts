// A live BPF map: owns its fd, reads and writes elements through codecs
// (Uint8Array by default), iterates, handles per-CPU values, queues, bloom
// filters, pinning and mmap. Element operations are allocation-free on the
// raw path (getInto/set with byte keys): one shared native scratch area holds
// key and value, one shared attr buffer the command.
import { CoreBpfError, NotSupportedError } from "../errors.js";
import { attr, MapElem } from "./attr.js";
import { bpfCall, getFdById } from "./bpf.js";
import { openPinnedFd } from "./bpffs.js";
import { KernelObject } from "./kernel-object.js";
import { bpfError } from "./bpf-error.js";
import { bytesCodec, type Codec } from "./codec.js";
import { possibleCpuCount } from "./cpus.js";
import { Errno } from "./errno.js";
import { Fd, type FdLike, fdOf } from "./fd.js";
import { readFdinfo } from "./fdinfo.js";
import { isArrayLikeMapType, isPerCpuMapType, MapFlags, mapTypeName, UpdateFlags } from "./flags.js";
import { mapInfo, type MapInfo } from "./info.js";
import { createMapFd, type MapSpec } from "./map-create.js";
import { mapArena } from "./arena.js";
import { MapMemory } from "./map-memory.js";
import { lookupBatch, updateBatch, deleteBatch, type BatchOptions } from "./map-batch.js";
import { probeMapType } from "./features/map-types.js";
import { LE, NativeBuffer, SYS_BPF, lastErrno, setU64, syscall4 } from "./sys.js";
import { Cmd, MapType } from "./uapi.js";

export type { MapSpec } from "./map-create.js";

/** Codecs for a map's keys and values (bytes when omitted). */
export interface MapCodecs<K, V> {
  key?: Codec<K>;
  value?: Codec<V>;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** dst.set(src) without the builtin's fixed cost for the few bytes of typical keys. */
function copyBytes(dst: Uint8Array, src: Uint8Array): void {
  const n = src.length;
  if (n > 16) dst.set(src);
  else for (let i = 0; i < n; i++) dst[i] = src[i]!;
}

// Layout of a map's own native block: the element command's attr, then the
// key, the next key (GET_NEXT_KEY) and the value.
const ELEM_ATTR = MapElem.size;

/** A BPF map in the kernel, owned by this object. */
export class Map<K = Uint8Array, V = Uint8Array> extends KernelObject {
  readonly type: number;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** Whether values hold one slot per possible CPU. */
  readonly perCpu: boolean;
  /** Bytes the kernel copies per value: valueSize, or round_up(valueSize, 8) x possible CPUs. */
  readonly valueBytes: number;
  readonly keyCodec: Codec<K>;
  readonly valueCodec: Codec<V>;

  // This map's native block (attr, key, next key, value) and views into it.
  // It is freed by the garbage collector, never by close(), so no view can dangle.
  readonly #mem: NativeBuffer;
  readonly #attrView: DataView;
  readonly #attrAddr: number;
  readonly #keyView: Uint8Array;
  readonly #nextView: Uint8Array;
  readonly #valueView: Uint8Array;
  readonly #keyAddr: number;
  readonly #nextAddr: number;
  readonly #valueAddr: number;
  // What the attr holds now, so that repeated calls skip rewriting it.
  #attrKey = -1;
  #attrValue = -1;
  #attrFlags = -1;

  private constructor(fd: Fd, info: Pick<MapInfo, "type" | "name" | "keySize" | "valueSize" | "maxEntries" | "flags">, codecs: MapCodecs<K, V>) {
    super(fd);
    this.type = info.type;
    this.name = info.name;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.flags = info.flags;
    this.perCpu = isPerCpuMapType(info.type);
    this.valueBytes = this.perCpu ? align8(info.valueSize) * possibleCpuCount() : info.valueSize;
    this.keyCodec = codecs.key ?? (bytesCodec as unknown as Codec<K>);
    this.valueCodec = codecs.value ?? (bytesCodec as unknown as Codec<V>);
    const k = align8(this.keySize);
    this.#mem = NativeBuffer.alloc(ELEM_ATTR + 2 * k + align8(Math.max(this.valueBytes, this.valueSize)));
    const bytes = this.#mem.bytes;
    this.#attrView = this.#mem.view;
    this.#attrAddr = this.#mem.address;
    this.#keyView = bytes.subarray(ELEM_ATTR, ELEM_ATTR + this.keySize);
    this.#nextView = bytes.subarray(ELEM_ATTR + k, ELEM_ATTR + k + this.keySize);
    this.#valueView = bytes.subarray(ELEM_ATTR + 2 * k, ELEM_ATTR + 2 * k + this.valueBytes);
    this.#keyAddr = this.#mem.address + ELEM_ATTR;
    this.#nextAddr = this.#keyAddr + k;
    this.#valueAddr = this.#keyAddr + 2 * k;
  }

  /** Creates a map from a spec (BPF_MAP_CREATE). */
  static create<K = Uint8Array, V = Uint8Array>(spec: MapSpec, codecs: MapCodecs<K, V> = {}): Map<K, V> {
    let fd: number;
    try {
      fd = createMapFd(spec);
    } catch (err) {
      throw explainCreateFailure(spec, err);
    }
    const owned = new Fd(fd);
    try {
      return Map.fromFd(owned, codecs);
    } catch (err) {
      owned.close();
      throw err;
    }
  }

  /** Wraps an fd (taking ownership) and reads the map's shape from the kernel. */
  static fromFd<K = Uint8Array, V = Uint8Array>(fd: Fd | number, codecs: MapCodecs<K, V> = {}): Map<K, V> {
    const owned = typeof fd === "number" ? new Fd(fd) : fd;
    const info = mapInfo(owned.value, { object: "map" });
    return new Map(owned, info, codecs);
  }

  /** Opens the map with this id (BPF_MAP_GET_FD_BY_ID). */
  static fromId<K = Uint8Array, V = Uint8Array>(id: number, codecs: MapCodecs<K, V> = {}, openFlags = 0): Map<K, V> {
    const fd = new Fd(getFdById("map", id, openFlags));
    try {
      return Map.fromFd(fd, codecs);
    } catch (err) {
      fd.close();
      throw err;
    }
  }

  /** Opens the map pinned at `path` (BPF_OBJ_GET; WrongObjectTypeError when something else is pinned there); openFlags: FileFlags.RDONLY/WRONLY. */
  static openPinned<K = Uint8Array, V = Uint8Array>(path: string, codecs: MapCodecs<K, V> = {}, openFlags = 0): Map<K, V> {
    const fd = new Fd(openPinnedFd(path, "map", openFlags));
    try {
      const map = Map.fromFd(fd, codecs);
      map.pinnedPath = path;
      return map;
    } catch (err) {
      fd.close();
      throw err;
    }
  }

  /** The same kernel map (same fd, same ownership) seen through other codecs. */
  withCodecs<K2, V2>(codecs: MapCodecs<K2, V2>): Map<K2, V2> {
    const other = new Map<K2, V2>(this.fd, this, codecs);
    other.pinnedPath = this.pinnedPath;
    return other;
  }

  /** "map 'name'" for error messages. */
  override get label(): string {
    return `map '${this.name}'`;
  }

  // ---- raw element operations -------------------------------------------

  #encodeKey(key: K | undefined): boolean {
    if (this.keySize === 0 || key === undefined) return false;
    const bytes = this.keyCodec.encode(key);
    if (bytes.length !== this.keySize) {
      throw new CoreBpfError("BAD_KEY", `${this.label}: key is ${bytes.length} bytes, the map's key size is ${this.keySize}`);
    }
    copyBytes(this.#keyView, bytes);
    return true;
  }

  #encodeValue(value: V): void {
    const bytes = this.valueCodec.encode(value);
    if (bytes.length !== this.valueSize) {
      throw new CoreBpfError("BAD_VALUE", `${this.label}: value is ${bytes.length} bytes, the map's value size is ${this.valueSize}`);
    }
    copyBytes(this.#valueView, bytes);
  }

  /** One element command on this map's key/value; returns 0 or -errno. */
  #elem(cmd: number, withKey: boolean, valueAddr: number, flags: number): number {
    const fd = this.fd.raw;
    if (fd < 0) return this.fd.value; // throws CLOSED
    const v = this.#attrView;
    v.setUint32(MapElem.map_fd, fd, LE);
    const keyAddr = withKey ? this.#keyAddr : 0;
    if (keyAddr !== this.#attrKey) {
      setU64(v, MapElem.key, keyAddr);
      this.#attrKey = keyAddr;
    }
    if (valueAddr !== this.#attrValue) {
      setU64(v, MapElem.value, valueAddr);
      this.#attrValue = valueAddr;
    }
    if (flags !== this.#attrFlags) {
      setU64(v, MapElem.flags, flags);
      this.#attrFlags = flags;
    }
    const r = syscall4(SYS_BPF, cmd, this.#attrAddr, MapElem.size);
    return r < 0 ? -lastErrno() : r;
  }

  #fail(cmd: number, r: number): never {
    throw bpfError(cmd, -r, { object: this.label });
  }

  #noPerCpu(what: string): void {
    if (this.perCpu) {
      throw new CoreBpfError("PER_CPU_MAP", `${this.label}: ${what} on a per-CPU map`, { hint: `use ${what}PerCpu()` });
    }
  }

  /**
   * Looks `key` up and copies the value bytes into `out` (valueBytes long);
   * returns false when absent. Allocation-free with a byte key.
   */
  getInto(key: K, out: Uint8Array, flags = 0): boolean {
    const withKey = this.#encodeKey(key);
    const r = this.#elem(Cmd.MAP_LOOKUP_ELEM, withKey, this.#valueAddr, flags);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) this.#fail(Cmd.MAP_LOOKUP_ELEM, r);
    copyBytes(out, this.#valueView);
    return true;
  }

  /** The value of `key`, or undefined when absent. */
  get(key: K, flags = 0): V | undefined {
    this.#noPerCpu("get");
    const out = new Uint8Array(this.valueSize);
    return this.getInto(key, out, flags) ? this.valueCodec.decode(out) : undefined;
  }

  /** Whether `key` is present. */
  has(key: K): boolean {
    const withKey = this.#encodeKey(key);
    const r = this.#elem(Cmd.MAP_LOOKUP_ELEM, withKey, this.#valueAddr, 0);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) this.#fail(Cmd.MAP_LOOKUP_ELEM, r);
    return true;
  }

  /** Creates or updates `key` (flags: UpdateFlags.ANY, NOEXIST, EXIST, F_LOCK). */
  set(key: K, value: V, flags: number = UpdateFlags.ANY): void {
    this.#noPerCpu("set");
    const withKey = this.#encodeKey(key);
    this.#encodeValue(value);
    const r = this.#elem(Cmd.MAP_UPDATE_ELEM, withKey, this.#valueAddr, flags);
    if (r < 0) this.#fail(Cmd.MAP_UPDATE_ELEM, r);
  }

  /** Deletes `key`; returns false when it was absent. */
  delete(key: K): boolean {
    const withKey = this.#encodeKey(key);
    const r = this.#elem(Cmd.MAP_DELETE_ELEM, withKey, 0, 0);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) this.#fail(Cmd.MAP_DELETE_ELEM, r);
    return true;
  }

  /** Removes `key` and returns its value (hash maps since 5.14); undefined when absent. */
  lookupAndDelete(key: K, flags = 0): V | undefined {
    this.#noPerCpu("lookupAndDelete");
    const withKey = this.#encodeKey(key);
    const r = this.#elem(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, withKey, this.#valueAddr, flags);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) this.#fail(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, r);
    return this.valueCodec.decode(this.#valueView.slice(0, this.valueSize));
  }

  /** Stores an fd as the value (prog_array, perf_event_array, maps of maps, ...). */
  setFd(key: K, target: FdLike, flags: number = UpdateFlags.ANY): void {
    if (this.valueSize !== 4) throw new CoreBpfError("BAD_VALUE", `${this.label}: values are ${this.valueSize} bytes, not an fd`);
    const withKey = this.#encodeKey(key);
    new DataView(this.#valueView.buffer, this.#valueView.byteOffset, 4).setUint32(0, fdOf(target), LE);
    const r = this.#elem(Cmd.MAP_UPDATE_ELEM, withKey, this.#valueAddr, flags);
    if (r < 0) this.#fail(Cmd.MAP_UPDATE_ELEM, r);
  }

  /** The u32 a lookup returns for fd-valued maps (the object's id), or undefined. */
  getId(key: K): number | undefined {
    const out = new Uint8Array(this.valueBytes);
    if (!this.getInto(key, out)) return undefined;
    return new DataView(out.buffer).getUint32(0, LE);
  }

  // ---- per-CPU values -----------------------------------------------------

  /** The value of `key` on each possible CPU, or undefined when absent. */
  getPerCpu(key: K): V[] | undefined {
    const out = new Uint8Array(this.valueBytes);
    if (!this.getInto(key, out)) return undefined;
    return this.#splitPerCpu(out);
  }

  #splitPerCpu(bytes: Uint8Array): V[] {
    const slot = align8(this.valueSize);
    const values: V[] = [];
    for (let off = 0; off < bytes.length; off += slot) values.push(this.valueCodec.decode(bytes.slice(off, off + this.valueSize)));
    return values;
  }

  /** Sets `key` on every possible CPU: one value per CPU, or one value for all. */
  setPerCpu(key: K, values: V | readonly V[], flags: number = UpdateFlags.ANY): void {
    if (!this.perCpu) throw new CoreBpfError("NOT_PER_CPU_MAP", `${this.label}: setPerCpu on a map that is not per-CPU`, { hint: "use set()" });
    const withKey = this.#encodeKey(key);
    const slot = align8(this.valueSize);
    const cpus = this.valueBytes / slot;
    const list = Array.isArray(values) ? (values as readonly V[]) : undefined;
    if (list && list.length !== cpus) {
      throw new CoreBpfError("BAD_VALUE", `${this.label}: ${list.length} per-CPU values given, ${cpus} possible CPUs`);
    }
    this.#valueView.fill(0);
    for (let cpu = 0; cpu < cpus; cpu++) {
      const bytes = this.valueCodec.encode(list ? list[cpu]! : (values as V));
      if (bytes.length !== this.valueSize) throw new CoreBpfError("BAD_VALUE", `${this.label}: value is ${bytes.length} bytes, expected ${this.valueSize}`);
      this.#valueView.set(bytes, cpu * slot);
    }
    const r = this.#elem(Cmd.MAP_UPDATE_ELEM, withKey, this.#valueAddr, flags);
    if (r < 0) this.#fail(Cmd.MAP_UPDATE_ELEM, r);
  }

  // ---- queues, stacks, bloom filters --------------------------------------

  /** Queue/stack: appends a value (flags UpdateFlags.EXIST overwrites the oldest when full). Bloom filter: adds it. */
  push(value: V, flags: number = UpdateFlags.ANY): void {
    this.#encodeValue(value);
    const r = this.#elem(Cmd.MAP_UPDATE_ELEM, false, this.#valueAddr, flags);
    if (r < 0) this.#fail(Cmd.MAP_UPDATE_ELEM, r);
  }

  /** Queue/stack: removes and returns the next value, or undefined when empty. */
  pop(): V | undefined {
    const r = this.#elem(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, false, this.#valueAddr, 0);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) this.#fail(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, r);
    return this.valueCodec.decode(this.#valueView.slice(0, this.valueSize));
  }

  /** Queue/stack: the next value without removing it, or undefined when empty. */
  peek(): V | undefined {
    const r = this.#elem(Cmd.MAP_LOOKUP_ELEM, false, this.#valueAddr, 0);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) this.#fail(Cmd.MAP_LOOKUP_ELEM, r);
    return this.valueCodec.decode(this.#valueView.slice(0, this.valueSize));
  }

  /** Bloom filter: false when `value` was certainly never pushed. */
  mayContain(value: V): boolean {
    this.#encodeValue(value);
    const r = this.#elem(Cmd.MAP_LOOKUP_ELEM, false, this.#valueAddr, 0);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) this.#fail(Cmd.MAP_LOOKUP_ELEM, r);
    return true;
  }

  // ---- iteration -----------------------------------------------------------

  /** BPF_MAP_GET_NEXT_KEY after `prev` (first key when undefined) into `out`; false at the end. */
  nextKeyInto(prev: Uint8Array | undefined, out: Uint8Array): boolean {
    if (prev) copyBytes(this.#keyView, prev);
    const r = this.#elem(Cmd.MAP_GET_NEXT_KEY, prev !== undefined, this.#nextAddr, 0);
    if (r === -Errno.ENOENT) return false;
    if (r < 0) this.#fail(Cmd.MAP_GET_NEXT_KEY, r);
    copyBytes(out, this.#nextView);
    return true;
  }

  /**
   * Raw keys in kernel order. The next key is fetched before a key is handed
   * out, so deleting the current key while iterating is safe; if the kernel
   * restarts from the first key (the cursor was deleted elsewhere), keys
   * already seen are skipped, and a map churning faster than it can be walked
   * ends the walk with ITERATION_ABORTED instead of looping forever.
   */
  *rawKeys(): Generator<Uint8Array> {
    if (this.keySize === 0) throw new CoreBpfError("NO_KEYS", `${this.label}: a ${mapTypeName(this.type) ?? this.type} map has no keys to iterate`);
    const seen = isArrayLikeMapType(this.type) ? undefined : new Set<string>();
    let current = new Uint8Array(this.keySize);
    if (!this.nextKeyInto(undefined, current)) return;
    const limit = 4 * this.maxEntries + 64;
    for (let steps = 0; ; steps++) {
      if (steps > limit) {
        throw new CoreBpfError("ITERATION_ABORTED", `${this.label}: iteration aborted after ${steps} steps`, {
          hint: "the map changed faster than it could be walked; use lookupBatch() for a consistent snapshot",
        });
      }
      const next = new Uint8Array(this.keySize);
      const more = this.nextKeyInto(current, next);
      if (seen === undefined) yield current;
      else {
        const id = String.fromCharCode(...current);
        if (!seen.has(id)) {
          seen.add(id);
          yield current;
        }
      }
      if (!more) return;
      current = next;
    }
  }

  /** Keys, decoded. */
  *keys(): Generator<K> {
    for (const k of this.rawKeys()) yield this.keyCodec.decode(k);
  }

  /** The value bytes (all CPUs) of a raw key, or undefined when it vanished. */
  #lookupRaw(key: Uint8Array): Uint8Array | undefined {
    copyBytes(this.#keyView, key);
    const r = this.#elem(Cmd.MAP_LOOKUP_ELEM, true, this.#valueAddr, 0);
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) this.#fail(Cmd.MAP_LOOKUP_ELEM, r);
    return this.#valueView.slice();
  }

  /** [key, value] pairs; entries deleted during the walk are skipped. */
  *entries(): Generator<[K, V]> {
    this.#noPerCpu("entries");
    for (const k of this.rawKeys()) {
      const v = this.#lookupRaw(k);
      if (v) yield [this.keyCodec.decode(k), this.valueCodec.decode(v)];
    }
  }

  /** Values, decoded. */
  *values(): Generator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  /** [key, per-CPU values] pairs of a per-CPU map. */
  *entriesPerCpu(): Generator<[K, V[]]> {
    for (const k of this.rawKeys()) {
      const v = this.#lookupRaw(k);
      if (v) yield [this.keyCodec.decode(k), this.#splitPerCpu(v)];
    }
  }

  [Symbol.iterator](): Generator<[K, V]> {
    return this.entries();
  }

  /** Async iteration over entries, yielding to the event loop every 256 entries. */
  async *[Symbol.asyncIterator](): AsyncGenerator<[K, V]> {
    let n = 0;
    for (const entry of this.entries()) {
      yield entry;
      if (++n % 256 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  // ---- batches -------------------------------------------------------------

  /** Every entry read in batches (BPF_MAP_LOOKUP_BATCH; `delete` drains the map). */
  lookupBatch(options: BatchOptions = {}): [K, V][] {
    this.#noPerCpu("lookupBatch");
    return lookupBatch(this, options).map(([k, v]) => [this.keyCodec.decode(k), this.valueCodec.decode(v)]);
  }

  /** Every entry of a per-CPU map read in batches, one value per CPU. */
  lookupBatchPerCpu(options: BatchOptions = {}): [K, V[]][] {
    return lookupBatch(this, options).map(([k, v]) => [this.keyCodec.decode(k), this.#splitPerCpu(v)]);
  }

  /** Writes entries in one BPF_MAP_UPDATE_BATCH (elemFlags: UpdateFlags). */
  updateBatch(entries: Iterable<readonly [K, V]>, elemFlags: number = UpdateFlags.ANY): number {
    this.#noPerCpu("updateBatch");
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    for (const [k, v] of entries) {
      keys.push(this.keyCodec.encode(k).slice());
      values.push(this.valueCodec.encode(v).slice());
    }
    return updateBatch(this, keys, values, elemFlags);
  }

  /** Deletes keys in one BPF_MAP_DELETE_BATCH; returns how many were deleted. */
  deleteBatch(keys: Iterable<K>): number {
    const raw: Uint8Array[] = [];
    for (const k of keys) raw.push(this.keyCodec.encode(k).slice());
    return deleteBatch(this, raw);
  }

  // ---- whole-map operations -------------------------------------------------

  /** Makes the map read-only for user space (BPF_MAP_FREEZE). */
  freeze(): void {
    attr.begin(4).u32(MapElem.map_fd, "map_fd", this.fd.value);
    bpfCall(Cmd.MAP_FREEZE, { object: this.label });
  }

  /** Whether the map is frozen (from fdinfo). */
  get frozen(): boolean {
    return readFdinfo(this.fd.value)["frozen"] === "1";
  }

  /** bpf_map_info from the kernel (id, btf ids, ...). */
  info(): MapInfo {
    return mapInfo(this.fd.value, { object: this.label });
  }

  /**
   * Maps a BPF_F_MMAPABLE array's values into memory (global data). Frozen
   * maps are mapped read-only. An arena is mapped whole (see kernel/arena.ts).
   */
  mmap(): MapMemory {
    if (this.type === MapType.ARENA) return mapArena(this.fd.value, this.maxEntries, this.info().mapExtra, this.label);
    if ((this.flags & MapFlags.MMAPABLE) === 0) {
      throw new CoreBpfError("NOT_MMAPABLE", `${this.label}: created without BPF_F_MMAPABLE`, { hint: "create the map with flags: MapFlags.MMAPABLE" });
    }
    const writable = (this.flags & MapFlags.RDONLY) === 0 && !this.frozen;
    const length = this.type === MapType.ARRAY ? align8(this.valueSize) * this.maxEntries : this.valueSize * this.maxEntries;
    return MapMemory.map(this.fd.value, length, writable, this.label);
  }

}

export { Map as BpfMap };

/** A clearer error when creation failed because the kernel lacks the map type. */
function explainCreateFailure(spec: MapSpec, err: unknown): unknown {
  if (!(err instanceof CoreBpfError) || (err.code !== "EINVAL" && err.code !== "ENOTSUPP")) return err;
  let supported = true;
  try {
    supported = probeMapType(spec.type);
  } catch {
    return err;
  }
  if (supported) return err;
  const name = typeof spec.type === "string" ? spec.type : (mapTypeName(spec.type) ?? String(spec.type));
  return new NotSupportedError(`map_type:${name}`, `map '${spec.name ?? ""}': this kernel does not support ${name} maps`, { cause: err });
}
