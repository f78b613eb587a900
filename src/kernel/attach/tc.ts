// tc: a tcx link on an interface's ingress or egress (Linux 6.6+), or, on
// older kernels, a direct-action cls_bpf filter under the clsact qdisc,
// managed through rtnetlink.
import { CoreBpfError, NotSupportedError } from "../../errors.js";
import { type Fd, type FdLike, fdOf } from "../fd.js";
import { programInfo } from "../info.js";
import { NetlinkSocket } from "../netlink.js";
import { TcHandle, type TcFilter, type TcFilterId, addBpfFilter, addClsact, deleteBpfFilter, deleteClsact, dumpFilters } from "../netlink-tc.js";
import { AttachType } from "../uapi.js";
import { AttachFlags, LinkCreate } from "./attr.js";
import { HeldAttachment, ignoringGone } from "./held-attachment.js";
import { Link, dupOf } from "./link.js";
import { type NetnsRef, resolveIfindex, withNetns } from "./netns.js";
import { probeTcx } from "./probes.js";

export type TcDirection = "ingress" | "egress";

export interface TcOptions {
  direction: TcDirection;
  /** The network namespace the interface is in (default: this process's). */
  netns?: NetnsRef;
  /** "tcx" (link), "netlink" (clsact + cls_bpf), or "auto": tcx where the kernel has it. */
  via?: "auto" | "tcx" | "netlink";
  /** tcx: run before (or after) this program or link instead of last. */
  before?: FdLike;
  after?: FdLike;
  /** netlink: filter priority and handle (0: the kernel chooses). */
  priority?: number;
  handle?: number;
  /** netlink: the name shown by `tc filter show` (default: the program's name). */
  name?: string;
}

/** A cls_bpf filter attached through rtnetlink; close() deletes it (and the clsact qdisc if this created it and it is empty). */
export class TcNetlinkAttachment extends HeldAttachment {
  readonly kind = "tc";
  #sock: NetlinkSocket;
  #id: TcFilterId;
  #name: string;
  #createdQdisc: boolean;

  constructor(sock: NetlinkSocket, id: TcFilterId, name: string, createdQdisc: boolean, prog: Fd) {
    super(prog);
    this.#sock = sock;
    this.#id = id;
    this.#name = name;
    this.#createdQdisc = createdQdisc;
  }

  /** Interface, hook, priority and handle of the filter. */
  get filter(): TcFilterId {
    return { ...this.#id };
  }

  /** Replaces the filter's program in place (NLM_F_REPLACE). */
  update(program: FdLike): void {
    this.swap(program, (next) => addBpfFilter(this.#sock, this.#id, next.value, this.#name, true));
  }

  /** The filters on this filter's hook (`tc filter show`). */
  filters(): TcFilter[] {
    return dumpFilters(this.#sock, this.#id.ifindex, this.#id.parent);
  }

  protected override remove(): void {
    // The device, qdisc or filter already gone leaves nothing to remove.
    ignoringGone(() => {
      deleteBpfFilter(this.#sock, this.#id);
      if (this.#createdQdisc) {
        const { ifindex } = this.#id;
        const left = [...dumpFilters(this.#sock, ifindex, TcHandle.INGRESS), ...dumpFilters(this.#sock, ifindex, TcHandle.EGRESS)];
        if (left.length === 0) deleteClsact(this.#sock, ifindex);
      }
    }, ["ENOENT", "ENODEV", "EINVAL"]);
  }

  protected override release(): void {
    this.#sock.close();
  }
}

function programName(program: FdLike): string {
  try {
    return programInfo(fdOf(program)).name || "corebpf";
  } catch {
    return "corebpf";
  }
}

/** Attaches a sched_cls program to `iface`'s ingress or egress. */
export function attachTc(program: FdLike, iface: number | string, options: TcOptions): Link | TcNetlinkAttachment {
  const { direction } = options;
  if (direction !== "ingress" && direction !== "egress") throw new CoreBpfError("BAD_ARGUMENT", `tc: direction must be 'ingress' or 'egress', got '${String(direction)}'`);
  const via = options.via ?? "auto";
  return withNetns(options.netns, () => {
    const ifindex = resolveIfindex(iface, `tc ${direction}`);
    const what = `tc ${direction} on ${typeof iface === "string" ? `${iface} (ifindex ${ifindex})` : `ifindex ${ifindex}`}`;
    if (via === "tcx" && !probeTcx()) throw new NotSupportedError("tcx", `${what}: this kernel has no tcx links (Linux 6.6+)`, { hint: "use via 'netlink' (clsact + cls_bpf) or 'auto'" });
    if (via === "tcx" || (via === "auto" && probeTcx())) {
      if (options.before !== undefined && options.after !== undefined) throw new CoreBpfError("BAD_ARGUMENT", `${what}: give 'before' or 'after', not both`);
      const anchor = options.before ?? options.after;
      let flags = anchor === undefined ? 0 : options.before !== undefined ? AttachFlags.BEFORE : AttachFlags.AFTER;
      if (anchor instanceof Link) flags |= AttachFlags.LINK;
      return Link.create("tcx", program, ifindex, direction === "ingress" ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS, {
        flags,
        extra: (a) => {
          if (anchor !== undefined) a.u32(LinkCreate.relative_fd, "tcx.relative_fd", fdOf(anchor));
        },
        ctx: { object: what, invalidHint: "the program must be a sched_cls program" },
      });
    }
    if (options.before !== undefined || options.after !== undefined) throw new CoreBpfError("BAD_ARGUMENT", `${what}: 'before'/'after' need tcx (Linux 6.6+); use priority with netlink`);
    const sock = NetlinkSocket.open();
    let prog: Fd | undefined;
    let created = false;
    try {
      prog = dupOf(program);
      created = addClsact(sock, ifindex);
      const name = options.name ?? programName(program);
      const parent = direction === "ingress" ? TcHandle.INGRESS : TcHandle.EGRESS;
      const id = addBpfFilter(sock, { ifindex, parent, priority: options.priority ?? 0, handle: options.handle ?? 0 }, prog.value, name, false);
      return new TcNetlinkAttachment(sock, id, name, created, prog);
    } catch (err) {
      if (created) {
        try {
          deleteClsact(sock, ifindex);
        } catch {
          // best effort: the error being reported matters more
        }
      }
      prog?.close();
      sock.close();
      throw err;
    }
  });
}

/** The cls_bpf filters on an interface's hook, read through rtnetlink. */
export function tcFilters(iface: number | string, direction: TcDirection, netns?: NetnsRef): TcFilter[] {
  return withNetns(netns, () => {
    using sock = NetlinkSocket.open();
    return dumpFilters(sock, resolveIfindex(iface, "tc filter show"), direction === "ingress" ? TcHandle.INGRESS : TcHandle.EGRESS);
  });
}
