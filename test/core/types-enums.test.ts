// Type and enumerator relocation rules: TYPE_EXISTS/SIZE/ID_*/MATCHES
// (positive and negative TYPE_MATCHES cases), ENUMVAL_EXISTS/VALUE with
// renumbered, removed, flavored and 64-bit enumerators.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CoreKind as K } from "../../src/core/index.js";
import { btf, type Types } from "./support/build.js";
import { outcome, relocateOne } from "./support/relocate.js";

interface Row {
  what: string;
  local: (t: Types) => void;
  target: (t: Types) => void;
  type: string;
  access?: string;
  kind: number;
  expect: ReturnType<typeof outcome>;
}

const yes = (local: bigint, target: bigint) => ({ found: true, poison: false, local, target });
const no = (local: bigint, poison = false) => ({ found: false, poison, local, target: 0n });

const point = (t: Types) => void t.struct("point", 8, [["x", "int", 0], ["y", "int", 4]]);

const typeRows: Row[] = [
  { what: "exists", local: point, target: (t) => void t.struct("point", 16, [["z", "long", 8]]), type: "point", kind: K.TYPE_EXISTS, expect: yes(1n, 1n) },
  { what: "absent", local: point, target: (t) => void t.struct("line", 8, []), type: "point", kind: K.TYPE_EXISTS, expect: no(1n) },
  { what: "absent: size 0, not poisoned", local: point, target: (t) => void t.struct("line", 8, []), type: "point", kind: K.TYPE_SIZE, expect: no(8n) },
  { what: "absent: target id 0", local: point, target: (t) => void t.struct("line", 8, []), type: "point", kind: K.TYPE_ID_TARGET, expect: no(10n) },
  { what: "size", local: point, target: (t) => void t.struct("point", 24, []), type: "point", kind: K.TYPE_SIZE, expect: yes(8n, 24n) },
  {
    what: "typedef resized",
    local: (t) => void t.name("word_t", t.b.addTypedef("word_t", t.id("u32"))),
    target: (t) => void t.b.addTypedef("word_t", t.id("u64")),
    type: "word_t", kind: K.TYPE_SIZE, expect: yes(4n, 8n),
  },
  {
    what: "typedef of a struct vs typedef of an int: not compatible",
    local: (t) => { const s = t.struct("inner", 4, [["x", "int", 0]]); t.name("handle_t", t.b.addTypedef("handle_t", s)); },
    target: (t) => void t.b.addTypedef("handle_t", t.id("u64")),
    type: "handle_t", kind: K.TYPE_EXISTS, expect: no(1n),
  },
  {
    what: "function pointer typedefs with different arities: not compatible",
    local: (t) => { const p = t.b.addFuncProto(t.id("int"), [{ name: "a", type: t.id("int") }]); t.name("cb_t", t.b.addTypedef("cb_t", t.ptr(p))); },
    target: (t) => { const p = t.b.addFuncProto(t.id("int"), [{ name: "a", type: t.id("int") }, { name: "b", type: t.id("int") }]); t.b.addTypedef("cb_t", t.ptr(p)); },
    type: "cb_t", kind: K.TYPE_EXISTS, expect: no(1n),
  },
  {
    what: "function pointer typedefs, compatible parameters",
    local: (t) => { const p = t.b.addFuncProto(t.id("int"), [{ name: "a", type: t.id("int") }]); t.name("cb_t", t.b.addTypedef("cb_t", t.ptr(p))); },
    target: (t) => { const p = t.b.addFuncProto(t.id("long"), [{ name: "x", type: t.id("u8") }]); t.b.addTypedef("cb_t", t.ptr(p)); },
    type: "cb_t", kind: K.TYPE_EXISTS, expect: yes(1n, 1n),
  },
  { what: "the target's type id", local: point, target: (t) => { t.struct("other", 4, []); t.struct("point", 8, []); }, type: "point", kind: K.TYPE_ID_TARGET, expect: yes(10n, 11n) },
  { what: "the local type id needs no target", local: point, target: () => {}, type: "point", kind: K.TYPE_ID_LOCAL, expect: yes(10n, 10n) },
  {
    what: "enum -> enum64 candidates",
    local: (t) => void t.name("color", t.b.addEnum("color", [{ name: "RED", value: 1 }])),
    target: (t) => void t.b.addEnum64("color", [{ name: "RED", value: 1n }]),
    type: "color", kind: K.TYPE_SIZE, expect: yes(4n, 8n),
  },
];

