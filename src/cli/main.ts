// corebpf command line: bpftool's grammar (`corebpf OBJECT COMMAND [ARGS]`,
// unambiguous prefixes accepted) dispatching to one lazily loaded module per
// object, so that start-up only pays for the verb being run.
import { CoreBpfError, UsageError } from "../errors.js";
import { type CliContext, parseGlobalOptions, matchKeyword } from "./args.js";
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

function reportError(err: unknown, ctx: CliContext | undefined): number {
  if (!(err instanceof CoreBpfError)) throw err;
  if (ctx?.json) {
    process.stdout.write(JSON.stringify({ error: err.message, code: err.code, ...err.where }) + "\n");
  } else {
    process.stderr.write(`Error: ${err.message}\n`);
    if (ctx?.debug && err.stack) process.stderr.write(err.stack + "\n");
  }
  return err instanceof UsageError ? 255 : 1;
}
