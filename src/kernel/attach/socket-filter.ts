// Socket filters: SO_ATTACH_BPF on a socket fd; SO_DETACH_BPF to remove.
import { readlinkSync } from "node:fs";
import { CoreBpfError, SyscallError } from "../../errors.js";
import { Errno, errnoMessage, errnoName } from "../errno.js";
import { type FdLike, fdOf } from "../fd.js";
import { LE, NativeBuffer, lastErrno, rawSetsockopt } from "../sys.js";
import { type Attachment } from "./link.js";

const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SO_DETACH_BPF = 27;
const SO_ATTACH_REUSEPORT_EBPF = 52;
const SO_DETACH_REUSEPORT_BPF = 68;

function setProgram(socket: number, option: number, progFd: number | undefined): number {
  using v = NativeBuffer.alloc(4);
  v.view.setInt32(0, progFd ?? 0, LE);
  if (rawSetsockopt(socket, SOL_SOCKET, option, v.address, 4) === 0) return 0;
  return lastErrno();
}

function socketIdentity(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** A program filtering a socket; close() detaches it (unless the socket is already closed). */
export class SocketFilterAttachment implements Attachment {
  readonly kind: string;
  readonly socket: number;
  readonly #identity: string | undefined;
  readonly #detachOption: number;
  readonly #attachOption: number;
  #closed = false;

  constructor(kind: string, socket: number, attachOption: number, detachOption: number) {
    this.kind = kind;
    this.socket = socket;
    this.#identity = socketIdentity(socket);
    this.#attachOption = attachOption;
    this.#detachOption = detachOption;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Replaces the socket's program. */
  update(program: FdLike): void {
    const errno = setProgram(this.socket, this.#attachOption, fdOf(program));
    if (errno) throw sockoptError(`${this.kind}: setsockopt`, errno);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The socket number may have been closed and reused for another file: leave that one alone.
    if (this.#identity === undefined || socketIdentity(this.socket) !== this.#identity) return;
    const errno = setProgram(this.socket, this.#detachOption, undefined);
    if (errno && errno !== Errno.ENOENT && errno !== Errno.EBADF) throw sockoptError(`${this.kind}: detach`, errno);
  }

  detach(): void {
    this.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function sockoptError(what: string, errno: number): SyscallError {
  const hint = errno === 88 ? "the fd is not a socket" : errno === Errno.EINVAL ? "the program must be a socket_filter (or sk_reuseport) program" : undefined;
  return new SyscallError(errnoName(errno), errno, `${what}: ${errnoMessage(errno)} (${errnoName(errno)})`, hint === undefined ? {} : { hint });
}

/** SO_ATTACH_BPF: runs a socket_filter program on every packet `socket` receives (the socket fd stays the caller's). */
export function attachSocketFilter(socket: FdLike, program: FdLike): SocketFilterAttachment {
  return attachToSocket("socket_filter", socket, program, SO_ATTACH_BPF, SO_DETACH_BPF);
}

/** SO_ATTACH_REUSEPORT_EBPF: an sk_reuseport program choosing among a reuseport group's sockets. */
export function attachReuseport(socket: FdLike, program: FdLike): SocketFilterAttachment {
  return attachToSocket("sk_reuseport", socket, program, SO_ATTACH_REUSEPORT_EBPF, SO_DETACH_REUSEPORT_BPF);
}

function attachToSocket(kind: string, socket: FdLike, program: FdLike, attach: number, detach: number): SocketFilterAttachment {
  const fd = fdOf(socket);
  if (!Number.isInteger(fd) || fd < 0) throw new CoreBpfError("BAD_ARGUMENT", `${kind}: bad socket fd ${fd}`);
  const errno = setProgram(fd, attach, fdOf(program));
  if (errno) throw sockoptError(`${kind}: setsockopt`, errno);
  return new SocketFilterAttachment(kind, fd, attach, detach);
}
