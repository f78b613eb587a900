// A small rtnetlink client: messages (nlmsghdr + a fixed header + rtattrs)
// built and parsed by hand, requests acknowledged or failed with the kernel's
// extended ack message, dumps read to NLMSG_DONE. Used for tc qdiscs/filters
// and XDP on kernels without the newer BPF links.
import { CoreBpfError, PermissionError, SyscallError } from "../errors.js";
import { Errno, errnoMessage, errnoName } from "./errno.js";
import { Fd } from "./fd.js";
import { LE, NativeBuffer, lastErrno, rawBind, rawRecv, rawSendto, rawSetsockopt, rawSocket, setU64 } from "./sys.js";

export const AF_NETLINK = 16;
export const NETLINK_ROUTE = 0;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;

/** nlmsghdr.nlmsg_flags. */
export const NlmFlags = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  ROOT: 0x100,
  MATCH: 0x200,
  DUMP: 0x300,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  /** In an ack: the original request was capped; TLVs follow. */
  CAPPED: 0x100,
  ACK_TLVS: 0x200,
} as const;

/** Control message types. */
export const NlmsgType = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;

/** Extended ack attributes. */
const NLMSGERR_ATTR_MSG = 1;
const NLMSGERR_ATTR_OFFS = 2;

/** NLA_F_NESTED: the attribute holds attributes. */
export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

const HDR = 16;
/** Rounds up to 4 without 32-bit overflow (lengths come from untrusted headers). */
const align4 = (n: number) => Math.ceil(n / 4) * 4;
const utf8 = new TextEncoder();
const decoder = new TextDecoder();

/** Builds one netlink message: the fixed header bytes, then attributes (nestable). */
export class NetlinkMessage {
  readonly type: number;
  flags: number;
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #len = HDR;
  #nests: number[] = [];

  constructor(type: number, flags: number) {
    this.type = type;
    this.flags = flags;
  }

  #reserve(n: number): number {
    const at = this.#len;
    const need = at + align4(n);
    if (need > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(need, this.#buf.length * 2));
      bigger.set(this.#buf);
      this.#buf = bigger;
      this.#view = new DataView(bigger.buffer);
    }
    this.#len = need;
    return at;
  }

  /** The family header (ifinfomsg, tcmsg...), written as given. */
  header(bytes: Uint8Array): this {
    this.#buf.set(bytes, this.#reserve(bytes.length));
    return this;
  }

  /** An attribute with raw bytes. */
  attr(type: number, data: Uint8Array): this {
    const at = this.#reserve(4 + data.length);
    this.#view.setUint16(at, 4 + data.length, LE);
    this.#view.setUint16(at + 2, type, LE);
    this.#buf.set(data, at + 4);
    return this;
  }

  u8(type: number, value: number): this {
    return this.attr(type, Uint8Array.of(value));
  }

  u32(type: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, LE);
    return this.attr(type, b);
  }

