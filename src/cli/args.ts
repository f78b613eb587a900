// Argument helpers shared by every CLI object: global options and bpftool-style
// keyword matching (any unambiguous prefix of a keyword is accepted).
import { UsageError } from "../errors.js";

export interface CliContext {
  json: boolean;
  pretty: boolean;
  debug: boolean;
  /** -B/--base-btf PATH */
  baseBtf: string | undefined;
  /** -f/--bpffs: show pinned paths (prog/map show) */
  bpffs?: boolean;
}

export function parseGlobalOptions(argv: string[]): { ctx: CliContext; rest: string[] } {
  const ctx: CliContext = { json: false, pretty: false, debug: false, baseBtf: undefined };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "-j":
      case "--json":
        ctx.json = true;
        break;
      case "-p":
      case "--pretty":
        ctx.json = true;
        ctx.pretty = true;
        break;
      case "-d":
      case "--debug":
        ctx.debug = true;
        break;
      case "-f":
      case "--bpffs":
        ctx.bpffs = true;
        break;
      case "-B":
      case "--base-btf": {
        const path = argv[++i];
        if (path === undefined) throw new UsageError(`${arg} needs a PATH`);
        ctx.baseBtf = path;
        break;
      }
      default:
        rest.push(arg);
    }
  }
  return { ctx, rest };
}

/** Resolves `word` to the one keyword it is a prefix of (bpftool accepts `btf d f`). */
export function matchKeyword(word: string, keywords: readonly string[], what: string): string {
  if (keywords.includes(word)) return word;
  const hits = keywords.filter((k) => k.startsWith(word));
  if (hits.length === 1) return hits[0]!;
  if (hits.length === 0) throw new UsageError(`unknown ${what} '${word}', expected one of: ${keywords.join(", ")}`);
  throw new UsageError(`ambiguous ${what} '${word}': ${hits.join(", ")}`);
}

/** Takes the value following a keyword argument, or fails naming the keyword. */
export function takeValue(args: string[], i: number, keyword: string): string {
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`'${keyword}' needs an argument`);
  return v;
}
