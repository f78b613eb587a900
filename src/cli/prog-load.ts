// corebpf prog { load | loadall } OBJ PATH [type TYPE] [map { idx IDX | name NAME } MAP] [pinmaps MAP_DIR]
//
// bpftool 7.1's verbs: load the object (every program it autoloads), then pin
// the first program at PATH (load) or every program at PATH/NAME (loadall; a
// program that was not loaded, such as a SEC("?...") one, fails the command).
// Pin paths are checked before anything is loaded (on a bpffs, not taken); a
// failure while pinning removes every pin and directory the command made, so
// nothing stays loaded (bpftool leaves the directories behind).
// `type` sets every program's type as a section name would; `map` makes the
// object use an existing map (MAP := id N | pinned FILE | name NAME); `pinmaps`
// pins every map at MAP_DIR/NAME. Silent on success ("null" with -j).
import { lstatSync, rmdirSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { CoreBpfError, UsageError } from "../errors.js";
import { Map as BpfMap, type BpfObject, type OpenedObject, checkPinDirectory, makePinDirectory, mapInfo, openObject, sanitizePinPath } from "../kernel/index.js";
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

/** Whether something (a pin, a file, a dangling link) is at `path`. */
function taken(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function notLoaded(name: string): CoreBpfError {
  return new CoreBpfError("NOT_LOADED", `prog '${name}': can't pin program that wasn't loaded`, { hint: "bpftool fails the same way; enable the program (it is autoload-off) or use prog load" });
}

function refuseTaken(what: string, path: string): void {
  if (taken(path)) throw new CoreBpfError("PIN_EXISTS", `cannot pin ${what} at ${path}: the path exists`, { file: path, hint: `choose another path, or remove it: rm ${path}` });
}

/** Where the command will pin: the maps' and programs' pin paths, checked before anything is loaded. */
function checkPinTargets(all: boolean, a: LoadArgs, opened: OpenedObject): void {
  if (all) {
    checkPinDirectory(a.path);
    for (const p of opened.programs) {
      if (!p.autoload) throw notLoaded(p.name);
      refuseTaken(`prog '${p.name}'`, join(a.path, p.name));
    }
  } else {
    checkPinDirectory(dirname(a.path));
    refuseTaken(`prog '${opened.programs[0]!.name}'`, a.path);
  }
  if (a.pinmaps === undefined) return;
  checkPinDirectory(a.pinmaps);
  for (const m of opened.maps) if (m.autocreate && m.pinPath === undefined) refuseTaken(`map '${m.name}'`, sanitizePinPath(join(a.pinmaps, m.name)));
}

/** The pins and directories this command made, removed again if it fails. */
class PinsMade {
  readonly #pins: string[] = [];
  readonly #dirs: string[] = [];

  /** mkdir -p on a bpffs, remembering what was created. */
  directory(dir: string): void {
    this.#dirs.push(...makePinDirectory(dir));
  }

  pin(object: { pin(path: string): void }, path: string): void {
    this.directory(dirname(path));
    object.pin(path);
    this.#pins.push(path);
  }

  /** A pin someone else made for this command (the loader's pins by name). */
  adopt(path: string): void {
    this.#pins.push(path);
  }

  rollback(): void {
    for (const path of this.#pins.splice(0).reverse()) rmQuietly(() => unlinkSync(path));
    for (const dir of this.#dirs.splice(0).reverse()) rmQuietly(() => rmdirSync(dir));
  }
}

function rmQuietly(rm: () => void): void {
  try {
    rm();
  } catch {
    // already gone, or (a directory) holding what others put there since
  }
}

/** bpf_object__pin_programs: every program at dir/NAME. */
function pinAll(obj: BpfObject, opened: OpenedObject, dir: string, made: PinsMade): void {
  made.directory(dir);
  for (const s of opened.programs) {
    const p = obj.programs.get(s.name);
    if (p === undefined) throw notLoaded(s.name);
    made.pin(p, join(dir, s.name));
  }
}

function pinMaps(obj: BpfObject, dir: string, made: PinsMade): void {
  made.directory(dir);
  for (const [name, m] of obj.maps) if (m.pinnedPath === undefined) made.pin(m, sanitizePinPath(join(dir, name)));
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
    checkPinTargets(all, a, opened);
    // Maps pinned by name that this load will create (a failure removes them too).
    const freshByName = opened.maps.filter((m) => m.autocreate && m.pinPath !== undefined && !taken(m.pinPath)).map((m) => m.pinPath!);
    const obj = await opened.load();
    const made = new PinsMade();
    try {
      for (const path of freshByName) if (taken(path)) made.adopt(path);
      if (all) pinAll(obj, opened, a.path, made);
      else {
        const p = obj.programs.get(first!.name);
        if (p === undefined) throw notLoaded(first!.name);
        made.pin(p, a.path);
      }
      if (a.pinmaps !== undefined) pinMaps(obj, a.pinmaps, made);
    } catch (err) {
      made.rollback();
      throw err;
    } finally {
      obj.close();
    }
  } finally {
    for (const m of owned) m.close();
  }
  if (ctx.json) process.stdout.write("null\n");
  return 0;
}
