// The one place that knows where a type refers to other types. Every walker
// (size resolution, C dump ordering, minimal BTF, id remapping when copying
// types between Btfs) goes through `children` or `mapChildren`.
import { BtfError } from "../errors.js";
import { BtfKind } from "./kinds.js";
import type { BtfType, BtfTypeSpec } from "./types.js";

/** The type ids a type refers to, in wire order (0 = void included). */
export function children(t: BtfType | BtfTypeSpec): number[] {
  switch (t.kind) {
    case BtfKind.ARRAY:
      return [t.type, t.indexType];
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return t.members.map((m) => m.type);
    case BtfKind.FUNC_PROTO:
      return [t.type, ...t.params.map((p) => p.type)];
    case BtfKind.DATASEC:
      return t.vars.map((v) => v.type);
    default:
      // PTR, TYPEDEF, modifiers, FUNC, VAR, DECL_TAG, TYPE_TAG: one reference.
      return "type" in t ? [t.type] : [];
  }
}

/** A copy of a type (without id) whose references are replaced by `map(id)`. */
export function mapChildren(t: BtfType | BtfTypeSpec, map: (id: number) => number): BtfTypeSpec {
  const spec = withoutId(t);
  switch (spec.kind) {
    case BtfKind.ARRAY:
      return { ...spec, type: map(spec.type), indexType: map(spec.indexType) };
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return { ...spec, members: spec.members.map((m) => ({ ...m, type: map(m.type) })) };
    case BtfKind.FUNC_PROTO:
      return { ...spec, type: map(spec.type), params: spec.params.map((p) => ({ ...p, type: map(p.type) })) };
    case BtfKind.DATASEC:
      return { ...spec, vars: spec.vars.map((v) => ({ ...v, type: map(v.type) })) };
    default:
      return "type" in spec ? { ...spec, type: map(spec.type) } : spec;
  }
}

/** The type as a builder spec (its id dropped). Void has no spec. */
export function withoutId(t: BtfType | BtfTypeSpec): BtfTypeSpec {
  if (t.kind === BtfKind.UNKN) throw new BtfError("BTF_BAD_ARGUMENT", "void (type id 0) has no spec: it cannot be added to a BTF builder");
  if (!("id" in t)) return t;
  const { id: _id, ...spec } = t;
  return spec as BtfTypeSpec;
}
