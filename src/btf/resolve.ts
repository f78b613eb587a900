// Helpers CO-RE and the C dump share: following typedefs and modifiers, the
// size and alignment of any type (libbpf's btf__resolve_size / btf__align_of
// semantics, packed structs included) and member lookup through anonymous
// structs and unions. Every walk is bounded: reference loops give BtfError.
import { BtfError } from "../errors.js";
import type { Btf } from "./btf.js";
import { BtfKind, kindName } from "./kinds.js";
import type { CompositeType, Member } from "./types.js";

/** How many references a resolution follows before calling it a loop (libbpf's MAX_RESOLVE_DEPTH). */
export const MAX_RESOLVE_DEPTH = 32;
/** How deep structs may nest by value (alignment) or through anonymous members (lookup). */
const MAX_NESTING = 256;

const UINT32_MAX = 0xffffffff;

/** VOLATILE, CONST, RESTRICT or TYPE_TAG. */
export function isModifier(kind: number): boolean {
  return kind === BtfKind.VOLATILE || kind === BtfKind.CONST || kind === BtfKind.RESTRICT || kind === BtfKind.TYPE_TAG;
}

/** STRUCT or UNION. */
export function isComposite(kind: number): boolean {
  return kind === BtfKind.STRUCT || kind === BtfKind.UNION;
}

function loopError(id: number, what: string): BtfError {
  return new BtfError("BTF_REF_LOOP", `type [${id}]: ${what} did not end after ${MAX_RESOLVE_DEPTH} references`, {
    typeId: id,
    hint: "the BTF has a reference loop (or an absurdly long chain)",
  });
}

/** Follows modifiers and type tags (and typedefs unless `keepTypedefs`) to the underlying type id. */
export function skipModifiers(btf: Btf, id: number, options: { keepTypedefs?: boolean } = {}): number {
  const start = id;
  for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
    const kind = btf.kind(id);
    if (!isModifier(kind) && (kind !== BtfKind.TYPEDEF || options.keepTypedefs)) return id;
    id = btf.sizeOrType(id);
  }
  throw loopError(start, "skipping modifiers and typedefs");
}

/**
 * Follows modifiers, typedefs and VARs to a type that has a size, like
 * btf__resolve_type; void and forward declarations are errors.
 */
export function resolveType(btf: Btf, id: number): number {
  const start = id;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    const kind = btf.kind(id);
    if (id === 0 || kind === BtfKind.FWD) {
      throw new BtfError("BTF_NO_SIZE", `type [${start}] resolves to ${id === 0 ? "void" : "a forward declaration"}`, { typeId: start });
    }
    if (!isModifier(kind) && kind !== BtfKind.TYPEDEF && kind !== BtfKind.VAR) return id;
    id = btf.sizeOrType(id);
  }
  throw loopError(start, "resolving the type");
}

/** Size in bytes of a type, as btf__resolve_size computes it (arrays multiplied out, pointers `btf.pointerSize`). */
export function resolveSize(btf: Btf, id: number): number {
  const start = id;
  let nelems = 1;
  let size = -1;
  for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
    const kind = btf.kind(id);
    if (id === 0 || kind === BtfKind.FWD) break;
    if (kind === BtfKind.INT || isComposite(kind) || kind === BtfKind.ENUM || kind === BtfKind.ENUM64 || kind === BtfKind.DATASEC || kind === BtfKind.FLOAT) {
      size = btf.sizeOrType(id);
      break;
    }
    if (kind === BtfKind.PTR) {
      size = btf.pointerSize;
      break;
    }
    if (isModifier(kind) || kind === BtfKind.TYPEDEF || kind === BtfKind.VAR || kind === BtfKind.DECL_TAG) {
      id = btf.sizeOrType(id);
      continue;
    }
    if (kind === BtfKind.ARRAY) {
      const arr = btf.typeOfKind(id, BtfKind.ARRAY);
      if (nelems !== 0 && arr.nelems > Math.floor(UINT32_MAX / nelems)) throw tooBig(start);
      nelems *= arr.nelems;
      id = arr.type;
      continue;
    }
    throw new BtfError("BTF_NO_SIZE", `type [${start}]: ${kindName(kind)} [${id}] has no size`, { typeId: start });
  }
  if (size < 0) {
    if (id === 0 || btf.kind(id) === BtfKind.FWD) {
      throw new BtfError("BTF_NO_SIZE", `type [${start}] resolves to ${id === 0 ? "void" : "a forward declaration"}, which has no size`, {
        typeId: start,
      });
    }
    throw loopError(start, "resolving the size");
  }
  if (nelems !== 0 && size > Math.floor(UINT32_MAX / nelems)) throw tooBig(start);
  return nelems * size;
}

function tooBig(id: number): BtfError {
  return new BtfError("BTF_SIZE_OVERFLOW", `type [${id}]: size exceeds 4 GiB`, { typeId: id });
}

