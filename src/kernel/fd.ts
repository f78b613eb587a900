// An owned file descriptor: closes once, however often close() is called,
// and supports `using`. Every live kernel object holds one.
import { CoreBpfError } from "../errors.js";
import { errnoName } from "./errno.js";
import { lastErrno, rawClose, rawFcntl } from "./sys.js";

const F_DUPFD_CLOEXEC = 1030;

export class Fd {
  /** The descriptor number, or -1 once closed (hot paths read this instead of `value`). */
  readonly raw: number;

  /** Takes ownership of `fd` (a non-negative descriptor). */
  constructor(fd: number) {
    if (!Number.isInteger(fd) || fd < 0) throw new CoreBpfError("BAD_FD", `invalid file descriptor ${fd}`);
    this.raw = fd;
  }

  /** The descriptor number; throws once closed, so a stale number is never reused by mistake. */
  get value(): number {
    if (this.raw < 0) throw new CoreBpfError("CLOSED", "the object's file descriptor is closed", { hint: "the object was closed (or disposed) before this use" });
    return this.raw;
  }

  get closed(): boolean {
    return this.raw < 0;
  }

  /** A new descriptor (close-on-exec) for the same object, owned by the returned Fd. */
  dup(): Fd {
    const fd = rawFcntl(this.value, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) throw new CoreBpfError(errnoName(lastErrno()), `cannot duplicate fd ${this.raw}`);
    return new Fd(fd);
  }

  /** Gives up ownership: returns the number, which the caller must close. */
  release(): number {
    const fd = this.value;
    (this as { raw: number }).raw = -1;
    return fd;
  }

  /** Closes the descriptor; later calls do nothing. */
  close(): void {
    const fd = this.raw;
    if (fd < 0) return;
    (this as { raw: number }).raw = -1;
    rawClose(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return this.raw < 0 ? "fd(closed)" : `fd(${this.raw})`;
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
