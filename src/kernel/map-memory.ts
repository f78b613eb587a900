// mmap of BPF_F_MMAPABLE maps (global data). A view can never outlive its
// mapping: close() atomically replaces the map's pages with private zeroed
// anonymous memory (mmap MAP_FIXED), so views handed out earlier stay valid
// memory but no longer touch the map (and the map can then be frozen: the
// kernel refuses BPF_MAP_FREEZE while a writable mapping exists). The address
// range itself is released when the last view is garbage collected.
// Read-only mappings (frozen maps) expose no writable view at all, since a
// write through one would crash the process instead of throwing.
import { CoreBpfError } from "../errors.js";
import { SharedMapping } from "./shared-mapping.js";
import { pageSize } from "./sys.js";

export class MapMemory {
  /** Bytes mapped (a whole number of pages). */
  readonly length: number;
  /** Where the mapping starts in this process (arena pointers are addresses in it). */
  readonly address: number;
  /** Whether writes are allowed (false for frozen or read-only maps). */
  readonly writable: boolean;
  readonly #mapping: SharedMapping;

  private constructor(mapping: SharedMapping, writable: boolean) {
    this.#mapping = mapping;
    this.length = mapping.length;
    this.address = mapping.address;
    this.writable = writable;
  }

  /**
   * Maps `length` bytes (rounded up to pages) of the map behind `fd`, where
   * the kernel chooses or exactly at `options.address` (never over another
   * mapping).
   */
  static map(fd: number, length: number, writable: boolean, what = "map", options: { address?: number; hint?: string } = {}): MapMemory {
    const page = pageSize();
    const size = Math.max(page, Math.ceil(length / page) * page);
    const hint = options.hint ?? (writable ? "the map must be created with BPF_F_MMAPABLE and not be frozen or read-only" : "the map must be created with BPF_F_MMAPABLE");
    // Views of a writable map stay writable after close (into the placeholder), never a fault.
    const at = options.address === undefined ? {} : { address: options.address };
    return new MapMemory(SharedMapping.map(fd, size, { writable, writableAfterRelease: writable, what, hint, ...at }), writable);
  }

  #live(): ArrayBuffer {
    if (this.#mapping.released) throw new CoreBpfError("CLOSED", "map memory is closed");
    return this.#mapping.buffer;
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
    return this.#mapping.released;
  }

  /** Detaches the map: earlier views now see inert zeroed memory (idempotent). */
  close(): void {
    this.#mapping.release();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
