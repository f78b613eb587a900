// The three compatibility relations of CO-RE, each answering 1 (compatible),
// 0 (not) or -errno (broken BTF, recursion too deep), as libbpf does:
// - fieldsAreCompat: a local field's type against the target field of the same
//   name (structs/unions all alike, ints of any size, enums by essential name);
// - typesAreCompat: a local type against a candidate for TYPE_EXISTS/SIZE/ID
//   (kinds alike through pointers, arrays and function prototypes);
// - typesMatch: TYPE_MATCHES' stricter relation (members by name, int size and
//   signedness, array lengths, enumerators by name).
import type { Btf } from "../btf/index.js";
import { BtfKind } from "../btf/index.js";
import { EINVAL, intEncoding, intOffset, isAnyEnum, isComposite, kindsCompat, sameEssentialName, skip } from "./btf-ops.js";
import { essentialNameLength } from "../btf/index.js";

/** Bound for the array-of-array walk, which libbpf leaves unbounded. */
const MAX_ARRAY_NESTING = 1024;

/** bpf_core_fields_are_compat. */
export function fieldsAreCompat(local: Btf, localId: number, target: Btf, targetId: number): number {
  for (let n = 0; n < MAX_ARRAY_NESTING; n++) {
    localId = skip(local, localId);
    targetId = skip(target, targetId);
    if (localId < 0 || targetId < 0) return -EINVAL;
    const lk = local.kind(localId);
    const tk = target.kind(targetId);
    if (isComposite(lk) && isComposite(tk)) return 1;
    if (!kindsCompat(lk, tk)) return 0;
    switch (lk) {
      case BtfKind.PTR:
      case BtfKind.FLOAT:
        return 1;
      case BtfKind.FWD:
      case BtfKind.ENUM:
      case BtfKind.ENUM64: {
        const ln = local.name(localId);
        const tn = target.name(targetId);
        if (essentialNameLength(ln) === 0 || essentialNameLength(tn) === 0) return 1;
        return sameEssentialName(ln, tn) ? 1 : 0;
      }
      case BtfKind.INT:
        return intOffset(local, localId) === 0 && intOffset(target, targetId) === 0 ? 1 : 0;
      case BtfKind.ARRAY:
        localId = local.dataWord(localId, 0);
        targetId = target.dataWord(targetId, 0);
        continue;
      default:
        return 0;
    }
  }
  return -EINVAL;
}

/** bpf_core_types_are_compat (recursion level 32, depth 32 per chain). */
export function typesAreCompat(local: Btf, localId: number, target: Btf, targetId: number, level = 32): number {
  if (!validPair(local, localId, target, targetId)) return -EINVAL;
  if (!kindsCompat(local.kind(localId), target.kind(targetId))) return 0;
  for (let depth = 32; ; ) {
    if (--depth < 0) return -EINVAL;
    localId = skip(local, localId);
    targetId = skip(target, targetId);
    if (localId < 0 || targetId < 0) return -EINVAL;
    const lk = local.kind(localId);
    if (!kindsCompat(lk, target.kind(targetId))) return 0;
    switch (lk) {
      case BtfKind.UNKN:
      case BtfKind.STRUCT:
      case BtfKind.UNION:
      case BtfKind.ENUM:
      case BtfKind.FWD:
      case BtfKind.ENUM64:
        return 1;
      case BtfKind.INT:
        return intOffset(local, localId) === 0 && intOffset(target, targetId) === 0 ? 1 : 0;
      case BtfKind.PTR:
        localId = local.sizeOrType(localId);
        targetId = target.sizeOrType(targetId);
        continue;
      case BtfKind.ARRAY:
        localId = local.dataWord(localId, 0);
        targetId = target.dataWord(targetId, 0);
        continue;
      case BtfKind.FUNC_PROTO: {
        const n = local.vlen(localId);
        if (n !== target.vlen(targetId)) return 0;
        for (let i = 0; i < n; i++) {
          if (level <= 0) return -EINVAL;
          const lp = skip(local, local.dataWord(localId, i * 2 + 1));
          const tp = skip(target, target.dataWord(targetId, i * 2 + 1));
          const r = typesAreCompat(local, lp, target, tp, level - 1);
          if (r <= 0) return r;
        }
        localId = skip(local, local.sizeOrType(localId));
        targetId = skip(target, target.sizeOrType(targetId));
        continue;
      }
      default:
        return 0;
    }
  }
}

function validPair(local: Btf, localId: number, target: Btf, targetId: number): boolean {
  return localId >= 0 && localId < local.typeCount && targetId >= 0 && targetId < target.typeCount;
}

/** bpf_core_names_match: an anonymous target matches only an anonymous local; else essential names. */
function namesMatch(local: Btf, localNameOff: number, target: Btf, targetNameOff: number): boolean {
  const tn = targetNameOff === 0 ? "" : target.string(targetNameOff);
  const ln = localNameOff === 0 ? "" : local.string(localNameOff);
  if (tn === "") return ln === "";
  return sameEssentialName(ln, tn);
}

