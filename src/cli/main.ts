// corebpf command line: bpftool's grammar (`corebpf OBJECT COMMAND [ARGS]`,
// unambiguous prefixes accepted) dispatching to one lazily loaded module per
// object, so that start-up only pays for the verb being run.
import { CoreBpfError, VerifierError } from "../errors.js";
import { type CliContext, parseGlobalOptions, matchKeyword } from "./args.js";
import { BpftoolJson } from "./bpftool-json.js";
import { objects } from "./commands.js";

const usage = (names: string[]) =>
  `Usage: corebpf [OPTIONS] OBJECT { COMMAND | help }\n       OBJECT := { ${names.join(" | ")} }\n       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-B|--base-btf} PATH }\n`;

export async function main(argv: string[]): Promise<number> {
  let ctx: CliContext | undefined;
  try {
    const parsed = parseGlobalOptions(argv);
    ctx = parsed.ctx;
    const [object, ...rest] = parsed.rest;
    const names = Object.keys(objects);
    if (object === undefined || object === "help" || object === "--help" || object === "-h") {
      process.stdout.write(usage(names));
      return object === undefined ? 255 : 0;
    }
    const name = matchKeyword(object, names, "object");
    const mod = await objects[name]!();
    return (await mod.run(rest, ctx)) ?? 0;
  } catch (err) {
    return reportError(err, ctx);
  }
}

/** bpftool's exit status for a failure: its verbs `return -1` (a few return -errno; corebpf does not copy those). */
export const FAILURE_STATUS = 255;

/**
 * Reports a failure as bpftool does: "Error: MESSAGE" on stderr, or with -j/-p
 * {"error": MESSAGE} on stdout (pretty under -p) and nothing on stderr; exits
 * 255. corebpf's extra detail (code, hint, where) follows "error" as more keys,
 * which readers of bpftool's error object ignore. Any error, ours or Node's
 * (ENOENT from a file read), gets one line; -d adds a verifier rejection's
 * whole log, as bpftool -d does, or else the stack.
 */
export function reportError(err: unknown, ctx: Pick<CliContext, "json" | "pretty" | "debug"> | undefined): number {
  if (ctx?.debug) process.stderr.write(debugDetail(err));
  if (ctx?.json) process.stdout.write(errorJson(err, ctx.pretty));
  else process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  return FAILURE_STATUS;
}

/** The message without the hint that CoreBpfError appends to it in parentheses. */
function bareMessage(err: CoreBpfError): string {
  const suffix = err.hint === undefined ? "" : ` (${err.hint})`;
  return suffix !== "" && err.message.endsWith(suffix) ? err.message.slice(0, -suffix.length) : err.message;
}

function errorJson(err: unknown, pretty: boolean): string {
  const w = new BpftoolJson(pretty).startObject();
  if (err instanceof CoreBpfError) {
    w.stringField("error", bareMessage(err)).stringField("code", err.code);
    const errno = (err as { errno?: unknown }).errno;
    if (typeof errno === "string") w.stringField("errno", errno); // what libbpf would return (CO-RE failures)
    if (err.hint !== undefined) w.stringField("hint", err.hint);
    for (const [key, value] of Object.entries(err.where)) {
      if (typeof value === "number") w.intField(key, value);
      else if (typeof value === "string") w.stringField(key, value);
    }
  } else {
    w.stringField("error", err instanceof Error ? err.message : String(err));
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string") w.stringField("code", code);
  }
  return w.endObject().finish();
}

/** -d: a verifier's (or BTF checker's) whole log between libbpf's markers, else the stack. */
function debugDetail(err: unknown): string {
  if (err instanceof VerifierError && err.log.length > 0) {
    const what = err.where.program === undefined ? "BTF" : "PROG";
    return `-- BEGIN ${what} LOAD LOG --\n${err.log.join("\n")}\n-- END ${what} LOAD LOG --\n`;
  }
  return err instanceof Error && err.stack !== undefined ? err.stack + "\n" : "";
}
