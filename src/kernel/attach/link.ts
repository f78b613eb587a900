// A BPF link: the kernel object that keeps a program attached while some fd
// or pin refers to it. A Link owns its fd and whatever the attachment needs
// beside it (a perf event fd, a tracefs probe), released after the link.
import { CoreBpfError, NotSupportedError } from "../../errors.js";
import { attr } from "../attr.js";
import { bpfTry, getFdById } from "../bpf.js";
import { bpfError, type ErrorContext } from "../bpf-error.js";
import { openPinnedFd, preparePinPath } from "../bpffs.js";
import { Errno, errnoName } from "../errno.js";
import { Fd, type FdLike, fdOf } from "../fd.js";
import { KernelObject } from "../kernel-object.js";
import { lastErrno, rawFcntl } from "../sys.js";
import { Cmd, LinkType, linkTypeNames } from "../uapi.js";
import { LinkCreate, LinkDetach, LinkUpdate, LinkUpdateFlags } from "./attr.js";
import { linkDetails, type LinkDetails } from "./link-info.js";

const F_DUPFD_CLOEXEC = 1030;

/** Link types whose program the kernel can swap (BPF_LINK_UPDATE). */
const updatableLinkTypes = new Set<number>([LinkType.CGROUP, LinkType.ITER, LinkType.NETNS, LinkType.XDP, LinkType.TCX, LinkType.NETKIT, LinkType.SOCKMAP, LinkType.STRUCT_OPS]);

/** Anything a program was attached with: a Link, or an attachment without a link fd. */
export interface Attachment extends Disposable {
  /** What was attached: "tracepoint", "xdp", "socket_filter", ... */
  readonly kind: string;
  readonly closed: boolean;
  /**
   * Releases what this object holds. An unpinned attachment is detached by
   * this; a pinned link stays attached (its pin holds it).
   */
  close(): void;
  /** Detaches the program now, pinned or not, and releases what this object holds. */
  detach(): void;
}

/** A resource released after the link fd (perf event fd, tracefs probe, ...). */
export interface Owned {
  close(): void;
}

/** The per-kind part of BPF_LINK_CREATE, written after the common fields. */
export type LinkCreateExtra = (a: typeof attr) => void;

export interface LinkCreateOptions {
  flags?: number;
  /** Writes the per-kind union (cookie, relative fd, iterator info...). */
  extra?: LinkCreateExtra;
  /** Closed after the link (and at once if creation fails). */
  owned?: readonly Owned[];
  /** Error context (object label, hint). */
  ctx?: ErrorContext;
}

/** A BPF link in the kernel, owned by this object. */
export class Link extends KernelObject implements Attachment {
  readonly kind: string;
  #owned: Owned[];
  #id: number | undefined;

  /** Takes ownership of `fd` (a link fd) and of `owned`. */
  constructor(fd: Fd, kind: string, owned: readonly Owned[] = []) {
    super(fd);
    this.kind = kind;
    this.#owned = [...owned];
  }

  /**
   * BPF_LINK_CREATE: `target` is an fd or ifindex as the attach type wants.
   * Returns the new link, or throws the typed error (owned resources closed).
   */
  static create(kind: string, program: FdLike, target: number, attachType: number, options: LinkCreateOptions = {}): Link {
    const owned = options.owned ?? [];
    let fd: number;
    try {
      fd = Link.createFd(program, target, attachType, options);
    } catch (err) {
      for (const o of owned) o.close();
      throw err;
    }
    return new Link(new Fd(fd), kind, owned);
  }

  /** BPF_LINK_CREATE returning the raw fd (the caller owns it). */
  static createFd(program: FdLike, target: number, attachType: number, options: Omit<LinkCreateOptions, "owned"> = {}): number {
    const r = Link.tryCreateFd(program, target, attachType, options);
    if (r >= 0) return r;
    throw bpfError(Cmd.LINK_CREATE, -r, { field: attr.field, ...options.ctx });
  }

  /** BPF_LINK_CREATE returning the fd or -errno. */
  static tryCreateFd(program: FdLike, target: number, attachType: number, options: Omit<LinkCreateOptions, "owned"> = {}): number {
    const progFd = fdOf(program);
    attr
      .begin(LinkCreate.flags + 4)
      .u32(LinkCreate.prog_fd, "prog_fd", progFd)
      .u32(LinkCreate.target_fd, "target_fd", target)
      .u32(LinkCreate.attach_type, "attach_type", attachType)
      .u32(LinkCreate.flags, "flags", options.flags ?? 0);
    options.extra?.(attr);
    for (let attempt = 0; ; attempt++) {
      const r = bpfTry(Cmd.LINK_CREATE);
      if (r !== -Errno.EINTR && r !== -Errno.EAGAIN) return r;
      if (attempt >= 5) return r;
    }
  }

