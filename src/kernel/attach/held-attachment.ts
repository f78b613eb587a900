// The shape shared by attachments that are not BPF links (netlink XDP and tc,
// BPF_PROG_ATTACH): they hold a dup of the attached program, swap it on
// update, and undo the attachment on close.
import { type Fd, type FdLike } from "../fd.js";
import { type Attachment, dupOf } from "./link.js";

export abstract class HeldAttachment implements Attachment {
  abstract readonly kind: string;
  #prog: Fd;
  #closed = false;

  /** Takes ownership of `prog` (a dup of the attached program). */
  protected constructor(prog: Fd) {
    this.#prog = prog;
  }

  /** The attached program (this object's dup of it). */
  protected get program(): Fd {
    return this.#prog;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Undoes the attachment; the program fd is still open. */
  protected abstract remove(): void;

  /** Releases what else the attachment holds (sockets, target fds), after remove(). */
  protected release(): void {}

  /** Takes a dup of `program`, lets `apply` attach it in place of `current`, then keeps it. */
  protected swap(program: FdLike, apply: (next: Fd, current: Fd) => void): void {
    const next = dupOf(program);
    try {
      apply(next, this.#prog);
    } catch (err) {
      next.close();
      throw err;
    }
    this.#prog.close();
    this.#prog = next;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.remove();
    } finally {
      this.release();
      this.#prog.close();
    }
  }

  detach(): void {
    this.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Runs `fn`, ignoring failures with these errno names (what is to be removed is already gone). */
export function ignoringGone(fn: () => void, errnos: readonly string[]): void {
  try {
    fn();
  } catch (err) {
    if (!errnos.includes((err as { errno?: string }).errno ?? "")) throw err;
  }
}
