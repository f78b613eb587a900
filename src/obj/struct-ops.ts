// struct_ops maps: each variable of a .struct_ops (or .struct_ops.link)
// section is a struct whose function pointers name struct_ops programs
// (through .rel.struct_ops). The model keeps the local struct, its initial
// bytes and the member → program bindings; matching the kernel's struct and
// building the kernel value is the loader's job.
import { ObjectError } from "../errors.js";
import { type Btf, BtfKind, kindName, resolveType, skipModifiers } from "../btf/index.js";
import { type ElfFile, type ElfRelocation, type ElfSymbol, SHN } from "../elf/index.js";
import { type RawFunction, functionAt } from "./functions.js";
import type { SectionTable } from "./sections.js";
import type { DatasecLayout, MapSpec, StructOpsMember } from "./types.js";
import { MapFlag, MapType, ProgType } from "./uapi.js";

function fail(section: string, message: string, hint: string, typeId?: number): never {
  throw new ObjectError("OBJ_BAD_STRUCT_OPS", `${section}: ${message}`, { section, hint, ...(typeId === undefined ? {} : { typeId }) });
}

export function structOpsMaps(elf: ElfFile, table: SectionTable, btf: Btf | undefined, layouts: Map<string, DatasecLayout>): MapSpec[] {
  const out: MapSpec[] = [];
  for (const s of table.list) {
    if (s.kind !== "struct_ops") continue;
    if (btf === undefined) fail(s.name, "struct_ops maps need BTF, and the object has no .BTF section", "build with clang -g");
    const layout = layouts.get(s.name);
    if (layout === undefined) fail(s.name, `DATASEC ${s.name} not found`, "the object's BTF does not describe its struct_ops section");
    const data = elf.sections[s.index]!.data;
    const plain = s.name.startsWith("?") ? s.name.slice(1) : s.name;
    for (const v of layout!.vars) {
      const varName = btf!.name(v.varId);
      const typeId = resolveType(btf!, v.varId);
      const typeName = btf!.name(typeId);
      if (typeName === "") fail(s.name, `variable '${varName}': anonymous types are not supported`, "give the struct a name", typeId);
      if (btf!.kind(typeId) !== BtfKind.STRUCT) fail(s.name, `variable '${varName}': ${typeName} is a ${kindName(btf!.kind(typeId))}, not a struct`, "struct_ops variables are structs", typeId);
      const size = btf!.sizeOrType(typeId);
      if (v.offset + size > data.length) fail(s.name, `variable '${varName}' [${v.offset}, ${v.offset + size}) runs past the section end (${data.length})`, "the object is corrupt", typeId);
      out.push({
        name: varName,
        kind: "struct_ops",
        section: s.name,
        sectionIndex: s.index,
        sectionOffset: v.offset,
        type: MapType.STRUCT_OPS,
        keySize: 4,
        valueSize: size,
        maxEntries: 1,
        flags: plain === ".struct_ops.link" ? MapFlag.LINK : 0,
        numaNode: 0,
        mapExtra: 0n,
        pinning: 0,
        keyTypeId: 0,
        valueTypeId: typeId,
        varId: v.varId,
        slots: [],
        data: data.subarray(v.offset, v.offset + size),
        variables: [],
        structOps: [] as StructOpsMember[],
        autocreate: !s.name.startsWith("?"),
      });
    }
  }
  return out;
}

/** Binds struct_ops members to programs from a .rel.struct_ops* section (libbpf's collect_st_ops_relos). */
export function bindStructOps(btf: Btf, maps: readonly MapSpec[], relocs: readonly ElfRelocation[], symbols: readonly ElfSymbol[], functions: readonly RawFunction[], progTypes: Map<string, number>): void {
  for (const rel of relocs) {
    const target = rel.section.info;
    const where = rel.section.name;
    const sym = symbols[rel.symbolIndex]!;
    const map = maps.find((m) => m.kind === "struct_ops" && m.sectionIndex === target && m.sectionOffset <= rel.offset && rel.offset - m.sectionOffset < m.valueSize);
    if (map === undefined) fail(where, `relocation ${rel.entry}: no struct_ops map at offset ${rel.offset}`, "the relocation points outside every struct_ops variable");
    const moff = rel.offset - map!.sectionOffset;
    if (sym.sectionIndex >= SHN.LORESERVE || sym.sectionIndex === SHN.UNDEF) fail(where, `relocation ${rel.entry} for '${map!.name}': '${sym.name}' is not a function of this object`, "struct_ops members must point at struct_ops programs");
    if (sym.value % 8 !== 0) fail(where, `relocation ${rel.entry}: invalid target program offset ${sym.value}`, "the object is corrupt");
    const typeId = map!.valueTypeId;
    const n = btf.vlen(typeId);
    let memberIndex = -1;
    for (let i = 0; i < n && memberIndex < 0; i++) if (btf.memberBitOffset(typeId, i) === moff * 8) memberIndex = i;
    if (memberIndex < 0) fail(where, `'${map!.name}': no member at offset ${moff}`, "relocations point at function-pointer members", typeId);
    const memberName = btf.memberName(typeId, memberIndex);
    const ptr = skipModifiers(btf, btf.memberType(typeId, memberIndex));
    if (btf.kind(ptr) !== BtfKind.PTR || btf.kind(skipModifiers(btf, btf.sizeOrType(ptr))) !== BtfKind.FUNC_PROTO) {
      fail(where, `'${map!.name}': cannot relocate non-function-pointer member '${memberName}'`, "only function pointers bind programs", typeId);
    }
    const f = functionAt(functions, sym.sectionIndex, sym.value / 8);
    if (f < 0) fail(where, `'${map!.name}': no program at section ${sym.sectionIndex} offset ${sym.value} for member '${memberName}'`, "the member must point at a program");
    const program = functions[f]!.name;
    if (progTypes.get(program) !== ProgType.STRUCT_OPS) fail(where, `'${map!.name}': program '${program}' bound to '${memberName}' is not a struct_ops program`, 'put it in SEC("struct_ops/...")');
    (map!.structOps as StructOpsMember[]).push({ member: memberName, memberIndex, offset: moff, program });
  }
}
