// bpf_link_info (BPF_OBJ_GET_INFO_BY_FD on a link), decoded per link type.
// Two passes: the first learns the type, the second (only for types that
// carry a name) hands the kernel a buffer for it.
import { objGetInfoByFd } from "../bpf.js";
import { type ErrorContext } from "../bpf-error.js";
import { LE, NativeBuffer, setU64 } from "../sys.js";
import { LinkType, attachTypeNames, linkTypeNames } from "../uapi.js";

/** Bytes handed to the kernel: larger than any bpf_link_info so far (the tail stays zero). */
const INFO_SIZE = 128;
/** Name buffer for tracepoint names, iterator targets and probed paths (PATH_MAX). */
const NAME_SIZE = 4096;
const U = 16; // start of the per-type union

/** enum bpf_perf_event_type: what a perf_event link is attached to. */
export const PerfEventLinkType = { UNSPEC: 0, UPROBE: 1, URETPROBE: 2, KPROBE: 3, KRETPROBE: 4, TRACEPOINT: 5, EVENT: 6 } as const;
const perfEventLinkTypeNames = ["unspec", "uprobe", "uretprobe", "kprobe", "kretprobe", "tracepoint", "event"];

/** What a perf_event link is attached to (Linux 6.6 and later fill it). */
export interface PerfEventLinkDetails {
  /** PerfEventLinkType. */
  type: number;
  typeName: string | undefined;
  /** Tracepoint, kprobed function or uprobed file; "" when the kernel does not tell. */
  name: string;
  /** Offset of a kprobe/uprobe. */
  offset: number;
  /** Address of a kprobe (0 unless the reader may see kernel addresses). */
  addr: bigint;
  /** Missed kprobe hits. */
  missed: bigint;
  /** perf_event_attr config and type of a perf event (EVENT). */
  config: bigint;
  perfType: number;
  cookie: bigint;
}

/** bpf_link_info, the common part and the type's own fields. */
export interface LinkDetails {
  /** Bytes of bpf_link_info the kernel filled. */
  infoLen: number;
  /** LinkType. */
  type: number;
  /** bpftool's name for the link type, undefined if newer than this table. */
  typeName: string | undefined;
  id: number;
  progId: number;
  /** Raw tracepoint name (raw_tracepoint links). */
  tpName?: string;
  /** tracing, cgroup, netns, tcx, netkit, sockmap links: the attach type. */
  attachType?: number;
  attachTypeName?: string | undefined;
  /** tracing links: the target's BTF object and type ids. */
  targetObjId?: number;
  targetBtfId?: number;
  /** cgroup links. */
  cgroupId?: bigint;
  /** iter links: the target ("task", "bpf_map_elem"...) and its map id, if any. */
  iterTarget?: string;
  iterMapId?: number;
  /** netns links. */
  netnsIno?: number;
  /** xdp, tcx and netkit links (0 once the device is gone). */
  ifindex?: number;
  /** struct_ops and sockmap links. */
  mapId?: number;
  /** netfilter links. */
  netfilter?: { pf: number; hooknum: number; priority: number; flags: number };
  /** kprobe_multi / uprobe_multi links. */
  multi?: { count: number; flags: number; missed?: bigint; pid?: number; path?: string };
  /** perf_event links. */
  perfEvent?: PerfEventLinkDetails;
  /** The raw union (bytes 16.. of bpf_link_info) for types not decoded here. */
  raw: Uint8Array;
}

const utf8 = new TextDecoder();

function cstr(bytes: Uint8Array, max: number): string {
  const end = bytes.subarray(0, max).indexOf(0);
  return utf8.decode(bytes.subarray(0, end < 0 ? max : end));
}

/** Where a type's name pointer and length live in the union, if it has one. */
function namePointer(type: number, v: DataView): { ptr: number; len: number } | undefined {
  switch (type) {
    case LinkType.RAW_TRACEPOINT:
    case LinkType.ITER:
      return { ptr: U, len: U + 8 };
    case LinkType.PERF_EVENT: {
      const t = v.getUint32(U, LE);
      return t === PerfEventLinkType.EVENT || t === PerfEventLinkType.UNSPEC ? undefined : { ptr: U + 8, len: U + 16 };
    }
    case LinkType.UPROBE_MULTI:
      return { ptr: U, len: U + 32 }; // path, path_size
    default:
      return undefined;
  }
}