  s32(type: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, value, LE);
    return this.attr(type, b);
  }

  /** A NUL-terminated string attribute. */
  string(type: number, value: string): this {
    const s = utf8.encode(value);
    const b = new Uint8Array(s.length + 1);
    b.set(s);
    return this.attr(type, b);
  }

  /** Opens a nested attribute (closed by end()). */
  begin(type: number): this {
    const at = this.#reserve(4);
    this.#view.setUint16(at + 2, type | NLA_F_NESTED, LE);
    this.#nests.push(at);
    return this;
  }

  end(): this {
    const at = this.#nests.pop();
    if (at === undefined) throw new CoreBpfError("NETLINK_BUILD", "end() without begin()");
    this.#view.setUint16(at, this.#len - at, LE);
    return this;
  }

  /** The wire bytes with the header filled in. */
  encode(seq: number): Uint8Array {
    if (this.#nests.length > 0) throw new CoreBpfError("NETLINK_BUILD", "unclosed nested attribute");
    const v = this.#view;
    v.setUint32(0, this.#len, LE);
    v.setUint16(4, this.type, LE);
    v.setUint16(6, this.flags, LE);
    v.setUint32(8, seq, LE);
    v.setUint32(12, 0, LE);
    return this.#buf.subarray(0, this.#len);
  }
}

/** One received message: its header fields and payload (after nlmsghdr). */
export interface ReceivedMessage {
  type: number;
  flags: number;
  seq: number;
  payload: Uint8Array;
}

/** Splits a datagram into messages. */
export function parseMessages(bytes: Uint8Array): ReceivedMessage[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: ReceivedMessage[] = [];
  let at = 0;
  while (at + HDR <= bytes.length) {
    const len = v.getUint32(at, LE);
    if (len < HDR || at + len > bytes.length) throw new CoreBpfError("NETLINK_PARSE", `netlink message at ${at} claims ${len} bytes of ${bytes.length - at}`, { offset: at });
    out.push({ type: v.getUint16(at + 4, LE), flags: v.getUint16(at + 6, LE), seq: v.getUint32(at + 8, LE), payload: bytes.subarray(at + HDR, at + len) });
    at += align4(len);
  }
  return out;
}

/** Attributes of a payload from `offset`: type (flags masked off) -> data; the last one of a type wins. */
export function parseAttributes(bytes: Uint8Array, offset = 0): globalThis.Map<number, Uint8Array> {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new globalThis.Map<number, Uint8Array>();
  let at = Math.max(0, offset);
  while (at + 4 <= bytes.length) {
    const len = v.getUint16(at, LE);
    if (len < 4 || at + len > bytes.length) break;
    out.set(v.getUint16(at + 2, LE) & NLA_TYPE_MASK, bytes.subarray(at + 4, at + len));
    at += align4(len);
  }
  return out;
}

/** Readers for attribute payloads. */
export const attrValue = {
  u8: (b: Uint8Array | undefined) => (b && b.length >= 1 ? b[0]! : undefined),
  u32: (b: Uint8Array | undefined) => (b && b.length >= 4 ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, LE) : undefined),
  s32: (b: Uint8Array | undefined) => (b && b.length >= 4 ? new DataView(b.buffer, b.byteOffset, 4).getInt32(0, LE) : undefined),
  string: (b: Uint8Array | undefined) => {
    if (!b) return undefined;
    const end = b.indexOf(0);
    return decoder.decode(b.subarray(0, end < 0 ? b.length : end));
  },
};

/** The kernel's answer to a failed request: errno plus the extended ack message. */
export function netlinkError(what: string, errno: number, extack: string | undefined): SyscallError {
  const name = errnoName(errno);
  const message = `${what}: ${errnoMessage(errno)} (${name})${extack ? `: ${extack}` : ""}`;
  const hint = errno === Errno.EPERM || errno === Errno.EACCES ? "needs CAP_NET_ADMIN" : undefined;
  const options = hint === undefined ? {} : { hint };
  return errno === Errno.EPERM || errno === Errno.EACCES ? new PermissionError(name, errno, message, options) : new SyscallError(name, errno, message, options);
}

/** Decodes an NLMSG_ERROR payload: 0 for an ack, else -errno with the extack message. */
export function parseError(m: ReceivedMessage): { error: number; extack: string | undefined; offset: number | undefined } {
  const v = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
  const error = m.payload.length >= 4 ? v.getInt32(0, LE) : -Errno.EINVAL;
  let extack: string | undefined;
  let offset: number | undefined;
  if (m.flags & NlmFlags.ACK_TLVS && m.payload.length >= 4 + HDR) {
    // The original request follows: only its header when capped, else all of it.
    const origLen = m.flags & NlmFlags.CAPPED ? HDR : v.getUint32(4, LE);
    const attrs = parseAttributes(m.payload, 4 + align4(origLen));
    extack = attrValue.string(attrs.get(NLMSGERR_ATTR_MSG));
    offset = attrValue.u32(attrs.get(NLMSGERR_ATTR_OFFS));
  }
  return { error, extack, offset };
}

const RECV_SIZE = 1 << 16;

