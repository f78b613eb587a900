// An access spec: the path a relocation takes through a type. The raw path is
// the access string's indices one for one (anonymous members included); the
// accessors keep only the points that carry meaning across BTFs: the base
// pointer's index, named members and array indices. Parsing validates an
// access string against the local type, as libbpf's bpf_core_parse_spec does.
import type { Btf } from "../btf/index.js";
import { E2BIG, EINVAL, enumeratorNameOffset, isAnyEnum, isComposite, memberBitOffset, resolveSize, skip } from "./btf-ops.js";
import { BtfKind } from "../btf/index.js";
import { isEnumvalKind, isFieldKind, isTypeKind } from "./kinds.js";

/** Longest access path libbpf accepts (BPF_CORE_SPEC_MAX_LEN). */
export const MAX_SPEC_LEN = 64;

export interface Accessor {
  /** The composite holding the member; for an index, the element type (modifiers skipped). */
  typeId: number;
  /** Member index, array index, or enumerator index. */
  idx: number;
  /** Member or enumerator name; undefined for an array index. */
  name: string | undefined;
}

export interface Spec {
  btf: Btf;
  /** The relocation's type (local) or the candidate's (target), as given. */
  rootId: number;
  kind: number;
  /** The access string's indices, anonymous members included. */
  raw: number[];
  accessors: Accessor[];
  /** Bit offset of the field from the base pointer, wrapped to 32 bits as libbpf's __u32. */
  bitOffset: number;
}

export function emptySpec(btf: Btf, rootId: number, kind: number): Spec {
  return { btf, rootId, kind, raw: [], accessors: [], bitOffset: 0 };
}

/** (a * b * 8) wrapped to 32 bits, exact for any u32 operands. */
export function bitsOf(count: number, size: number): number {
  const bytes = count * size;
  if (bytes < 2 ** 50) return (bytes * 8) % 2 ** 32;
  return Number(BigInt.asUintN(32, BigInt(count) * BigInt(size) * 8n));
}

export function addBits(a: number, b: number): number {
  return (a + b) % 2 ** 32;
}

/** Reason a spec failed to parse, kept for the error message. */
export interface ParseFailure {
  errno: number;
  reason: string;
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * Splits "0:1:2" into [0, 1, 2] as libbpf's sscanf("%d") loop reads it (a
 * ':' before each number is optional, leading blanks and a sign accepted);
 * returns a failure for a malformed or negative index.
 */
export function parseAccessString(access: string): number[] | ParseFailure {
  if (access === "" || access.charCodeAt(0) === 0x3a) return { errno: EINVAL, reason: "access string is empty or starts with ':'" };
  const raw: number[] = [];
  let i = 0;
  while (i < access.length) {
    if (access.charCodeAt(i) === 0x3a) i++;
    while (i < access.length && isSpace(access.charCodeAt(i))) i++;
    let negative = false;
    if (access[i] === "-" || access[i] === "+") negative = access[i++] === "-";
    const start = i;
    let value = 0;
    while (i < access.length && isDigit(access.charCodeAt(i))) value = value * 10 + (access.charCodeAt(i++) - 0x30);
    if (i === start) return { errno: EINVAL, reason: `access string '${access}' is not a list of ':'-separated indices` };
    if (negative && value !== 0) return { errno: EINVAL, reason: `access string '${access}' has a negative index` };
    if (value > 0x7fffffff) return { errno: EINVAL, reason: `access string '${access}' has an index beyond 2^31-1` };
    if (raw.length === MAX_SPEC_LEN) return { errno: E2BIG, reason: `access string '${access}' is longer than ${MAX_SPEC_LEN} indices` };
    raw.push(value);
  }
  if (raw.length === 0) return { errno: EINVAL, reason: "access string has no index" };
  return raw;
}

