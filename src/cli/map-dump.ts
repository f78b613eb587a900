// corebpf map dump MAP [-j|-p]: bpftool 7.1's `map dump`. Without -j, maps
// with BTF print their entries through the BTF dumper as pretty JSON, maps
// without as "key: .. value: .." hex lines and a "Found N elements" count;
// with -j, hex byte arrays plus a "formatted" BTF rendering. Keys are walked
// with BPF_MAP_GET_NEXT_KEY exactly as bpftool walks them.
import { Btf } from "../btf/index.js";
import { CoreBpfError } from "../errors.js";
import {
  Cmd,
  Fd,
  MapType,
  NativeBuffer,
  attr,
  bpfTry,
  btfInfo,
  errnoMessage,
  getFdById,
  isPerCpuMapType,
  kernelBtf,
  mapInfo,
  mapTypeNames,
  possibleCpuCount,
  type MapInfo,
} from "../kernel/index.js";
import { type CliContext } from "./args.js";
import { BpftoolJson } from "./bpftool-json.js";
import { dumpType, fprintHex, type BtfDumper } from "./btf-dumper.js";
import { parseSelector, selectFds } from "./show-common.js";

// glibc's strerror() where it differs from the kernel's wording, as bpftool prints it.
const GLIBC_STRERROR: Record<number, string> = {
  5: "Input/output error",
  9: "Bad file descriptor",
  11: "Resource temporarily unavailable",
  12: "Cannot allocate memory",
  22: "Invalid argument",
  34: "Numerical result out of range",
  38: "Function not implemented",
  95: "Operation not supported",
};

/** strerror() as glibc words it (kernel-internal codes are "Unknown error N"). */
export function strerror(errno: number): string {
  if (errno >= 512) return `Unknown error ${errno}`;
  return GLIBC_STRERROR[errno] ?? errnoMessage(errno);
}

const roundUp8 = (n: number) => Math.ceil(n / 8) * 8;

/** One map's raw element access: next key and lookup with plain syscalls (errno kept, as bpftool sees it). */
class RawAccess {
  readonly mem: NativeBuffer;
  readonly key: Uint8Array;
  readonly next: Uint8Array;
  readonly value: Uint8Array;
  readonly #keyAt: number;
  readonly #nextAt: number;
  readonly #valueAt: number;

  constructor(
    readonly fd: number,
    info: MapInfo,
    valueBytes: number,
  ) {
    const k = roundUp8(Math.max(info.keySize, 1));
    this.mem = NativeBuffer.alloc(2 * k + roundUp8(Math.max(valueBytes, 1)));
    this.#keyAt = this.mem.address;
    this.#nextAt = this.mem.address + k;
    this.#valueAt = this.mem.address + 2 * k;
    this.key = this.mem.bytes.subarray(0, info.keySize);
    this.next = this.mem.bytes.subarray(k, k + info.keySize);
    this.value = this.mem.bytes.subarray(2 * k, 2 * k + valueBytes);
  }

