// `corebpf btf ...`: bpftool 7.1's btf verbs. `btf dump {file PATH | id N |
// prog PROG | map MAP [key|value|kv|all]} [format {raw | c}]` (kernel sources
// in btf-kernel.ts) prints what bpftool prints, byte for byte (raw text, -j/-p JSON,
// or the C header). Keywords are matched as bpftool matches them: the first
// keyword, in bpftool's order, that the word is a prefix of (`btf d f X f c`).
//
// Start-up matters here (a dump is one short process): raw BTF, the common
// input, is parsed with the Btf module alone; the readers of compressed and
// ELF inputs are loaded only when needed.
import { writeSync } from "node:fs";
import { errnoMessage, errnoNumber } from "../kernel/errno.js";
import { readInputFile } from "../kernel/input-file.js";
import { setFlagsFromString } from "node:v8";
import { Btf } from "../btf/btf.js";
import type { ChunkSink } from "../btf/dump-out.js";
import { CoreBpfError, NotSupportedError, UsageError } from "../errors.js";
import type { CliContext } from "./args.js";
import type { KernelBtfSource } from "./btf-kernel.js";

const USAGE = `Usage: corebpf btf dump BTF_SRC [format FORMAT]
       corebpf btf help

       BTF_SRC := { id BTF_ID | prog PROG | map MAP [{key | value | kv | all}] | file FILE }
       FORMAT  := { raw | c }
       MAP     := { id MAP_ID | pinned FILE | name MAP_NAME }
       PROG    := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }
       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-B|--base-btf} PATH }

       FILE may be raw BTF (e.g. /sys/kernel/btf/vmlinux), gzip or xz compressed BTF,
       or an ELF file with a .BTF section. Files under /sys/kernel/btf/ other than
       vmlinux are split BTF over /sys/kernel/btf/vmlinux unless -B says otherwise.
`;

const SYSFS_BTF = "/sys/kernel/btf/";
const SYSFS_VMLINUX = "/sys/kernel/btf/vmlinux";

/** bpftool's is_prefix: the first keyword `word` is a prefix of, in order. */
function firstPrefixed(word: string, keywords: readonly string[]): string | undefined {
  return keywords.find((k) => k.startsWith(word));
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined) throw new NotSupportedError("btf show", "'btf show' (listing the kernel's BTF objects) is not supported yet", { hint: "use 'btf dump file PATH'" });
  switch (firstPrefixed(verb, ["show", "list", "help", "dump"])) {
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "dump":
      return dump(rest, ctx);
    case "show":
    case "list":
      throw new NotSupportedError("btf show", `'btf ${verb}' (listing the kernel's BTF objects) is not supported yet`, {
        hint: "use 'btf dump file PATH'",
      });
    default:
      throw new UsageError(`unknown btf command '${verb}'`, { hint: "see 'corebpf btf help'" });
  }
}

async function dump(args: string[], ctx: CliContext): Promise<number> {
  if (args.length < 2) throw new UsageError(`'dump' needs at least 2 arguments, ${args.length} found`, { hint: "btf dump file PATH [format {raw | c}]" });
  const source = args[0]!;
  const kind = firstPrefixed(source, ["map", "prog", "id", "file"]);
  if (kind === undefined) throw new UsageError(`unrecognized BTF source specifier: '${source}'`);
  // bpftool reads -B's base first, then the source's ids, then the options, then the BTF.
  const base = ctx.baseBtf === undefined ? undefined : await parseFile(ctx.baseBtf, undefined, "failed to parse base BTF at");
  const kernel = kind === "file" ? undefined : await import("./btf-kernel.js");
  const picked: KernelBtfSource = kernel === undefined ? { btfId: 0, rootIds: undefined, argsUsed: 2 } : kernel.kernelSource(kind as "id" | "prog" | "map", args);
  const format = parseFormat(args.slice(picked.argsUsed));
  const btf = kernel === undefined ? await loadFile(args[1]!, base) : kernel.loadKernelBtf(picked.btfId, base, ctx);
  const rootIds = picked.rootIds;
  if (format === "c" && ctx.json) throw new UsageError("JSON output for C-syntax dump is not supported");
  const sink = stdoutSink();
  // A dump runs once per process, mostly before V8 has optimised it: TurboFan's
  // inlining roughly triples its compile work, which on a small machine keeps
  // optimised code from arriving until the dump is nearly over (measured: the
  // kernel's C dump takes about half the wall time without it).
  setFlagsFromString("--no-turbo-inlining");
  try {
    if (format === "c") {
      const { dumpC } = await import("../btf/dump-c.js");
      dumpC(btf, sink, rootIds === undefined ? {} : { rootIds });
    } else {
      const { dumpRaw } = await import("../btf/dump-raw.js");
      dumpRaw(btf, sink, { json: ctx.json, pretty: ctx.pretty, ...(rootIds === undefined ? {} : { rootIds }) });
    }
  } catch (err) {
    if (err === BROKEN_PIPE) return 0;
    throw err;
  }
  return 0;
}

