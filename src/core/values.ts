// The values a relocation puts into an instruction, computed from a spec (the
// local one gives the value the compiler wrote, a target one the value to
// write): libbpf's bpf_core_calc_{field,type,enumval}_relo and
// bpf_core_calc_relo, with libbpf's integer widths (u32 arithmetic for field
// bits, u64 results).
import { BtfKind } from "../btf/index.js";
import { E2BIG, EINVAL, EOPNOTSUPP, EUCLEAN, intEncoding, isAnyEnum, memberBitfieldSize, resolveSize, skip } from "./btf-ops.js";
import { CoreKind, isEnumvalKind, isFieldKind, isTypeKind } from "./kinds.js";
import type { Spec } from "./spec.js";
import { enumeratorValue } from "./btf-ops.js";

/** The outcome of one relocation against one target (or none): libbpf's bpf_core_relo_res. */
export interface RelocationValues {
  /** The value the instruction must carry now (from the local BTF), u64. */
  localValue: bigint;
  /** The value to write, u64. */
  targetValue: bigint;
  /** The instruction is to be poisoned (field or enumerator missing). */
  poison: boolean;
  /** Whether the instruction's current value is checked against localValue. */
  validate: boolean;
  /** Memory access size of the field locally / in the target (FIELD_BYTE_OFFSET on a non-bitfield), 0 otherwise. */
  localSize: number;
  targetSize: number;
  /** Field type ids the sizes come from. */
  localSizeType: number;
  targetSizeType: number;
  /** A load/store of this field cannot be resized safely (not pointers or unsigned ints on both sides). */
  memSizeMismatch: boolean;
}

export function emptyValues(): RelocationValues {
  return {
    localValue: 0n,
    targetValue: 0n,
    poison: false,
    validate: true,
    localSize: 0,
    targetSize: 0,
    localSizeType: 0,
    targetSizeType: 0,
    memSizeMismatch: false,
  };
}

/** Why a value could not be computed (a hard error). */
export interface ValueFailure {
  errno: number;
  reason: string;
}

interface FieldOut {
  value: bigint;
  size: number;
  sizeType: number;
  validate: boolean;
}

const u32 = (x: number) => BigInt(x >>> 0);

/** bpf_core_calc_field_relo; null spec = no target. Returns 0 or -errno (-EUCLEAN: poison). */
function fieldValue(kind: number, spec: Spec | null, out: FieldOut, fail: { reason: string }, littleEndian: boolean): number {
  out.size = 0;
  out.sizeType = 0;
  if (kind === CoreKind.FIELD_EXISTS) {
    out.value = spec === null ? 0n : 1n;
    return 0;
  }
  if (spec === null) return -EUCLEAN;
  const btf = spec.btf;
  const acc = spec.accessors[spec.accessors.length - 1]!;

  if (acc.name === undefined) {
    if (kind === CoreKind.FIELD_BYTE_OFFSET) {
      out.value = u32(Math.floor(spec.bitOffset / 8));
      const elem = elementType(btf, acc.typeId);
      const size = elem < 0 ? -EINVAL : resolveSize(btf, elem);
      if (size < 0) return badSize(fail, acc.typeId);
      out.size = size;
      out.sizeType = acc.typeId;
    } else if (kind === CoreKind.FIELD_BYTE_SIZE) {
      const size = resolveSize(btf, acc.typeId);
      if (size < 0) return badSize(fail, acc.typeId);
      out.value = u32(size);
    } else {
      fail.reason = "this kind cannot be applied to an array element or the whole object";
      return -EINVAL;
    }
    out.validate = true;
    return 0;
  }

  const memberType = btf.memberType(acc.typeId, acc.idx);
  const fieldType = skip(btf, memberType);
  if (fieldType < 0) return badSize(fail, memberType);
  const bitOff = spec.bitOffset;
  let bitSize = memberBitfieldSize(btf, acc.typeId, acc.idx);
  const bitfield = bitSize > 0;
  let byteSize: number;
  let byteOff: number;
  if (bitfield) {
    byteSize = btf.sizeOrType(fieldType);
    if (byteSize === 0) {
      fail.reason = `bitfield storage type [${fieldType}] has size 0`;
      return -EINVAL;
    }
    byteOff = Math.floor(Math.floor(bitOff / 8) / byteSize) * byteSize;
    // The smallest load that holds the whole bitfield.
    while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
      if (byteSize >= 8) {
        fail.reason = "the bitfield cannot be read with one 64-bit load";
        return -E2BIG;
      }
      byteSize *= 2;
      byteOff = Math.floor(Math.floor(bitOff / 8) / byteSize) * byteSize;
    }
  } else {
    const size = resolveSize(btf, fieldType);
    if (size < 0) return badSize(fail, fieldType);
    byteSize = size;
    byteOff = Math.floor(bitOff / 8);
    bitSize = (byteSize * 8) >>> 0;
  }
  // Bitfield offsets and sizes may disagree with the compiler's: only signedness and rshift are checked there.
  out.validate = !bitfield;

  switch (kind) {
    case CoreKind.FIELD_BYTE_OFFSET:
      out.value = u32(byteOff);
      if (!bitfield) {
        const elem = elementType(btf, fieldType);
        const size = elem < 0 ? -EINVAL : resolveSize(btf, elem);
        if (size < 0) return badSize(fail, fieldType);
        out.size = size;
        out.sizeType = fieldType;
      }
      return 0;
    case CoreKind.FIELD_BYTE_SIZE:
      out.value = u32(byteSize);
      return 0;
    case CoreKind.FIELD_SIGNED: {
      const k = btf.kind(fieldType);
      const signed = (isAnyEnum(k) && btf.kindFlag(fieldType)) || (k === BtfKind.INT && (intEncoding(btf, fieldType) & 1) !== 0);
      out.value = signed ? 1n : 0n;
      out.validate = true;
      return 0;
    }
    case CoreKind.FIELD_LSHIFT_U64:
      out.value = littleEndian ? u32(64 - (bitOff + bitSize - byteOff * 8)) : u32((8 - byteSize) * 8 + (bitOff - byteOff * 8));
      return 0;
    case CoreKind.FIELD_RSHIFT_U64:
      out.value = u32(64 - bitSize);
      out.validate = true;
      return 0;
    default:
      return -EOPNOTSUPP;
  }
}

