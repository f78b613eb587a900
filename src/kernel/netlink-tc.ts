// tc through rtnetlink: the clsact qdisc and cls_bpf filters (direct-action)
// holding a BPF program, for kernels without tcx links.
import { LE } from "./sys.js";
import { NetlinkMessage, NetlinkSocket, NlmFlags, attrValue, parseAttributes, type ReceivedMessage } from "./netlink.js";

/** rtnetlink message types of tc. */
export const RTM = { NEWQDISC: 36, DELQDISC: 37, GETQDISC: 38, NEWTFILTER: 44, DELTFILTER: 45, GETTFILTER: 46 } as const;

const TCA_KIND = 1;
const TCA_OPTIONS = 2;
const TCA_BPF_FD = 6;
const TCA_BPF_NAME = 7;
const TCA_BPF_FLAGS = 8;
const TCA_BPF_ID = 11;
const TCA_BPF_FLAG_ACT_DIRECT = 1;

/** TC_H_CLSACT, the clsact qdisc's parent and its two hooks. */
export const TcHandle = {
  CLSACT: 0xfffffff1,
  CLSACT_QDISC: 0xffff0000,
  INGRESS: 0xfffffff2,
  EGRESS: 0xfffffff3,
} as const;

const ETH_P_ALL = 0x0003;
const TCMSG = 20;

/** htons(ETH_P_ALL) as it sits in the low half of tcm_info. */
const protocolAll = LE ? ((ETH_P_ALL & 0xff) << 8) | (ETH_P_ALL >> 8) : ETH_P_ALL;

/** struct tcmsg. */
export function tcmsg(ifindex: number, handle: number, parent: number, info: number): Uint8Array {
  const b = new Uint8Array(TCMSG);
  const v = new DataView(b.buffer);
  v.setInt32(4, ifindex, LE);
  v.setUint32(8, handle >>> 0, LE);
  v.setUint32(12, parent >>> 0, LE);
  v.setUint32(16, info >>> 0, LE);
  return b;
}

/** A decoded tcmsg. */
export interface TcMessage {
  ifindex: number;
  handle: number;
  parent: number;
  info: number;
  kind: string | undefined;
  attrs: globalThis.Map<number, Uint8Array>;
}

export function parseTcmsg(m: ReceivedMessage): TcMessage {
  const v = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
  const attrs = parseAttributes(m.payload, TCMSG);
  return { ifindex: v.getInt32(4, LE), handle: v.getUint32(8, LE), parent: v.getUint32(12, LE), info: v.getUint32(16, LE), kind: attrValue.string(attrs.get(TCA_KIND)), attrs };
}

/** Adds the clsact qdisc to `ifindex`; returns false when it was already there. */
export function addClsact(sock: NetlinkSocket, ifindex: number): boolean {
  const msg = new NetlinkMessage(RTM.NEWQDISC, NlmFlags.CREATE | NlmFlags.EXCL).header(tcmsg(ifindex, TcHandle.CLSACT_QDISC, TcHandle.CLSACT, 0)).string(TCA_KIND, "clsact");
  try {
    sock.request(msg, `tc qdisc add clsact (ifindex ${ifindex})`);
    return true;
  } catch (err) {
    if ((err as { errno?: string }).errno === "EEXIST") return false;
    throw err;
  }
}

/** Deletes the clsact qdisc (and every filter under it). */
export function deleteClsact(sock: NetlinkSocket, ifindex: number): void {
  const msg = new NetlinkMessage(RTM.DELQDISC, 0).header(tcmsg(ifindex, TcHandle.CLSACT_QDISC, TcHandle.CLSACT, 0)).string(TCA_KIND, "clsact");
  sock.request(msg, `tc qdisc del clsact (ifindex ${ifindex})`);
}

/** Where a cls_bpf filter sits: interface, hook, priority and handle. */
export interface TcFilterId {
  ifindex: number;
  /** TcHandle.INGRESS or TcHandle.EGRESS. */
  parent: number;
  priority: number;
  handle: number;
}

/**
 * Adds (or with `replace`, swaps the program of) a direct-action cls_bpf
 * filter. Priority/handle 0 let the kernel choose; the filter's actual ids
 * come back from the kernel's echo.
 */
export function addBpfFilter(sock: NetlinkSocket, id: TcFilterId, progFd: number, name: string, replace: boolean): TcFilterId {
  const flags = NlmFlags.CREATE | NlmFlags.ECHO | (replace ? NlmFlags.REPLACE : NlmFlags.EXCL);
  const msg = new NetlinkMessage(RTM.NEWTFILTER, flags)
    .header(tcmsg(id.ifindex, id.handle, id.parent, ((id.priority & 0xffff) << 16) | protocolAll))
    .string(TCA_KIND, "bpf")
    .begin(TCA_OPTIONS)
    .u32(TCA_BPF_FD, progFd)
    .string(TCA_BPF_NAME, name)
    .u32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT)
    .end();
  const replies = sock.request(msg, `tc filter ${replace ? "replace" : "add"} bpf (ifindex ${id.ifindex})`);
  const echo = replies.find((r) => r.type === RTM.NEWTFILTER);
  if (!echo) return id;
  const t = parseTcmsg(echo);
  return { ifindex: id.ifindex, parent: id.parent, priority: t.info >>> 16, handle: t.handle };
}

/** Deletes a cls_bpf filter. */
export function deleteBpfFilter(sock: NetlinkSocket, id: TcFilterId): void {
  const msg = new NetlinkMessage(RTM.DELTFILTER, 0).header(tcmsg(id.ifindex, id.handle, id.parent, ((id.priority & 0xffff) << 16) | protocolAll)).string(TCA_KIND, "bpf");
  sock.request(msg, `tc filter del bpf (ifindex ${id.ifindex} prio ${id.priority} handle ${id.handle})`);
}

/** A filter listed by dumpFilters. */
export interface TcFilter extends TcFilterId {
  kind: string | undefined;
  /** cls_bpf: the program's id. */
  progId: number | undefined;
  /** cls_bpf: the program's name as given at attach time. */
  progName: string | undefined;
}

/** Every filter on one hook of `ifindex`. */
export function dumpFilters(sock: NetlinkSocket, ifindex: number, parent: number): TcFilter[] {
  const msg = new NetlinkMessage(RTM.GETTFILTER, NlmFlags.DUMP).header(tcmsg(ifindex, 0, parent, 0));
  const out: TcFilter[] = [];
  for (const m of sock.request(msg, `tc filter show (ifindex ${ifindex})`)) {
    if (m.type !== RTM.NEWTFILTER) continue;
    const t = parseTcmsg(m);
    // The first record of each priority describes the chain, without a handle.
    if (t.handle === 0) continue;
    const options = t.attrs.get(TCA_OPTIONS);
    const opts = options ? parseAttributes(options) : new globalThis.Map<number, Uint8Array>();
    out.push({ ifindex, parent, priority: t.info >>> 16, handle: t.handle, kind: t.kind, progId: attrValue.u32(opts.get(TCA_BPF_ID)), progName: attrValue.string(opts.get(TCA_BPF_NAME)) });
  }
  return out;
}
