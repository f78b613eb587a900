// parseObject: a clang-built BPF ELF (either byte order) to a validated
// ObjectSpec, in libbpf's order of work (bpf_object_open): sections, BTF,
// functions, externs, DATASEC fix-ups, maps, programs, relocations; then each
// entry program linked as libbpf links it before loading.
import { AsmError, BtfError, ElfError, ObjectError } from "../errors.js";
import { Btf, BtfKind, FuncLinkage } from "../btf/index.js";
import { EM, ET, type ElfFile, type ElfSymbol, parseElf } from "../elf/index.js";
import { withArenaData } from "./arena.js";
import { type BtfExt, parseBtfExt } from "./btf-ext.js";
import { datasecLayouts, objectSymbols } from "./datasec.js";
import { indexBtfExt } from "./ext-index.js";
import { collectExterns, kconfigSize } from "./externs.js";
import { type RawFunction, collectFunctions } from "./functions.js";
import { linkProgram } from "./link.js";
import { fillMapSlots } from "./map-slots.js";
import { btfMaps } from "./maps-btf.js";
import { dataMaps } from "./maps-data.js";
import { resolveRelocations } from "./relocations.js";
import { closeSectionNames, sectionInfo } from "./section-defs.js";
import { type SectionTable, classifySections, readKernelVersion, readLicense } from "./sections.js";
import { bindStructOps, structOpsMaps } from "./struct-ops.js";
import { asObjectError } from "./wrap.js";
import type { DatasecLayout, ExternSpec, FunctionSpec, MapSpec, ProgramSpec, SectionSpec } from "./types.js";

export interface ParseObjectOptions {
  /** The object's name (libbpf's, see objectNameFromPath): prefix of global data map names. Default "". */
  name?: string;
  /** Ignore unknown attributes in map definitions (libbpf's relaxed_maps). Default false. */
  relaxedMaps?: boolean;
  /** Keep programs whose section name libbpf does not know (type 0) instead of failing. Default false. */
  allowUnknownSections?: boolean;
}

/** A BPF object file as a validated model. */
export class ObjectSpec {
  readonly name: string;
  readonly littleEndian: boolean;
  /** "" when the object has no license section. */
  readonly license: string;
  /** The `version` section's value, undefined without one (a loader then uses the running kernel's). */
  readonly kernelVersion: number | undefined;
  readonly elf: ElfFile;
  readonly btf: Btf | undefined;
  readonly btfExt: BtfExt | undefined;
  readonly sections: readonly SectionSpec[];
  /** Every function of the code sections, subprograms included, by section then offset. */
  readonly functions: readonly FunctionSpec[];
  /** Entry programs, linked, in libbpf's order (section, then offset). */
  readonly programs: readonly ProgramSpec[];
  /** .maps maps, then global data maps by section, then .kconfig, then struct_ops maps (libbpf's order). */
  readonly maps: readonly MapSpec[];
  /** kconfig externs (in .kconfig map order), then ksyms by name. */
  readonly externs: readonly ExternSpec[];
  /** DATASECs with libbpf's open-time fix-ups, by name (.kconfig and .ksyms excepted: see externs). */
  readonly datasecs: ReadonlyMap<string, DatasecLayout>;

  /** @internal use parseObject */
  constructor(init: Omit<ObjectSpec, "program" | "map" | "function">) {
    this.name = init.name;
    this.littleEndian = init.littleEndian;
    this.license = init.license;
    this.kernelVersion = init.kernelVersion;
    this.elf = init.elf;
    this.btf = init.btf;
    this.btfExt = init.btfExt;
    this.sections = init.sections;
    this.functions = init.functions;
    this.programs = init.programs;
    this.maps = init.maps;
    this.externs = init.externs;
    this.datasecs = init.datasecs;
  }

  program(name: string): ProgramSpec | undefined {
    return this.programs.find((p) => p.name === name);
  }

  function(name: string): FunctionSpec | undefined {
    return this.functions.find((f) => f.name === name);
  }

  /** A map by its name, or for global data maps by section name (".rodata"), as libbpf finds them. */
  map(name: string): MapSpec | undefined {
    return this.maps.find((m) => m.name === name) ?? this.maps.find((m) => m.kind !== "btf" && m.kind !== "struct_ops" && m.section === name);
  }
}


/**
 * Reads a BPF object file into its model. Throws ObjectError (with the
 * section and offset at fault) for anything libbpf would refuse, and for
 * malformed ELF, BTF, .BTF.ext and instructions.
 */
