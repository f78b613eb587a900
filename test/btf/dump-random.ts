// Seeded random BTF for differential tests of the dumps against bpftool: C-like
// type graphs (structs with bitfields, gaps, packed layouts, anonymous members,
// pointer cycles, name clashes, enums of every size and sign, typedef chains,
// function pointers, arrays, modifiers, type tags, forward declarations). The
// layouts are plausible, not necessarily valid C: bpftool prints whatever the
// BTF says, so do we.
import { BtfBuilder, BtfKind, FuncLinkage, IntEncoding, VarLinkage, type MemberSpec } from "../../src/btf/index.js";
import { prng } from "./fixtures.js";

interface Complete {
  id: number;
  size: number;
  align: number;
  /** An integer-like type a bitfield may use. */
  integral: boolean;
}

const TAGS = ["s", "t", "node", "list", "foo", "bar", "inner", "A", "B", "__Poly8_t"];
const FIELDS = ["a", "b", "c", "x", "y", "next", "prev", "val", "data", "flags", "s", "node"];
const IDENTS = ["foo", "bar", "A", "B", "RED", "GREEN", "s", "t", "u8", "val", "node", "__builtin_va_list", "__gnuc_va_list"];

export function randomBtf(seed: number, options: { steps?: number; bigEndian?: boolean } = {}): Uint8Array {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const int = (n: number) => Math.floor(rnd() * n);
  const b = new BtfBuilder();
  const complete: Complete[] = [];
  /** Types only usable behind a pointer (or as function signatures). */
  const anyTypes: number[] = [0];
  /** PTRs to void to repoint later, so that earlier structs point at later ones. */
  const latePtrs: number[] = [];

  const addComplete = (c: Complete) => {
    complete.push(c);
    anyTypes.push(c.id);
  };
  for (const [name, size, enc] of [
    ["char", 1, IntEncoding.CHAR],
    ["int", 4, IntEncoding.SIGNED],
    ["unsigned int", 4, 0],
    ["long int", 8, IntEncoding.SIGNED],
    ["short unsigned int", 2, 0],
    ["long long unsigned int", 8, 0],
    ["_Bool", 1, IntEncoding.BOOL],
  ] as const) {
    if (chance(0.8) || name === "int") addComplete({ id: b.addInt(name, size, enc), size, align: size, integral: true });
  }
  if (chance(0.3)) {
    const size = pick([4, 8, 16]);
    addComplete({ id: b.addFloat(size === 16 ? "long double" : size === 8 ? "double" : "float", size), size, align: Math.min(8, size), integral: false });
  }
  const name = (pool: readonly string[]) => (chance(0.25) ? "" : pick(pool));

  const steps = options.steps ?? 40;
  for (let step = 0; step < steps; step++) {
    const what = int(17);
    switch (what) {
      case 0:
      case 1: {
        // A pointer: to anything, or a placeholder to repoint at a later type.
        if (chance(0.3)) {
          const id = b.addPtr(0);
          latePtrs.push(id);
          addComplete({ id, size: 8, align: 8, integral: false });
        } else {
          let target = pick(anyTypes);
          if (chance(0.15)) target = b.addTypeTag(pick(["user", "rcu", "percpu"]), target);
          if (chance(0.2)) target = b.addConst(target);
          addComplete({ id: b.addPtr(target), size: 8, align: 8, integral: false });
        }
        break;
      }
      case 2: {
        const t = pick(complete);
        const mod = pick([BtfKind.CONST, BtfKind.VOLATILE, BtfKind.RESTRICT]);
        const id = mod === BtfKind.CONST ? b.addConst(t.id) : mod === BtfKind.VOLATILE ? b.addVolatile(t.id) : b.addRestrict(t.id);
        addComplete({ ...t, id });
        break;
      }
      case 3: {
        const t = pick(complete);
        const n = pick([0, 1, 2, 3, 4, 16]);
        addComplete({ id: b.addArray(t.id, complete[0]!.id, n), size: t.size * n, align: t.align, integral: false });
        break;
      }
      case 4: {
        if (chance(0.5)) {
          const t = pick(complete);
          addComplete({ ...t, id: b.addTypedef(pick(IDENTS), t.id) });
        } else {
          anyTypes.push(b.addTypedef(pick(IDENTS), pick(anyTypes)));
        }
        break;
      }
      case 5:
      case 6:
      case 7:
      case 8: {
        const union = chance(0.25);
        const c = composite(union);
        addComplete(c);
        break;
      }
      case 9:
      case 10: {
        const size = pick([4, 4, 4, 1, 2, 8]);
        const signed = chance(0.4);
        const n = chance(0.1) ? 0 : 1 + int(4);
        const values = Array.from({ length: n }, () => ({ name: pick(IDENTS), value: signed ? int(200) - 100 : chance(0.1) ? 0xffffffff : int(100) }));
        const id = b.addEnum(name(TAGS), values, { size, signed });
        addComplete({ id, size, align: size, integral: true });
        break;
      }
      case 11: {
        const signed = chance(0.5);
        const values = Array.from({ length: 1 + int(3) }, () => ({
          name: pick(IDENTS),
          value: signed ? BigInt(int(1000)) - 500n : chance(0.5) ? BigInt(int(1000)) << 33n : BigInt(int(1000)),
        }));
        const id = b.addEnum64(name(TAGS), values, { signed, size: pick([8, 8, 4]) });
        addComplete({ id, size: 8, align: 8, integral: true });
        break;
      }
      case 12:
        anyTypes.push(b.addFwd(pick(TAGS), chance(0.3)));
        break;
      case 13: {
        // A function prototype, used through a pointer (or a typedef of one).
        const params = Array.from({ length: int(4) }, () => ({ name: chance(0.5) ? pick(FIELDS) : "", type: pick(complete).id }));
        // A trailing void parameter (variadic; alone it is clang's `(void)`).
        const proto = b.addFuncProto(chance(0.3) ? 0 : pick(complete).id, params, chance(0.2));
        const target = chance(0.3) ? b.addTypedef(pick(IDENTS), proto) : proto;
        let ptr = b.addPtr(target);
        if (chance(0.2)) ptr = b.addConst(ptr);
        addComplete({ id: ptr, size: 8, align: 8, integral: false });
        if (chance(0.3)) b.addFunc(pick(FIELDS), proto, FuncLinkage.GLOBAL);
        if (chance(0.2)) {
          const arr = b.addArray(ptr, complete[0]!.id, 2 + int(3));
          addComplete({ id: arr, size: 8 * 4, align: 8, integral: false });
        }
        break;
      }
      case 14: {
        const t = pick(complete);
        const v = b.addVar(pick(FIELDS), t.id, VarLinkage.GLOBAL_ALLOCATED);
        b.addDatasec(".data", t.size, [{ type: v, offset: 0, size: t.size }]);
        if (chance(0.5)) b.addDeclTag("tag", v, -1);
        break;
      }
      case 15: {
        // An anonymous enum nobody refers to: dumped at top level.
        b.addEnum("", [{ name: pick(IDENTS), value: int(5) }]);
        break;
      }
      default: {
        const t = pick(complete);
        addComplete({ ...t, id: b.addTypeTag(pick(["user", "rcu"]), t.id) });
      }
    }
  }
  // Point the placeholders at types made later (cycles through pointers, forward declarations).
  const composites = complete.filter((c) => {
    const k = b.type(c.id).kind;
    return k === BtfKind.STRUCT || k === BtfKind.UNION || k === BtfKind.TYPEDEF;
  });
  for (const p of latePtrs) if (composites.length > 0 && chance(0.8)) b.set(p, { kind: BtfKind.PTR, name: "", type: pick(composites).id });
  return b.encode({ littleEndian: !options.bigEndian });

  function composite(union: boolean): Complete {
    const packed = chance(0.1);
    const members: MemberSpec[] = [];
    let off = 0;
    let maxAlign = 1;
    let end = 0;
    const n = int(6);
    for (let i = 0; i < n; i++) {
      const t = pick(complete);
      // Anonymous members are anonymous structs/unions in C; others get a name.
      const anon = chance(0.05);
      const memberName = anon ? "" : pick(FIELDS);
      if (t.integral && !union && chance(0.25)) {
        const bits = 1 + int(t.size * 8);
        if (chance(0.3)) off = Math.ceil(off / (t.align * 8)) * t.align * 8;
        members.push({ name: memberName, type: t.id, bitOffset: off, bitfieldSize: bits });
        off += bits;
        maxAlign = Math.max(maxAlign, t.align);
      } else {
        const gap = chance(0.15) ? 8 * (1 + int(12)) : 0;
        const at = union ? (chance(0.1) ? 8 * int(3) : 0) : packed ? Math.ceil(off / 8) * 8 + gap : Math.ceil((off + gap) / (t.align * 8)) * t.align * 8;
        members.push({ name: memberName, type: t.id, bitOffset: at, bitfieldSize: 0 });
        if (!union) off = at + t.size * 8;
        maxAlign = Math.max(maxAlign, t.align);
        end = Math.max(end, at + t.size * 8);
      }
      if (!union) end = Math.max(end, off);
    }
    const align = packed ? 1 : maxAlign;
    let size = Math.ceil(Math.ceil(end / 8) / align) * align;
    if (chance(0.1)) size += 1 + int(16);
    const tag = name(TAGS);
    const id = union ? b.addUnion(tag, size, members) : b.addStruct(tag, size, members);
    return { id, size, align, integral: false };
  }
}
