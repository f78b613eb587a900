// BTF kind numbers and the flag/linkage constants of the wire format
// (Documentation/bpf/btf.rst, include/uapi/linux/btf.h).

/** BTF kinds as numbered on the wire. `UNKN` (0) is void. */
export const BtfKind = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
export type BtfKind = (typeof BtfKind)[keyof typeof BtfKind];

/** Highest kind this decoder knows. */
export const MAX_KNOWN_KIND = 19;

const kindNames: readonly string[] = Object.keys(BtfKind);

/** The kind's name as bpftool prints it ("INT", "FUNC_PROTO", ...); "UNKN" for 0, `KIND#n` for unknown kinds. */
export function kindName(kind: number): string {
  return kindNames[kind] ?? `KIND#${kind}`;
}

/** Bits of an INT's encoding field. */
export const IntEncoding = {
  NONE: 0,
  SIGNED: 1,
  CHAR: 2,
  BOOL: 4,
} as const;

/** Linkage of a FUNC (stored in its vlen). */
export const FuncLinkage = {
  STATIC: 0,
  GLOBAL: 1,
  EXTERN: 2,
} as const;

/** Linkage of a VAR. */
export const VarLinkage = {
  STATIC: 0,
  GLOBAL_ALLOCATED: 1,
  GLOBAL_EXTERN: 2,
} as const;
