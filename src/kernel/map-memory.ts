// mmap of BPF_F_MMAPABLE maps (global data). A view can never outlive its
// mapping: close() atomically replaces the map's pages with private zeroed
// anonymous memory (mmap MAP_FIXED), so views handed out earlier stay valid
// memory but no longer touch the map (and the map can then be frozen: the
// kernel refuses BPF_MAP_FREEZE while a writable mapping exists). The address
// range itself is released when the last view is garbage collected.
// Read-only mappings (frozen maps) expose no writable view at all, since a
// write through one would crash the process instead of throwing.
import koffi from "koffi";
import { CoreBpfError } from "../errors.js";
import { errnoName } from "./errno.js";
import { MapMode, Prot, lastErrno, pageSize, rawMmap, rawMmapAt, rawMunmap } from "./sys.js";

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
  readonly #address: number;

  private constructor(buffer: ArrayBuffer, address: number, writable: boolean) {
    this.#buffer = buffer;
    this.#address = address;
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
    return new MapMemory(buffer, address, writable);
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

  /** Detaches the map: earlier views now see inert zeroed memory (idempotent). */
  close(): void {
    if (this.#buffer === undefined) return;
    this.#buffer = undefined;
    const r = rawMmapAt(this.#address, this.length, Prot.READ | Prot.WRITE, MapMode.PRIVATE | MapMode.ANONYMOUS, -1, 0);
    if (r !== this.#address) {
      // Could not swap in anonymous memory: keep the map mapped rather than leave a hole.
      throw new CoreBpfError(errnoName(lastErrno()), "map memory: cannot detach the mapping");
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
