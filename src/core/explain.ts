// Human-readable accounts of relocations, for `corebpf core explain`: the
// local access in C terms, the outcome on the target, and the candidates
// considered. Pure formatting over fixups; no decision is made here.
import type { Btf } from "../btf/index.js";
import { BtfKind } from "../btf/index.js";
import type { CoreFixup } from "./calculate.js";
import { CoreKind, coreKindName, isEnumvalKind, isFieldKind } from "./kinds.js";
import type { PatchOutcome } from "./patch.js";
import type { Spec } from "./spec.js";

/** "struct task_struct", "union u", "enum e", "typedef pid_t", "int". */
export function typeLabel(btf: Btf, id: number): string {
  const kind = btf.kind(id);
  const name = btf.name(id) || "<anon>";
  switch (kind) {
    case BtfKind.STRUCT:
      return `struct ${name}`;
    case BtfKind.UNION:
      return `union ${name}`;
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
      return `enum ${name}`;
    case BtfKind.TYPEDEF:
      return `typedef ${name}`;
    case BtfKind.FWD:
      return `${btf.kindFlag(id) ? "union" : "struct"} ${name} (forward)`;
    default:
      return name;
  }
}

/**
 * The access a spec describes, as C: `struct ct_arrays::grid[1][2]`,
 * `struct s[3]::a` (an index on the base pointer), `struct n::as_int` (the
 * anonymous members it passes through are not written in C either),
 * `enum ct_color::CT_RED`, or the type alone for type kinds.
 */
export function formatAccess(spec: Spec): string {
  const root = typeLabel(spec.btf, spec.rootId);
  if (isEnumvalKind(spec.kind)) return `${root}::${spec.accessors[0]?.name ?? "?"}`;
  if (!isFieldKind(spec.kind)) return root;
  const [first, ...rest] = spec.accessors;
  let out = root + (first !== undefined && first.idx !== 0 ? `[${first.idx}]` : "");
  let sep = "::";
  for (const acc of rest) {
    if (acc.name === undefined) {
      out += `[${acc.idx}]`;
    } else {
      out += sep + acc.name;
      sep = ".";
    }
  }
  return out;
}

/** One relocation, explained. */
export interface Explanation {
  kind: string;
  /** The local access in C terms. */
  access: string;
  /** The raw access string. */
  accessString: string;
  /** "relocated", "unchanged", "absent" (existence kinds: 0), "poisoned" or "error". */
  status: "relocated" | "unchanged" | "absent" | "poisoned" | "error";
  /** The result in words: the new value and where it comes from, or why it failed. */
  result: string;
  /** Candidates considered: "[id] struct name (source)" with "ok"/"no" marks. */
  candidates: string[];
}

const hex = (v: bigint) => (v > 0xffffn ? `0x${v.toString(16)}` : v.toString());

/**
 * Explains a fixup; `patch` (what applying it did, or the error it raised)
 * refines the account of loads and stores.
 */
export function explainFixup(fix: CoreFixup, local: Btf, patch?: PatchOutcome | Error): Explanation {
  const kind = coreKindName(fix.kind);
  const access = fix.localSpec !== undefined ? formatAccess(fix.localSpec) : safeLabel(local, fix.relo.typeId);
  const candidates = fix.candidates.map((c) => {
    const spec = c.spec;
    const where = spec !== undefined && isFieldKind(fix.kind) ? ` @${Math.floor(spec.bitOffset / 8)}` : "";
    const label = safeLabel(c.btf, c.typeId);
    return `[${c.typeId}] ${label}${c.matched ? `${where} = ${hex(c.value ?? 0n)}` : " (no match)"}${c.source === "vmlinux" ? "" : ` in ${c.source}`}`;
  });
  const base = { kind, access, accessString: fix.relo.accessString, candidates };
  const error = fix.error ?? (patch instanceof Error ? patch : undefined);
  if (error !== undefined) return { ...base, status: "error", result: `ERROR ${(error as { errno?: string }).errno ?? ""} ${stripPrefix(error.message)}`.replace("  ", " ") };
  if (fix.poison || patch === "poisoned") {
    const why = fix.memSizeMismatch ? `the load/store width would change (${fix.localSize} -> ${fix.targetSize} bytes) for a field that is not a pointer or unsigned integer on both sides` : missingReason(fix);
    return { ...base, status: "poisoned", result: `poisoned (call 0xbad2310): ${why}` };
  }
  if (!fix.found && fix.kind !== CoreKind.TYPE_ID_LOCAL) {
    return { ...base, status: "absent", result: `${hex(fix.targetValue)}: ${missingReason(fix)}` };
  }
  const target = fix.targetSpec !== undefined && fix.targetTypeId !== undefined ? describeTarget(fix, access) : fix.kind === CoreKind.TYPE_ID_LOCAL ? "the local type id" : "";
  const change = fix.localValue === fix.targetValue ? `${hex(fix.targetValue)} (unchanged)` : `${hex(fix.localValue)} -> ${hex(fix.targetValue)}`;
  const width = fix.localSize !== fix.targetSize && fix.localSize !== 0 ? `, access ${fix.localSize} -> ${fix.targetSize} bytes` : "";
  return { ...base, status: fix.localValue === fix.targetValue ? "unchanged" : "relocated", result: `${change}${width}${target === "" ? "" : ` from ${target}`}` };
}

/** "[id]", plus the target's access when it reads differently from the local one (flavors, nesting). */
function describeTarget(fix: CoreFixup, localAccess: string): string {
  const spec = fix.targetSpec!;
  const source = fix.targetSource === "vmlinux" || fix.targetSource === undefined ? "" : ` in ${fix.targetSource}`;
  const label = isFieldKind(fix.kind) || isEnumvalKind(fix.kind) ? formatAccess(spec) : typeLabel(spec.btf, spec.rootId);
  return `[${fix.targetTypeId}]${label === localAccess ? "" : ` ${label}`}${source}`;
}

function missingReason(fix: CoreFixup): string {
  if (fix.candidates.length === 0) {
    const name = fix.localSpec !== undefined ? fix.localSpec.btf.name(fix.relo.typeId) : "";
    return `no type named like '${name}' in the target`;
  }
  const what = isFieldKind(fix.kind) ? "field" : isEnumvalKind(fix.kind) ? "enumerator" : fix.kind === CoreKind.TYPE_MATCHES ? "matching type" : "compatible type";
  return `no ${what} in ${fix.candidates.length === 1 ? "the candidate" : `any of the ${fix.candidates.length} candidates`}`;
}

function safeLabel(btf: Btf, id: number): string {
  try {
    return typeLabel(btf, id);
  } catch {
    return `[${id}]`;
  }
}

/** A message without its "prog 'x': relo #n: kind at insn #i on [t] + 'a': " prefix (the table shows those). */
function stripPrefix(message: string): string {
  return message.replace(/^(prog '[^']*': )?relo #\d+: (\S+ at insn #\d+ on \[\d+\] \+ '[^']*': )?/, "").replace(/^\S+: insn #\d+ /, "");
}
