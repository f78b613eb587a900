// BPF_OBJ_GET_INFO_BY_FD for programs, maps, BTF objects and links, decoded
// into plain objects (struct bpf_{prog,map,btf,link}_info, uapi layouts).
import { objGetInfoByFd } from "./bpf.js";
import { type ErrorContext } from "./bpf-error.js";
import { LE, NativeBuffer, setU64 } from "./sys.js";
import { linkTypeNames, mapTypeNames, progTypeNames } from "./uapi.js";

const PROG_INFO_SIZE = 232;
const MAP_INFO_SIZE = 104;
const BTF_INFO_SIZE = 32;
const LINK_INFO_SIZE = 64;

const P = {
  type: 0, id: 4, tag: 8, jited_prog_len: 16, xlated_prog_len: 20, jited_prog_insns: 24, xlated_prog_insns: 32,
  load_time: 40, created_by_uid: 48, nr_map_ids: 52, map_ids: 56, name: 64, ifindex: 80, gpl_compatible: 84,
  netns_dev: 88, netns_ino: 96, nr_jited_ksyms: 104, nr_jited_func_lens: 108, jited_ksyms: 112, jited_func_lens: 120,
  btf_id: 128, func_info_rec_size: 132, func_info: 136, nr_func_info: 144, nr_line_info: 148, line_info: 152,
  jited_line_info: 160, nr_jited_line_info: 168, line_info_rec_size: 172, jited_line_info_rec_size: 176,
  nr_prog_tags: 180, prog_tags: 184, run_time_ns: 192, run_cnt: 200, recursion_misses: 208, verified_insns: 216,
  attach_btf_obj_id: 220, attach_btf_id: 224,
} as const;

const M = {
  type: 0, id: 4, key_size: 8, value_size: 12, max_entries: 16, map_flags: 20, name: 24, ifindex: 40,
  btf_vmlinux_value_type_id: 44, netns_dev: 48, netns_ino: 56, btf_id: 64, btf_key_type_id: 68,
  btf_value_type_id: 72, btf_vmlinux_id: 76, map_extra: 80,
} as const;

const B = { btf: 0, btf_size: 8, id: 12, name: 16, name_len: 24, kernel_btf: 28 } as const;

const latin = new TextDecoder("utf-8");

