// A shared mapping of kernel memory (a BPF map's pages, ring buffer or perf
// ring pages) that JS views point into. release() gives the kernel its pages
// back at once (before the fd is closed) but never leaves a hole under a view
// someone kept: the range is replaced in place by private zero pages
// (MAP_FIXED), so a stale view reads zeros instead of crashing the process.
// The address range itself is unmapped when the last ArrayBuffer over it is
// collected. A mapping asked for at a fixed address (arenas) may take over
// such a placeholder of ours: the range then stays until the buffers of both
// are collected.
import koffi from "koffi";
import { CoreBpfError } from "../errors.js";
import { errnoName } from "./errno.js";
import { MapMode, Prot, lastErrno, rawMmap, rawMmapAt, rawMmapNoReplace, rawMunmap } from "./sys.js";

const MAP_NORESERVE = 0x4000;

/** An address range of ours and the ArrayBuffers over it not yet collected. */
interface Range {
  readonly address: number;
  readonly length: number;
  buffers: number;
  /** Protection of the placeholder once released (a mapping taking it over keeps at least this). */
  placeholderProt: number;
  /** The range was lost (a failed takeover): it is no longer ours to unmap. */
  lost?: boolean;
}

/** Released ranges still held by views (placeholders), by address. */
const placeholders = new Map<number, Range>();

const unmapWhenCollected = new FinalizationRegistry<Range>((r) => {
  if (--r.buffers > 0) return;
  if (placeholders.get(r.address) === r) placeholders.delete(r.address);
  if (!r.lost) rawMunmap(r.address, r.length);
});

export interface MappingOptions {
  /** Map PROT_READ|PROT_WRITE rather than PROT_READ. */
  writable: boolean;
  /** Offset into the fd (a whole number of pages). */
  offset?: number;
  /** MAP_PRIVATE rather than MAP_SHARED (a read-only view of a file the kernel lets be mapped). */
  private?: boolean;
  /** Whether views kept past release() may still be written (the placeholder is then writable). */
  writableAfterRelease?: boolean;
  /** Names the mapping in errors. */
  what: string;
  /** What to check when mmap fails (by default: memory limits, for EPERM and ENOMEM). */
  hint?: string;
  /**
   * Map exactly here (a page-aligned user address), never over a mapping of
   * someone else (MAP_FIXED_NOREPLACE); a placeholder this module left there
   * is replaced. Default: where the kernel chooses.
   */
  address?: number;
}

/** Private zero pages over `r` (MAP_FIXED), so views into it stay readable; the address, or -1. */
function mapPlaceholder(r: Range): number {
  return rawMmapAt(r.address, r.length, r.placeholderProt, MapMode.PRIVATE | MapMode.ANONYMOUS | MAP_NORESERVE, -1, 0);
}

function mmapFailure(options: MappingOptions, length: number, offset: number, errno: string, why = ""): CoreBpfError {
  const limits = errno === "EPERM" || errno === "ENOMEM" ? "the size may exceed the locked-memory limit (RLIMIT_MEMLOCK) or the memory available" : undefined;
  return new CoreBpfError(errno, `${options.what}: mmap of ${length} bytes at offset ${offset}${why} failed (${errno})`, { hint: options.hint ?? limits });
}

/** mmap at options.address exactly: over our own placeholder (MAP_FIXED), else only where nothing is mapped. */
function mapAt(address: number, length: number, prot: number, fd: number, offset: number, options: MappingOptions): Range {
  const where = ` at 0x${address.toString(16)}`;
  const held = placeholders.get(address);
  if (held !== undefined && held.length === length) {
    // Views kept from the released mapping see the new one: like a stale pointer in C, never a fault.
    if (rawMmapAt(address, length, prot, MapMode.SHARED, fd, offset) !== address) {
      const errno = errnoName(lastErrno());
      // A failed MAP_FIXED may already have unmapped the range: put the placeholder back under the kept views.
      if (mapPlaceholder(held) !== address) {
        held.lost = true; // the finalizer must not unmap what may be someone else's by then
        placeholders.delete(address);
      }
      throw mmapFailure(options, length, offset, errno, where);
    }
    placeholders.delete(address);
    return held;
  }
  const got = rawMmapNoReplace(address, length, prot, MapMode.SHARED, fd, offset);
  if (got === address) return { address, length, buffers: 0, placeholderProt: 0 };
  if (got === -1 || got < 0) {
    const errno = errnoName(lastErrno());
    if (errno !== "EEXIST") throw mmapFailure(options, length, offset, errno, where);
    throw new CoreBpfError("EEXIST", `${options.what}: cannot map ${length} bytes at 0x${address.toString(16)}: the range is in use in this process`, {
      hint: options.hint ?? "another mapping (of this process) overlaps it: pick another fixed address, or free that mapping first",
    });
  }
  rawMunmap(got, length); // a kernel without MAP_FIXED_NOREPLACE took the address as a hint
  throw new CoreBpfError("EEXIST", `${options.what}: the kernel mapped ${length} bytes at 0x${got.toString(16)}, not at 0x${address.toString(16)}`, {
    hint: "the address is in use, or the kernel (before 4.17) has no MAP_FIXED_NOREPLACE",
  });
}

export class SharedMapping {
  readonly address: number;
  readonly length: number;
  #buffer: ArrayBuffer | undefined;

  readonly #range: Range;

  private constructor(range: Range) {
    this.address = range.address;
    this.length = range.length;
    this.#range = range;
    this.#buffer = koffi.view(BigInt(range.address), range.length);
    range.buffers++;
    unmapWhenCollected.register(this.#buffer, range);
  }

  /** mmap(MAP_SHARED) of `length` bytes of `fd` (at options.address when given). */
  static map(fd: number, length: number, options: MappingOptions): SharedMapping {
    const offset = options.offset ?? 0;
    const prot = options.writable ? Prot.READ | Prot.WRITE : Prot.READ;
    let range: Range;
    if (options.address !== undefined) {
      range = mapAt(options.address, length, prot, fd, offset, options);
    } else {
      const address = rawMmap(length, prot, options.private ? MapMode.PRIVATE : MapMode.SHARED, fd, offset);
      if (address === -1 || address < 0) throw mmapFailure(options, length, offset, errnoName(lastErrno()));
      range = { address, length, buffers: 0, placeholderProt: 0 };
    }
    // Views kept from a placeholder taken over stay as writable as they were.
    range.placeholderProt |= options.writableAfterRelease ? Prot.READ | Prot.WRITE : Prot.READ;
    return new SharedMapping(range);
  }

  /** The mapping's bytes; views into it stay safe to read after release(). */
  get buffer(): ArrayBuffer {
    if (this.#buffer === undefined) throw new CoreBpfError("CLOSED", "the mapping was released");
    return this.#buffer;
  }

  get released(): boolean {
    return this.#buffer === undefined;
  }

  /** Returns the kernel's pages now; earlier views see inert zero pages (idempotent). */
  release(): void {
    if (this.#buffer === undefined) return;
    const r = mapPlaceholder(this.#range);
    if (r !== this.address) {
      // Keep the kernel's pages mapped rather than leave a hole under a view.
      throw new CoreBpfError(errnoName(lastErrno()), `cannot detach a ${this.length}-byte mapping; it stays mapped`);
    }
    this.#buffer = undefined;
    placeholders.set(this.address, this.#range);
  }
}