const matchRows: Row[] = [
  {
    what: "extra target member and other order: matches",
    local: (t) => void t.struct("m", 16, [["id", "int", 0], ["name", t.ptr("char"), 8]]),
    target: (t) => void t.struct("m", 24, [["extra", "long", 0], ["name", t.ptr("char"), 8], ["id", "int", 16]]),
    type: "m", kind: K.TYPE_MATCHES, expect: yes(1n, 1n),
  },
  { what: "signedness differs: no match", local: (t) => void t.struct("m", 4, [["id", "u32", 0]]), target: (t) => void t.struct("m", 4, [["id", "int", 0]]), type: "m", kind: K.TYPE_MATCHES, expect: no(1n) },
  { what: "int size differs: no match", local: (t) => void t.struct("m", 4, [["id", "int", 0]]), target: (t) => void t.struct("m", 8, [["id", "long", 0]]), type: "m", kind: K.TYPE_MATCHES, expect: no(1n) },
  { what: "a local member missing: no match", local: (t) => void t.struct("m", 8, [["id", "int", 0], ["gone", "int", 4]]), target: (t) => void t.struct("m", 4, [["id", "int", 0]]), type: "m", kind: K.TYPE_MATCHES, expect: no(1n) },
  { what: "compatible but not matching (exists 1)", local: (t) => void t.struct("m", 4, [["mine", "int", 0]]), target: (t) => void t.struct("m", 8, [["other", "long", 0]]), type: "m", kind: K.TYPE_EXISTS, expect: yes(1n, 1n) },
  { what: "compatible but not matching (matches 0)", local: (t) => void t.struct("m", 4, [["mine", "int", 0]]), target: (t) => void t.struct("m", 8, [["other", "long", 0]]), type: "m", kind: K.TYPE_MATCHES, expect: no(1n) },
  {
    what: "array lengths must agree",
    local: (t) => void t.struct("m", 16, [["a", t.array("int", 4), 0]]),
    target: (t) => void t.struct("m", 12, [["a", t.array("int", 3), 0]]),
    type: "m", kind: K.TYPE_MATCHES, expect: no(1n),
  },
  {
    what: "pointer to a struct matches a pointer to its forward declaration",
    local: (t) => { const inner = t.struct("inner", 4, [["x", "int", 0]]); t.struct("m", 8, [["p", t.ptr(inner), 0]]); },
    target: (t) => { const fwd = t.b.addFwd("inner"); t.struct("m", 8, [["p", t.ptr(fwd), 0]]); },
    type: "m", kind: K.TYPE_MATCHES, expect: yes(1n, 1n),
  },
  {
    what: "a struct by value does not match a forward declaration",
    local: (t) => { const inner = t.struct("inner", 4, [["x", "int", 0]]); t.struct("m", 4, [["v", inner, 0]]); },
    target: (t) => { const fwd = t.b.addFwd("inner"); t.struct("m", 8, [["v", fwd, 0]]); },
    type: "m", kind: K.TYPE_MATCHES, expect: no(1n),
  },
  {
    what: "behind a pointer, member types are not compared",
    local: (t) => { const inner = t.struct("inner", 4, [["x", "int", 0]]); t.struct("m", 8, [["p", t.ptr(inner), 0]]); },
    target: (t) => { const inner = t.struct("inner", 8, [["y", "long", 0]]); t.struct("m", 8, [["p", t.ptr(inner), 0]]); },
    type: "m", kind: K.TYPE_MATCHES, expect: yes(1n, 1n),
  },
  {
    what: "enum: a superset of enumerators, other values, matches",
    local: (t) => void t.name("e", t.b.addEnum("e", [{ name: "ONE", value: 1 }, { name: "TWO", value: 2 }])),
    target: (t) => void t.b.addEnum("e", [{ name: "ONE", value: 100 }, { name: "TWO", value: 200 }, { name: "THREE", value: 300 }]),
    type: "e", kind: K.TYPE_MATCHES, expect: yes(1n, 1n),
  },
  {
    what: "enum: an enumerator missing, no match",
    local: (t) => void t.name("e", t.b.addEnum("e", [{ name: "ONE", value: 1 }, { name: "FOUR", value: 4 }])),
    target: (t) => void t.b.addEnum("e", [{ name: "ONE", value: 1 }]),
    type: "e", kind: K.TYPE_MATCHES, expect: no(1n),
  },
  {
    what: "enum: sizes must agree (enum64 of 8 bytes vs enum of 4)",
    local: (t) => void t.name("e", t.b.addEnum64("e", [{ name: "ONE", value: 1n }])),
    target: (t) => void t.b.addEnum("e", [{ name: "ONE", value: 1 }]),
    type: "e", kind: K.TYPE_MATCHES, expect: no(1n),
  },
  {
    what: "typedef of matching ints",
    local: (t) => void t.name("pid_t", t.b.addTypedef("pid_t", t.id("int"))),
    target: (t) => void t.b.addTypedef("pid_t", t.id("int")),
    type: "pid_t", kind: K.TYPE_MATCHES, expect: yes(1n, 1n),
  },
  {
    what: "flavored local matches the unflavored target",
    local: (t) => void t.struct("list_head___x", 16, [["next", t.ptr("long"), 0]]),
    target: (t) => void t.struct("list_head", 16, [["next", t.ptr("long"), 0], ["prev", t.ptr("long"), 8]]),
    type: "list_head___x", kind: K.TYPE_MATCHES, expect: yes(1n, 1n),
  },
];