/** `format {raw | c}` options (bpftool takes the last one). */
function parseFormat(args: readonly string[]): "raw" | "c" {
  let format: "raw" | "c" = "raw";
  for (let i = 0; i < args.length; i += 2) {
    const option = args[i]!;
    if (!"format".startsWith(option)) throw new UsageError(`unrecognized option: '${option}'`);
    const f = args[i + 1];
    if (f === undefined) throw new UsageError("expecting value for 'format' option");
    if (f !== "c" && f !== "raw") throw new UsageError(`unrecognized format specifier: '${f}', possible values: raw, c`);
    format = f;
  }
  return format;
}

/** Reads BTF like bpftool's btf__parse_split: any input format, split over `base` (-B) or the running kernel's vmlinux. */
async function loadFile(path: string, base: Btf | undefined): Promise<Btf> {
  if (base === undefined && path.startsWith(SYSFS_BTF) && path !== SYSFS_VMLINUX) {
    base = await parseFile(SYSFS_VMLINUX, undefined, "failed to load the kernel's BTF as base from");
  }
  return parseFile(path, base, "failed to load BTF from");
}

async function parseFile(path: string, base: Btf | undefined, what: string): Promise<Btf> {
  let bytes: Uint8Array;
  try {
    bytes = readInputFile(path);
  } catch (err) {
    const code = (err as CoreBpfError).code;
    const errno = errnoNumber(code);
    throw new CoreBpfError(code, `${what} ${path}: ${errno === undefined ? (err as Error).message : errnoMessage(errno)}`, { file: path, cause: err });
  }
  try {
    // Raw BTF (either byte order) needs nothing but the parser.
    if ((bytes[0] === 0x9f && bytes[1] === 0xeb) || (bytes[0] === 0xeb && bytes[1] === 0x9f)) {
      return Btf.parse(bytes, base === undefined ? {} : { base });
    }
    const { decodeBtfInput } = await import("../kernel/btf-files.js");
    return await decodeBtfInput(bytes, base === undefined ? {} : { base });
  } catch (err) {
    if (!(err instanceof CoreBpfError) || err.where.file !== undefined) throw err;
    const Class = err.constructor as new (code: string, message: string, options: object) => CoreBpfError;
    const message = err.hint === undefined ? err.message : err.message.slice(0, -(err.hint.length + 3));
    throw new Class(err.code, `${what} ${path}: ${message}`, { ...err.where, file: path, hint: err.hint, cause: err });
  }
}


/** Thrown through the dump to stop it when the reader of stdout went away. */
const BROKEN_PIPE = Symbol("EPIPE");

/** Writes chunks to fd 1 whole, with a retry when stdout is a non-blocking pipe that is full. */
function stdoutSink(): ChunkSink {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      try {
        at += writeSync(1, chunk, at, chunk.length - at);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") Atomics.wait(pause, 0, 0, 1);
        else if (code === "EPIPE") throw BROKEN_PIPE;
        else throw new CoreBpfError(code ?? "EIO", `cannot write the output: ${(err as Error).message}`, { cause: err });
      }
    }
  };
}
