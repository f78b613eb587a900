// corebpf prog { load | loadall } OBJ PATH [type TYPE] [map { idx IDX | name NAME } MAP] [pinmaps MAP_DIR]
//
// bpftool 7.1's verbs: load the object (every program it autoloads), then pin
// the first program at PATH (load) or every program at PATH/NAME (loadall; a
// program that was not loaded, such as a SEC("?...") one, fails the command
// and the pins made are removed, as libbpf's bpf_object__pin_programs does).
// `type` sets every program's type as a section name would; `map` makes the
// object use an existing map (MAP := id N | pinned FILE | name NAME); `pinmaps`
// pins every map at MAP_DIR/NAME. Silent on success ("null" with -j).
import { mkdirSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { CoreBpfError, UsageError } from "../errors.js";
import { Map as BpfMap, type BpfObject, type OpenedObject, type Program, mapInfo, openObject, preparePinPath, sanitizePinPath } from "../kernel/index.js";
import { sectionInfo } from "../obj/index.js";
import { type CliContext, matchKeyword } from "./args.js";
import { parseSelector, selectFds } from "./show-common.js";

interface LoadArgs {
  object: string;
  path: string;
  type: string | undefined;
  maps: { idx?: number; name?: string; selector: string[] }[];
  pinmaps: string | undefined;
}

export const LOAD_USAGE = "Usage: corebpf prog { load | loadall } OBJ  PATH \\\n                         [type TYPE] [map { idx IDX | name NAME } MAP]\\\n                         [pinmaps MAP_DIR]\n";

function parse(args: readonly string[]): LoadArgs {
  const [object, path, ...rest] = args;
  if (object === undefined || path === undefined) throw new UsageError("expected OBJ and PATH", { hint: LOAD_USAGE.trim() });
  const out: LoadArgs = { object, path, type: undefined, maps: [], pinmaps: undefined };
  for (let i = 0; i < rest.length; ) {
    const word = matchKeyword(rest[i]!, ["type", "map", "pinmaps", "dev"], "argument");
    const value = rest[i + 1];
    if (value === undefined) throw new UsageError(`'${word}' needs an argument`);
    if (word === "dev") throw new UsageError("offloading programs to a device (dev NAME) is not supported");
    if (word === "type") {
      out.type = value;
      i += 2;
    } else if (word === "pinmaps") {
      out.pinmaps = value;
      i += 2;
    } else {
      const how = matchKeyword(value, ["idx", "name"], "map reference");
      const ref = rest[i + 2];
      const sel = rest.slice(i + 3, i + 5);
      if (ref === undefined || sel.length !== 2) throw new UsageError("expected map { idx IDX | name NAME } { id MAP_ID | pinned FILE | name MAP_NAME }");
      if (how === "idx") {
        const idx = Number(ref);
        if (!/^\d+$/.test(ref)) throw new UsageError(`can't parse ${ref} as a map index`);
        out.maps.push({ idx, selector: sel });
      } else out.maps.push({ name: ref, selector: sel });
      i += 5;
    }
  }
  return out;
}

/** bpftool's `type`: a section name (tried as given, then with "/" appended) giving type and expected attach type. */
function applyType(opened: OpenedObject, type: string): void {
  const info = sectionInfo(type) ?? sectionInfo(`${type}/`);
  if (info === undefined) throw new UsageError(`failed to guess program type from '${type}'`, { hint: "give a section name such as socket, xdp, tracepoint, kprobe, classifier" });
  for (const p of opened.programs) {
    p.type = info.progType;
    p.expectedAttachType = info.expectedAttachType;
  }
}

function reuseMaps(opened: OpenedObject, refs: LoadArgs["maps"], owned: BpfMap[]): void {
  const internal = new Set(["data", "rodata", "bss", "kconfig"]);
  for (const ref of refs) {
    const sel = parseSelector(ref.selector, false)!;
    const fds = selectFds({ kind: "map", byIdError: "get map by id", matches: (fd, x) => x.kind === "name" && mapInfo(fd).name === x.name, collect: () => undefined, plain: () => "", json: () => {} }, sel);
    if (fds.length !== 1) throw new CoreBpfError("AMBIGUOUS_MAP", `${fds.length} maps match '${ref.selector.join(" ")}'`, { hint: "name one map (by id or pinned path)" });
    const map = BpfMap.fromFd(fds[0]!);
    owned.push(map);
    // bpftool counts idx over the object's maps, global data maps excluded.
    const target = ref.name !== undefined ? opened.map(ref.name) : opened.maps.filter((m) => !internal.has(m.spec.kind))[ref.idx!];
    if (target === undefined) throw new UsageError(`map idx '${ref.idx}' not found in the object`);
    target.reuse = map;
  }
}

function pinProgram(program: Program, path: string): void {
  preparePinPath(path);
  program.pin(path);
}

/** bpf_object__pin_programs: every program at dir/NAME; all or none. */
function pinAll(obj: BpfObject, opened: OpenedObject, dir: string): void {
  mkdirSync(dir, { recursive: true });
  preparePinPath(join(dir, "x"));
  const done: string[] = [];
  try {
    for (const s of opened.programs) {
      const p = obj.programs.get(s.name);
      if (p === undefined) {
        throw new CoreBpfError("NOT_LOADED", `prog '${s.name}': can't pin program that wasn't loaded`, { hint: "bpftool fails the same way; enable the program (it is autoload-off) or use prog load" });
      }
      p.pin(join(dir, s.name));
      done.push(join(dir, s.name));
    }
  } catch (err) {
    for (const path of done) unlinkSync(path);
    throw err;
  }
}

function pinMaps(obj: BpfObject, dir: string): void {
  mkdirSync(dir, { recursive: true });
  preparePinPath(join(dir, "x"));
  for (const [name, m] of obj.maps) if (m.pinnedPath === undefined) m.pin(sanitizePinPath(join(dir, name)));
}

export async function runLoad(all: boolean, args: string[], ctx: CliContext): Promise<number> {
  const a = parse(args);
  const opened = openObject(a.object);
  const first = opened.programs[0];
  if (!all && first === undefined) throw new CoreBpfError("NO_PROGRAM", "object file doesn't contain any bpf program");
  if (a.type !== undefined) applyType(opened, a.type);
  const owned: BpfMap[] = [];
  try {
    reuseMaps(opened, a.maps, owned);
    const obj = await opened.load();
    try {
      if (all) pinAll(obj, opened, a.path);
      else {
        const p = obj.programs.get(first!.name);
        if (p === undefined) throw new CoreBpfError("NOT_LOADED", `prog '${first!.name}': can't pin program that wasn't loaded`);
        mkdirSync(dirname(a.path), { recursive: true });
        pinProgram(p, a.path);
      }
      if (a.pinmaps !== undefined) pinMaps(obj, a.pinmaps);
    } finally {
      obj.close();
    }
  } finally {
    for (const m of owned) m.close();
  }
  if (ctx.json) process.stdout.write("null\n");
  return 0;
}
