// BPF_PROG_ATTACH / BPF_PROG_DETACH / BPF_PROG_QUERY: the attachments that
// predate links (cgroups before 5.7, sockmaps, flow dissector, lirc), owned
// by an object that detaches on close, and the query of what is attached.
import { attr } from "../attr.js";
import { bpfCall, bpfTry } from "../bpf.js";
import { bpfError } from "../bpf-error.js";
import { Errno } from "../errno.js";
import { type Fd, type FdLike, fdOf } from "../fd.js";
import { LE, NativeBuffer, setU64 } from "../sys.js";
import { Cmd } from "../uapi.js";
import { AttachFlags, ProgAttach, ProgQuery } from "./attr.js";
import { HeldAttachment } from "./held-attachment.js";
import { dupOf } from "./link.js";

/** BPF_PROG_ATTACH of `program` to `target` (cgroup fd, map fd, netns fd, ifindex...). */
export function progAttach(program: FdLike, target: number, attachType: number, flags = 0, replace?: FdLike, what = "prog attach"): void {
  attr
    .begin(ProgAttach.attach_flags + 4)
    .u32(ProgAttach.target_fd, "target_fd", target)
    .u32(ProgAttach.attach_bpf_fd, "attach_bpf_fd", fdOf(program))
    .u32(ProgAttach.attach_type, "attach_type", attachType)
    .u32(ProgAttach.attach_flags, "attach_flags", flags)
    .u32(ProgAttach.replace_bpf_fd, "replace_bpf_fd", replace === undefined ? 0 : fdOf(replace));
  bpfCall(Cmd.PROG_ATTACH, { object: what });
}

/** BPF_PROG_DETACH; returns false when nothing (or not that program) was attached. */
export function progDetach(program: FdLike | undefined, target: number, attachType: number, what = "prog detach"): boolean {
  attr
    .begin(ProgAttach.attach_type + 4)
    .u32(ProgAttach.target_fd, "target_fd", target)
    .u32(ProgAttach.attach_bpf_fd, "attach_bpf_fd", program === undefined ? 0 : fdOf(program))
    .u32(ProgAttach.attach_type, "attach_type", attachType);
  const r = bpfTry(Cmd.PROG_DETACH);
  if (r >= 0) return true;
  if (r === -Errno.ENOENT) return false;
  throw bpfError(Cmd.PROG_DETACH, -r, { object: what });
}

/** What BPF_PROG_QUERY reports for a target and attach type. */
export interface ProgQueryResult {
  /** Attach flags of the hook (cgroups: BPF_F_ALLOW_OVERRIDE/MULTI). */
  attachFlags: number;
  programIds: number[];
  /** Per-program attach flags (cgroups, Linux 6.0+). */
  programAttachFlags: number[];
  /** Link ids beside program ids (tcx, netkit, Linux 6.6+), 0 where a program has no link. */
  linkIds: number[];
  /** Revision counter of the hook (mprog hooks). */
  revision: bigint;
}

/** BPF_F_QUERY_EFFECTIVE: cgroups: the programs in effect, inherited ones included. */
export const QUERY_EFFECTIVE = 1;

/** BPF_PROG_QUERY: the programs attached to `target` for `attachType`. */
export function queryPrograms(target: number, attachType: number, queryFlags = 0): ProgQueryResult {
  // First learn the count, then fetch ids (the count may grow meanwhile: retry).
  for (let attempt = 0; ; attempt++) {
    attr.begin(ProgQuery.size).u32(ProgQuery.target_fd, "target_fd", target).u32(ProgQuery.attach_type, "attach_type", attachType).u32(ProgQuery.query_flags, "query_flags", queryFlags);
    bpfCall(Cmd.PROG_QUERY, { object: "prog query" });
    const count = attr.getU32(ProgQuery.prog_cnt);
    using arrays = NativeBuffer.alloc(Math.max(1, count) * 12);
    const base = arrays.address;
    const n = Math.max(1, count);
    attr
      .begin(ProgQuery.size)
      .u32(ProgQuery.target_fd, "target_fd", target)
      .u32(ProgQuery.attach_type, "attach_type", attachType)
      .u32(ProgQuery.query_flags, "query_flags", queryFlags)
      .u64(ProgQuery.prog_ids, "prog_ids", base)
      .u32(ProgQuery.prog_cnt, "prog_cnt", n)
      .u64(ProgQuery.prog_attach_flags, "prog_attach_flags", base + n * 4);
    // link_ids is only understood by mprog hooks; older kernels reject unknown non-zero fields.
    const linkIdsAddr = base + n * 8;
    setU64(attr.view, ProgQuery.link_ids, linkIdsAddr);
    let r = bpfTry(Cmd.PROG_QUERY);
    if (r === -Errno.EINVAL || r === -Errno.E2BIG) {
      // An older kernel: without the newer arrays (per-program flags 6.0, link ids 6.6).
      setU64(attr.view, ProgQuery.link_ids, 0);
      setU64(attr.view, ProgQuery.prog_attach_flags, 0);
      r = bpfTry(Cmd.PROG_QUERY);
    }
    if (r === -Errno.ENOSPC && attempt < 3) continue;
    if (r < 0) throw bpfError(Cmd.PROG_QUERY, -r, { object: "prog query" });
    const got = attr.getU32(ProgQuery.prog_cnt);
    const v = arrays.view;
    const read = (off: number) => Array.from({ length: Math.min(got, n) }, (_, i) => v.getUint32(off + i * 4, LE));
    return {
      attachFlags: attr.getU32(ProgQuery.attach_flags),
      programIds: read(0),
      programAttachFlags: read(n * 4),
      linkIds: read(n * 8),
      revision: attr.view.getBigUint64(ProgQuery.revision, LE),
    };
  }
}

/** A program attached with BPF_PROG_ATTACH; close() detaches it. Owns dups of the target and program fds. */
export class ProgAttachment extends HeldAttachment {
  readonly kind: string;
  readonly attachType: number;
  #target: Fd;

  constructor(kind: string, target: Fd, attachType: number, prog: Fd) {
    super(prog);
    this.kind = kind;
    this.#target = target;
    this.attachType = attachType;
  }

  /** Attaches and returns the owning object (fds duplicated). */
  static attach(kind: string, program: FdLike, target: FdLike, attachType: number, flags = 0): ProgAttachment {
    const t = dupOf(target);
    let p: Fd | undefined;
    try {
      p = dupOf(program);
      progAttach(p, t.value, attachType, flags, undefined, kind);
      return new ProgAttachment(kind, t, attachType, p);
    } catch (err) {
      p?.close();
      t.close();
      throw err;
    }
  }

  /** Swaps the program (BPF_F_REPLACE with BPF_F_ALLOW_MULTI, cgroups 5.6+). */
  update(program: FdLike): void {
    this.swap(program, (next, current) => progAttach(next, this.#target.value, this.attachType, AttachFlags.ALLOW_MULTI | AttachFlags.REPLACE, current, this.kind));
  }

  protected override remove(): void {
    progDetach(this.program, this.#target.value, this.attachType, this.kind);
  }

  protected override release(): void {
    this.#target.close();
  }
}
