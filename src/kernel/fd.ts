// An owned file descriptor: closes once, however often close() is called,
// and supports `using`. Every live kernel object holds one.
import { CoreBpfError } from "../errors.js";
import { errnoName } from "./errno.js";
import { lastErrno, rawClose, rawFcntl } from "./sys.js";

const F_DUPFD_CLOEXEC = 1030;

export class Fd {
  #fd: number;

  /** Takes ownership of `fd` (a non-negative descriptor). */
  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new CoreBpfError("BAD_FD", `invalid file descriptor ${fd}`);
    this.#fd = fd;
  }

  /** The descriptor number; throws once closed, so a stale number is never reused by mistake. */
  get value(): number {
    if (this.#fd < 0) throw new CoreBpfError("CLOSED", "the object's file descriptor is closed", { hint: "the object was closed (or disposed) before this use" });
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** A new descriptor (close-on-exec) for the same object, owned by the returned Fd. */
  dup(): Fd {
    const fd = rawFcntl(this.value, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw new CoreBpfError(errnoName(lastErrno()), `cannot duplicate fd ${this.#fd}`);
    return new Fd(fd);
  }

  /** Gives up ownership: returns the number, which the caller must close. */
  release(): number {
    const fd = this.value;
    this.#fd = -1;
    return fd;
  }

  /** Closes the descriptor; later calls do nothing. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    rawClose(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return this.#fd < 0 ? "fd(closed)" : `fd(${this.#fd})`;
  }
}

/** Anything that designates a kernel object's descriptor: an Fd, an object owning one, or a raw number. */
export type FdLike = Fd | number | { readonly fd: Fd };

/** The descriptor number of an FdLike (throws if it is closed). */
export function fdOf(x: FdLike): number {
  if (typeof x === "number") return x;
  if (x instanceof Fd) return x.value;
  return x.fd.value;
}