export function parseObject(bytes: Uint8Array, options: ParseObjectOptions = {}): ObjectSpec {
  try {
    return build(bytes, options);
  } catch (err) {
    if (err instanceof ElfError || err instanceof BtfError || err instanceof AsmError) throw asObjectError(err);
    throw err;
  }
}

function checkHeader(elf: ElfFile): void {
  if (elf.machine !== EM.BPF && elf.machine !== EM.NONE) {
    const what = elf.machine === EM.X86_64 ? "x86-64" : elf.machine === EM.AARCH64 ? "AArch64" : `machine ${elf.machine}`;
    throw new ObjectError("OBJ_NOT_BPF", `ELF machine is ${what}, not BPF (${EM.BPF})`, { offset: 18, hint: "compile with clang -target bpf" });
  }
  if (elf.type !== ET.REL) {
    throw new ObjectError("OBJ_NOT_RELOCATABLE", `ELF type ${elf.type} is not a relocatable object (ET_REL)`, { offset: 16, hint: "give the .bpf.o clang writes (clang -c), not a linked file" });
  }
}

function parseBtfSections(table: SectionTable, le: boolean): { btf: Btf | undefined; btfExt: BtfExt | undefined } {
  let btf: Btf | undefined;
  if (table.btf !== undefined) {
    try {
      btf = Btf.parse(table.btf.data);
    } catch (err) {
      if (!(err instanceof BtfError)) throw err;
      throw asObjectError(err, ".BTF: ", { section: ".BTF" });
    }
    if (btf.littleEndian !== le) throw new ObjectError("OBJ_BAD_BTF", ".BTF is in the other byte order than the ELF file", { section: ".BTF", offset: 0, hint: "the object is corrupt" });
  }
  // libbpf ignores .BTF.ext without .BTF; we do too.
  const btfExt = table.btfExt !== undefined && btf !== undefined ? parseBtfExt(table.btfExt.data, btf, le) : undefined;
  return { btf, btfExt };
}

function build(bytes: Uint8Array, options: ParseObjectOptions): ObjectSpec {
  const elf = parseElf(bytes);
  checkHeader(elf);
  const le = elf.littleEndian;
  const table = classifySections(elf);
  const symbols = elf.symbols();
  const { btf, btfExt } = parseBtfSections(table, le);
  const raw = collectFunctions(elf, table, symbols);
  const externs = collectExterns(btf, symbols);
  const layouts = btf === undefined ? new Map<string, DatasecLayout>() : datasecLayouts(btf, elf, objectSymbols(symbols));
  const mapsSection = table.maps === 0 ? undefined : elf.sections[table.maps]!;
  const ctx = { elf, table, btf, layouts, objectName: options.name ?? "" };
  const userMaps = withArenaData(btfMaps(btf, layouts.get(".maps"), table.maps, mapsSection?.size ?? 0, !options.relaxedMaps), ctx);
  const structOps = structOpsMaps(elf, table, btf, layouts);
  const maps = [...userMaps, ...dataMaps(ctx, externs, kconfigSize(externs)), ...structOps];

  const infos = raw.map((f) => (f.subprogram ? undefined : programSection(f, options)));
  const progTypes = new Map(raw.flatMap((f, i) => (infos[i] === undefined ? [] : [[f.name, infos[i]!.info?.progType ?? 0] as const])));
  collectDataRelocations(elf, table, btf, maps, symbols, raw, userMaps, layouts, progTypes);

  const relocations = resolveRelocations({ elf, table, symbols, functions: raw, maps, externs });
  const functions: FunctionSpec[] = raw.map((f, i) => ({ ...f, relocations: relocations[i]!.list }));
  const inputs = {
    functions: raw,
    relocations,
    ext: indexBtfExt(btfExt, elf, raw),
    btfExt,
    btf,
    littleEndian: le,
    exceptionCallbacks: exceptionCallbacks(btf, raw),
  };
  const programs: ProgramSpec[] = [];
  raw.forEach((f, i) => {
    const s = infos[i];
    if (s === undefined) return;
    const linked = linkProgram(inputs, i);
    programs.push({
      name: f.name,
      section: s.section,
      sectionIndex: f.sectionIndex,
      autoload: s.autoload,
      type: s.info?.progType ?? 0,
      expectedAttachType: s.info?.expectedAttachType ?? 0,
      attachTarget: s.info?.attachTarget,
      progFlags: s.info?.progFlags ?? 0,
      sectionInfo: s.info,
      global: f.global,
      hidden: f.hidden,
      ...linked,
      funcInfoRecSize: btfExt?.funcInfoRecSize ?? 8,
      lineInfoRecSize: btfExt?.lineInfoRecSize ?? 16,
    });
  });
  return new ObjectSpec({
    name: options.name ?? "",
    littleEndian: le,
    license: readLicense(table.license),
    kernelVersion: readKernelVersion(table.version, le),
    elf,
    btf,
    btfExt,
    sections: table.list,
    functions,
    programs,
    maps,
    externs,
    datasecs: layouts,
  });
}