const alignCache = new WeakMap<Btf, Map<number, number>>();

/**
 * Alignment in bytes, as btf__align_of computes it: scalars align to
 * min(size, pointer size); a struct whose member offsets or size break its
 * members' alignment is packed (1).
 */
export function alignOf(btf: Btf, id: number): number {
  let cache = alignCache.get(btf);
  if (cache === undefined) alignCache.set(btf, (cache = new Map()));
  return alignWith(btf, id, cache, new Set());
}

function alignWith(btf: Btf, id: number, cache: Map<number, number>, open: Set<number>): number {
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  if (open.has(id)) throw new BtfError("BTF_REF_LOOP", `type [${id}] contains itself`, { typeId: id });
  if (open.size > MAX_NESTING) throw new BtfError("BTF_REF_LOOP", `type [${id}]: types nest deeper than ${MAX_NESTING}`, { typeId: id });
  open.add(id);
  try {
    const align = computeAlign(btf, id, cache, open);
    if (align <= 0) {
      throw new BtfError("BTF_NO_ALIGN", `type [${id}]: alignment ${align} is not positive`, { typeId: id, hint: "a zero-sized scalar?" });
    }
    cache.set(id, align);
    return align;
  } finally {
    open.delete(id);
  }
}

function computeAlign(btf: Btf, id: number, cache: Map<number, number>, open: Set<number>): number {
  const kind = btf.kind(id);
  switch (kind) {
    case BtfKind.INT:
    case BtfKind.ENUM:
    case BtfKind.ENUM64:
    case BtfKind.FLOAT:
      return Math.min(btf.pointerSize, btf.sizeOrType(id));
    case BtfKind.PTR:
      return btf.pointerSize;
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
      return alignWith(btf, btf.sizeOrType(id), cache, open);
    case BtfKind.ARRAY:
      return alignWith(btf, btf.typeOfKind(id, BtfKind.ARRAY).type, cache, open);
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      const t = btf.type(id) as CompositeType;
      let max = 1;
      for (const m of t.members) {
        const a = alignWith(btf, m.type, cache, open);
        max = Math.max(max, a);
        // A member off its type's alignment means the struct is packed.
        if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return 1;
      }
      return t.size % max !== 0 ? 1 : max;
    }
    default:
      throw new BtfError("BTF_NO_ALIGN", `type [${id}]: ${kindName(kind)} has no alignment`, { typeId: id });
  }
}

/** One step of a member path: member `index` of composite `parent`. */
export interface MemberStep {
  readonly parent: number;
  readonly index: number;
  readonly member: Member;
}

export interface MemberMatch {
  /** From the outer type down; anonymous members precede the named one. */
  readonly path: readonly MemberStep[];
  /** The member found (the last step's). */
  readonly member: Member;
  /** Bit offset from the start of the outer type (sums the path; adds a legacy bitfield INT's offset). */
  readonly bitOffset: number;
  /**
   * Bitfield width in bits, 0 if not a bitfield: the member's own width in
   * kind_flag structs, or the bits of a narrower-than-storage INT in legacy ones.
   */
  readonly bitfieldSize: number;
}

/**
 * Finds member `name` of a struct or union (typedefs and modifiers skipped),
 * searching anonymous struct/union members depth-first in member order, as
 * libbpf matches CO-RE field names. Undefined when absent.
 */
export function findMember(btf: Btf, typeId: number, name: string): MemberMatch | undefined {
  const path: MemberStep[] = [];
  const found = searchMembers(btf, skipModifiers(btf, typeId), name, path, 0);
  if (!found) return undefined;
  let bitOffset = 0;
  for (const step of path) bitOffset += step.member.bitOffset;
  const member = path[path.length - 1]!.member;
  let bitfieldSize = member.bitfieldSize;
  if (bitfieldSize === 0 && !btf.kindFlag(path[path.length - 1]!.parent)) {
    const target = skipModifiers(btf, member.type);
    const t = btf.type(target);
    if (t.kind === BtfKind.INT && (t.bitOffset !== 0 || t.bits !== t.size * 8)) {
      bitfieldSize = t.bits;
      bitOffset += t.bitOffset;
    }
  }
  return { path, member, bitOffset, bitfieldSize };
}

function searchMembers(btf: Btf, id: number, name: string, path: MemberStep[], depth: number): boolean {
  if (!isComposite(btf.kind(id))) return false;
  if (depth > MAX_NESTING) throw new BtfError("BTF_REF_LOOP", `type [${id}]: anonymous members nest deeper than ${MAX_NESTING}`, { typeId: id });
  const members = (btf.type(id) as CompositeType).members;
  for (let index = 0; index < members.length; index++) {
    const member = members[index]!;
    path.push({ parent: id, index, member });
    if (member.name === name) return true;
    if (member.name === "" && searchMembers(btf, skipModifiers(btf, member.type), name, path, depth + 1)) return true;
    path.pop();
  }
  return false;
}
