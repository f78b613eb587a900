// corebpf obj { show | dump } FILE ...
//   show FILE [-j|-p]        sections, programs, maps, globals, externs, relocation counts
//   dump FILE [prog NAME] [linum] [opcodes]
//                            each program's linked instructions (bpftool's xlated
//                            text), with source lines, maps, globals, externs and
//                            subprogram calls named
import { readInputFile } from "../kernel/input-file.js";
import { UsageError } from "../errors.js";
import { type Insn, type SourceLine, disassemble } from "../asm/index.js";
import {
  type InsnRelocation,
  MapFlag,
  type MapSpec,
  type ObjectSpec,
  type ProgramSpec,
  ProgFlag,
  SecFlag,
  attachTypeName,
  mapTypeName,
  objectNameFromPath,
  parseObject,
  progTypeName,
} from "../obj/index.js";
import { type CliContext, matchKeyword, takeValue } from "./args.js";
import { cTypeName, flagText, funcSignature, relocationCounts } from "./obj-format.js";

const USAGE = "Usage: corebpf obj { show | dump } FILE\n       corebpf obj show FILE [{-j|-p}]\n       corebpf obj dump FILE [prog NAME] [linum] [opcodes]\n";

function open(path: string | undefined): ObjectSpec {
  if (path === undefined) throw new UsageError("expected FILE (a .bpf.o)");
  const bytes = readInputFile(path);
  try {
    return parseObject(bytes, { name: objectNameFromPath(path) });
  } catch (err) {
    if (err instanceof Error && "where" in err) (err as { where: { file?: string } }).where.file = path;
    throw err;
  }
}

const typeText = (obj: ObjectSpec, id: number, size: number): string => (id !== 0 && obj.btf !== undefined ? `${size} (${cTypeName(obj.btf, id)})` : `${size}`);

function mapJson(obj: ObjectSpec, m: MapSpec): Record<string, unknown> {
  return {
    name: m.name,
    kind: m.kind,
    section: m.section,
    type: mapTypeName(m.type),
    key_size: m.keySize,
    value_size: m.valueSize,
    ...(m.keyTypeId ? { key_type: obj.btf ? cTypeName(obj.btf, m.keyTypeId) : m.keyTypeId } : {}),
    ...(m.valueTypeId ? { value_type: obj.btf ? cTypeName(obj.btf, m.valueTypeId) : m.valueTypeId } : {}),
    max_entries: m.maxEntries,
    flags: m.flags,
    numa_node: m.numaNode,
    map_extra: Number(m.mapExtra),
    pinning: m.pinning === 1 ? "by_name" : "none",
    ...(m.inner === undefined ? {} : { inner: mapJson(obj, m.inner) }),
    ...(m.slots.length === 0 ? {} : { slots: m.slots }),
    ...(m.variables.length === 0 ? {} : { variables: m.variables.map((v) => ({ name: v.name, offset: v.offset, size: v.size, type: obj.btf ? cTypeName(obj.btf, v.typeId) : v.typeId, linkage: linkageName(v.linkage) })) }),
    ...(m.structOps === undefined ? {} : { struct_ops: m.structOps }),
    ...(m.autocreate ? {} : { autocreate: false }),
  };
}

const linkageName = (l: number): string => ["static", "global", "extern"][l] ?? String(l);

/** expected_attach_type 0 is also BPF_CGROUP_INET_INGRESS: meaningful when the section says the program is attachable. */
const hasAttachType = (p: ProgramSpec): boolean => p.expectedAttachType !== 0 || ((p.sectionInfo?.flags ?? 0) & (SecFlag.ATTACHABLE | SecFlag.EXP_ATTACH_OPT)) !== 0;

function programJson(p: ProgramSpec): Record<string, unknown> {
  return {
    name: p.name,
    section: p.section,
    type: progTypeName(p.type),
    expected_attach_type: hasAttachType(p) ? attachTypeName(p.expectedAttachType) : null,
    attach_target: p.attachTarget ?? null,
    autoload: p.autoload,
    sleepable: (p.progFlags & ProgFlag.SLEEPABLE) !== 0,
    insns: p.insns.length,
    functions: p.functions.map((f) => f.name),
    relocations: relocationCounts(p),
  };
}