function programSection(f: RawFunction, options: ParseObjectOptions) {
  const autoload = !f.section.startsWith("?");
  const section = autoload ? f.section : f.section.slice(1);
  const info = sectionInfo(section);
  if (info === undefined && !options.allowUnknownSections) {
    const close = closeSectionNames(section);
    throw new ObjectError("OBJ_UNKNOWN_SECTION", `program '${f.name}': section '${f.section}' is not a known program section`, {
      section: f.section,
      offset: f.offset * 8,
      program: f.name,
      hint: close.length > 0 ? `did you mean ${close.map((c) => `'${c}'`).join(", ")}?` : "see libbpf's program types and ELF sections table",
    });
  }
  return { autoload, section, info };
}

/** .rel.maps (initial slots) and .rel.struct_ops (member bindings). */
function collectDataRelocations(
  elf: ElfFile,
  table: SectionTable,
  btf: Btf | undefined,
  maps: readonly MapSpec[],
  symbols: readonly ElfSymbol[],
  functions: readonly RawFunction[],
  userMaps: readonly MapSpec[],
  layouts: Map<string, DatasecLayout>,
  progTypes: Map<string, number>,
): void {
  for (const s of table.list) {
    if (s.kind !== "relocations") continue;
    const target = table.list.find((t) => t.index === s.target);
    if (target?.kind !== "maps" && target?.kind !== "struct_ops") continue;
    const relocs = elf.relocations(s.target!).filter((r) => r.section.index === s.index);
    if (target.kind === "struct_ops") {
      bindStructOps(btf!, maps, relocs, symbols, functions, progTypes);
      continue;
    }
    const layout = layouts.get(".maps");
    const defSizes = new Map(userMaps.map((m) => [m, layout?.vars.find((v) => v.varId === m.varId)?.size ?? 0] as const));
    fillMapSlots(btf!, maps, relocs, symbols, functions, defSizes);
  }
}

const EXCEPTION_TAG = "exception_callback:";

/** libbpf's bpf_prog_assign_exc_cb: `__exception_cb(f)` decl tags name a global subprogram to append. */
function exceptionCallbacks(btf: Btf | undefined, functions: readonly RawFunction[]): Map<number, number> {
  const out = new Map<number, number>();
  if (btf === undefined) return out;
  for (let id = btf.startId; id < btf.typeCount; id++) {
    if (btf.kind(id) !== BtfKind.DECL_TAG || (btf.dataWord(id, 0) | 0) !== -1) continue;
    const tag = btf.name(id);
    if (!tag.startsWith(EXCEPTION_TAG)) continue;
    const funcId = btf.sizeOrType(id);
    const fail = (message: string): never => {
      throw new ObjectError("OBJ_BAD_EXCEPTION_CB", message, { typeId: id, hint: "__exception_cb() goes on a global program and names a global, non-hidden function" });
    };
    if (btf.kind(funcId) !== BtfKind.FUNC || btf.vlen(funcId) !== FuncLinkage.GLOBAL) fail(`decl tag '${tag}' [${id}] is not applied to a global function`);
    const main = functions.findIndex((f) => !f.subprogram && f.name === btf.name(funcId));
    if (main < 0) continue;
    if (out.has(main)) {
      // Several callbacks for one program: libbpf appends none and lets the verifier complain.
      out.set(main, -1);
      continue;
    }
    const name = tag.slice(EXCEPTION_TAG.length);
    if (name === "") fail(`decl tag '${tag}' [${id}] names no function`);
    const candidates = functions.flatMap((f, i) => (f.subprogram && f.name === name ? [i] : []));
    if (candidates.length === 0) fail(`program '${functions[main]!.name}': cannot find exception callback '${name}'`);
    const cb = candidates[0]!;
    if (!functions[cb]!.global || functions[cb]!.hidden) fail(`program '${functions[main]!.name}': exception callback '${name}' must be a global non-hidden function`);
    if (candidates.length > 1) fail(`program '${functions[main]!.name}': several subprograms are named '${name}'`);
    out.set(main, cb);
  }
  for (const [k, v] of out) if (v < 0) out.delete(k);
  return out;
}

