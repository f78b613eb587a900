// mmap of BPF_F_MMAPABLE maps (global data). A view can never outlive its
// mapping: the mapping is unmapped only once close() was called (or the
// MapMemory was dropped) AND every ArrayBuffer handed out has been collected.
// Read-only mappings (frozen maps) expose no writable view at all, since a
// write through one would crash the process instead of throwing.
import koffi from "koffi";
import { CoreBpfError } from "../errors.js";
import { errnoName } from "./errno.js";
import { MapMode, Prot, lastErrno, pageSize, rawMmap, rawMunmap } from "./sys.js";

interface Mapping {
  address: number;
  length: number;
}

const unmapWhenCollected = new FinalizationRegistry<Mapping>((m) => {
  rawMunmap(m.address, m.length);
});

export class MapMemory {
  /** Bytes mapped (a whole number of pages). */
  readonly length: number;
  /** Whether writes are allowed (false for frozen or read-only maps). */
  readonly writable: boolean;
  #buffer: ArrayBuffer | undefined;

  private constructor(buffer: ArrayBuffer, writable: boolean) {
    this.#buffer = buffer;
    this.length = buffer.byteLength;
    this.writable = writable;
  }

  /** Maps `length` bytes (rounded up to pages) of the map behind `fd`. */
  static map(fd: number, length: number, writable: boolean, what = "map"): MapMemory {
    const page = pageSize();
    const size = Math.max(page, Math.ceil(length / page) * page);
    const prot = writable ? Prot.READ | Prot.WRITE : Prot.READ;
    const address = rawMmap(size, prot, MapMode.SHARED, fd, 0);
    if (address === -1 || address < 0) {
      const errno = lastErrno();
      throw new CoreBpfError(errnoName(errno), `${what}: mmap of ${size} bytes failed (${errnoName(errno)})`, {
        hint: writable ? "the map must be created with BPF_F_MMAPABLE and not be frozen or read-only" : "the map must be created with BPF_F_MMAPABLE",
      });
    }
    const buffer = koffi.view(BigInt(address), size);
    unmapWhenCollected.register(buffer, { address, length: size });
    return new MapMemory(buffer, writable);
  }

  #live(): ArrayBuffer {
    if (this.#buffer === undefined) throw new CoreBpfError("CLOSED", "map memory is closed");
    return this.#buffer;
  }

  #writableBuffer(): ArrayBuffer {
    const buf = this.#live();
    if (!this.writable) {
      throw new CoreBpfError("READ_ONLY", "map memory is mapped read-only (frozen map)", { hint: "use read() to copy bytes out" });
    }
    return buf;
  }

  /** A writable byte view of the whole mapping (keeps the mapping alive while referenced). */
  get bytes(): Uint8Array {
    return new Uint8Array(this.#writableBuffer());
  }

  /** A DataView over the whole mapping (keeps the mapping alive while referenced). */
  get view(): DataView {
    return new DataView(this.#writableBuffer());
  }

  /** A copy of `length` bytes at `offset` (works for read-only mappings too). */
  read(offset = 0, length = this.length - offset): Uint8Array {
    const buf = this.#live();
    if (offset < 0 || length < 0 || offset + length > this.length) {
      throw new CoreBpfError("OUT_OF_RANGE", `read of ${length} bytes at ${offset} outside ${this.length}-byte mapping`);
    }
    return new Uint8Array(buf, offset, length).slice();
  }

  /** Copies `data` to `offset`. */
  write(offset: number, data: Uint8Array): void {
    const buf = this.#writableBuffer();
    if (offset < 0 || offset + data.length > this.length) {
      throw new CoreBpfError("OUT_OF_RANGE", `write of ${data.length} bytes at ${offset} outside ${this.length}-byte mapping`);
    }
    new Uint8Array(buf, offset, data.length).set(data);
  }

  get closed(): boolean {
    return this.#buffer === undefined;
  }

  /** Drops this object's hold on the mapping; it is unmapped once no view remains. */
  close(): void {
    this.#buffer = undefined;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