/** bpf_link_info of the link behind `fd`, decoded for its type. */
export function linkDetails(fd: number, ctx: ErrorContext = {}): LinkDetails {
  using buf = NativeBuffer.alloc(INFO_SIZE);
  let infoLen = objGetInfoByFd(fd, buf, INFO_SIZE, ctx);
  const v = buf.view;
  const type = v.getUint32(0, LE);
  let name = "";
  const where = namePointer(type, v);
  if (where) {
    using nameBuf = NativeBuffer.alloc(NAME_SIZE);
    buf.bytes.fill(0);
    setU64(v, where.ptr, nameBuf.address);
    v.setUint32(where.len, NAME_SIZE, LE);
    infoLen = objGetInfoByFd(fd, buf, INFO_SIZE, ctx);
    name = cstr(nameBuf.bytes, NAME_SIZE);
  }
  const u32 = (o: number) => v.getUint32(o, LE);
  const u64 = (o: number) => v.getBigUint64(o, LE);
  const d: LinkDetails = {
    infoLen,
    type,
    typeName: linkTypeNames[type],
    id: u32(4),
    progId: u32(8),
    raw: buf.bytes.slice(U, Math.max(U, Math.min(infoLen, INFO_SIZE))),
  };
  const withAttachType = (at: number) => {
    d.attachType = at;
    d.attachTypeName = attachTypeNames[at];
  };
  switch (type) {
    case LinkType.RAW_TRACEPOINT:
      d.tpName = name;
      break;
    case LinkType.TRACING:
      withAttachType(u32(U));
      d.targetObjId = u32(U + 4);
      d.targetBtfId = u32(U + 8);
      break;
    case LinkType.CGROUP:
      d.cgroupId = u64(U);
      withAttachType(u32(U + 8));
      break;
    case LinkType.ITER:
      d.iterTarget = name;
      d.iterMapId = u32(U + 12);
      break;
    case LinkType.NETNS:
      d.netnsIno = u32(U);
      withAttachType(u32(U + 4));
      break;
    case LinkType.XDP:
      d.ifindex = u32(U);
      break;
    case LinkType.STRUCT_OPS:
      d.mapId = u32(U);
      break;
    case LinkType.NETFILTER:
      d.netfilter = { pf: u32(U), hooknum: u32(U + 4), priority: v.getInt32(U + 8, LE), flags: u32(U + 12) };
      break;
    case LinkType.KPROBE_MULTI:
      d.multi = { count: u32(U + 8), flags: u32(U + 12), missed: u64(U + 16) };
      break;
    case LinkType.UPROBE_MULTI:
      d.multi = { count: u32(U + 36), flags: u32(U + 40), pid: u32(U + 44), path: name };
      break;
    case LinkType.PERF_EVENT:
      d.perfEvent = perfEventDetails(v, name);
      break;
    case LinkType.TCX:
    case LinkType.NETKIT:
      d.ifindex = u32(U);
      withAttachType(u32(U + 4));
      break;
    case LinkType.SOCKMAP:
      d.mapId = u32(U);
      withAttachType(u32(U + 4));
      break;
  }
  return d;
}

function perfEventDetails(v: DataView, name: string): PerfEventLinkDetails {
  const t = v.getUint32(U, LE);
  const p = U + 8; // the inner union
  const out: PerfEventLinkDetails = { type: t, typeName: perfEventLinkTypeNames[t], name, offset: 0, addr: 0n, missed: 0n, config: 0n, perfType: 0, cookie: 0n };
  switch (t) {
    case PerfEventLinkType.UPROBE:
    case PerfEventLinkType.URETPROBE:
      out.offset = v.getUint32(p + 12, LE);
      out.cookie = v.getBigUint64(p + 16, LE);
      break;
    case PerfEventLinkType.KPROBE:
    case PerfEventLinkType.KRETPROBE:
      out.offset = v.getUint32(p + 12, LE);
      out.addr = v.getBigUint64(p + 16, LE);
      out.missed = v.getBigUint64(p + 24, LE);
      out.cookie = v.getBigUint64(p + 32, LE);
      break;
    case PerfEventLinkType.TRACEPOINT:
      out.cookie = v.getBigUint64(p + 16, LE);
      break;
    case PerfEventLinkType.EVENT:
      out.config = v.getBigUint64(p, LE);
      out.perfType = v.getUint32(p + 8, LE);
      out.cookie = v.getBigUint64(p + 16, LE);
      break;
  }
  return out;
}