const color = (t: Types) => void t.name("color", t.b.addEnum("color", [{ name: "RED", value: 1 }, { name: "GREEN", value: 2 }, { name: "BLUE", value: 3 }, { name: "PURPLE", value: 4 }]));
const enumRows: Row[] = [
  { what: "renumbered", local: color, target: (t) => void t.b.addEnum("color", [{ name: "RED", value: 10 }, { name: "BLUE", value: 30 }]), type: "color", access: "2", kind: K.ENUMVAL_VALUE, expect: yes(3n, 30n) },
  { what: "exists", local: color, target: (t) => void t.b.addEnum("color", [{ name: "RED", value: 10 }]), type: "color", access: "0", kind: K.ENUMVAL_EXISTS, expect: yes(1n, 1n) },
  { what: "gone: exists 0", local: color, target: (t) => void t.b.addEnum("color", [{ name: "RED", value: 10 }]), type: "color", access: "3", kind: K.ENUMVAL_EXISTS, expect: no(1n) },
  { what: "gone: value poisoned", local: color, target: (t) => void t.b.addEnum("color", [{ name: "RED", value: 10 }]), type: "color", access: "3", kind: K.ENUMVAL_VALUE, expect: no(4n, true) },
  {
    what: "flavored enum and enumerator",
    local: (t) => void t.name("color___v1", t.b.addEnum("color___v1", [{ name: "GREEN___v1", value: 2 }])),
    target: (t) => void t.b.addEnum("color", [{ name: "RED", value: 10 }, { name: "GREEN", value: 20 }]),
    type: "color___v1", access: "0", kind: K.ENUMVAL_VALUE, expect: yes(2n, 20n),
  },
  {
    what: "enum64 value",
    local: (t) => void t.name("big", t.b.addEnum64("big", [{ name: "LARGE", value: 0x100000000n }])),
    target: (t) => void t.b.addEnum64("big", [{ name: "LARGE", value: 0x200000000n }]),
    type: "big", access: "0", kind: K.ENUMVAL_VALUE, expect: yes(0x100000000n, 0x200000000n),
  },
  {
    what: "enum64 local, 32-bit enum target",
    local: (t) => void t.name("narrow", t.b.addEnum64("narrow", [{ name: "A", value: 0x100000001n }])),
    target: (t) => void t.b.addEnum("narrow", [{ name: "A", value: 5 }]),
    type: "narrow", access: "0", kind: K.ENUMVAL_VALUE, expect: yes(0x100000001n, 5n),
  },
  {
    what: "a negative 32-bit value is sign-extended to 64 bits",
    local: color,
    target: (t) => void t.b.addEnum("color", [{ name: "RED", value: -10 }], { signed: true }),
    type: "color", access: "0", kind: K.ENUMVAL_VALUE, expect: yes(1n, 0xfffffffffffffff6n),
  },
  {
    what: "an unsigned 32-bit value >= 2^31 is sign-extended too (libbpf reads an s32)",
    local: color,
    target: (t) => void t.b.addEnum("color", [{ name: "RED", value: 0x80000000 }], { signed: false }),
    type: "color", access: "0", kind: K.ENUMVAL_VALUE, expect: yes(1n, 0xffffffff80000000n),
  },
  { what: "an enum's target must be an enum", local: color, target: (t) => void t.struct("color", 4, []), type: "color", access: "0", kind: K.ENUMVAL_EXISTS, expect: no(1n) },
];

for (const [family, rows] of [["type", typeRows], ["TYPE_MATCHES", matchRows], ["enum", enumRows]] as const) {
  for (const r of rows) {
    test(`${family} rule: ${r.what}`, () => {
      const f = relocateOne(btf(r.local), btf(r.target), r.type, r.access ?? "0", r.kind);
      assert.deepEqual(outcome(f), r.expect);
    });
  }
}

test("type kinds: validation is off for TYPE_ID_TARGET and TYPE_ID_LOCAL only", () => {
  const local = btf(point);
  const target = btf((t) => void t.struct("point", 8, []));
  for (const kind of [K.TYPE_EXISTS, K.TYPE_SIZE, K.TYPE_MATCHES]) assert.equal(relocateOne(local, target, "point", "0", kind).validate, true);
  for (const kind of [K.TYPE_ID_TARGET, K.TYPE_ID_LOCAL]) assert.equal(relocateOne(local, target, "point", "0", kind).validate, false);
});