  /** Wraps a link fd (taking ownership). */
  static fromFd(fd: Fd | number): Link {
    const owned = typeof fd === "number" ? new Fd(fd) : fd;
    try {
      const d = linkDetails(owned.value, { object: "link" });
      const link = new Link(owned, linkTypeNames[d.type] ?? `link type ${d.type}`);
      link.#id = d.id;
      return link;
    } catch (err) {
      owned.close();
      throw err;
    }
  }

  /** Opens the link with this id (BPF_LINK_GET_FD_BY_ID). */
  static fromId(id: number): Link {
    return Link.fromFd(new Fd(getFdById("link", id)));
  }

  /** Opens the link pinned at `path` (BPF_OBJ_GET; WrongObjectTypeError when something else is pinned there). */
  static openPinned(path: string): Link {
    const link = Link.fromFd(new Fd(openPinnedFd(path, "link", 0, { object: `link pinned at '${path}'` })));
    link.pinnedPath = path;
    return link;
  }

  override get label(): string {
    return this.#id === undefined ? `${this.kind} link` : `${this.kind} link ${this.#id}`;
  }

  /** The link's id in the kernel. */
  get id(): number {
    return (this.#id ??= this.info().id);
  }

  /** bpf_link_info, decoded for the link's type. */
  info(): LinkDetails {
    return linkDetails(this.fd.value, { object: this.label });
  }

  /** Pins the link on a bpffs (mounting /sys/fs/bpf when needed); the program stays attached while pinned. */
  override pin(path: string): void {
    preparePinPath(path);
    super.pin(path);
  }

  /**
   * BPF_LINK_UPDATE: swaps the program atomically. With `expected`, fails
   * (EPERM) unless that program is the one attached now.
   */
  update(program: FdLike, expected?: FdLike): void {
    attr
      .begin(LinkUpdate.new_prog_fd + 4)
      .u32(LinkUpdate.link_fd, "link_fd", this.fd.value)
      .u32(LinkUpdate.new_prog_fd, "new_prog_fd", fdOf(program));
    if (expected !== undefined) {
      attr.u32(LinkUpdate.flags, "flags", LinkUpdateFlags.REPLACE).u32(LinkUpdate.old_prog_fd, "old_prog_fd", fdOf(expected));
    }
    const r = bpfTry(Cmd.LINK_UPDATE);
    if (r >= 0) return;
    // Link kinds without an update operation answer EINVAL.
    if (r === -Errno.EOPNOTSUPP || r === -Errno.ENOTSUPP || (r === -Errno.EINVAL && !updatableLinkTypes.has(this.info().type))) {
      throw new NotSupportedError(`link_update:${this.kind}`, `${this.label}: the kernel cannot swap the program of this kind of link`, {
        hint: "detach it and attach the new program",
        cause: bpfError(Cmd.LINK_UPDATE, -r),
      });
    }
    throw bpfError(Cmd.LINK_UPDATE, -r, {
      object: this.label,
      hint: r === -Errno.EINVAL ? "the new program must have the type (and expected attach type) of the attached one" : undefined,
    });
  }

  /**
   * BPF_LINK_DETACH alone: the program is detached, the link stays open but
   * defunct. Throws (EOPNOTSUPP) for kinds the kernel cannot force-detach.
   */
  kernelDetach(): void {
    attr.begin(4).u32(LinkDetach.link_fd, "link_fd", this.fd.value);
    const r = bpfTry(Cmd.LINK_DETACH);
    if (r < 0) throw bpfError(Cmd.LINK_DETACH, -r, { object: this.label, hint: r === -Errno.EOPNOTSUPP ? "links of this kind end when the last fd and pin are gone" : undefined });
  }

  /**
   * Detaches the program now (BPF_LINK_DETACH), even while the link is
   * pinned or held elsewhere, then closes. Kinds the kernel cannot force-detach
   * (perf events, raw tracepoints, tracing) are detached by removing this
   * object's pin and closing, which ends the link unless another fd holds it.
   */
  detach(): void {
    if (this.closed) return;
    try {
      this.kernelDetach();
    } catch (err) {
      const errno = (err as { errnoNumber?: number }).errnoNumber;
      if (errno !== Errno.EOPNOTSUPP && errno !== Errno.ENOTSUPP && errno !== Errno.EINVAL) throw err;
      if (this.pinnedPath !== undefined) this.unpin();
    }
    this.close();
  }

  /** Closes the link fd, then what the attachment owned (idempotent). */
  override close(): void {
    if (this.closed && this.#owned.length === 0) return;
    super.close();
    const owned = this.#owned;
    this.#owned = [];
    let first: unknown;
    for (const o of owned) {
      try {
        o.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }
}

/** A new close-on-exec fd for the object `x` designates (the caller owns it). */
export function dupOf(x: FdLike): Fd {
  const fd = rawFcntl(fdOf(x), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) throw new CoreBpfError(errnoName(lastErrno()), `cannot duplicate fd ${fdOf(x)}`);
  return new Fd(fd);
}
