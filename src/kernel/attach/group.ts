// Several attachments that live and die together (one perf event per CPU).
import { type FdLike } from "../fd.js";
import { type Attachment, Link } from "./link.js";

export class AttachmentGroup<A extends Attachment = Attachment> implements Attachment {
  readonly kind: string;
  readonly members: readonly A[];
  #closed = false;

  /** Takes ownership of `members`. */
  constructor(kind: string, members: readonly A[]) {
    this.kind = kind;
    this.members = members;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Closes every member (all are tried; the first failure is rethrown). */
  close(): void {
    this.#each((m) => m.close());
  }

  /** Detaches every member. */
  detach(): void {
    this.#each((m) => m.detach());
  }

  /** Swaps the program of every member that is a Link (BPF_LINK_UPDATE). */
  update(program: FdLike): void {
    for (const m of this.members) if (m instanceof Link) m.update(program);
  }

  #each(fn: (m: A) => void): void {
    this.#closed = true;
    let first: unknown;
    for (const m of this.members) {
      try {
        fn(m);
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Builds each member in turn; if one fails, closes those already made and rethrows. */
export function buildGroup<A extends Attachment>(kind: string, count: number, make: (i: number) => A): AttachmentGroup<A> {
  const members: A[] = [];
  try {
    for (let i = 0; i < count; i++) members.push(make(i));
  } catch (err) {
    for (const m of members) m.close();
    throw err;
  }
  return new AttachmentGroup(kind, members);
}
