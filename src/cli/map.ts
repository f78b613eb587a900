// corebpf map { show | list } [MAP] [-f] [-j|-p]; MAP := id N | pinned PATH | name NAME
//
// Prints what bpftool 7.1 prints. Not printed: offload device ("offloaded_to")
// and "pids" (this bpftool build has no pid iterator either).
import { CoreBpfError, SyscallError, UsageError } from "../errors.js";
import { Fd, MapType, errnoMessage, getFdById, ids, mapInfo, objGet, pinnedObjects, progTypeNames, readFdinfo, tryGetFdById, type MapInfo } from "../kernel/index.js";
import { type CliContext, matchKeyword } from "./args.js";
import { BpftoolJson } from "./bpftool-json.js";
import { parseSelector, takeBpffsFlag, type Selector } from "./show-common.js";

interface Shown {
  info: MapInfo;
  fdinfo: Record<string, string>;
  /** Pinned paths; undefined unless -f found pins (bpftool then prints "pinned" for every object in JSON). */
  pinned: string[] | undefined;
}

function plain(s: Shown): string {
  const { info, fdinfo } = s;
  let out = `${info.id}: ${info.typeName ?? `type ${info.type}`}  `;
  if (info.name) out += `name ${info.name}  `;
  out += `flags 0x${info.flags.toString(16)}\n`;
  out += `\tkey ${info.keySize}B  value ${info.valueSize}B  max_entries ${info.maxEntries}`;
  if (fdinfo["memlock"] !== undefined) out += `  memlock ${fdinfo["memlock"]}B`;
  if (info.type === MapType.PROG_ARRAY) {
    const owner = fdinfo["owner_prog_type"];
    const jited = fdinfo["owner_jited"];
    if (owner !== undefined || jited !== undefined) out += "\n\t";
    if (owner !== undefined) {
      const t = Number.parseInt(owner, 10);
      out += `owner_prog_type ${progTypeNames[t] ?? t}  `;
    }
    if (jited !== undefined) out += `owner${Number.parseInt(jited, 10) ? "" : " not"} jited`;
  }
  for (const p of s.pinned ?? []) out += `\n\tpinned ${p}`;
  const frozen = Number.parseInt(fdinfo["frozen"] ?? "0", 10) || 0;
  if (info.btfId || frozen) out += "\n\t";
  if (info.btfId) out += `btf_id ${info.btfId}`;
  if (frozen) out += `${info.btfId ? "  " : ""}frozen`;
  return out + "\n";
}

function json(w: BpftoolJson, s: Shown): void {
  const { info, fdinfo } = s;
  w.startObject();
  w.uintField("id", info.id);
  if (info.typeName) w.stringField("type", info.typeName);
  else w.uintField("type", info.type);
  if (info.name) w.stringField("name", info.name);
  w.name("flags").raw(String(info.flags));
  w.uintField("bytes_key", info.keySize);
  w.uintField("bytes_value", info.valueSize);
  w.uintField("max_entries", info.maxEntries);
  if (fdinfo["memlock"] !== undefined) w.intField("bytes_memlock", Number.parseInt(fdinfo["memlock"], 10));
  if (info.type === MapType.PROG_ARRAY) {
    const owner = fdinfo["owner_prog_type"];
    const jited = fdinfo["owner_jited"];
    if (owner !== undefined) {
      const t = Number.parseInt(owner, 10);
      const name = progTypeNames[t];
      if (name) w.stringField("owner_prog_type", name);
      else w.uintField("owner_prog_type", t);
    }
    if (jited !== undefined) w.boolField("owner_jited", Number.parseInt(jited, 10) !== 0);
  }
  w.intField("frozen", Number.parseInt(fdinfo["frozen"] ?? "0", 10) || 0);
  if (info.btfId) w.intField("btf_id", info.btfId);
  if (s.pinned) {
    w.name("pinned").startArray();
    for (const p of s.pinned) w.string(p);
    w.endArray();
  }
  w.endObject();
}

function selectFds(sel: Selector): number[] {
  switch (sel.kind) {
    case "id":
      try {
        return [getFdById("map", sel.id)];
      } catch (err) {
        if (err instanceof SyscallError) throw new CoreBpfError(err.code, `get map by id (${sel.id}): ${errnoMessage(err.errnoNumber)}`);
        throw err;
      }
    case "pinned":
      try {
        return [objGet(sel.path)];
      } catch (err) {
        if (err instanceof SyscallError) throw new CoreBpfError(err.code, `bpf obj get (${sel.path}): ${errnoMessage(err.errnoNumber)}`);
        throw err;
      }
    default: {
      const fds: number[] = [];
      for (const id of ids("map")) {
        const fd = tryGetFdById("map", id);
        if (fd === undefined) continue;
        if (mapInfo(fd).name === (sel as { name: string }).name) fds.push(fd);
        else new Fd(fd).close();
      }
      if (fds.length === 0) throw new CoreBpfError("ENOENT", `no map with name ${(sel as { name: string }).name} found`);
      return fds;
    }
  }
}

function collect(fd: number, pins: globalThis.Map<number, string[]> | undefined): Shown {
  const info = mapInfo(fd);
  return { info, fdinfo: readFdinfo(fd), pinned: pins && pins.size > 0 ? (pins.get(info.id) ?? []) : undefined };
}

/** The `map show` output (plain or JSON) as a string. */
export function mapShowOutput(args: readonly string[], ctx: Pick<CliContext, "json" | "pretty" | "bpffs">): string {
  const { bpffs: flag, rest } = takeBpffsFlag(args);
  const bpffs = flag || ctx.bpffs === true;
  const sel = parseSelector(rest, false);
  const pins = bpffs ? pinnedObjects("map") : undefined;
  const shown: Shown[] = [];
  const fds = sel ? selectFds(sel) : undefined;
  if (fds) {
    for (const fd of fds) {
      using owned = new Fd(fd);
      shown.push(collect(owned.value, pins));
    }
  } else {
    for (const id of ids("map")) {
      const fd = tryGetFdById("map", id);
      if (fd === undefined) continue;
      using owned = new Fd(fd);
      shown.push(collect(owned.value, pins));
    }
  }
  if (!ctx.json) return shown.map(plain).join("");
  const w = new BpftoolJson(ctx.pretty);
  const array = !sel || shown.length > 1;
  if (array) w.startArray();
  for (const s of shown) json(w, s);
  if (array) w.endArray();
  return w.finish();
}

const help =
  "Usage: corebpf map { show | list } [MAP]\n" +
  "       corebpf map help\n\n" +
  "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n" +
  "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }\n";

export function run(args: string[], ctx: CliContext): number {
  const [verb, ...rest] = args;
  if (verb === undefined) {
    process.stdout.write(mapShowOutput([], ctx));
    return 0;
  }
  const word = matchKeyword(verb, ["show", "list", "help"], "command");
  if (word === "help") {
    process.stdout.write(help);
    return 0;
  }
  if (rest.some((a) => a.startsWith("-") && a !== "-f" && a !== "--bpffs")) throw new UsageError(`unknown option in '${rest.join(" ")}'`);
  process.stdout.write(mapShowOutput(rest, ctx));
  return 0;
}
