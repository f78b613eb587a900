// What every live kernel object shares: an owned fd, pinning on a bpffs, and
// an idempotent close that `using` calls.
import { unlinkSync } from "node:fs";
import { objPin } from "./bpf.js";
import { type Fd } from "./fd.js";

export abstract class KernelObject {
  /** The object's file descriptor (closed by close()). */
  readonly fd: Fd;
  #pinnedPath: string | undefined;

  protected constructor(fd: Fd) {
    this.fd = fd;
  }

  /** "map 'name'", "prog 'name'", ... for messages. */
  abstract get label(): string;

  /** The path this object was pinned at or opened from, if any. */
  get pinnedPath(): string | undefined {
    return this.#pinnedPath;
  }

  protected set pinnedPath(path: string | undefined) {
    this.#pinnedPath = path;
  }

  /** Pins the object at `path` on a bpffs (BPF_OBJ_PIN). */
  pin(path: string): void {
    objPin(this.fd.value, path, { object: this.label });
    this.#pinnedPath = path;
  }

  /** Removes the pin this object made or was opened from (the object lives on while referenced). */
  unpin(): void {
    if (this.#pinnedPath === undefined) return;
    unlinkSync(this.#pinnedPath);
    this.#pinnedPath = undefined;
  }

  get closed(): boolean {
    return this.fd.closed;
  }

  /** Closes the fd (idempotent); the kernel frees the object when nothing else holds it. */
  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
