// corebpf map { show | list } [MAP] [-f] [-j|-p]; MAP := id N | pinned PATH | name NAME
// corebpf map dump MAP [-j|-p] (map-dump.ts)
//
// Prints what bpftool 7.1 prints. Not printed: offload device ("offloaded_to")
// and "pids" (this bpftool build has no pid iterator either).
import { MapType, mapInfo, progTypeNames, readFdinfo, type MapInfo } from "../kernel/index.js";
import { type CliContext, matchKeyword } from "./args.js";
import { BpftoolJson } from "./bpftool-json.js";
import { runMapDump } from "./map-dump.js";
import { runShow, showOutput, type ShowSpec } from "./show-common.js";

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

function collect(fd: number, pins: globalThis.Map<number, string[]> | undefined): Shown {
  const info = mapInfo(fd);
  return { info, fdinfo: readFdinfo(fd), pinned: pins && pins.size > 0 ? (pins.get(info.id) ?? []) : undefined };
}

const spec: ShowSpec<Shown> = {
  kind: "map",
  byIdError: "get map by id",
  collect,
  matches: (fd, sel) => sel.kind === "name" && mapInfo(fd).name === sel.name,
  plain,
  json,
};

/** The `map show` output (plain or JSON) as a string. */
export function mapShowOutput(args: readonly string[], ctx: Pick<CliContext, "json" | "pretty" | "bpffs">): string {
  return showOutput(spec, args, ctx);
}

/** How `btf dump map MAP` finds its map (bpftool's map_parse_fd). */
export { spec as mapSelectSpec };

const help =
  "Usage: corebpf map { show | list } [MAP]\n" +
  "       corebpf map dump       MAP\n" +
  "       corebpf map help\n\n" +
  "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n" +
  "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }\n";

export function run(args: string[], ctx: CliContext): number {
  const [verb, ...rest] = args;
  if (verb !== undefined && matchKeyword(verb, ["show", "list", "dump", "help"], "command") === "dump") return runMapDump(rest, ctx);
  return runShow(spec, help, args, ctx);
}
