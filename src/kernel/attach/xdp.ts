// XDP: an XDP link on an interface (Linux 5.9+), or IFLA_XDP through
// rtnetlink on older kernels; in generic (skb), driver or hardware mode.
import { CoreBpfError, NotSupportedError } from "../../errors.js";
import { type Fd, type FdLike } from "../fd.js";
import { NetlinkSocket } from "../netlink.js";
import { queryXdp, setXdp, type XdpState } from "../netlink-xdp.js";
import { AttachType } from "../uapi.js";
import { XdpFlags } from "./attr.js";
import { HeldAttachment, ignoringGone } from "./held-attachment.js";
import { Link, dupOf } from "./link.js";
import { type NetnsRef, resolveIfindex, withNetns } from "./netns.js";
import { probeXdpLink } from "./probes.js";

/** "skb" (generic, any device), "drv" (native driver), "hw" (offload), or "auto" (driver if it can, else generic). */
export type XdpMode = "auto" | "skb" | "drv" | "hw";

export interface XdpOptions {
  mode?: XdpMode;
  /** The network namespace the interface is in (default: this process's). */
  netns?: NetnsRef;
  /** "link" (BPF_LINK_CREATE), "netlink" (IFLA_XDP), or "auto": a link where the kernel has XDP links. */
  via?: "auto" | "link" | "netlink";
  /** netlink only: replace a program already attached (default: fail with EBUSY). */
  replace?: boolean;
}

const modeFlags: Record<XdpMode, number> = { auto: 0, skb: XdpFlags.SKB_MODE, drv: XdpFlags.DRV_MODE, hw: XdpFlags.HW_MODE };

/** An XDP program attached through rtnetlink; close() removes it if it is still the one attached. */
export class XdpNetlinkAttachment extends HeldAttachment {
  readonly kind = "xdp";
  readonly ifindex: number;
  readonly flags: number;
  #sock: NetlinkSocket;

  /** Takes ownership of `sock` (opened in the interface's namespace) and `prog` (a dup of the attached program). */
  constructor(sock: NetlinkSocket, ifindex: number, flags: number, prog: Fd) {
    super(prog);
    this.#sock = sock;
    this.ifindex = ifindex;
    this.flags = flags;
  }

  /** Swaps the program atomically (only if ours is still the one attached). */
  update(program: FdLike): void {
    this.swap(program, (next, current) => setXdp(this.#sock, this.ifindex, next.value, this.flags | XdpFlags.REPLACE, current.value));
  }

  /** The interface's XDP state. */
  query(): XdpState {
    return queryXdp(this.#sock, this.ifindex);
  }

  protected override remove(): void {
    // EEXIST: someone replaced our program; ENODEV: the device is gone. Nothing of ours remains.
    ignoringGone(() => setXdp(this.#sock, this.ifindex, -1, this.flags | XdpFlags.REPLACE, this.program.value), ["EEXIST", "ENODEV", "EINVAL"]);
  }

  protected override release(): void {
    this.#sock.close();
  }
}

/** Attaches an XDP program to `iface` (name or ifindex). */
export function attachXdp(program: FdLike, iface: number | string, options: XdpOptions = {}): Link | XdpNetlinkAttachment {
  const mode = options.mode ?? "auto";
  const flags = modeFlags[mode];
  if (flags === undefined) throw new CoreBpfError("BAD_ARGUMENT", `xdp: unknown mode '${mode}'`, { hint: "auto, skb, drv or hw" });
  const via = options.via ?? "auto";
  return withNetns(options.netns, () => {
    const ifindex = resolveIfindex(iface, "xdp");
    const what = `xdp on ${typeof iface === "string" ? `${iface} (ifindex ${ifindex})` : `ifindex ${ifindex}`}`;
    if (via === "link" && !probeXdpLink()) throw new NotSupportedError("xdp_link", `${what}: this kernel has no XDP links (Linux 5.9+)`, { hint: "use via 'netlink' or 'auto'" });
    if (via === "link" || (via === "auto" && probeXdpLink())) {
      if (options.replace) throw new CoreBpfError("BAD_ARGUMENT", `${what}: 'replace' applies to netlink attachments; update() a link instead`);
      return Link.create("xdp", program, ifindex, AttachType.XDP, {
        flags,
        ctx: { object: what, hint: mode === "drv" ? "the driver may not support native XDP: try mode 'skb'" : "another XDP program may be attached (EBUSY), or the program is not an XDP program" },
      });
    }
    const sock = NetlinkSocket.open();
    let prog: Fd | undefined;
    try {
      prog = dupOf(program);
      setXdp(sock, ifindex, prog.value, flags | (options.replace ? 0 : XdpFlags.UPDATE_IF_NOEXIST));
      return new XdpNetlinkAttachment(sock, ifindex, flags, prog);
    } catch (err) {
      prog?.close();
      sock.close();
      throw err;
    }
  });
}

/** The XDP programs attached to an interface, read through rtnetlink. */
export function queryXdpPrograms(iface: number | string, netns?: NetnsRef): XdpState {
  return withNetns(netns, () => {
    using sock = NetlinkSocket.open();
    return queryXdp(sock, resolveIfindex(iface, "xdp query"));
  });
}