  /** 0, or the errno of BPF_MAP_GET_NEXT_KEY from `key` (first key when `first`). */
  nextKey(first: boolean): number {
    attr.begin(32).u32(0, "map_fd", this.fd).u64(8, "key", first ? 0 : this.#keyAt).u64(16, "next_key", this.#nextAt);
    const r = bpfTry(Cmd.MAP_GET_NEXT_KEY);
    if (r < 0) return -r;
    this.key.set(this.next);
    return 0;
  }

  lookup(): number {
    attr.begin(32).u32(0, "map_fd", this.fd).u64(8, "key", this.#keyAt).u64(16, "value", this.#valueAt);
    const r = bpfTry(Cmd.MAP_LOOKUP_ELEM);
    return r < 0 ? -r : 0;
  }
}

/** The BTF bpftool formats a map's values with (get_map_kv_btf), or undefined. */
function mapBtf(info: MapInfo): Btf | undefined {
  if (info.btfVmlinuxValueTypeId) return kernelBtf();
  if (!info.btfValueTypeId) return undefined;
  using fd = new Fd(getFdById("btf", info.btfId));
  return Btf.parse(btfInfo(fd.value, true).data!);
}

function hexJson(w: BpftoolJson, bytes: Uint8Array): void {
  w.startArray();
  for (const b of bytes) w.raw(`"0x${b.toString(16).padStart(2, "0")}"`);
  w.endArray();
}

interface DumpState {
  out: string;
}

function doDumpBtf(d: BtfDumper, info: MapInfo, key: Uint8Array, value: Uint8Array): void {
  const kv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  d.w.startObject();
  let ok = true;
  if (info.btfKeyTypeId) {
    d.w.name("key");
    ok = dumpType(d, info.btfKeyTypeId, 0, kv(key), 0);
  }
  const valueId = info.btfVmlinuxValueTypeId || info.btfValueTypeId;
  if (ok && !isPerCpuMapType(info.type)) {
    d.w.name("value");
    dumpType(d, valueId, 0, kv(value), 0);
  } else if (ok) {
    d.w.name("values");
    d.w.startArray();
    const step = roundUp8(info.valueSize);
    for (let cpu = 0; cpu < possibleCpuCount(); cpu++) {
      d.w.startObject();
      d.w.intField("cpu", cpu);
      d.w.name("value");
      const good = dumpType(d, valueId, 0, kv(value.subarray(cpu * step)), 0);
      d.w.endObject();
      if (!good) break;
    }
    d.w.endArray();
  }
  d.w.endObject();
}

function entryJson(w: BpftoolJson, info: MapInfo, key: Uint8Array, value: Uint8Array, btf: Btf | undefined): void {
  w.startObject();
  w.name("key");
  hexJson(w, key);
  if (!isPerCpuMapType(info.type)) {
    w.name("value");
    hexJson(w, value.subarray(0, info.valueSize));
  } else {
    const step = roundUp8(info.valueSize);
    w.name("values");
    w.startArray();
    for (let cpu = 0; cpu < possibleCpuCount(); cpu++) {
      w.startObject();
      w.intField("cpu", cpu);
      w.name("value");
      hexJson(w, value.subarray(cpu * step, cpu * step + info.valueSize));
      w.endObject();
    }
    w.endArray();
  }
  if (btf !== undefined) {
    w.name("formatted");
    doDumpBtf({ btf, w, plainText: false }, info, key, value);
  }
  w.endObject();
}

function entryPlain(info: MapInfo, key: Uint8Array, value: Uint8Array): string {
  let out = "";
  if (!isPerCpuMapType(info.type)) {
    const breakNames = info.keySize > 16 || info.valueSize > 16;
    const singleLine = info.keySize + info.valueSize <= 24 && !breakNames;
    if (info.keySize) out += `key:${breakNames ? "\n" : " "}${fprintHex(key)}${singleLine ? "  " : "\n"}`;
    if (info.valueSize) out += `value:${breakNames ? "\n" : " "}${fprintHex(value.subarray(0, info.valueSize))}`;
    return out + "\n";
  }
  const step = roundUp8(info.valueSize);
  if (info.keySize) out += `key:\n${fprintHex(key)}\n`;
  if (info.valueSize) {
    for (let cpu = 0; cpu < possibleCpuCount(); cpu++) {
      out += `value (CPU ${String(cpu).padStart(2, "0")}):${info.valueSize > 16 ? "\n" : " "}${fprintHex(value.subarray(cpu * step, cpu * step + info.valueSize))}\n`;
    }
  }
  return out;
}

function entryError(s: DumpState, w: BpftoolJson | undefined, json: boolean, info: MapInfo, key: Uint8Array, errno: number): void {
  const fdValued = info.type === MapType.ARRAY_OF_MAPS || info.type === MapType.HASH_OF_MAPS || info.type === MapType.PROG_ARRAY;
  if (fdValued && errno === 2) return;
  if (!json && w !== undefined) s.out += w.flush(); // printf'd between the writer's output
  if (json && w !== undefined) {
    w.startObject();
    w.name("key");
    hexJson(w, key);
    w.name("value");
    w.startObject();
    w.stringField("error", strerror(errno));
    w.endObject();
    w.endObject();
    return;
  }
  const msg = errno === 2 ? "<no entry>" : errno === 28 && info.type === MapType.REUSEPORT_SOCKARRAY ? "<cannot read>" : strerror(errno);
  const breakNames = info.keySize > 16 || msg.length > 16;
  const singleLine = info.keySize + msg.length <= 24 && !breakNames;
  s.out += `key:${breakNames ? "\n" : " "}${fprintHex(key)}${singleLine ? "  " : "\n"}value:${breakNames ? "\n" : " "}${msg}\n`;
}

function headerPlain(info: MapInfo): string {
  const type = mapTypeNames[info.type];
  return `${info.id}: ${type ? `${type}  ` : `type ${info.type}  `}${info.name ? `name ${info.name}  ` : ""}flags 0x${info.flags.toString(16)}\n`;
}

function headerJson(w: BpftoolJson, info: MapInfo): void {
  w.uintField("id", info.id);
  const type = mapTypeNames[info.type];
  if (type) w.stringField("type", type);
  else w.uintField("type", info.type);
  if (info.name) w.stringField("name", info.name);
  w.name("flags").raw(String(info.flags | 0));
}

/** map_dump() for one map; returns 0 or -errno. */
function dumpOne(s: DumpState, fd: number, info: MapInfo, w: BpftoolJson | undefined, json: boolean, header: boolean): number {
  const valueBytes = isPerCpuMapType(info.type) ? roundUp8(info.valueSize) * possibleCpuCount() : info.valueSize;
  const access = new RawAccess(fd, info, valueBytes);
  try {
    const btf = w !== undefined ? mapBtf(info) : undefined;
    if (w !== undefined) {
      if (header) {
        w.startObject();
        headerJson(w, info);
        w.name("elements");
      }
      w.startArray();
    } else if (header) s.out += headerPlain(info);
    let count = 0;
    let err = 0;
    for (let first = true; ; first = false) {
      const e = access.nextKey(first);
      if (e !== 0) {
        if (e !== 2) err = -e;
        break;
      }
      const le = access.lookup();
      if (le !== 0) {
        entryError(s, w, json, info, access.key, le);
        continue;
      }
      count++;
      if (json) entryJson(w!, info, access.key, access.value, btf);
      else if (btf !== undefined && w !== undefined) doDumpBtf({ btf, w, plainText: true }, info, access.key, access.value);
      else s.out += entryPlain(info, access.key, access.value);
    }
    if (w !== undefined) {
      w.endArray();
      if (header) w.endObject();
    } else s.out += `Found ${count} element${count !== 1 ? "s" : ""}\n`;
    return err;
  } finally {
    access.mem.free();
  }
}

/** The `map dump` output and bpftool's exit status (0, or the low byte of -errno). */
export function mapDumpOutput(args: readonly string[], ctx: Pick<CliContext, "json" | "pretty">): { stdout: string; status: number } {
  const sel = parseSelector(args, false);
  if (sel === undefined) throw new CoreBpfError("USAGE", "map dump needs a map: id N | pinned PATH | name NAME");
  const fds = selectFds(
    { kind: "map", byIdError: "get map by id", matches: (fd, x) => x.kind === "name" && mapInfo(fd).name === x.name, collect: () => undefined, plain: () => "", json: () => {} },
    sel,
  );
  const s: DumpState = { out: "" };
  try {
    const infos = fds.map((fd) => mapInfo(fd));
    let w: BpftoolJson | undefined;
    if (ctx.json) w = new BpftoolJson(ctx.pretty);
    else if (infos.every((i) => i.btfId !== 0)) w = new BpftoolJson(true);
    const many = fds.length > 1;
    if (w !== undefined && many) w.startArray();
    let err = 0;
    for (let i = 0; i < fds.length; i++) {
      err = dumpOne(s, fds[i]!, infos[i]!, w, ctx.json, many);
      if (w === undefined && i !== fds.length - 1) s.out += "\n";
      if (err) break;
    }
    if (w !== undefined && many) w.endArray();
    // bpftool's writers end with a newline when destroyed; the plain BTF writer too.
    const stdout = w !== undefined ? s.out + w.finish() : s.out;
    return { stdout, status: err === 0 ? 0 : (256 + err) & 0xff };
  } finally {
    for (const fd of fds) new Fd(fd).close();
  }
}

export function runMapDump(args: string[], ctx: CliContext): number {
  const { stdout, status } = mapDumpOutput(args, ctx);
  process.stdout.write(stdout);
  return status;
}