/** A NUL-terminated string from a fixed-size field. */
function cstr(bytes: Uint8Array, offset: number, max: number): string {
  let end = offset;
  while (end < offset + max && bytes[end] !== 0) end++;
  return latin.decode(bytes.subarray(offset, end));
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

export interface ProgramInfo {
  /** Bytes of bpf_prog_info the kernel filled (older kernels fill less). */
  infoLen: number;
  type: number;
  /** bpftool's name for the type, undefined if newer than this table. */
  typeName: string | undefined;
  id: number;
  /** The program tag as 16 hex digits. */
  tag: string;
  jitedProgLen: number;
  xlatedProgLen: number;
  /** Load time in nanoseconds since boot (CLOCK_BOOTTIME). */
  loadTime: bigint;
  createdByUid: number;
  mapIds: number[];
  name: string;
  ifindex: number;
  gplCompatible: boolean;
  netnsDev: bigint;
  netnsIno: bigint;
  nrJitedKsyms: number;
  nrJitedFuncLens: number;
  btfId: number;
  funcInfoRecSize: number;
  nrFuncInfo: number;
  nrLineInfo: number;
  lineInfoRecSize: number;
  nrJitedLineInfo: number;
  runTimeNs: bigint;
  runCnt: bigint;
  recursionMisses: bigint;
  verifiedInsns: number;
  attachBtfObjId: number;
  attachBtfId: number;
  /** The translated instructions, when asked for. */
  xlatedInsns?: Uint8Array;
  /** The JIT image, when asked for. */
  jitedInsns?: Uint8Array;
  /** bpf_func_info records, when asked for. */
  funcInfo?: Uint8Array;
  /** bpf_line_info records, when asked for. */
  lineInfo?: Uint8Array;
}

export interface ProgramInfoOptions {
  xlated?: boolean;
  jited?: boolean;
  funcInfo?: boolean;
  lineInfo?: boolean;
}

/** bpf_prog_info of the program behind `fd`, with its map ids and the arrays asked for. */
export function programInfo(fd: number, want: ProgramInfoOptions = {}, ctx: ErrorContext = {}): ProgramInfo {
  using first = NativeBuffer.alloc(PROG_INFO_SIZE);
  const infoLen = objGetInfoByFd(fd, first, PROG_INFO_SIZE, ctx);
  const v = first.view;
  const u32 = (o: number) => (o + 4 <= infoLen ? v.getUint32(o, LE) : 0);
  const nrMaps = u32(P.nr_map_ids);
  const xlatedLen = want.xlated ? u32(P.xlated_prog_len) : 0;
  const jitedLen = want.jited ? u32(P.jited_prog_len) : 0;
  const funcBytes = want.funcInfo ? u32(P.nr_func_info) * u32(P.func_info_rec_size) : 0;
  const lineBytes = want.lineInfo ? u32(P.nr_line_info) * u32(P.line_info_rec_size) : 0;

  let info = first;
  let second: NativeBuffer | undefined;
  let arrays: NativeBuffer | undefined;
  try {
    if (nrMaps + xlatedLen + jitedLen + funcBytes + lineBytes > 0) {
      // Second pass: the same request with buffers for the arrays.
      const mapBytes = nrMaps * 4;
      const offs = [0, mapBytes, mapBytes + xlatedLen, mapBytes + xlatedLen + jitedLen, mapBytes + xlatedLen + jitedLen + funcBytes];
      arrays = NativeBuffer.alloc(offs[4]! + lineBytes);
      second = NativeBuffer.alloc(PROG_INFO_SIZE);
      const s = second.view;
      if (nrMaps) { s.setUint32(P.nr_map_ids, nrMaps, LE); setU64(s, P.map_ids, arrays.address + offs[0]!); }
      if (xlatedLen) { s.setUint32(P.xlated_prog_len, xlatedLen, LE); setU64(s, P.xlated_prog_insns, arrays.address + offs[1]!); }
      if (jitedLen) { s.setUint32(P.jited_prog_len, jitedLen, LE); setU64(s, P.jited_prog_insns, arrays.address + offs[2]!); }
      if (funcBytes) {
        s.setUint32(P.nr_func_info, u32(P.nr_func_info), LE);
        s.setUint32(P.func_info_rec_size, u32(P.func_info_rec_size), LE);
        setU64(s, P.func_info, arrays.address + offs[3]!);
      }
      if (lineBytes) {
        s.setUint32(P.nr_line_info, u32(P.nr_line_info), LE);
        s.setUint32(P.line_info_rec_size, u32(P.line_info_rec_size), LE);
        setU64(s, P.line_info, arrays.address + offs[4]!);
      }
      objGetInfoByFd(fd, second, infoLen, ctx);
      info = second;
    }
    const d = info.view;
    const g32 = (o: number) => (o + 4 <= infoLen ? d.getUint32(o, LE) : 0);
    const g64 = (o: number) => (o + 8 <= infoLen ? d.getBigUint64(o, LE) : 0n);
    const mapIds: number[] = [];
    const gotMaps = Math.min(nrMaps, g32(P.nr_map_ids));
    for (let i = 0; i < gotMaps; i++) mapIds.push(arrays!.view.getUint32(i * 4, LE));
    const type = g32(P.type);
    const out: ProgramInfo = {
      infoLen,
      type,
      typeName: progTypeNames[type],
      id: g32(P.id),
      tag: hex(info.bytes.subarray(P.tag, P.tag + 8)),
      jitedProgLen: u32(P.jited_prog_len),
      xlatedProgLen: u32(P.xlated_prog_len),
      loadTime: g64(P.load_time),
      createdByUid: g32(P.created_by_uid),
      mapIds,
      name: cstr(info.bytes, P.name, 16),
      ifindex: g32(P.ifindex),
      gplCompatible: (g32(P.gpl_compatible) & 1) === 1,
      netnsDev: g64(P.netns_dev),
      netnsIno: g64(P.netns_ino),
      nrJitedKsyms: g32(P.nr_jited_ksyms),
      nrJitedFuncLens: g32(P.nr_jited_func_lens),
      btfId: g32(P.btf_id),
      funcInfoRecSize: u32(P.func_info_rec_size),
      nrFuncInfo: u32(P.nr_func_info),
      nrLineInfo: u32(P.nr_line_info),
      lineInfoRecSize: u32(P.line_info_rec_size),
      nrJitedLineInfo: g32(P.nr_jited_line_info),
      runTimeNs: g64(P.run_time_ns),
      runCnt: g64(P.run_cnt),
      recursionMisses: g64(P.recursion_misses),
      verifiedInsns: g32(P.verified_insns),
      attachBtfObjId: g32(P.attach_btf_obj_id),
      attachBtfId: g32(P.attach_btf_id),
    };
    if (arrays) {
      const mapBytes = nrMaps * 4;
      if (xlatedLen) out.xlatedInsns = arrays.bytes.slice(mapBytes, mapBytes + Math.min(xlatedLen, g32(P.xlated_prog_len)));
      if (jitedLen) out.jitedInsns = arrays.bytes.slice(mapBytes + xlatedLen, mapBytes + xlatedLen + Math.min(jitedLen, g32(P.jited_prog_len)));
      const f0 = mapBytes + xlatedLen + jitedLen;
      if (funcBytes) out.funcInfo = arrays.bytes.slice(f0, f0 + funcBytes);
      if (lineBytes) out.lineInfo = arrays.bytes.slice(f0 + funcBytes, f0 + funcBytes + lineBytes);
    }
    return out;
  } finally {
    second?.free();
    arrays?.free();
  }
}

export interface MapInfo {
  infoLen: number;
  type: number;
  typeName: string | undefined;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  ifindex: number;
  btfVmlinuxValueTypeId: number;
  netnsDev: bigint;
  netnsIno: bigint;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  btfVmlinuxId: number;
  mapExtra: bigint;
}

/** bpf_map_info of the map behind `fd`. */
export function mapInfo(fd: number, ctx: ErrorContext = {}): MapInfo {
  using buf = NativeBuffer.alloc(MAP_INFO_SIZE);
  const infoLen = objGetInfoByFd(fd, buf, MAP_INFO_SIZE, ctx);
  const d = buf.view;
  const g32 = (o: number) => (o + 4 <= infoLen ? d.getUint32(o, LE) : 0);
  const g64 = (o: number) => (o + 8 <= infoLen ? d.getBigUint64(o, LE) : 0n);
  const type = g32(M.type);
  return {
    infoLen,
    type,
    typeName: mapTypeNames[type],
    id: g32(M.id),
    keySize: g32(M.key_size),
    valueSize: g32(M.value_size),
    maxEntries: g32(M.max_entries),
    flags: g32(M.map_flags),
    name: cstr(buf.bytes, M.name, 16),
    ifindex: g32(M.ifindex),
    btfVmlinuxValueTypeId: g32(M.btf_vmlinux_value_type_id),
    netnsDev: g64(M.netns_dev),
    netnsIno: g64(M.netns_ino),
    btfId: g32(M.btf_id),
    btfKeyTypeId: g32(M.btf_key_type_id),
    btfValueTypeId: g32(M.btf_value_type_id),
    btfVmlinuxId: g32(M.btf_vmlinux_id),
    mapExtra: g64(M.map_extra),
  };
}

export interface BtfInfo {
  infoLen: number;
  id: number;
  /** Size of the raw BTF in bytes. */
  btfSize: number;
  /** Name of a kernel BTF ("vmlinux", module name); "" for user-loaded BTF. */
  name: string;
  kernelBtf: boolean;
  /** The raw BTF bytes, when asked for. */
  data?: Uint8Array;
}

/** bpf_btf_info of the BTF object behind `fd`; `withData` also fetches the raw BTF. */
export function btfInfo(fd: number, withData = false, ctx: ErrorContext = {}): BtfInfo {
  using buf = NativeBuffer.alloc(BTF_INFO_SIZE);
  using name = NativeBuffer.alloc(256);
  const v = buf.view;
  setU64(v, B.name, name.address);
  v.setUint32(B.name_len, 256, LE);
  let infoLen = objGetInfoByFd(fd, buf, BTF_INFO_SIZE, ctx);
  const size = v.getUint32(B.btf_size, LE);
  let data: Uint8Array | undefined;
  if (withData && size > 0) {
    using raw = NativeBuffer.alloc(size);
    buf.bytes.fill(0);
    setU64(v, B.name, name.address);
    v.setUint32(B.name_len, 256, LE);
    setU64(v, B.btf, raw.address);
    v.setUint32(B.btf_size, size, LE);
    infoLen = objGetInfoByFd(fd, buf, BTF_INFO_SIZE, ctx);
    data = raw.bytes.slice(0, Math.min(size, v.getUint32(B.btf_size, LE)));
  }
  const nameLen = infoLen >= B.name_len + 4 ? Math.min(256, v.getUint32(B.name_len, LE)) : 0;
  const info: BtfInfo = {
    infoLen,
    id: v.getUint32(B.id, LE),
    btfSize: size,
    name: nameLen > 0 ? cstr(name.bytes, 0, nameLen) : "",
    kernelBtf: infoLen >= B.kernel_btf + 4 && v.getUint32(B.kernel_btf, LE) !== 0,
  };
  if (data) info.data = data;
  return info;
}

export interface LinkInfo {
  infoLen: number;
  type: number;
  typeName: string | undefined;
  id: number;
  progId: number;
  /** The type-specific union (bytes 16..63 of bpf_link_info), decoded by the attach layer. */
  details: Uint8Array;
}

/** bpf_link_info of the link behind `fd` (the common part plus the raw union). */
export function linkInfo(fd: number, ctx: ErrorContext = {}): LinkInfo {
  using buf = NativeBuffer.alloc(LINK_INFO_SIZE);
  const infoLen = objGetInfoByFd(fd, buf, LINK_INFO_SIZE, ctx);
  const v = buf.view;
  const type = v.getUint32(0, LE);
  return {
    infoLen,
    type,
    typeName: linkTypeNames[type],
    id: v.getUint32(4, LE),
    progId: v.getUint32(8, LE),
    details: buf.bytes.slice(16, Math.max(16, infoLen)),
  };
}
