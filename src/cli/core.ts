// corebpf core { relocate | explain } OBJ [--btf PATH]... [-B PATH] [-j]
//
//   relocate  every program's final instructions (CO-RE applied, subprograms
//             appended, map and global references in pseudo form with fd 0);
//             -j prints {"programs":[{"name","section","insns":[hex...]}]},
//             the shape test/reference/libbpf-relocate.c prints for libbpf.
//   explain   one line per relocation: program, instruction, kind, the local
//             access in C terms and what it became on the target (or why it
//             was poisoned or failed, with the candidates considered).
//
// Targets: without --btf, the running kernel's BTF and its modules (searched,
// like libbpf, only for types vmlinux lacks); with --btf PATH, that BTF (raw,
// ELF, gzip or xz); further --btf files are modules split over the first; with
// -B/--base-btf PATH, PATH is the kernel and every --btf a module over it.
import { basename } from "node:path";
import { readInputFile } from "../kernel/input-file.js";
import { POISON_HELPER, explainFixup, relocateObject, type CoreTarget, type CoreModuleBtf, type Explanation, CoreRelocationError } from "../core/index.js";
import { disassemble, type SourceLine } from "../asm/index.js";
import { parseObject, objectNameFromPath, type ObjectSpec } from "../obj/index.js";
import { UsageError } from "../errors.js";
import { Fd, btfInfo, getFdById, ids, kernelBtf, kernelModuleBtf, kernelModuleNames, readBtfFile } from "../kernel/index.js";
import { type CliContext, matchKeyword } from "./args.js";

const USAGE = `Usage: corebpf core relocate OBJ [--btf PATH]... [{-B|--base-btf} PATH] [-j]
       corebpf core explain OBJ [--btf PATH]... [{-B|--base-btf} PATH] [--prog NAME] [-j]
       corebpf core help

Shows the CO-RE relocations only: externs (.kconfig, .ksyms, kfunc calls) are
resolved when the object is loaded. Instructions are printed in the object's
byte order.
`;

interface Options {
  object: string;
  btfs: string[];
  prog: string | undefined;
}

function parseArgs(args: string[]): Options {
  const opts: Options = { object: "", btfs: [], prog: undefined };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--btf" || a === "--prog") {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs an argument`);
      if (a === "--btf") opts.btfs.push(v);
      else opts.prog = v;
    } else if (a.startsWith("-")) {
      throw new UsageError(`unknown option '${a}'`, { hint: USAGE.trim() });
    } else if (opts.object === "") {
      opts.object = a;
    } else {
      throw new UsageError(`unexpected argument '${a}'`, { hint: USAGE.trim() });
    }
  }
  if (opts.object === "") throw new UsageError("an object file is required", { hint: USAGE.trim() });
  return opts;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === undefined || verb === "help") {
    process.stdout.write(USAGE);
    return verb === undefined ? 255 : 0;
  }
  const command = matchKeyword(verb, ["relocate", "explain", "help"], "command");
  if (command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts = parseArgs(rest);
  const obj = openObject(opts.object);
  const target = await openTarget(opts.btfs, ctx.baseBtf);
  return command === "relocate" ? relocateCommand(obj, target, ctx) : explainCommand(obj, target, opts, ctx);
}

export function openObject(path: string): ObjectSpec {
  return parseObject(readInputFile(path), { name: objectNameFromPath(path), allowUnknownSections: true });
}

/** Describes the target for messages. */
interface OpenedTarget {
  target: CoreTarget;
  label: string;
}

async function openTarget(btfs: readonly string[], basePath: string | undefined): Promise<OpenedTarget> {
  if (btfs.length === 0 && basePath === undefined) {
    return { target: { btf: kernelBtf(), modules: runningKernelModules }, label: "the running kernel (/sys/kernel/btf)" };
  }
  const moduleName = (p: string) => basename(p).replace(/\.(btf|ko)(\.(gz|xz))?$/, "");
  if (basePath !== undefined) {
    const base = await readBtfFile(basePath);
    const modules: CoreModuleBtf[] = [];
    for (const p of btfs) modules.push({ name: moduleName(p), btf: await readBtfFile(p, { base }) });
    return { target: { btf: base, modules }, label: [basePath, ...btfs].join(" + ") };
  }
  const main = await readBtfFile(btfs[0]!);
  const modules: CoreModuleBtf[] = [];
  for (const p of btfs.slice(1)) modules.push({ name: moduleName(p), btf: await readBtfFile(p, { base: main }) });
  return { target: modules.length === 0 ? { btf: main } : { btf: main, modules }, label: btfs.join(" + ") };
}

/**
 * The loaded modules' BTFs in BTF object id order, the order libbpf searches
 * them in; by name when the ids cannot be listed (no privilege).
 */
function runningKernelModules(): CoreModuleBtf[] {
  let names: string[];
  try {
    names = [];
    for (const id of ids("btf")) {
      using fd = new Fd(getFdById("btf", id));
      const info = btfInfo(fd.value);
      if (info.kernelBtf && info.name !== "vmlinux" && info.name !== "") names.push(info.name);
    }
  } catch {
    names = kernelModuleNames();
  }
  return names.map((name) => ({ name, btf: kernelModuleBtf(name) }));
}

function hexInsns(bytes: Uint8Array): string[] {
  const out: string[] = new Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) {
    let s = "";
    for (let k = 0; k < 8; k++) s += bytes[i * 8 + k]!.toString(16).padStart(2, "0");
    out[i] = s;
  }
  return out;
}

