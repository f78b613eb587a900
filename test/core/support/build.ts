// A terse way to build the local and target BTFs of rule tests: C-like struct
// definitions with byte offsets, resolved by name.
import { Btf, BtfBuilder, BtfKind } from "../../../src/btf/index.js";

export interface Types {
  b: BtfBuilder;
  /** Type id by name: "int", "unsigned int", "char", "long", "u8", "u16", "u32", "u64", "s64", struct names... */
  id(name: string): number;
  /** Adds a named id (for types added directly with `b`). */
  name(name: string, id: number): number;
  /** struct NAME { [member, type, byteOffset, bitfieldBits?, extraBits?]... } */
  struct(name: string, size: number, members: Member[]): number;
  union(name: string, size: number, members: Member[]): number;
  ptr(to: string | number): number;
  array(of: string | number, n: number): number;
}

export type Member = [name: string, type: string | number, byteOffset: number, bits?: number, extraBits?: number];

/** Builds a Btf: `define` adds types through the helpers. */
export function btf(define: (t: Types) => void): Btf {
  const b = new BtfBuilder();
  const ids = new Map<string, number>();
  const add = (n: string, id: number) => (ids.set(n, id), id);
  add("int", b.addInt("int", 4, 1));
  add("unsigned int", b.addInt("unsigned int", 4));
  add("char", b.addInt("char", 1, 1));
  add("short", b.addInt("short", 2, 1));
  add("long", b.addInt("long", 8, 1));
  add("u8", b.addInt("unsigned char", 1));
  add("u16", b.addInt("unsigned short", 2));
  add("u32", ids.get("unsigned int")!);
  add("u64", b.addInt("unsigned long long", 8));
  add("s64", b.addInt("long long", 8, 1));
  const ref = (x: string | number) => {
    if (typeof x === "number") return x;
    const id = ids.get(x);
    if (id === undefined) throw new Error(`no type ${x}`);
    return id;
  };
  const members = (list: Member[]) =>
    list.map(([name, type, at, bits, extra]) => ({ name, type: ref(type), bitOffset: at * 8 + (extra ?? 0), ...(bits ? { bitfieldSize: bits } : {}) }));
  const t: Types = {
    b,
    id: ref,
    name: add,
    struct: (name, size, list) => add(name || `#${b.typeCount}`, b.addStruct(name, size, members(list))),
    union: (name, size, list) => add(name || `#${b.typeCount}`, b.addUnion(name, size, members(list))),
    ptr: (to) => b.addPtr(ref(to)),
    array: (of, n) => b.addArray(ref(of), ref("int"), n),
  };
  define(t);
  return b.build();
}

/** The id of the first type named `name` (of `kind` when given). */
export function idOf(btf: Btf, name: string, kind?: BtfKind): number {
  const id = btf.find(name, kind);
  if (id === undefined) throw new Error(`no type ${name}`);
  return id;
}

export { BtfKind };