function badSize(fail: { reason: string }, id: number): number {
  fail.reason = `type [${id}] has no size`;
  return -EINVAL;
}

/** The element type under any number of array dimensions (modifiers skipped); -1 if broken. */
function elementType(btf: Spec["btf"], id: number): number {
  id = skip(btf, id);
  for (let n = 0; id >= 0 && btf.kind(id) === BtfKind.ARRAY && n < 1024; n++) id = skip(btf, btf.dataWord(id, 0));
  return id;
}

/** bpf_core_calc_type_relo. */
function typeValue(kind: number, spec: Spec | null, out: FieldOut, fail: { reason: string }): number {
  out.validate = true;
  if (spec === null) {
    out.value = 0n;
    return 0;
  }
  switch (kind) {
    case CoreKind.TYPE_ID_TARGET:
      out.value = BigInt(spec.rootId);
      // The id in the instruction may have changed during static linking.
      out.validate = false;
      return 0;
    case CoreKind.TYPE_EXISTS:
    case CoreKind.TYPE_MATCHES:
      out.value = 1n;
      return 0;
    case CoreKind.TYPE_SIZE: {
      const size = resolveSize(spec.btf, spec.rootId);
      if (size < 0) return badSize(fail, spec.rootId);
      out.value = BigInt(size);
      return 0;
    }
    default:
      return -EOPNOTSUPP;
  }
}

/** bpf_core_calc_enumval_relo. */
function enumvalValue(kind: number, spec: Spec | null, out: FieldOut): number {
  if (kind === CoreKind.ENUMVAL_EXISTS) {
    out.value = spec === null ? 0n : 1n;
    return 0;
  }
  if (kind !== CoreKind.ENUMVAL_VALUE) return -EOPNOTSUPP;
  if (spec === null) return -EUCLEAN;
  const acc = spec.accessors[0]!;
  out.value = enumeratorValue(spec.btf, acc.typeId, acc.idx);
  return 0;
}

const scratchLocal: FieldOut = { value: 0n, size: 0, sizeType: 0, validate: true };
const scratchTarget: FieldOut = { value: 0n, size: 0, sizeType: 0, validate: true };

/**
 * bpf_core_calc_relo: the local and target values of a relocation whose
 * local spec is `local` and target spec `target` (null: no target found).
 * Fills `res`; returns undefined, or a failure. Bitfield shifts are computed
 * for the byte order `littleEndian` (libbpf uses the host's).
 */
export function computeValues(kind: number, local: Spec, target: Spec | null, res: RelocationValues, littleEndian: boolean): ValueFailure | undefined {
  Object.assign(res, emptyValues());
  const fail = { reason: "" };
  const lo = scratchLocal;
  const to = scratchTarget;
  lo.validate = true;
  to.validate = true;
  let err: number;
  if (isFieldKind(kind)) {
    err = fieldValue(kind, local, lo, fail, littleEndian);
    if (err === 0) {
      res.localValue = lo.value;
      res.validate = lo.validate;
      res.localSize = lo.size;
      res.localSizeType = lo.sizeType;
      err = fieldValue(kind, target, to, fail, littleEndian);
      if (err === 0) {
        res.targetValue = to.value;
        res.targetSize = to.size;
        res.targetSizeType = to.sizeType;
        if (res.localSize !== res.targetSize) res.memSizeMismatch = !sizeChangeIsSafe(local, res.localSizeType, target!, res.targetSizeType);
      }
    }
  } else if (isTypeKind(kind)) {
    err = typeValue(kind, local, lo, fail);
    if (err === 0) {
      res.localValue = lo.value;
      res.validate = lo.validate;
      err = typeValue(kind, target, to, fail);
      if (err === 0) res.targetValue = to.value;
    }
  } else if (isEnumvalKind(kind)) {
    err = enumvalValue(kind, local, lo);
    if (err === 0) {
      res.localValue = lo.value;
      err = enumvalValue(kind, target, to);
      if (err === 0) res.targetValue = to.value;
    }
  } else {
    err = -EOPNOTSUPP;
  }
  if (err === -EUCLEAN) {
    res.poison = true;
    return undefined;
  }
  if (err === 0) return undefined;
  if (err === -EOPNOTSUPP) fail.reason = `unrecognized CO-RE relocation kind ${kind}`;
  return { errno: -err, reason: fail.reason };
}

/**
 * A load/store may change width only for pointers (a 32-bit kernel pointer
 * read zero-extended) and for integers unsigned on both sides.
 */
function sizeChangeIsSafe(local: Spec, localType: number, target: Spec, targetType: number): boolean {
  const lk = local.btf.kind(localType);
  const tk = target.btf.kind(targetType);
  if (lk === BtfKind.PTR && tk === BtfKind.PTR) return true;
  return lk === BtfKind.INT && tk === BtfKind.INT && intEncoding(local.btf, localType) !== 1 && intEncoding(target.btf, targetType) !== 1;
}
