// corebpf prog { show | list } [PROG] [-f] [-j|-p]; PROG := id N | pinned PATH | tag TAG | name NAME
// corebpf prog { load | loadall } OBJ PATH ... (prog-load.ts)
//
// Prints what bpftool 7.1 prints. Not printed: offload device ("offloaded_to"),
// "pids" (this bpftool build has no pid iterator either) and bpf_metadata_*
// variables (need BTF value dumping).
import { Fd, LE, btfInfo, btfTypeName, getFdById, programInfo, readFdinfo, type ProgramInfo } from "../kernel/index.js";
import { type CliContext, matchKeyword } from "./args.js";
import { runLoad } from "./prog-load.js";
import { BpftoolJson } from "./bpftool-json.js";
import { bootTimeToEpoch, formatLocalTime, runShow, showOutput, type ShowSpec } from "./show-common.js";

const BTF_KIND_FUNC = 12;

/** The program's full name: the kernel keeps 15 bytes, bpftool recovers the rest from BTF. */
function fullName(info: ProgramInfo, fd: number): string {
  if (info.name.length < 15 || info.btfId === 0 || info.nrFuncInfo === 0) return info.name;
  try {
    const withFuncs = programInfo(fd, { funcInfo: true });
    const rec = withFuncs.funcInfo;
    if (!rec || rec.length < 8) return info.name;
    const typeId = new DataView(rec.buffer, rec.byteOffset, rec.byteLength).getUint32(4, LE);
    using btf = new Fd(getFdById("btf", info.btfId));
    const raw = btfInfo(btf.value, true).data;
    const t = raw ? btfTypeName(raw, typeId) : undefined;
    return t && t.kind === BTF_KIND_FUNC ? t.name : info.name;
  } catch {
    return info.name;
  }
}

interface Shown {
  info: ProgramInfo;
  name: string;
  memlock: string | undefined;
  /** Pinned paths; undefined unless -f found pins (bpftool then prints "pinned" for every object in JSON). */
  pinned: string[] | undefined;
}

function collect(fd: number, pins: globalThis.Map<number, string[]> | undefined): Shown {
  const info = programInfo(fd);
  return { info, name: fullName(info, fd), memlock: readFdinfo(fd)["memlock"], pinned: pins && pins.size > 0 ? (pins.get(info.id) ?? []) : undefined };
}

function plain(s: Shown): string {
  const { info } = s;
  let out = `${info.id}: ${info.typeName ?? `type ${info.type}`}  `;
  if (info.name) out += `name ${s.name}  `;
  out += `tag ${info.tag}`;
  if (info.gplCompatible) out += "  gpl";
  if (info.runTimeNs) out += ` run_time_ns ${info.runTimeNs} run_cnt ${info.runCnt}`;
  if (info.recursionMisses) out += ` recursion_misses ${info.recursionMisses}`;
  out += "\n";
  if (info.loadTime) out += `\tloaded_at ${formatLocalTime(bootTimeToEpoch(info.loadTime))}  uid ${info.createdByUid}\n`;
  out += `\txlated ${info.xlatedProgLen}B`;
  out += info.jitedProgLen ? `  jited ${info.jitedProgLen}B` : "  not jited";
  if (s.memlock !== undefined) out += `  memlock ${s.memlock}B`;
  if (info.mapIds.length) out += `  map_ids ${info.mapIds.join(",")}`;
  for (const p of s.pinned ?? []) out += `\n\tpinned ${p}`;
  if (info.btfId) out += `\n\tbtf_id ${info.btfId}`;
  return out + "\n";
}

function json(w: BpftoolJson, s: Shown): void {
  const { info } = s;
  w.startObject();
  w.uintField("id", info.id);
  if (info.typeName) w.stringField("type", info.typeName);
  else w.uintField("type", info.type);
  if (info.name) w.stringField("name", s.name);
  w.name("tag").raw(`"${info.tag}"`);
  w.boolField("gpl_compatible", info.gplCompatible);
  if (info.runTimeNs) {
    w.uintField("run_time_ns", info.runTimeNs);
    w.uintField("run_cnt", info.runCnt);
  }
  if (info.recursionMisses) w.uintField("recursion_misses", info.recursionMisses);
  if (info.loadTime) {
    w.name("loaded_at").raw(String(bootTimeToEpoch(info.loadTime)));
    w.uintField("uid", info.createdByUid);
  }
  w.uintField("bytes_xlated", info.xlatedProgLen);
  if (info.jitedProgLen) {
    w.boolField("jited", true);
    w.uintField("bytes_jited", info.jitedProgLen);
  } else {
    w.boolField("jited", false);
  }
  if (s.memlock !== undefined) w.intField("bytes_memlock", Number.parseInt(s.memlock, 10));
  if (info.mapIds.length) {
    w.name("map_ids").startArray();
    for (const id of info.mapIds) w.uint(id);
    w.endArray();
  }
  if (info.btfId) w.intField("btf_id", info.btfId);
  if (s.pinned) {
    w.name("pinned").startArray();
    for (const p of s.pinned) w.string(p);
    w.endArray();
  }
  w.endObject();
}

const spec: ShowSpec<Shown> = {
  kind: "prog",
  byIdError: "get by id",
  collect,
  matches(fd, sel) {
    const info = programInfo(fd);
    return sel.kind === "tag" ? info.tag === sel.tag : sel.kind === "name" && (fullName(info, fd) === sel.name || info.name === sel.name);
  },
  plain,
  json,
};

/** How `btf dump prog PROG` finds its program (bpftool's prog_parse_fd). */
export { spec as progSelectSpec };

/** The `prog show` output (plain or JSON) as a string. */
export function progShowOutput(args: readonly string[], ctx: Pick<CliContext, "json" | "pretty" | "bpffs">): string {
  return showOutput(spec, args, ctx);
}

const help =
  "Usage: corebpf prog { show | list } [PROG]\n" +
  "       corebpf prog { load | loadall } OBJ  PATH [type TYPE] [map { idx IDX | name NAME } MAP] [pinmaps MAP_DIR]\n" +
  "       corebpf prog help\n\n" +
  "       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }\n" +
  "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }\n";

export function run(args: string[], ctx: CliContext): number | Promise<number> {
  const [verb, ...rest] = args;
  const word = verb === undefined ? "show" : matchKeyword(verb, ["show", "list", "load", "loadall", "help"], "command");
  if (word === "load" || word === "loadall") return runLoad(word === "loadall", rest, ctx);
  return runShow(spec, help, args, ctx);
}