/**
 * The relocated programs as `core relocate -j` prints them (without the
 * final newline), or the CO-RE failure.
 */
export function relocationJson(obj: ObjectSpec, target: CoreTarget, pretty = false): string | CoreRelocationError {
  const result = relocateObject(obj, target);
  if (result.error !== undefined) return result.error;
  const programs = obj.programs.map((p, i) => ({ name: p.name, section: p.section, insns: hexInsns(result.programs[i]!.insns.bytes) }));
  return JSON.stringify({ programs }, null, pretty ? 2 : undefined);
}

function relocateCommand(obj: ObjectSpec, opened: OpenedTarget, ctx: CliContext): number {
  if (ctx.json) {
    const json = relocationJson(obj, opened.target, ctx.pretty);
    if (json instanceof CoreRelocationError) throw json; // reported as every CLI error is
    process.stdout.write(json + "\n");
    return 0;
  }
  const result = relocateObject(obj, opened.target);
  if (result.error !== undefined) throw result.error;
  const btf = obj.btf;
  for (const [i, p] of obj.programs.entries()) {
    const insns = result.programs[i]!.insns;
    process.stdout.write(`${p.name}: ${p.section}${p.autoload ? "" : " (not autoloaded)"}, ${insns.length} instructions, ${p.coreRelocations.length} CO-RE relocations\n`);
    const lines: SourceLine[] = btf === undefined ? [] : p.lineInfo.map((l) => ({ insnOff: l.insn, line: btf.string(l.lineOff) }));
    process.stdout.write(
      disassemble(insns, {
        lines,
        callName: (insn) => (insn.src === 0 && insn.imm === POISON_HELPER ? `unknown#${POISON_HELPER} (poisoned CO-RE relocation)` : undefined),
      }),
    );
    process.stdout.write("\n");
  }
  return 0;
}

interface ExplainRow extends Explanation {
  program: string;
  function: string;
  insn: number;
  typeId: number;
  localValue: string;
  targetValue: string;
  targetTypeId: number | undefined;
  targetSource: string | undefined;
}

function explainCommand(obj: ObjectSpec, opened: OpenedTarget, opts: Options, ctx: CliContext): number {
  const btf = obj.btf;
  const result = relocateObject(obj, opened.target, { keepGoing: true });
  const programsOf = new Map<string, string[]>();
  for (const p of obj.programs) {
    for (const f of p.functions) {
      const list = programsOf.get(f.name) ?? [];
      list.push(p.name);
      programsOf.set(f.name, list);
    }
  }
  if (opts.prog !== undefined && !obj.programs.some((p) => p.name === opts.prog) && !programsOf.has(opts.prog)) {
    throw new UsageError(`no program or function '${opts.prog}' (programs: ${obj.programs.map((p) => p.name).join(", ")})`);
  }
  const rows: ExplainRow[] = [];
  for (const r of result.fixups) {
    const progs = programsOf.get(r.function) ?? [r.function];
    if (opts.prog !== undefined && !progs.includes(opts.prog) && r.function !== opts.prog) continue;
    const e = explainFixup(r.fixup, btf!, r.outcome);
    rows.push({
      program: progs.join(","),
      function: r.function,
      insn: r.fixup.relo.insn,
      typeId: r.fixup.relo.typeId,
      ...e,
      localValue: r.fixup.localValue.toString(),
      targetValue: r.fixup.targetValue.toString(),
      targetTypeId: r.fixup.targetTypeId,
      targetSource: r.fixup.targetSource,
    });
  }
  const counts = { relocated: 0, unchanged: 0, absent: 0, poisoned: 0, error: 0 };
  for (const r of rows) counts[r.status]++;
  if (ctx.json) {
    process.stdout.write(JSON.stringify({ target: opened.label, relocations: rows, summary: counts }, null, ctx.pretty ? 2 : undefined) + "\n");
    return counts.error > 0 ? 1 : 0;
  }
  process.stdout.write(formatTable(rows));
  const programs = new Set(rows.map((r) => r.function)).size;
  process.stdout.write(
    `\n${rows.length} relocation${rows.length === 1 ? "" : "s"} in ${programs} function${programs === 1 ? "" : "s"} against ${opened.label}: ` +
      `${counts.relocated} relocated, ${counts.unchanged} unchanged, ${counts.absent} absent (0), ${counts.poisoned} poisoned, ${counts.error} error${counts.error === 1 ? "" : "s"}` +
      `${counts.error > 0 ? " (libbpf would refuse to load the object)" : ""}\n`,
  );
  return counts.error > 0 ? 1 : 0;
}

/** Aligned columns; candidates listed under a row when more than one was considered or none matched. */
function formatTable(rows: readonly ExplainRow[]): string {
  const head = ["PROGRAM", "INSN", "KIND", "LOCAL ACCESS", "RESULT"];
  const cells = rows.map((r) => [r.function, String(r.insn), r.kind, r.access, r.result]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  widths[3] = Math.min(widths[3]!, 48);
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === 4 ? x : i === 1 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(head)];
  rows.forEach((r, k) => {
    out.push(line(cells[k]!));
    const showCandidates = r.candidates.length > 1 || r.status === "poisoned" || r.status === "absent" || r.status === "error";
    if (showCandidates && r.candidates.length > 0) out.push(`${"".padEnd(widths[0]! + widths[1]! + 4)}candidates: ${r.candidates.join("; ")}`);
  });
  return out.join("\n") + "\n";
}

