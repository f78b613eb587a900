// Shared mappings of kernel buffers (ring buffer pages, perf rings) that JS
// views point into. release() gives the kernel its pages back at once (before
// the fd is closed) but never leaves a hole under a view someone kept: the
// range is replaced in place by private zero pages (MAP_FIXED), so a stale view
// reads zeros instead of crashing the process. The address range itself is
// unmapped when the ArrayBuffer is garbage collected.
import koffi from "koffi";
import { CoreBpfError } from "../errors.js";
import { errnoName } from "../kernel/errno.js";
import { MapMode, Prot, lastErrno, rawMmap, rawMmapAt, rawMunmap } from "../kernel/sys.js";

const MAP_NORESERVE = 0x4000;

interface Range {
  address: number;
  length: number;
}

const unmapWhenCollected = new FinalizationRegistry<Range>((r) => {
  rawMunmap(r.address, r.length);
});

export class SharedMapping {
  readonly address: number;
  readonly length: number;
  #buffer: ArrayBuffer | undefined;

  private constructor(address: number, length: number) {
    this.address = address;
    this.length = length;
    this.#buffer = koffi.view(BigInt(address), length);
    unmapWhenCollected.register(this.#buffer, { address, length });
  }

  /** mmap(MAP_SHARED) of `length` bytes of `fd` at `offset`. */
  static map(fd: number, length: number, writable: boolean, offset: number, what: string): SharedMapping {
    const address = rawMmap(length, writable ? Prot.READ | Prot.WRITE : Prot.READ, MapMode.SHARED, fd, offset);
    if (address === -1 || address < 0) {
      const errno = errnoName(lastErrno());
      throw new CoreBpfError(errno, `${what}: mmap of ${length} bytes at offset ${offset} failed (${errno})`, {
        hint: errno === "EPERM" || errno === "ENOMEM" ? "locked-memory limits (RLIMIT_MEMLOCK) or the buffer size may be too large" : undefined,
      });
    }
    return new SharedMapping(address, length);
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
    this.#buffer = undefined;
    const r = rawMmapAt(this.address, this.length, Prot.READ, MapMode.PRIVATE | MapMode.ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r !== this.address) {
      throw new CoreBpfError(errnoName(lastErrno()), "cannot replace a released buffer mapping; it stays mapped");
    }
  }
}