/** bpf_core_types_match (TYPE_MATCHES). */
export function typesMatch(local: Btf, localId: number, target: Btf, targetId: number, behindPtr = false, level = 32): number {
  if (level <= 0) return -EINVAL;
  for (let depth = 32; ; ) {
    if (--depth < 0) return -EINVAL;
    localId = skip(local, localId);
    targetId = skip(target, targetId);
    if (localId < 0 || targetId < 0) return -EINVAL;
    if (!namesMatch(local, local.nameOffset(localId), target, target.nameOffset(targetId))) return 0;
    const lk = local.kind(localId);
    const tk = target.kind(targetId);
    switch (lk) {
      case BtfKind.UNKN:
        return lk === tk ? 1 : 0;
      case BtfKind.FWD: {
        const lf = local.kindFlag(localId);
        if (behindPtr) {
          if (lk === tk) return lf === target.kindFlag(targetId) ? 1 : 0;
          return (tk === BtfKind.STRUCT && !lf) || (tk === BtfKind.UNION && lf) ? 1 : 0;
        }
        if (lk !== tk) return 0;
        return lf === target.kindFlag(targetId) ? 1 : 0;
      }
      case BtfKind.ENUM:
      case BtfKind.ENUM64:
        if (!isAnyEnum(tk)) return 0;
        return enumsMatch(local, localId, target, targetId);
      case BtfKind.STRUCT:
      case BtfKind.UNION:
        if (behindPtr) {
          if (lk === tk) return 1;
          if (tk !== BtfKind.FWD) return 0;
          return (lk === BtfKind.UNION) === target.kindFlag(targetId) ? 1 : 0;
        }
        if (lk !== tk) return 0;
        return compositesMatch(local, localId, target, targetId, behindPtr, level);
      case BtfKind.INT: {
        if (lk !== tk) return 0;
        const ls = intEncoding(local, localId) & 1;
        const ts = intEncoding(target, targetId) & 1;
        return local.sizeOrType(localId) === target.sizeOrType(targetId) && ls === ts ? 1 : 0;
      }
      case BtfKind.PTR:
        if (lk !== tk) return 0;
        behindPtr = true;
        localId = local.sizeOrType(localId);
        targetId = target.sizeOrType(targetId);
        continue;
      case BtfKind.ARRAY:
        if (lk !== tk) return 0;
        if (local.dataWord(localId, 2) !== target.dataWord(targetId, 2)) return 0;
        localId = local.dataWord(localId, 0);
        targetId = target.dataWord(targetId, 0);
        continue;
      case BtfKind.FUNC_PROTO: {
        if (lk !== tk) return 0;
        const n = local.vlen(localId);
        if (n !== target.vlen(targetId)) return 0;
        for (let i = 0; i < n; i++) {
          const r = typesMatch(local, local.dataWord(localId, i * 2 + 1), target, target.dataWord(targetId, i * 2 + 1), behindPtr, level - 1);
          if (r <= 0) return r;
        }
        localId = local.sizeOrType(localId);
        targetId = target.sizeOrType(targetId);
        continue;
      }
      default:
        return 0;
    }
  }
}

function enumsMatch(local: Btf, localId: number, target: Btf, targetId: number): number {
  if (local.sizeOrType(localId) !== target.sizeOrType(targetId)) return 0;
  const ln = local.vlen(localId);
  const tn = target.vlen(targetId);
  if (ln > tn) return 0;
  const lstride = local.kind(localId) === BtfKind.ENUM ? 2 : 3;
  const tstride = target.kind(targetId) === BtfKind.ENUM ? 2 : 3;
  for (let i = 0; i < ln; i++) {
    const lo = local.dataWord(localId, i * lstride);
    let matched = false;
    for (let j = 0; j < tn && !matched; j++) matched = namesMatch(local, lo, target, target.dataWord(targetId, j * tstride));
    if (!matched) return 0;
  }
  return 1;
}

function compositesMatch(local: Btf, localId: number, target: Btf, targetId: number, behindPtr: boolean, level: number): number {
  const ln = local.vlen(localId);
  const tn = target.vlen(targetId);
  if (ln > tn) return 0;
  for (let i = 0; i < ln; i++) {
    const lname = local.dataWord(localId, i * 3);
    const ltype = local.memberType(localId, i);
    let matched = false;
    for (let j = 0; j < tn; j++) {
      if (!namesMatch(local, lname, target, target.dataWord(targetId, j * 3))) continue;
      const r = typesMatch(local, ltype, target, target.memberType(targetId, j), behindPtr, level - 1);
      if (r < 0) return r;
      if (r > 0) {
        matched = true;
        break;
      }
    }
    if (!matched) return 0;
  }
  return 1;
}