/** Parses and validates `access` against local type `rootId`; the spec, or why not. */
export function parseLocalSpec(btf: Btf, rootId: number, access: string, kind: number): Spec | ParseFailure {
  const spec = emptySpec(btf, rootId, kind);
  if (access === "" || access.charCodeAt(0) === 0x3a) return { errno: EINVAL, reason: "access string is empty or starts with ':'" };
  if (isTypeKind(kind)) {
    if (access !== "0") return { errno: EINVAL, reason: `type relocations take the access string "0", not '${access}'` };
    return spec;
  }
  const raw = parseAccessString(access);
  if (!Array.isArray(raw)) return raw;
  spec.raw = raw;
  let id = skip(btf, rootId);
  if (id < 0) return { errno: EINVAL, reason: `type [${rootId}] does not resolve` };
  const first = raw[0]!;
  spec.accessors.push({ typeId: id, idx: first, name: undefined });

  if (isEnumvalKind(kind)) {
    if (!isAnyEnum(btf.kind(id))) return { errno: EINVAL, reason: `type [${rootId}] is not an enum` };
    if (raw.length > 1) return { errno: EINVAL, reason: `enum value access string '${access}' has more than one index` };
    if (first >= btf.vlen(id)) return { errno: EINVAL, reason: `enumerator #${first} is beyond the ${btf.vlen(id)} of [${id}]` };
    spec.accessors[0]!.name = btf.string(enumeratorNameOffset(btf, id, first));
    return spec;
  }
  if (!isFieldKind(kind)) return { errno: EINVAL, reason: `unknown relocation kind ${kind}` };

  let size = resolveSize(btf, id);
  if (size < 0) return { errno: -size, reason: `type [${id}] has no size` };
  spec.bitOffset = bitsOf(first, size);

  for (let i = 1; i < raw.length; i++) {
    id = skip(btf, id);
    if (id < 0) return { errno: EINVAL, reason: `a type on the access path does not resolve` };
    const idx = raw[i]!;
    const kindHere = btf.kind(id);
    if (isComposite(kindHere)) {
      if (idx >= btf.vlen(id)) return { errno: EINVAL, reason: `member #${idx} is beyond the ${btf.vlen(id)} members of [${id}]` };
      spec.bitOffset = addBits(spec.bitOffset, memberBitOffset(btf, id, idx));
      const nameOff = btf.dataWord(id, idx * 3);
      if (nameOff !== 0) {
        const name = btf.string(nameOff);
        if (name === "") return { errno: EINVAL, reason: `member #${idx} of [${id}] has an empty name` };
        spec.accessors.push({ typeId: id, idx, name });
      }
      id = btf.memberType(id, idx);
    } else if (kindHere === BtfKind.ARRAY) {
      const nelems = btf.dataWord(id, 2);
      const elem = skip(btf, btf.dataWord(id, 0));
      if (elem < 0) return { errno: EINVAL, reason: `element type of [${id}] does not resolve` };
      const flex = isFlexArray(btf, spec.accessors[spec.accessors.length - 1]!, nelems);
      if (!flex && idx >= nelems) return { errno: EINVAL, reason: `index ${idx} is beyond the ${nelems} elements of array [${id}]` };
      id = elem;
      spec.accessors.push({ typeId: id, idx, name: undefined });
      size = resolveSize(btf, id);
      if (size < 0) return { errno: -size, reason: `type [${id}] has no size` };
      spec.bitOffset = addBits(spec.bitOffset, bitsOf(idx, size));
    } else {
      return { errno: EINVAL, reason: `index #${i} of '${access}' reaches [${id}], which is neither a struct, a union nor an array` };
    }
  }
  return spec;
}

/** A zero-length array that is the last member of the struct the previous accessor named. */
export function isFlexArray(btf: Btf, previous: Accessor, nelems: number): boolean {
  if (previous.name === undefined || nelems > 0) return false;
  return previous.idx === btf.vlen(previous.typeId) - 1;
}

export function isParseFailure(x: Spec | ParseFailure): x is ParseFailure {
  return (x as ParseFailure).errno !== undefined;
}
