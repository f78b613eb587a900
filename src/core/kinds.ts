// The 13 CO-RE relocation kinds as numbered in .BTF.ext (enum bpf_core_relo_kind,
// include/uapi/linux/bpf.h), their short names as libbpf logs them, and the
// three families they fall into.

export const CoreKind = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;
export type CoreKind = (typeof CoreKind)[keyof typeof CoreKind];

const SHORT_NAMES = [
  "byte_off",
  "byte_sz",
  "field_exists",
  "signed",
  "lshift_u64",
  "rshift_u64",
  "local_type_id",
  "target_type_id",
  "type_exists",
  "type_size",
  "enumval_exists",
  "enumval_value",
  "type_matches",
];

/** libbpf's short name of a kind ("byte_off", "type_matches", ...); "unknown" otherwise. */
export function coreKindName(kind: number): string {
  return SHORT_NAMES[kind] ?? "unknown";
}

/** FIELD_BYTE_OFFSET .. FIELD_RSHIFT_U64: the access string walks members and array elements. */
export function isFieldKind(kind: number): boolean {
  return kind >= CoreKind.FIELD_BYTE_OFFSET && kind <= CoreKind.FIELD_RSHIFT_U64;
}

/** TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, TYPE_MATCHES: the access string is "0". */
export function isTypeKind(kind: number): boolean {
  return (kind >= CoreKind.TYPE_ID_LOCAL && kind <= CoreKind.TYPE_SIZE) || kind === CoreKind.TYPE_MATCHES;
}

/** ENUMVAL_EXISTS, ENUMVAL_VALUE: the access string is the enumerator's index. */
export function isEnumvalKind(kind: number): boolean {
  return kind === CoreKind.ENUMVAL_EXISTS || kind === CoreKind.ENUMVAL_VALUE;
}

/** Kinds whose answer is "is it there" (0 when absent instead of a poisoned instruction). */
export function isExistenceKind(kind: number): boolean {
  return kind === CoreKind.FIELD_EXISTS || kind === CoreKind.TYPE_EXISTS || kind === CoreKind.ENUMVAL_EXISTS || kind === CoreKind.TYPE_MATCHES;
}
