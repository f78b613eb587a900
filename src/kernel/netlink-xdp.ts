// XDP through rtnetlink (IFLA_XDP), for kernels without XDP links, and the
// query of what an interface has attached.
import { LE } from "./sys.js";
import { NetlinkMessage, type NetlinkSocket, attrValue, parseAttributes } from "./netlink.js";

const RTM_GETLINK = 18;
const RTM_NEWLINK = 16;
const RTM_SETLINK = 19;
const IFLA_XDP = 43;
const IFLA_XDP_FD = 1;
const IFLA_XDP_ATTACHED = 2;
const IFLA_XDP_FLAGS = 3;
const IFLA_XDP_PROG_ID = 4;
const IFLA_XDP_DRV_PROG_ID = 5;
const IFLA_XDP_SKB_PROG_ID = 6;
const IFLA_XDP_HW_PROG_ID = 7;
const IFLA_XDP_EXPECTED_FD = 8;
const IFINFOMSG = 16;

function ifinfomsg(ifindex: number): Uint8Array {
  const b = new Uint8Array(IFINFOMSG);
  new DataView(b.buffer).setInt32(4, ifindex, LE);
  return b;
}

/**
 * Sets the XDP program of `ifindex` (progFd -1 removes it) in the mode the
 * flags select; with `expectedFd`, only if that program is the one attached.
 */
export function setXdp(sock: NetlinkSocket, ifindex: number, progFd: number, flags: number, expectedFd?: number): void {
  const msg = new NetlinkMessage(RTM_SETLINK, 0).header(ifinfomsg(ifindex)).begin(IFLA_XDP).s32(IFLA_XDP_FD, progFd);
  if (flags) msg.u32(IFLA_XDP_FLAGS, flags);
  if (expectedFd !== undefined) msg.s32(IFLA_XDP_EXPECTED_FD, expectedFd);
  msg.end();
  sock.request(msg, `xdp ${progFd < 0 ? "detach from" : "attach to"} ifindex ${ifindex}`);
}

/** What XDP holds on an interface (IFLA_XDP of RTM_GETLINK). */
export interface XdpState {
  /** XDP_ATTACHED_*: 0 none, 1 driver, 2 generic (skb), 3 hardware, 4 several. */
  attached: number;
  progId: number;
  driverProgId: number;
  skbProgId: number;
  hwProgId: number;
}

/** The XDP programs attached to `ifindex`. */
export function queryXdp(sock: NetlinkSocket, ifindex: number): XdpState {
  const replies = sock.request(new NetlinkMessage(RTM_GETLINK, 0).header(ifinfomsg(ifindex)), `xdp query ifindex ${ifindex}`);
  const link = replies.find((m) => m.type === RTM_NEWLINK);
  const xdp = link ? parseAttributes(link.payload, IFINFOMSG).get(IFLA_XDP) : undefined;
  const a = xdp ? parseAttributes(xdp) : new globalThis.Map<number, Uint8Array>();
  return {
    attached: attrValue.u8(a.get(IFLA_XDP_ATTACHED)) ?? 0,
    progId: attrValue.u32(a.get(IFLA_XDP_PROG_ID)) ?? 0,
    driverProgId: attrValue.u32(a.get(IFLA_XDP_DRV_PROG_ID)) ?? 0,
    skbProgId: attrValue.u32(a.get(IFLA_XDP_SKB_PROG_ID)) ?? 0,
    hwProgId: attrValue.u32(a.get(IFLA_XDP_HW_PROG_ID)) ?? 0,
  };
}