/** A NETLINK_ROUTE socket with extended acks; requests are synchronous. */
export class NetlinkSocket implements Disposable {
  readonly fd: Fd;
  #seq = Math.floor(Math.random() * 0x7fffffff);
  #buf = NativeBuffer.alloc(RECV_SIZE);

  private constructor(fd: Fd) {
    this.fd = fd;
  }

  /** Opens and binds a socket in this thread's network namespace. */
  static open(protocol = NETLINK_ROUTE): NetlinkSocket {
    const fd = rawSocket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0) {
      const errno = lastErrno();
      throw new SyscallError(errnoName(errno), errno, `netlink socket: ${errnoMessage(errno)} (${errnoName(errno)})`);
    }
    const sock = new NetlinkSocket(new Fd(fd));
    try {
      using addr = NativeBuffer.alloc(12);
      addr.view.setUint16(0, AF_NETLINK, LE);
      if (rawBind(fd, addr.address, 12) !== 0) sock.#fail("netlink bind");
      using one = NativeBuffer.alloc(16);
      one.view.setUint32(0, 1, LE);
      // Extended acks give the kernel's reason in words; capped acks skip echoing the request.
      rawSetsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one.address, 4);
      rawSetsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one.address, 4);
      // A reply never takes long: a receive timeout turns a lost reply into an error, not a hang.
      setU64(one.view, 0, 2);
      setU64(one.view, 8, 0);
      rawSetsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, one.address, 16);
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  #fail(what: string): never {
    const errno = lastErrno();
    throw netlinkError(what, errno, undefined);
  }

  #send(msg: NetlinkMessage, what: string): number {
    const seq = (this.#seq = (this.#seq + 1) >>> 0);
    const bytes = msg.encode(seq);
    using out = NativeBuffer.alloc(bytes.length);
    out.bytes.set(bytes);
    using kernel = NativeBuffer.alloc(12);
    kernel.view.setUint16(0, AF_NETLINK, LE);
    for (;;) {
      const n = rawSendto(this.fd.value, out.address, bytes.length, 0, kernel.address, 12);
      if (n >= 0) return seq;
      if (lastErrno() !== Errno.EINTR) this.#fail(`${what}: netlink send`);
    }
  }

  #receive(what: string): ReceivedMessage[] {
    for (;;) {
      const n = rawRecv(this.fd.value, this.#buf.address, RECV_SIZE, 0);
      if (n >= 0) return parseMessages(this.#buf.bytes.slice(0, n));
      const errno = lastErrno();
      if (errno === Errno.EINTR) continue;
      if (errno === Errno.EAGAIN) throw new CoreBpfError("NETLINK_TIMEOUT", `${what}: no netlink reply within 2 s`);
      this.#fail(`${what}: netlink receive`);
    }
  }

  /**
   * Sends `msg` (REQUEST|ACK added) and returns the messages received before
   * the ack (echoes, replies). A dump (DUMP flag) returns every part to NLMSG_DONE.
   */
  request(msg: NetlinkMessage, what: string): ReceivedMessage[] {
    const dump = (msg.flags & NlmFlags.DUMP) === NlmFlags.DUMP;
    msg.flags |= NlmFlags.REQUEST | (dump ? 0 : NlmFlags.ACK);
    const seq = this.#send(msg, what);
    const replies: ReceivedMessage[] = [];
    for (;;) {
      for (const m of this.#receive(what)) {
        if (m.seq !== seq) continue; // a stale reply of an earlier request
        if (m.type === NlmsgType.ERROR) {
          const e = parseError(m);
          if (e.error === 0) return replies;
          throw netlinkError(what, -e.error, e.extack);
        }
        if (m.type === NlmsgType.DONE) return replies;
        if (m.type === NlmsgType.NOOP) continue;
        replies.push(m);
        if (!dump && !(m.flags & NlmFlags.MULTI) && !(msg.flags & NlmFlags.ACK)) return replies;
      }
    }
  }

  get closed(): boolean {
    return this.fd.closed;
  }

  close(): void {
    this.fd.close();
    this.#buf.free();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
