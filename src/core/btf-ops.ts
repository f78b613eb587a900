// The BTF primitives the relocation rules are written in, read in place from a
// Btf (no type object built) and answering like libbpf's: an id of -1 for "no
// such type" and negative errno values for failures, so that the rules can
// return libbpf's 1 / 0 / -errno verdicts unchanged.
import { Btf, BtfKind, essentialNameLength } from "../btf/index.js";

export const EINVAL = 22;
export const E2BIG = 7;
export const ERANGE = 34;
export const EOPNOTSUPP = 95;
/** libbpf's private signal for "poison the instruction". */
export const EUCLEAN = 117;

/** The symbolic name of one of the errno values above. */
export function errnoName(errno: number): string {
  switch (Math.abs(errno)) {
    case EINVAL:
      return "EINVAL";
    case E2BIG:
      return "E2BIG";
    case ERANGE:
      return "ERANGE";
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    default:
      return `E#${Math.abs(errno)}`;
  }
}

/** How many references a walk follows before calling it a loop (libbpf would spin forever). */
const MAX_CHAIN = 1024;

export function validId(btf: Btf, id: number): boolean {
  return id >= 0 && id < btf.typeCount;
}

/** Kinds by what a walk does with them (indexed by kind number). */
const kindTable = (kinds: readonly number[]): Uint8Array => {
  const t = new Uint8Array(32);
  for (const k of kinds) t[k] = 1;
  return t;
};
/** Modifiers and typedefs: skipped on the way to the type that matters. */
const SKIPPED = kindTable([BtfKind.TYPEDEF, BtfKind.CONST, BtfKind.VOLATILE, BtfKind.RESTRICT, BtfKind.TYPE_TAG]);
/** Kinds whose record carries the size. */
const SIZED = kindTable([BtfKind.INT, BtfKind.STRUCT, BtfKind.UNION, BtfKind.ENUM, BtfKind.ENUM64, BtfKind.DATASEC, BtfKind.FLOAT]);
/** Kinds btf__resolve_size looks through (SKIPPED, VAR and DECL_TAG). */
const SIZE_FOLLOWS = kindTable([BtfKind.TYPEDEF, BtfKind.CONST, BtfKind.VOLATILE, BtfKind.RESTRICT, BtfKind.TYPE_TAG, BtfKind.VAR, BtfKind.DECL_TAG]);

/** Follows modifiers and typedefs; -1 when an id is out of range (libbpf: NULL). */
export function skip(btf: Btf, id: number): number {
  for (let n = 0; n < MAX_CHAIN; n++) {
    if (!validId(btf, id)) return -1;
    if (SKIPPED[btf.kind(id)] !== 1) return id;
    id = btf.sizeOrType(id);
  }
  return -1;
}

/** btf__resolve_size: the size in bytes, or -EINVAL / -E2BIG. */
export function resolveSize(btf: Btf, id: number): number {
  let nelems = 1;
  let size = -1;
  for (let depth = 0; depth < 32; depth++) {
    if (!validId(btf, id)) return -EINVAL;
    const kind = btf.kind(id);
    if (SIZED[kind] === 1) {
      size = btf.sizeOrType(id);
      break;
    }
    if (kind === BtfKind.PTR) {
      size = btf.pointerSize;
      break;
    }
    if (SIZE_FOLLOWS[kind] === 1) {
      id = btf.sizeOrType(id);
      continue;
    }
    if (kind === BtfKind.ARRAY) {
      const n = btf.dataWord(id, 2);
      if (nelems !== 0 && n > Math.floor(0xffffffff / nelems)) return -E2BIG;
      nelems *= n;
      id = btf.dataWord(id, 0);
      continue;
    }
    return -EINVAL;
  }
  if (size < 0) return -EINVAL;
  if (nelems !== 0 && size > Math.floor(0xffffffff / nelems)) return -E2BIG;
  return nelems * size;
}

export function isComposite(kind: number): boolean {
  return kind === BtfKind.STRUCT || kind === BtfKind.UNION;
}

export function isAnyEnum(kind: number): boolean {
  return kind === BtfKind.ENUM || kind === BtfKind.ENUM64;
}

/** btf_kind_core_compat: the same kind, or both enums (ENUM and ENUM64 mix). */
export function kindsCompat(a: number, b: number): boolean {
  return a === b || (isAnyEnum(a) && isAnyEnum(b));
}

/** BTF_INT_ENCODING of an INT. */
export function intEncoding(btf: Btf, id: number): number {
  return (btf.dataWord(id, 0) >>> 24) & 0x0f;
}

/** BTF_INT_OFFSET of an INT (non-zero only for legacy bitfield integers). */
export function intOffset(btf: Btf, id: number): number {
  return (btf.dataWord(id, 0) >>> 16) & 0xff;
}

/** Name offset of enumerator `i` of an ENUM or ENUM64. */
export function enumeratorNameOffset(btf: Btf, id: number, i: number): number {
  return btf.dataWord(id, btf.kind(id) === BtfKind.ENUM ? i * 2 : i * 3);
}

/**
 * Value of enumerator `i` as libbpf reads it into a u64: an ENUM's 32-bit
 * value is sign-extended (its field is an s32), an ENUM64's is hi:lo.
 */
export function enumeratorValue(btf: Btf, id: number, i: number): bigint {
  if (btf.kind(id) === BtfKind.ENUM) return BigInt.asUintN(64, BigInt(btf.dataWord(id, i * 2 + 1) | 0));
  return (BigInt(btf.dataWord(id, i * 3 + 2)) << 32n) | BigInt(btf.dataWord(id, i * 3 + 1));
}

/** Bit offset of member i (kind_flag structs keep the bitfield size in the top byte). */
export function memberBitOffset(btf: Btf, id: number, i: number): number {
  const raw = btf.dataWord(id, i * 3 + 2);
  return btf.kindFlag(id) ? raw & 0xffffff : raw;
}

export function memberBitfieldSize(btf: Btf, id: number, i: number): number {
  return btf.kindFlag(id) ? btf.dataWord(id, i * 3 + 2) >>> 24 : 0;
}

/** Whether two names are equal once their flavor suffixes are dropped. */
export function sameEssentialName(a: string, b: string): boolean {
  const n = essentialNameLength(a);
  if (n !== essentialNameLength(b)) return false;
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}
