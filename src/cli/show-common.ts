// Shared by `corebpf prog show` and `corebpf map show`: bpftool's time format
// and its object selectors (id N | pinned PATH | name NAME | tag TAG).
import { CoreBpfError, SyscallError, UsageError, WrongObjectTypeError } from "../errors.js";
import { Clock, Fd, clockGettime, errnoMessage, getFdById, ids, openPinnedFd, pinnedObjects, tryGetFdById } from "../kernel/index.js";
import { type CliContext, matchKeyword } from "./args.js";
import { BpftoolJson } from "./bpftool-json.js";

/** Seconds since the epoch of a CLOCK_BOOTTIME nanosecond stamp, computed as bpftool does. */
export function bootTimeToEpoch(nsecs: bigint): number {
  const [realSec, realNsec] = clockGettime(Clock.REALTIME);
  const [bootSec, bootNsec] = clockGettime(Clock.BOOTTIME);
  const extra = (BigInt(realNsec) - BigInt(bootNsec) + nsecs) / 1_000_000_000n;
  return realSec - bootSec + Number(extra);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");

/** strftime("%FT%T%z") in local time. */
export function formatLocalTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const tz = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${tz}`
  );
}

export type Selector = { kind: "id"; id: number } | { kind: "pinned"; path: string } | { kind: "name"; name: string } | { kind: "tag"; tag: string };

/** Parses "id N" / "pinned PATH" / "name NAME" / "tag TAG" (tag only for programs). */
export function parseSelector(args: readonly string[], allowTag: boolean): Selector | undefined {
  if (args.length === 0) return undefined;
  if (args.length !== 2) throw new UsageError(`expected 'id', 'pinned' or 'name' followed by a value, got: '${args.join(" ")}'`);
  const keywords = allowTag ? ["id", "pinned", "name", "tag"] : ["id", "pinned", "name"];
  const word = matchKeyword(args[0]!, keywords, "selector");
  const value = args[1]!;
  switch (word) {
    case "id": {
      const id = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(id)) throw new UsageError(`can't parse ${value} as ID`);
      return { kind: "id", id };
    }
    case "pinned":
      return { kind: "pinned", path: value };
    case "name":
      return { kind: "name", name: value };
    default: {
      if (!/^[0-9a-fA-F]{16}$/.test(value)) throw new UsageError(`can't parse tag`);
      return { kind: "tag", tag: value.toLowerCase() };
    }
  }
}

/** Splits off bpftool's -f/--bpffs flag (show pinned paths). */
export function takeBpffsFlag(args: readonly string[]): { bpffs: boolean; rest: string[] } {
  const rest = args.filter((a) => a !== "-f" && a !== "--bpffs");
  return { bpffs: rest.length !== args.length, rest };
}

/** How one object kind is shown: what to read from an fd, and how to print it. */
export interface ShowSpec<S> {
  kind: "prog" | "map";
  /** bpftool's wording for a failed lookup by id ("get by id", "get map by id"). */
  byIdError: string;
  /** Reads what is printed; `pins` is the -f table (undefined without -f). */
  collect(fd: number, pins: globalThis.Map<number, string[]> | undefined): S;
  /** Whether the object behind `fd` matches a name/tag selector. */
  matches(fd: number, sel: Selector): boolean;
  plain(s: S): string;
  json(w: BpftoolJson, s: S): void;
}

function failAs(prefix: string, fn: () => number): number {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SyscallError) throw new CoreBpfError(err.code, `${prefix}: ${errnoMessage(err.errnoNumber)}`);
    throw err;
  }
}

/**
 * The fd of the `kind` object pinned at `path` (`pinned PATH` selectors of
 * every verb), failing with bpftool's messages: "bpf obj get (PATH): why" and
 * "incorrect object type: KIND". The caller owns the fd.
 */
export function openPinnedSelector(path: string, kind: "prog" | "map" | "link"): number {
  try {
    return failAs(`bpf obj get (${path})`, () => openPinnedFd(path, kind));
  } catch (err) {
    if (err instanceof WrongObjectTypeError) throw new WrongObjectTypeError(err, `incorrect object type: ${err.actual}`);
    throw err;
  }
}

/** fds of the objects a selector designates (the caller closes them). */
export function selectFds<S>(spec: ShowSpec<S>, sel: Selector): number[] {
  if (sel.kind === "id") return [failAs(`${spec.byIdError} (${sel.id})`, () => getFdById(spec.kind, sel.id))];
  if (sel.kind === "pinned") return [openPinnedSelector(sel.path, spec.kind)];
  const fds: number[] = [];
  for (const id of ids(spec.kind)) {
    const fd = tryGetFdById(spec.kind, id);
    if (fd === undefined) continue;
    if (spec.matches(fd, sel)) fds.push(fd);
    else new Fd(fd).close();
  }
  if (fds.length === 0) {
    const what = sel.kind === "tag" ? sel.tag : sel.name;
    throw new CoreBpfError("ENOENT", `no ${spec.kind === "prog" ? "program" : "map"} with ${sel.kind} ${what} found`);
  }
  return fds;
}

/** The one fd a selector designates (bpftool's prog_parse_fd, map_parse_fd); the caller closes it. */
export function selectOneFd<S>(spec: ShowSpec<S>, sel: Selector): number {
  const fds = selectFds(spec, sel);
  if (fds.length === 1) return fds[0]!;
  for (const fd of fds) new Fd(fd).close();
  throw new UsageError(`several ${spec.kind === "prog" ? "programs" : "maps"} match this handle`);
}

/** `OBJECT show [SELECTOR] [-f]` output, plain or JSON, as bpftool prints it. */
export function showOutput<S>(spec: ShowSpec<S>, args: readonly string[], ctx: Pick<CliContext, "json" | "pretty" | "bpffs">): string {
  const { bpffs: flag, rest } = takeBpffsFlag(args);
  const sel = parseSelector(rest, spec.kind === "prog");
  const pins = flag || ctx.bpffs === true ? pinnedObjects(spec.kind) : undefined;
  const shown: S[] = [];
  const fds = sel ? selectFds(spec, sel) : undefined;
  const each = (fd: number) => {
    using owned = new Fd(fd);
    shown.push(spec.collect(owned.value, pins));
  };
  if (fds) fds.forEach(each);
  else {
    for (const id of ids(spec.kind)) {
      const fd = tryGetFdById(spec.kind, id);
      if (fd !== undefined) each(fd);
    }
  }
  if (!ctx.json) return shown.map((s) => spec.plain(s)).join("");
  const w = new BpftoolJson(ctx.pretty);
  const array = !sel || shown.length > 1;
  if (array) w.startArray();
  for (const s of shown) spec.json(w, s);
  if (array) w.endArray();
  return w.finish();
}

/** `corebpf OBJECT { show | list | help } ...`. */
export function runShow<S>(spec: ShowSpec<S>, help: string, args: string[], ctx: CliContext): number {
  const [verb, ...rest] = args;
  const word = verb === undefined ? "show" : matchKeyword(verb, ["show", "list", "help"], "command");
  if (word === "help") {
    process.stdout.write(help);
    return 0;
  }
  if (rest.some((a) => a.startsWith("-") && a !== "-f" && a !== "--bpffs")) throw new UsageError(`unknown option in '${rest.join(" ")}'`);
  process.stdout.write(showOutput(spec, rest, ctx));
  return 0;
}
