// Externs (libbpf's bpf_object__collect_externs): undefined global symbols
// declared in the .kconfig or .ksyms DATASEC. Kconfig externs get their place
// in the .kconfig map here (sorted by alignment, size and name, as libbpf lays
// them out); resolving values is the loader's job.
import { ObjectError } from "../errors.js";
import { type Btf, BtfKind, FuncLinkage, IntEncoding, VarLinkage, alignOf, essentialName, resolveSize, skipModifiers } from "../btf/index.js";
import { type ElfSymbol, SHN, STB, STT } from "../elf/index.js";
import type { ExternSpec, KconfigType } from "./types.js";

export const isExternSymbol = (s: ElfSymbol): boolean =>
  s.sectionIndex === SHN.UNDEF && (s.bind === STB.GLOBAL || s.bind === STB.WEAK) && s.type === STT.NOTYPE;

function fail(message: string, hint: string, where: { typeId?: number; section?: string } = {}): never {
  throw new ObjectError("OBJ_BAD_EXTERN", message, { ...where, hint });
}

/** The DATASEC holding each VAR/FUNC id (the first such DATASEC, by id). */
function datasecOf(btf: Btf): Map<number, number> {
  const out = new Map<number, number>();
  for (let id = btf.startId; id < btf.typeCount; id++) {
    if (btf.kind(id) !== BtfKind.DATASEC) continue;
    const n = btf.vlen(id);
    for (let i = 0; i < n; i++) {
      const member = btf.dataWord(id, i * 3);
      if (!out.has(member)) out.set(member, id);
    }
  }
  return out;
}

function kconfigType(btf: Btf, id: number, element = false): { type: KconfigType; signed: boolean } | undefined {
  const t = btf.type(skipModifiers(btf, id));
  switch (t.kind) {
    case BtfKind.INT: {
      if (t.encoding & IntEncoding.BOOL) return t.size === 1 ? { type: "bool", signed: false } : undefined;
      const signed = (t.encoding & IntEncoding.SIGNED) !== 0;
      if (t.size === 1) return { type: "char", signed };
      if (t.size < 1 || t.size > 8 || (t.size & (t.size - 1)) !== 0) return undefined;
      return { type: "int", signed };
    }
    case BtfKind.ENUM:
      return t.size === 4 && t.name === "libbpf_tristate" ? { type: "tristate", signed: false } : undefined;
    case BtfKind.ENUM64:
      return t.name === "libbpf_tristate" ? { type: "tristate", signed: false } : undefined;
    case BtfKind.ARRAY:
      // Only one level: the elements of a char array are chars (and a self-referencing array ends here).
      if (element || t.nelems === 0 || kconfigType(btf, t.type, true)?.type !== "char") return undefined;
      return { type: "char_array", signed: false };
    default:
      return undefined;
  }
}

interface Draft {
  spec: Omit<ExternSpec, "kconfig"> & { kconfig?: Omit<NonNullable<ExternSpec["kconfig"]>, "offset"> };
}

export function collectExterns(btf: Btf | undefined, symbols: readonly ElfSymbol[]): ExternSpec[] {
  const drafts: Draft[] = [];
  let sections: Map<number, number> | undefined;
  for (const sym of symbols) {
    if (!isExternSymbol(sym) || sym.name === "") continue;
    if (btf === undefined) fail(`extern '${sym.name}' needs BTF, and the object has no .BTF section`, "build with clang -g");
    const ids = [btf!.find(sym.name, BtfKind.VAR), btf!.find(sym.name, BtfKind.FUNC)].filter((id): id is number => id !== undefined);
    if (ids.length === 0) fail(`no BTF VAR or FUNC for extern '${sym.name}'`, "declare externs with __kconfig or __ksym so clang describes them");
    const btfId = Math.min(...ids);
    const kind = btf!.kind(btfId);
    if (kind === BtfKind.VAR ? btf!.dataWord(btfId, 0) !== VarLinkage.GLOBAL_EXTERN : btf!.vlen(btfId) !== FuncLinkage.EXTERN) {
      fail(`BTF ${kind === BtfKind.VAR ? "VAR" : "FUNC"} '${sym.name}' [${btfId}] is not extern`, "the symbol is undefined but its BTF says it is defined here", { typeId: btfId });
    }
    sections ??= datasecOf(btf!);
    const datasecId = sections.get(btfId);
    if (datasecId === undefined) fail(`extern '${sym.name}' [${btfId}] is in no DATASEC`, "declare it with __kconfig or __ksym", { typeId: btfId });
    const secName = btf!.name(datasecId!);
    const base = { name: sym.name, essentialName: essentialName(sym.name), weak: sym.bind === STB.WEAK, btfId, datasecId: datasecId!, symbolIndex: sym.index };
    const target = btf!.sizeOrType(btfId);
    if (secName === ".kconfig") {
      if (kind === BtfKind.FUNC) fail(`extern function '${sym.name}' cannot be a .kconfig extern`, "only variables come from the kernel config", { typeId: btfId, section: secName });
      const size = resolveSize(btf!, target);
      const align = alignOf(btf!, target);
      const type = kconfigType(btf!, target);
      if (size <= 0 || align <= 0 || type === undefined) {
        fail(`.kconfig extern '${sym.name}' has an unsupported type`, "use bool, char, an integer of 1-8 bytes, enum libbpf_tristate or a char array", { typeId: btfId, section: secName });
      }
      drafts.push({ spec: { ...base, kind: "kconfig", kconfig: { type: type!.type, size, align, signed: type!.signed } } });
    } else if (secName === ".ksyms") {
      drafts.push({ spec: { ...base, kind: "ksym", ksym: { func: kind === BtfKind.FUNC, typeId: skipModifiers(btf!, target) } } });
    } else {
      fail(`extern '${sym.name}' is in DATASEC '${secName}'`, "externs must be in .kconfig or .ksyms", { typeId: datasecId!, section: secName });
    }
  }
  drafts.sort((a, b) => compareExterns(a.spec, b.spec));
  let offset = 0;
  return drafts.map(({ spec }) => {
    if (spec.kconfig === undefined) return spec as ExternSpec;
    const at = Math.ceil(offset / spec.kconfig.align) * spec.kconfig.align;
    offset = at + spec.kconfig.size;
    return { ...spec, kconfig: { ...spec.kconfig, offset: at } };
  });
}

/** libbpf's order: kconfig before ksym; kconfig by alignment (descending) then size; then by name. */
function compareExterns(a: Draft["spec"], b: Draft["spec"]): number {
  if (a.kind !== b.kind) return a.kind === "kconfig" ? -1 : 1;
  if (a.kconfig !== undefined && b.kconfig !== undefined) {
    if (a.kconfig.align !== b.kconfig.align) return b.kconfig.align - a.kconfig.align;
    if (a.kconfig.size !== b.kconfig.size) return a.kconfig.size - b.kconfig.size;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Size of the .kconfig map: the end of the last kconfig extern (0 when there is none). */
export function kconfigSize(externs: readonly ExternSpec[]): number {
  let end = 0;
  for (const e of externs) if (e.kconfig !== undefined) end = Math.max(end, e.kconfig.offset + e.kconfig.size);
  return end;
}
