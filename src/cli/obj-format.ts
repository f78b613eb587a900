// Text helpers of `corebpf obj`: C-like names of BTF types, function
// signatures, and the per-program relocation census.
import { type Btf, BtfKind } from "../btf/index.js";
import type { ProgramSpec } from "../obj/index.js";

const TAGGED: Partial<Record<number, string>> = {
  [BtfKind.STRUCT]: "struct",
  [BtfKind.UNION]: "union",
  [BtfKind.ENUM]: "enum",
  [BtfKind.ENUM64]: "enum",
};

/** A short C spelling of a type: "struct flow_key", "__u32", "char[16]", "struct task_struct *". */
export function cTypeName(btf: Btf, id: number, depth = 0): string {
  if (id === 0) return "void";
  if (depth > 32 || id >= btf.typeCount) return "?";
  const kind = btf.kind(id);
  const name = btf.name(id);
  const inner = () => cTypeName(btf, btf.sizeOrType(id), depth + 1);
  switch (kind) {
    case BtfKind.STRUCT:
    case BtfKind.UNION:
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return `${TAGGED[kind]} ${name || "{...}"}`;
    case BtfKind.FWD:
      return `${btf.kindFlag(id) ? "union" : "struct"} ${name}`;
    case BtfKind.PTR:
      return `${inner()} *`;
    case BtfKind.ARRAY:
      return `${cTypeName(btf, btf.dataWord(id, 0), depth + 1)}[${btf.dataWord(id, 2)}]`;
    case BtfKind.CONST:
      return `const ${inner()}`;
    case BtfKind.VOLATILE:
      return `volatile ${inner()}`;
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
      return inner();
    case BtfKind.FUNC_PROTO:
      return "func";
    default:
      return name || "?";
  }
}

/** "int name(struct __sk_buff * skb)" for a FUNC, as bpftool prints func_info. */
export function funcSignature(btf: Btf, funcId: number): string {
  if (funcId >= btf.typeCount || btf.kind(funcId) !== BtfKind.FUNC) return "";
  const proto = btf.sizeOrType(funcId);
  if (btf.kind(proto) !== BtfKind.FUNC_PROTO) return "";
  const n = btf.vlen(proto);
  const params: string[] = [];
  for (let i = 0; i < n; i++) {
    const type = btf.dataWord(proto, i * 2 + 1);
    const pname = btf.string(btf.dataWord(proto, i * 2));
    params.push(type === 0 && pname === "" ? "..." : `${cTypeName(btf, type)}${pname === "" ? "" : ` ${pname}`}`);
  }
  return `${cTypeName(btf, btf.sizeOrType(proto))} ${btf.name(funcId)}(${params.length === 0 ? "void" : params.join(", ")})`;
}

export interface RelocationCounts {
  maps: number;
  globals: number;
  calls: number;
  callbacks: number;
  kfuncs: number;
  ksyms: number;
  kconfig: number;
  core: number;
}

export function relocationCounts(p: ProgramSpec): RelocationCounts {
  const c: RelocationCounts = { maps: 0, globals: 0, calls: 0, callbacks: 0, kfuncs: 0, ksyms: 0, kconfig: 0, core: p.coreRelocations.length };
  for (const r of p.relocations) {
    if (r.kind === "map") c.maps++;
    else if (r.kind === "data") c.globals++;
    else if (r.kind === "call") c.calls++;
    else if (r.kind === "callback") c.callbacks++;
    else if (r.kind === "kfunc") c.kfuncs++;
    else if (r.kind === "ksym") c.ksyms++;
    else c.kconfig++;
  }
  return c;
}

/** "0x401 (no_prealloc|numa_node)" style flag text. */
export function flagText(flags: number, names: Record<string, number>): string {
  if (flags === 0) return "0";
  const set = Object.entries(names).filter(([, bit]) => (flags & bit) !== 0).map(([n]) => n.toLowerCase());
  return `0x${flags.toString(16)}${set.length > 0 ? ` (${set.join("|")})` : ""}`;
}
