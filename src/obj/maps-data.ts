// Global data as maps (libbpf's internal maps): one single-entry array per
// non-empty .data*, .rodata*, .bss* section, in section order, then one
// .kconfig map holding the kconfig externs.
import { type Btf, BtfKind, VarLinkage } from "../btf/index.js";
import type { ElfFile } from "../elf/index.js";
import { internalMapName } from "./names.js";
import type { SectionTable } from "./sections.js";
import type { DatasecLayout, ExternSpec, MapKind, MapSpec, VariableSpec } from "./types.js";
import { MapFlag, MapType } from "./uapi.js";

interface DataContext {
  elf: ElfFile;
  table: SectionTable;
  btf: Btf | undefined;
  layouts: Map<string, DatasecLayout>;
  objectName: string;
}

function internalMap(ctx: DataContext, kind: MapKind, section: string, sectionIndex: number, valueSize: number, data: Uint8Array | undefined, variables: VariableSpec[]): MapSpec {
  // libbpf takes the value type by name, whatever its kind (.rodata.str1.1 has none).
  const valueTypeId = ctx.btf?.find(section) ?? 0;
  const isDatasec = valueTypeId !== 0 && ctx.btf!.kind(valueTypeId) === BtfKind.DATASEC;
  let flags = kind === "rodata" || kind === "kconfig" ? MapFlag.RDONLY_PROG : 0;
  if (isDatasec && exposesGlobals(ctx, kind, section, valueTypeId)) flags |= MapFlag.MMAPABLE;
  return {
    name: internalMapName(ctx.objectName, section),
    kind,
    section,
    sectionIndex,
    sectionOffset: 0,
    type: MapType.ARRAY,
    keySize: 4,
    valueSize,
    maxEntries: 1,
    flags,
    numaNode: 0,
    mapExtra: 0n,
    pinning: 0,
    keyTypeId: 0,
    valueTypeId,
    varId: 0,
    slots: [],
    ...(data === undefined ? {} : { data }),
    variables,
    autocreate: true,
  };
}

/** libbpf makes an internal map mmapable when its DATASEC has a variable that is not static (after the hidden fix-up). */
function exposesGlobals(ctx: DataContext, kind: MapKind, section: string, datasecId: number): boolean {
  // .kconfig variables all become global-allocated when libbpf lays the externs out.
  if (kind === "kconfig") return ctx.btf!.vlen(datasecId) > 0;
  const layout = ctx.layouts.get(section);
  if (layout === undefined || layout.typeId !== datasecId) return false;
  return layout.vars.some((v) => v.linkage !== VarLinkage.STATIC);
}

/** A DATASEC's variables as the model lists them (empty without BTF or layout). */
export function variablesOf(btf: Btf | undefined, layout: DatasecLayout | undefined): VariableSpec[] {
  if (btf === undefined || layout === undefined) return [];
  return layout.vars.map((v) => ({
    name: btf.name(v.varId),
    offset: v.offset,
    size: v.size,
    varId: v.varId,
    typeId: btf.sizeOrType(v.varId),
    linkage: v.linkage,
    hidden: v.linkage !== btf.dataWord(v.varId, 0),
  }));
}

export function dataMaps(ctx: DataContext, externs: readonly ExternSpec[], kconfigSize: number): MapSpec[] {
  const out: MapSpec[] = [];
  for (const s of ctx.table.list) {
    if (s.kind !== "data" && s.kind !== "rodata" && s.kind !== "bss") continue;
    if (s.size === 0) continue;
    const data = s.kind === "bss" ? undefined : ctx.elf.sections[s.index]!.data;
    out.push(internalMap(ctx, s.kind, s.name, s.index, s.size, data, variablesOf(ctx.btf, ctx.layouts.get(s.name))));
  }
  if (externs.some((e) => e.kind === "kconfig")) {
    const variables = externs.flatMap((e) =>
      e.kconfig === undefined ? [] : [{ name: e.name, offset: e.kconfig.offset, size: e.kconfig.size, varId: e.btfId, typeId: ctx.btf!.sizeOrType(e.btfId), linkage: VarLinkage.GLOBAL_ALLOCATED, hidden: false }],
    );
    out.push(internalMap(ctx, "kconfig", ".kconfig", ctx.table.symtab, kconfigSize, undefined, variables));
  }
  return out;
}
