// bpf(2) commands that are not tied to one object class: the call itself, pin
// and get, ids and fds by id, info by fd, stats. Map, program and BTF commands
// live beside their classes and use bpfCall()/bpfTry() from here.
import { attr, EnableStats, GetId, InfoByFd, ObjPin } from "./attr.js";
import { bpfError, type ErrorContext } from "./bpf-error.js";
import { Errno } from "./errno.js";
import { NativeBuffer, Scratch, lastErrno, rawBpf } from "./sys.js";
import { Cmd } from "./uapi.js";

/**
 * Issues `cmd` with the attributes written to `attr` since begin(), passing
 * attr.end as the size. Returns the result (an fd or 0) or -errno.
 */
export function bpfTry(cmd: number): number {
  const r = rawBpf(cmd, attr.address, attr.end);
  return r < 0 ? -lastErrno() : r;
}

/** Like bpfTry() but throws the typed error for a failure; EINTR/EAGAIN are retried a few times. */
export function bpfCall(cmd: number, ctx: ErrorContext = {}): number {
  for (let attempt = 0; ; attempt++) {
    const r = rawBpf(cmd, attr.address, attr.end);
    if (r >= 0) return r;
    const errno = lastErrno();
    if ((errno === Errno.EINTR || errno === Errno.EAGAIN) && attempt < 5) continue;
    throw bpfError(cmd, errno, { field: attr.field, ...ctx });
  }
}

const strings = new Scratch(4096);
const utf8 = new TextEncoder();

/** Copies a NUL-terminated string into native scratch memory and returns its address. */
export function cString(text: string): number {
  const bytes = utf8.encode(text);
  const buf = strings.ensure(bytes.length + 1);
  buf.bytes.set(bytes, 0);
  buf.bytes[bytes.length] = 0;
  return buf.address;
}

/** BPF_OBJ_PIN: pins `fd` at `path` (on a bpffs). */
export function objPin(fd: number, path: string, ctx: ErrorContext = {}): void {
  const p = cString(path);
  attr.begin().u64(ObjPin.pathname, "pathname", p).u32(ObjPin.bpf_fd, "bpf_fd", fd);
  bpfCall(Cmd.OBJ_PIN, { object: `pin '${path}'`, ...ctx });
}

/** BPF_OBJ_GET: a new fd for the object pinned at `path`. */
export function objGet(path: string, fileFlags = 0, ctx: ErrorContext = {}): number {
  const p = cString(path);
  attr.begin().u64(ObjPin.pathname, "pathname", p).u32(ObjPin.file_flags, "file_flags", fileFlags);
  attr.end = Math.max(attr.end, ObjPin.file_flags + 4);
  return bpfCall(Cmd.OBJ_GET, { object: `pinned '${path}'`, ...ctx });
}

/** The kinds of objects with ids. */
export type IdKind = "prog" | "map" | "btf" | "link";

const nextIdCmd: Record<IdKind, number> = {
  prog: Cmd.PROG_GET_NEXT_ID,
  map: Cmd.MAP_GET_NEXT_ID,
  btf: Cmd.BTF_GET_NEXT_ID,
  link: Cmd.LINK_GET_NEXT_ID,
};
const fdByIdCmd: Record<IdKind, number> = {
  prog: Cmd.PROG_GET_FD_BY_ID,
  map: Cmd.MAP_GET_FD_BY_ID,
  btf: Cmd.BTF_GET_FD_BY_ID,
  link: Cmd.LINK_GET_FD_BY_ID,
};

/** The id following `startId` (0 for the first), or undefined at the end. */
export function getNextId(kind: IdKind, startId: number): number | undefined {
  attr.begin(GetId.next_id + 4).u32(GetId.start_id, "start_id", startId);
  const r = bpfTry(nextIdCmd[kind]);
  if (r === -Errno.ENOENT) return undefined;
  if (r < 0) throw bpfError(nextIdCmd[kind], -r);
  return attr.getU32(GetId.next_id);
}

/** Every id of `kind` currently loaded, in increasing order. */
export function* ids(kind: IdKind): Generator<number> {
  let id = 0;
  for (;;) {
    const next = getNextId(kind, id);
    if (next === undefined) return;
    yield next;
    id = next;
  }
}

/** A new fd for the object with this id; openFlags (FileFlags) apply to maps. */
export function getFdById(kind: IdKind, id: number, openFlags = 0): number {
  attr.begin(GetId.next_id + 4).u32(GetId.start_id, "start_id", id).u32(GetId.open_flags, "open_flags", openFlags);
  return bpfCall(fdByIdCmd[kind], { object: `${kind} id ${id}` });
}

/** Like getFdById, but undefined when the object is gone (ENOENT). */
export function tryGetFdById(kind: IdKind, id: number, openFlags = 0): number | undefined {
  attr.begin(GetId.next_id + 4).u32(GetId.start_id, "start_id", id).u32(GetId.open_flags, "open_flags", openFlags);
  const r = bpfTry(fdByIdCmd[kind]);
  if (r === -Errno.ENOENT) return undefined;
  if (r < 0) throw bpfError(fdByIdCmd[kind], -r, { object: `${kind} id ${id}` });
  return r;
}

/**
 * BPF_OBJ_GET_INFO_BY_FD into `info` (its first `length` bytes, pre-filled by
 * the caller with array pointers and counts). Returns the info_len the kernel
 * wrote (it may be smaller than asked on older kernels).
 */
export function objGetInfoByFd(fd: number, info: NativeBuffer, length: number, ctx: ErrorContext = {}): number {
  attr.begin(InfoByFd.size).u32(InfoByFd.bpf_fd, "bpf_fd", fd).u32(InfoByFd.info_len, "info_len", length).u64(InfoByFd.info, "info", info.address);
  bpfCall(Cmd.OBJ_GET_INFO_BY_FD, ctx);
  return attr.getU32(InfoByFd.info_len);
}

/** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): returns an fd; run-time stats stay on while it is open. */
export function enableStats(type = 0): number {
  attr.begin(4).u32(EnableStats.type, "type", type);
  return bpfCall(Cmd.ENABLE_STATS, { object: "run-time stats" });
}