function showJson(obj: ObjectSpec, ctx: CliContext): void {
  const out = {
    name: obj.name,
    byte_order: obj.littleEndian ? "little" : "big",
    license: obj.license,
    kernel_version: obj.kernelVersion ?? null,
    sections: obj.sections.filter((s) => s.kind !== "other").map((s) => ({ index: s.index, name: s.name, kind: s.kind, size: s.size })),
    programs: obj.programs.map(programJson),
    maps: obj.maps.filter((m) => m.kind === "btf" || m.kind === "struct_ops").map((m) => mapJson(obj, m)),
    globals: obj.maps.filter((m) => m.kind !== "btf" && m.kind !== "struct_ops").map((m) => mapJson(obj, m)),
    externs: obj.externs.map((e) => ({ name: e.name, kind: e.kind, weak: e.weak, ...(e.kconfig ?? {}), ...(e.ksym ?? {}) })),
  };
  process.stdout.write(JSON.stringify(out, null, ctx.pretty ? 2 : undefined) + "\n");
}

function showText(obj: ObjectSpec): void {
  const lines: string[] = [];
  lines.push(`object ${obj.name || "-"}: ${obj.littleEndian ? "little" : "big"} endian, license "${obj.license}"${obj.kernelVersion === undefined ? "" : `, kernel version 0x${obj.kernelVersion.toString(16)}`}`);
  lines.push("sections:");
  for (const s of obj.sections) if (s.kind !== "other") lines.push(`  [${String(s.index).padStart(2)}] ${s.name.padEnd(24)} ${s.kind.padEnd(12)} ${s.size}`);
  lines.push(`programs (${obj.programs.length}):`);
  for (const p of obj.programs) {
    const attach = !hasAttachType(p) ? "" : `  attach ${attachTypeName(p.expectedAttachType)}`;
    const target = p.attachTarget === undefined ? "" : `  target ${p.attachTarget}`;
    const flags = (p.progFlags & ProgFlag.SLEEPABLE ? "  sleepable" : "") + (p.progFlags & ProgFlag.XDP_HAS_FRAGS ? "  frags" : "") + (p.autoload ? "" : "  noautoload");
    lines.push(`  ${p.name}  section ${p.section}  type ${progTypeName(p.type)}${attach}${target}  insns ${p.insns.length}${flags}`);
    const c = relocationCounts(p);
    const subs = p.functions.slice(1).map((f) => f.name);
    lines.push(`\trelocations: maps ${c.maps}  globals ${c.globals}  calls ${c.calls}  callbacks ${c.callbacks}  kfuncs ${c.kfuncs}  ksyms ${c.ksyms}  kconfig ${c.kconfig}  core ${c.core}${subs.length ? `\n\tsubprograms: ${subs.join(", ")}` : ""}`);
  }
  const maps = obj.maps.filter((m) => m.kind === "btf" || m.kind === "struct_ops");
  lines.push(`maps (${maps.length}):`);
  const mapLine = (m: MapSpec, indent: string) =>
    `${indent}${m.name}  ${mapTypeName(m.type)}  key ${typeText(obj, m.keyTypeId, m.keySize)}  value ${typeText(obj, m.valueTypeId, m.valueSize)}  max_entries ${m.maxEntries}  flags ${flagText(m.flags, MapFlag)}` +
    (m.numaNode ? `  numa_node ${m.numaNode}` : "") + (m.mapExtra ? `  map_extra ${m.mapExtra}` : "") + (m.pinning ? "  pinned by name" : "") + (m.autocreate ? "" : "  noautocreate");
  for (const m of maps) {
    lines.push(mapLine(m, "  "));
    if (m.inner !== undefined) lines.push(mapLine(m.inner, "\tinner "));
    for (const s of m.slots) lines.push(`\tslot [${s.index}] = ${s.program ?? s.map}`);
    for (const s of m.structOps ?? []) lines.push(`\t.${s.member} = ${s.program}`);
  }
  const globals = obj.maps.filter((m) => m.kind !== "btf" && m.kind !== "struct_ops");
  lines.push(`globals (${globals.length}):`);
  for (const m of globals) {
    lines.push(`  ${m.name}  section ${m.section}  ${m.valueSize} bytes  flags ${flagText(m.flags, MapFlag)}`);
    for (const v of m.variables) lines.push(`\t${String(v.offset).padStart(5)}  ${String(v.size).padStart(4)}  ${v.name}: ${obj.btf ? cTypeName(obj.btf, v.typeId) : v.typeId}  ${linkageName(v.linkage)}${v.hidden ? " (hidden)" : ""}`);
  }
  lines.push(`externs (${obj.externs.length}):`);
  for (const e of obj.externs) {
    const detail = e.kconfig ? `${e.kconfig.type} ${e.kconfig.size} bytes at ${e.kconfig.offset}` : e.ksym!.func ? "kfunc" : e.ksym!.typeId === 0 ? "untyped" : `typed ${obj.btf ? cTypeName(obj.btf, e.ksym!.typeId) : ""}`;
    lines.push(`  ${e.kind.padEnd(7)} ${e.name}  ${detail}${e.weak ? "  weak" : ""}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
}

/** Source lines and function signatures of a program, for the disassembler. */
function sourceOf(obj: ObjectSpec, p: ProgramSpec): { lines: SourceLine[]; funcs: { insnOff: number; signature: string }[] } {
  const btf = obj.btf;
  if (btf === undefined) return { lines: [], funcs: [] };
  return {
    lines: p.lineInfo.map((l) => ({ insnOff: l.insn, line: btf.string(l.lineOff), file: btf.string(l.fileNameOff), lineNum: l.lineNum, lineCol: l.lineCol })),
    funcs: p.funcInfo.map((f) => ({ insnOff: f.insn, signature: funcSignature(btf, f.typeId) })),
  };
}

function variableAt(m: MapSpec | undefined, offset: number): string {
  const v = m?.variables.find((x) => offset >= x.offset && offset < x.offset + Math.max(x.size, 1));
  return v === undefined ? "" : ` <${v.name}${offset === v.offset ? "" : `+${offset - v.offset}`}>`;
}

function dumpProgram(obj: ObjectSpec, p: ProgramSpec, linum: boolean, opcodes: boolean): string {
  const byInsn = new Map<number, InsnRelocation>(p.relocations.map((r) => [r.insn, r]));
  const signed = (n: number) => (n >= 0 ? `+${n}` : `${n}`);
  const ldimm64Text = (insn: Insn, i: number): string | undefined => {
    const r = byInsn.get(i);
    if (r === undefined) return undefined;
    switch (r.kind) {
      case "map":
        return `map[${obj.maps[r.map]?.name}]`;
      case "data":
      case "kconfig":
        return `map[${obj.maps[r.map]?.name}]+${r.offset}${variableAt(obj.maps[r.map], r.offset)}`;
      case "ksym":
        return `ksym[${obj.externs[r.extern]?.name}]`;
      case "callback":
        return `subprog[${signed(insn.imm)}] <${r.target}>`;
      default:
        return undefined;
    }
  };
  const callName = (insn: Insn, i: number): string | undefined => {
    const r = byInsn.get(i);
    if (r?.kind === "call") return `${signed(insn.imm)} <${r.target}>`;
    if (r?.kind === "kfunc") return obj.externs[r.extern]?.name;
    return undefined;
  };
  const { lines, funcs } = sourceOf(obj, p);
  const head = `${p.name}: ${progTypeName(p.type)}  section ${p.section}${p.autoload ? "" : "  (autoload off)"}\n`;
  return head + disassemble(p.insns, { lines, funcs, ldimm64Text, callName, linum, opcodes });
}

function dump(obj: ObjectSpec, args: string[]): void {
  let only: string | undefined;
  let linum = false;
  let opcodes = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--prog") only = takeValue(args, i++, a);
    else {
      const k = matchKeyword(a, ["prog", "linum", "opcodes"], "dump option");
      if (k === "prog") only = takeValue(args, i++, a);
      else if (k === "linum") linum = true;
      else opcodes = true;
    }
  }
  const progs = only === undefined ? obj.programs : obj.programs.filter((p) => p.name === only);
  if (progs.length === 0) {
    throw new UsageError(only === undefined ? "the object has no programs" : `no program '${only}' (programs: ${obj.programs.map((p) => p.name).join(", ")})`);
  }
  process.stdout.write(progs.map((p) => dumpProgram(obj, p, linum, opcodes)).join("\n"));
}

export function run(args: string[], ctx: CliContext): number {
  const [verb, file, ...rest] = args;
  if (verb === undefined || verb === "help") {
    process.stdout.write(USAGE);
    return verb === undefined ? 255 : 0;
  }
  const command = matchKeyword(verb, ["show", "dump"], "obj command");
  if (ctx.baseBtf !== undefined) throw new UsageError("obj reads the object's own BTF: -B/--base-btf does not apply", { hint: "-B is for btf dump, core and run" });
  if (command === "dump" && ctx.json) throw new UsageError("obj dump has no JSON output", { hint: "obj show -j describes the object as JSON" });
  const obj = open(file);
  if (command === "show") {
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (ctx.json) showJson(obj, ctx);
    else showText(obj);
  } else {
    dump(obj, rest);
  }
  return 0;
}
