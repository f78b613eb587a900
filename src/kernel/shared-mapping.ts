// A shared mapping of kernel memory (a BPF map's pages, ring buffer or perf
// ring pages) that JS views point into. release() gives the kernel its pages
// back at once (before the fd is closed) but never leaves a hole under a view
// someone kept: the range is replaced in place by private zero pages
// (MAP_FIXED), so a stale view reads zeros instead of crashing the process.
// The address range itself is unmapped when the ArrayBuffer is collected.
import koffi from "koffi";
import { CoreBpfError } from "../errors.js";
import { errnoName } from "./errno.js";
import { MapMode, Prot, lastErrno, rawMmap, rawMmapAt, rawMunmap } from "./sys.js";

const MAP_NORESERVE = 0x4000;

interface Range {
  address: number;
  length: number;
}

const unmapWhenCollected = new FinalizationRegistry<Range>((r) => {
  rawMunmap(r.address, r.length);
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
}

export class SharedMapping {
  readonly address: number;
  readonly length: number;
  readonly #placeholderProt: number;
  #buffer: ArrayBuffer | undefined;

  private constructor(address: number, length: number, placeholderProt: number) {
    this.address = address;
    this.length = length;
    this.#placeholderProt = placeholderProt;
    this.#buffer = koffi.view(BigInt(address), length);
    unmapWhenCollected.register(this.#buffer, { address, length });
  }

  /** mmap(MAP_SHARED) of `length` bytes of `fd`. */
  static map(fd: number, length: number, options: MappingOptions): SharedMapping {
    const offset = options.offset ?? 0;
    const mode = options.private ? MapMode.PRIVATE : MapMode.SHARED;
    const address = rawMmap(length, options.writable ? Prot.READ | Prot.WRITE : Prot.READ, mode, fd, offset);
    if (address === -1 || address < 0) {
      const errno = errnoName(lastErrno());
      const limits = errno === "EPERM" || errno === "ENOMEM" ? "the size may exceed the locked-memory limit (RLIMIT_MEMLOCK) or the memory available" : undefined;
      throw new CoreBpfError(errno, `${options.what}: mmap of ${length} bytes at offset ${offset} failed (${errno})`, { hint: options.hint ?? limits });
    }
    return new SharedMapping(address, length, options.writableAfterRelease ? Prot.READ | Prot.WRITE : Prot.READ);
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
    const r = rawMmapAt(this.address, this.length, this.#placeholderProt, MapMode.PRIVATE | MapMode.ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r !== this.address) {
      // Keep the kernel's pages mapped rather than leave a hole under a view.
      throw new CoreBpfError(errnoName(lastErrno()), `cannot detach a ${this.length}-byte mapping; it stays mapped`);
    }
    this.#buffer = undefined;
  }
}
