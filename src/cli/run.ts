// corebpf run [OBJ]: load any CO-RE object, attach what its sections allow,
// print ring buffer and perf buffer records as they arrive, and dump the other
// maps at exit (SIGINT/SIGTERM, --duration, or a consumer failing). Without OBJ
// it runs the bundled execsnoop. The work is ObjectRun's (src/events); this
// file parses arguments, prints, and owns the process's lifetime.
import { existsSync, readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { UsageError } from "../errors.js";
import type { ObjectRun, ObjectRunOptions, ProgramOutcome, RunRecord } from "../events/run-object.js";
import { type CliContext, takeValue } from "./args.js";

const TOOLS_DIR = fileURLToPath(new URL("../../../bpf/tools/", import.meta.url));
const DEFAULT_TOOL = "execsnoop";

const USAGE = `Usage: corebpf run [OBJ | TOOL] [--btf PATH] [-B|--base-btf PATH] [--duration S] [-j]
                   [--iface IF] [--cgroup PATH] [--pid PID] [--type MAP=TYPE]... [--verbose]
       TOOL := { ${bundledTools().join(" | ") || DEFAULT_TOOL} } (default ${DEFAULT_TOOL})
`;

interface RunArgs {
  path: string;
  duration: number | undefined;
  verbose: boolean;
  options: ObjectRunOptions;
}

/** Names of the bundled objects (bpf/tools/NAME.bpf.o). */
export function bundledTools(): string[] {
  try {
    return readdirSync(TOOLS_DIR)
      .filter((n) => n.endsWith(".bpf.o"))
      .map((n) => n.slice(0, -".bpf.o".length))
      .sort();
  } catch {
    return [];
  }
}

/** OBJ as given, or the bundled tool of that name. */
export function resolveObjectPath(arg: string | undefined): string {
  const name = arg ?? DEFAULT_TOOL;
  if (arg !== undefined && (arg.includes("/") || arg.endsWith(".o") || existsSync(arg))) return arg;
  const bundled = `${TOOLS_DIR}${name}.bpf.o`;
  if (existsSync(bundled)) return bundled;
  throw new UsageError(`no object file '${name}' and no bundled tool of that name`, { hint: `bundled: ${bundledTools().join(", ") || "none"}` });
}

function positive(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number, got '${value}'`);
  return n;
}

export function parseRunArgs(args: readonly string[], ctx: CliContext): RunArgs {
  const options: ObjectRunOptions = {};
  const recordTypes: Record<string, string> = {};
  let object: string | undefined;
  let duration: number | undefined;
  let verbose = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => takeValue(args as string[], i++, arg);
    switch (arg) {
      case "--btf":
        options.btf = value();
        break;
      case "--duration":
        duration = positive(value(), "--duration");
        break;
      case "--iface":
        options.iface = value();
        break;
      case "--cgroup":
        options.cgroup = value();
        break;
      case "--pid":
        options.pid = positive(value(), "--pid");
        break;
      case "--type": {
        const v = value();
        const eq = v.indexOf("=");
        if (eq <= 0) throw new UsageError(`--type wants MAP=TYPE, got '${v}'`);
        recordTypes[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case "-v":
      case "--verbose":
        verbose = true;
        break;
      default:
        if (arg.startsWith("-") || object !== undefined) throw new UsageError(`unexpected argument '${arg}'\n${USAGE}`);
        object = arg;
    }
  }
  if (ctx.baseBtf !== undefined) options.baseBtf = ctx.baseBtf;
  if (Object.keys(recordTypes).length > 0) options.recordTypes = recordTypes;
  return { path: resolveObjectPath(object), duration, verbose, options };
}

const ms = (x: number) => Math.round(x * 10) / 10;

function outcomeJson(p: ProgramOutcome): string {
  const f: string[] = [`"name":${JSON.stringify(p.name)}`, `"section":${JSON.stringify(p.section)}`, `"id":${p.id}`, `"attached":${p.attached}`];
  if (p.attached) f.push(`"kind":${JSON.stringify(p.kind)}`, `"link_ids":[${p.linkIds.join(",")}]`);
  else f.push(`"reason":${JSON.stringify(p.reason)}`, `"code":${p.code === undefined ? "null" : JSON.stringify(p.code)}`);
  return `{${f.join(",")}}`;
}

/** stdout that a vanished reader (EPIPE) silences instead of crashing the process: `gone` settles then. */
const stdout = (() => {
  let closed = false;
  let settle: () => void = () => {};
  const gone = new Promise<void>((resolve) => (settle = resolve));
  let listening = false;
  return {
    gone,
    write(text: string): void {
      if (!listening) {
        listening = true;
        process.stdout.on("error", () => {
          closed = true;
          settle();
        });
      }
      if (!closed && text !== "") process.stdout.write(text);
    },
  };
})();

/** Buffered stdout: records arriving together go out in one write. */
class Output {
  #pending = "";
  #scheduled = false;
  write(text: string): void {
    this.#pending += text;
    if (this.#pending.length > 65536) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }
  flush(): void {
    this.#scheduled = false;
    if (this.#pending === "") return;
    stdout.write(this.#pending);
    this.#pending = "";
  }
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  if (args[0] === "help" || args[0] === "--help" || args[0] === "-h") {
    stdout.write(USAGE);
    return 0;
  }
  const cliStart = performance.now();
  const { path, duration, verbose, options } = parseRunArgs(args, ctx);
  const { ObjectRun } = await import("../events/run-object.js");
  const imported = performance.now();
  const r = await ObjectRun.start(path, options);
  try {
    const out = new Output();
    const t = r.timings;
    const timing = { cli: ms(cliStart), imports: ms(imported - cliStart), load: ms(t.loaded - t.start), attach: ms(t.attached - t.loaded), attached: ms(t.attached) };
    const attached = r.programs.filter((p) => p.attached).length;
    if (ctx.json) {
      const streams = r.streams.map((s) => `{"map":${JSON.stringify(s.map)},"kind":"${s.kind}","id":${s.id}}`);
      const timingJson = Object.entries(timing).map(([k, v]) => `"${k}":${v}`);
      const notCreated = r.mapsNotCreated.map((m) => `{"name":${JSON.stringify(m.name)},"section":${JSON.stringify(m.section)},"reason":${JSON.stringify(m.reason)}}`);
      out.write(
        `{"type":"start","object":${JSON.stringify(path)},"programs":[${r.programs.map(outcomeJson).join(",")}],${notCreated.length > 0 ? `"maps_not_created":[${notCreated.join(",")}],` : ""}"streams":[${streams.join(",")}],"ms":{${timingJson.join(",")}}}\n`,
      );
    } else {
      for (const m of r.mapsNotCreated) process.stderr.write(`corebpf run: map ${m.name} (${m.section}) not created: ${m.reason}\n`);
      for (const p of r.programs) if (!p.attached) process.stderr.write(`corebpf run: ${p.name} (${p.section}) not ${p.id === 0 ? "loaded" : "attached"}: ${p.reason}\n`);
      const what = r.streams.length > 0 ? `printing ${r.streams.map((s) => `'${s.map}'`).join(", ")}` : "no ring or perf buffers";
      process.stderr.write(`corebpf run: ${attached} of ${r.programs.length} programs attached, ${what}${duration === undefined ? "; Ctrl-C to stop" : ` for ${duration} s`}\n`);
      if (verbose) {
        process.stderr.write(
          `corebpf run: attached ${timing.attached} ms after process start (node + CLI ${timing.cli} ms, imports ${timing.imports} ms, load ${timing.load} ms, attach ${timing.attach} ms)\n`,
        );
      }
    }
    out.flush();
    const reason = await runUntilStopped(r, duration, ctx.json, out);
    r.detach();
    r.flush();
    out.flush();
    await dumpMaps(r, ctx.json);
    if (ctx.json) out.write(`{"type":"exit","reason":${JSON.stringify(reason)},"events":${r.events},"lost":${r.lost}}\n`);
    else process.stderr.write(`corebpf run: ${reason}: ${r.events} event${r.events === 1 ? "" : "s"}${r.lost > 0 ? `, ${r.lost} lost` : ""}\n`);
    out.flush();
    return 0;
  } finally {
    r.close();
  }
}

/** Prints records until a signal, the duration, or a consumer failure; returns why it stopped. */
async function runUntilStopped(r: ObjectRun, duration: number | undefined, json: boolean, out: Output): Promise<string> {
  const { PlainPrinter, eventJson, lostJson } = await import("./run-format.js");
  const plain = json ? undefined : new PlainPrinter(r.object.spec.btf, r.streams);
  const print = (rec: RunRecord): void => {
    if (rec.type === "event") out.write(plain ? plain.event(rec) : eventJson(rec));
    else out.write(plain ? plain.lost(rec) : lostJson(rec));
  };
  const cleanups: (() => void)[] = [];
  try {
    return await new Promise<string>((resolve) => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        const on = () => resolve(signal);
        process.once(signal, on);
        cleanups.push(() => process.off(signal, on));
      }
      // A reader that went away (`| head`) ends the run like a signal.
      const onStdoutGone = () => resolve("stdout closed");
      stdout.gone.then(onStdoutGone, onStdoutGone);
      if (duration !== undefined) {
        const timer = setTimeout(() => resolve("duration"), duration * 1000);
        cleanups.push(() => clearTimeout(timer));
      } else if (r.streams.length === 0) {
        const keepAlive = setInterval(() => {}, 1 << 30);
        cleanups.push(() => clearInterval(keepAlive));
      }
      r.consume(print, (err) => resolve(`consumer failed: ${(err as Error).message}`));
    });
  } finally {
    for (const c of cleanups) c();
  }
}

/** The maps that are not event streams: as `bpftool map dump` prints them, or (-j) one NDJSON line each, typed through BTF. */
async function dumpMaps(r: ObjectRun, json: boolean): Promise<void> {
  const maps = r.otherMaps();
  if (maps.length === 0) return;
  const [{ mapDumpOutput }, { mapEntriesJson }, { mapInfo }, { mapTypeNames }] = await Promise.all([
    import("./map-dump.js"),
    import("./run-format.js"),
    import("../kernel/info.js"),
    import("../kernel/uapi.js"),
  ]);
  let text = "";
  for (const { name, map } of maps) {
    const info = mapInfo(map.fd.value);
    const type = mapTypeNames[info.type] ?? String(info.type);
    if (json) {
      const { entries, error } = mapEntriesJson(map);
      text += `{"type":"map","map":${JSON.stringify(name)},"map_type":"${type}","id":${info.id},"entries":${entries}${error === undefined ? "" : `,"error":${JSON.stringify(error)}`}}\n`;
    } else {
      const { stdout } = mapDumpOutput(["id", String(info.id)], { json: false, pretty: false });
      text += `\nmap '${name}' (${type}, id ${info.id}):\n${stdout}${stdout.endsWith("\n") ? "" : "\n"}`;
    }
  }
  stdout.write(text);
}
