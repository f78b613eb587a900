// The BPF_MAP_*_BATCH commands (Linux 5.6+) on raw bytes; Map wraps them
// with its codecs.
import { CoreBpfError, NotSupportedError } from "../errors.js";
import { attr, MapBatch } from "./attr.js";
import { bpfTry } from "./bpf.js";
import { bpfError } from "./bpf-error.js";
import { Errno } from "./errno.js";
import { LE, NativeBuffer } from "./sys.js";
import { Cmd } from "./uapi.js";

/** The parts of a Map the batch commands need. */
export interface BatchTarget {
  readonly fd: { readonly value: number };
  readonly keySize: number;
  readonly valueBytes: number;
  readonly maxEntries: number;
  readonly label: string;
}

export interface BatchOptions {
  /** Elements per system call (default: min(max_entries, 256)). */
  batchSize?: number;
  /** Delete what is read (BPF_MAP_LOOKUP_AND_DELETE_BATCH). */
  delete?: boolean;
  /** elem_flags (UpdateFlags.F_LOCK). */
  elemFlags?: number;
}

function unsupported(map: BatchTarget, cmd: number, errno: number): CoreBpfError {
  if (errno === Errno.EINVAL || errno === Errno.ENOTSUPP || errno === Errno.EOPNOTSUPP) {
    return new NotSupportedError("map_batch", `${map.label}: batch operations are not supported for this map type or kernel (5.6+)`, {
      cause: bpfError(cmd, errno, { object: map.label }),
    });
  }
  return bpfError(cmd, errno, { object: map.label });
}

function writeBatchAttr(map: BatchTarget, inBatch: number, outBatch: number, keys: number, values: number, count: number, elemFlags: number): void {
  attr.begin(MapBatch.size);
  const v = attr.view;
  attr.u64(MapBatch.in_batch, "in_batch", inBatch).u64(MapBatch.out_batch, "out_batch", outBatch);
  attr.u64(MapBatch.keys, "keys", keys).u64(MapBatch.values, "values", values);
  v.setUint32(MapBatch.count, count, LE);
  v.setUint32(MapBatch.map_fd, map.fd.value, LE);
  attr.u64(MapBatch.elem_flags, "elem_flags", elemFlags);
  attr.end = MapBatch.size;
}

/** Reads (and optionally deletes) every entry; values are valueBytes long (all CPUs). */
export function lookupBatch(map: BatchTarget, options: BatchOptions = {}): [Uint8Array, Uint8Array][] {
  const cmd = options.delete ? Cmd.MAP_LOOKUP_AND_DELETE_BATCH : Cmd.MAP_LOOKUP_BATCH;
  let size = Math.max(1, options.batchSize ?? Math.min(map.maxEntries || 1, 256));
  const tokenSize = Math.max(map.keySize, 8);
  const out: [Uint8Array, Uint8Array][] = [];
  const tokens = NativeBuffer.alloc(2 * tokenSize);
  let buf = NativeBuffer.alloc(size * (map.keySize + map.valueBytes));
  try {
    let first = true;
    for (let rounds = 0; ; rounds++) {
      if (rounds > 4 * map.maxEntries + 64) throw new CoreBpfError("ITERATION_ABORTED", `${map.label}: batch walk did not end`);
      const keysAddr = buf.address;
      const valuesAddr = buf.address + size * map.keySize;
      writeBatchAttr(map, first ? 0 : tokens.address, tokens.address + tokenSize, keysAddr, valuesAddr, size, options.elemFlags ?? 0);
      const r = bpfTry(cmd);
      const count = attr.getU32(MapBatch.count);
      if (r < 0 && r !== -Errno.ENOENT) {
        if (r === -Errno.ENOSPC && count === 0 && size < 1 << 20) {
          // A hash bucket holds more elements than the batch: retry larger.
          size *= 2;
          buf.free();
          buf = NativeBuffer.alloc(size * (map.keySize + map.valueBytes));
          continue;
        }
        throw unsupported(map, cmd, -r);
      }
      for (let i = 0; i < count; i++) {
        const k = buf.bytes.slice(i * map.keySize, (i + 1) * map.keySize);
        const vs = size * map.keySize + i * map.valueBytes;
        out.push([k, buf.bytes.slice(vs, vs + map.valueBytes)]);
      }
      if (r === -Errno.ENOENT) return out;
      // out_batch becomes the next in_batch.
      tokens.bytes.copyWithin(0, tokenSize, 2 * tokenSize);
      first = false;
    }
  } finally {
    tokens.free();
    buf.free();
  }
}

function packed(list: readonly Uint8Array[], size: number, what: string, label: string): NativeBuffer {
  const buf = NativeBuffer.alloc(list.length * size);
  list.forEach((item, i) => {
    if (item.length !== size) throw new CoreBpfError("BAD_VALUE", `${label}: ${what} #${i} is ${item.length} bytes, expected ${size}`);
    buf.bytes.set(item, i * size);
  });
  return buf;
}

/** BPF_MAP_UPDATE_BATCH of raw keys/values; returns the number written. */
export function updateBatch(map: BatchTarget, keys: readonly Uint8Array[], values: readonly Uint8Array[], elemFlags: number): number {
  if (keys.length === 0) return 0;
  using k = packed(keys, map.keySize, "key", map.label);
  using v = packed(values, map.valueBytes, "value", map.label);
  writeBatchAttr(map, 0, 0, k.address, v.address, keys.length, elemFlags);
  const r = bpfTry(Cmd.MAP_UPDATE_BATCH);
  if (r < 0) {
    const done = attr.getU32(MapBatch.count);
    const err = unsupported(map, Cmd.MAP_UPDATE_BATCH, -r);
    if (err instanceof NotSupportedError) throw err;
    throw new CoreBpfError(err.code, `${err.message}: ${done} of ${keys.length} entries written`, { cause: err, hint: err.hint });
  }
  return attr.getU32(MapBatch.count);
}

/** BPF_MAP_DELETE_BATCH of raw keys; returns how many were deleted (stops at a missing key). */
export function deleteBatch(map: BatchTarget, keys: readonly Uint8Array[]): number {
  if (keys.length === 0) return 0;
  using k = packed(keys, map.keySize, "key", map.label);
  writeBatchAttr(map, 0, 0, k.address, 0, keys.length, 0);
  const r = bpfTry(Cmd.MAP_DELETE_BATCH);
  const done = attr.getU32(MapBatch.count);
  if (r === -Errno.ENOENT) return done;
  if (r < 0) throw unsupported(map, Cmd.MAP_DELETE_BATCH, -r);
  return done;
}
