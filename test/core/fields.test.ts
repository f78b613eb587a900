// Field relocation rules, table by table, against BTF built in the test:
// fields moved, renamed (flavors), removed, resized, made bitfields and back,
// arrays, nested anonymous members; each field kind's value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CoreKind as K, calculateFixups } from "../../src/core/index.js";
import { btf, type Types } from "./support/build.js";
import { outcome, relocateOne } from "./support/relocate.js";

interface Row {
  what: string;
  local: (t: Types) => void;
  target: (t: Types) => void;
  type: string;
  access: string;
  kind: number;
  expect: ReturnType<typeof outcome>;
}

const found = (local: bigint, target: bigint) => ({ found: true, poison: false, local, target });
const missing = (local: bigint, poison: boolean) => ({ found: false, poison, local, target: 0n });

// Local struct s { int a; int b; char c; } used by many rows.
const sLocal = (t: Types) => void t.struct("s", 12, [["a", "int", 0], ["b", "int", 4], ["c", "char", 8]]);

const rows: Row[] = [
  // Moved and reordered.
  { what: "moved field", local: sLocal, target: (t) => void t.struct("s", 24, [["c", "char", 0], ["pad", "long", 8], ["b", "int", 16], ["a", "int", 20]]), type: "s", access: "0:0", kind: K.FIELD_BYTE_OFFSET, expect: found(0n, 20n) },
  { what: "moved field size", local: sLocal, target: (t) => void t.struct("s", 24, [["c", "char", 0], ["b", "int", 16], ["a", "int", 20]]), type: "s", access: "0:2", kind: K.FIELD_BYTE_SIZE, expect: found(1n, 1n) },
  { what: "base pointer index scales by the target size", local: sLocal, target: (t) => void t.struct("s", 24, [["a", "int", 4]]), type: "s", access: "2:0", kind: K.FIELD_BYTE_OFFSET, expect: found(24n, 52n) },
  // Removed.
  { what: "removed field: exists 0", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "int", 0]]), type: "s", access: "0:1", kind: K.FIELD_EXISTS, expect: missing(1n, false) },
  { what: "removed field: offset poisoned", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "int", 0]]), type: "s", access: "0:1", kind: K.FIELD_BYTE_OFFSET, expect: missing(4n, true) },
  { what: "removed field: size poisoned", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "int", 0]]), type: "s", access: "0:1", kind: K.FIELD_BYTE_SIZE, expect: missing(4n, true) },
  { what: "removed field: signed poisoned", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "int", 0]]), type: "s", access: "0:1", kind: K.FIELD_SIGNED, expect: missing(1n, true) },
  { what: "removed field: lshift poisoned", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "int", 0]]), type: "s", access: "0:1", kind: K.FIELD_LSHIFT_U64, expect: missing(32n, true) },
  { what: "removed field: rshift poisoned", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "int", 0]]), type: "s", access: "0:1", kind: K.FIELD_RSHIFT_U64, expect: missing(32n, true) },
  { what: "no such type: exists 0", local: sLocal, target: (t) => void t.struct("other", 4, [["a", "int", 0]]), type: "s", access: "0:0", kind: K.FIELD_EXISTS, expect: missing(1n, false) },
  { what: "a union is no candidate for a struct", local: sLocal, target: (t) => void t.union("s", 4, [["a", "int", 0]]), type: "s", access: "0:0", kind: K.FIELD_EXISTS, expect: missing(1n, false) },
  // Renamed: flavors.
  {
    what: "flavor ___new matches the renamed field",
    local: (t) => void t.struct("st___new", 4, [["__state", "unsigned int", 0]]),
    target: (t) => void t.struct("st", 8, [["flags", "int", 0], ["__state", "unsigned int", 4]]),
    type: "st___new",
    access: "0:0",
    kind: K.FIELD_BYTE_OFFSET,
    expect: found(0n, 4n),
  },
  {
    what: "flavor ___old finds no field",
    local: (t) => void t.struct("st___old", 8, [["state", "long", 0]]),
    target: (t) => void t.struct("st", 8, [["flags", "int", 0], ["__state", "unsigned int", 4]]),
    type: "st___old",
    access: "0:0",
    kind: K.FIELD_EXISTS,
    expect: missing(1n, false),
  },
  {
    what: "a flavored target matches an unflavored local",
    local: sLocal,
    target: (t) => void t.struct("s___v2", 16, [["a", "int", 12]]),
    type: "s",
    access: "0:0",
    kind: K.FIELD_BYTE_OFFSET,
    expect: found(0n, 12n),
  },
  {
    what: "member names match exactly (no flavor stripping)",
    local: (t) => void t.struct("s", 4, [["a___x", "int", 0]]),
    target: (t) => void t.struct("s", 4, [["a", "int", 0]]),
    type: "s",
    access: "0:0",
    kind: K.FIELD_EXISTS,
    expect: missing(1n, false),
  },
  // Resized.
  { what: "u32 -> u64 size", local: (t) => void t.struct("s", 4, [["n", "u32", 0]]), target: (t) => void t.struct("s", 8, [["n", "u64", 0]]), type: "s", access: "0:0", kind: K.FIELD_BYTE_SIZE, expect: found(4n, 8n) },
  { what: "int -> pointer is not compatible", local: (t) => void t.struct("s", 8, [["n", "long", 0]]), target: (t) => void t.struct("s", 8, [["n", t.ptr("int"), 0]]), type: "s", access: "0:0", kind: K.FIELD_EXISTS, expect: missing(1n, false) },
  { what: "struct -> union member is compatible", local: (t) => { const u = t.struct("in", 4, [["x", "int", 0]]); t.struct("s", 4, [["m", u, 0]]); }, target: (t) => { const u = t.union("in2", 4, [["x", "int", 0]]); t.struct("s", 8, [["m", u, 4]]); }, type: "s", access: "0:0", kind: K.FIELD_BYTE_OFFSET, expect: found(0n, 4n) },
  { what: "pointers to anything are compatible", local: (t) => void t.struct("s", 8, [["p", t.ptr("int"), 0]]), target: (t) => void t.struct("s", 16, [["p", t.ptr("char"), 8]]), type: "s", access: "0:0", kind: K.FIELD_BYTE_OFFSET, expect: found(0n, 8n) },
  {
    what: "enum member: names must agree",
    local: (t) => { const e = t.name("e", t.b.addEnum("color", [{ name: "R", value: 1 }])); t.struct("s", 4, [["c", e, 0]]); },
    target: (t) => { const e = t.name("e", t.b.addEnum("shade", [{ name: "R", value: 1 }])); t.struct("s", 4, [["c", e, 0]]); },
    type: "s", access: "0:0", kind: K.FIELD_EXISTS, expect: missing(1n, false),
  },
  {
    what: "enum member: an anonymous enum matches any",
    local: (t) => { const e = t.name("e", t.b.addEnum("color", [{ name: "R", value: 1 }])); t.struct("s", 4, [["c", e, 0]]); },
    target: (t) => { const e = t.name("e", t.b.addEnum64("", [{ name: "R", value: 1n }])); t.struct("s", 8, [["c", e, 0]]); },
    type: "s", access: "0:0", kind: K.FIELD_BYTE_SIZE, expect: found(4n, 8n),
  },
  {
    what: "legacy bitfield ints (int offset) are not compatible",
    local: sLocal,
    target: (t) => { const odd = t.b.add({ kind: 1, name: "int", size: 4, encoding: 1, bitOffset: 3, bits: 5 }); t.struct("s", 4, [["a", odd, 0]]); },
    type: "s", access: "0:0", kind: K.FIELD_EXISTS, expect: missing(1n, false),
  },
  // Signedness.
  { what: "signed int", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "int", 0]]), type: "s", access: "0:0", kind: K.FIELD_SIGNED, expect: found(1n, 1n) },
  { what: "int made unsigned", local: sLocal, target: (t) => void t.struct("s", 4, [["a", "u32", 0]]), type: "s", access: "0:0", kind: K.FIELD_SIGNED, expect: found(1n, 0n) },
  {
    what: "enum made signed (kind_flag)",
    local: (t) => { const e = t.b.addEnum("mode", [{ name: "M", value: 1 }], { signed: false }); t.struct("s", 4, [["m", e, 0]]); },
    target: (t) => { const e = t.b.addEnum("mode", [{ name: "M", value: -1 }], { signed: true }); t.struct("s", 4, [["m", e, 0]]); },
    type: "s", access: "0:0", kind: K.FIELD_SIGNED, expect: found(0n, 1n),
  },
  // Bitfields: target bits in a 4-byte unit: flags:4 @0, level:12 @4 (signed), rest:16 @16.
  ...bitfieldRows(),
  // Arrays.
  ...arrayRows(),
  // Anonymous members.
  ...anonymousRows(),
];

function bitfieldRows(): Row[] {
  const local = (t: Types) => void t.struct("bits", 12, [["flags", "unsigned int", 0], ["level", "int", 4], ["rest", "unsigned int", 8]]);
  const target = (t: Types) => void t.struct("bits", 4, [["flags", "unsigned int", 0, 4], ["level", "int", 0, 12, 4], ["rest", "unsigned int", 2, 16]]);
  const row = (what: string, access: string, kind: number, expect: Row["expect"]): Row => ({ what: `plain -> bitfield: ${what}`, local, target, type: "bits", access, kind, expect });
  const unLocal = (t: Types) => void t.struct("ub", 4, [["mode", "unsigned int", 0, 3], ["count", "int", 0, 20, 3]]);
  const unTarget = (t: Types) => void t.struct("ub", 8, [["mode", "u8", 0], ["count", "int", 4]]);
  const back = (what: string, access: string, kind: number, expect: Row["expect"]): Row => ({ what: `bitfield -> plain: ${what}`, local: unLocal, target: unTarget, type: "ub", access, kind, expect });
  return [
    row("level offset (its 4-byte unit)", "0:1", K.FIELD_BYTE_OFFSET, found(4n, 0n)),
    row("level size", "0:1", K.FIELD_BYTE_SIZE, found(4n, 4n)),
    row("level signed", "0:1", K.FIELD_SIGNED, found(1n, 1n)),
    row("level lshift", "0:1", K.FIELD_LSHIFT_U64, found(32n, 48n)),
    row("level rshift", "0:1", K.FIELD_RSHIFT_U64, found(32n, 52n)),
    row("rest lshift", "0:2", K.FIELD_LSHIFT_U64, found(32n, 32n)),
    row("rest rshift", "0:2", K.FIELD_RSHIFT_U64, found(32n, 48n)),
    row("flags lshift", "0:0", K.FIELD_LSHIFT_U64, found(32n, 60n)),
    back("mode offset", "0:0", K.FIELD_BYTE_OFFSET, found(0n, 0n)),
    back("mode size (local unit 4, target u8)", "0:0", K.FIELD_BYTE_SIZE, found(4n, 1n)),
    back("mode lshift", "0:0", K.FIELD_LSHIFT_U64, found(61n, 56n)),
    back("count lshift", "0:1", K.FIELD_LSHIFT_U64, found(41n, 32n)),
    back("count rshift", "0:1", K.FIELD_RSHIFT_U64, found(44n, 32n)),
    back("count offset", "0:1", K.FIELD_BYTE_OFFSET, found(0n, 4n)),
    {
      what: "a bitfield crossing 8 bytes cannot be loaded: E2BIG",
      local,
      target: (t) => void t.struct("bits", 16, [["level", "long", 7, 12, 4]]),
      type: "bits", access: "0:1", kind: K.FIELD_BYTE_SIZE, expect: { error: "E2BIG" },
    },
    {
      what: "bitfield widened to the smallest load holding it",
      local,
      target: (t) => void t.struct("bits", 8, [["level", "u8", 1, 12, 4]]),
      type: "bits", access: "0:1", kind: K.FIELD_BYTE_SIZE, expect: found(4n, 4n),
    },
  ];
}

function arrayRows(): Row[] {
  // local: struct arr { int one[4]; int grid[2][3]; int n; int items[]; }
  const local = (t: Types) => {
    const one = t.array("int", 4);
    const row = t.array("int", 3);
    const grid = t.array(row, 2);
    const items = t.array("int", 0);
    t.struct("arr", 44, [["one", one, 0], ["grid", grid, 16], ["n", "int", 40], ["items", items, 44]]);
  };
  // target: struct arr { long pad; long long grid[3][4]; int one[2]; int n; int items[]; }
  const target = (t: Types) => {
    const row = t.array("s64", 4);
    const grid = t.array(row, 3);
    const one = t.array("int", 2);
    const items = t.array("int", 0);
    t.struct("arr", 120, [["pad", "long", 0], ["grid", grid, 8], ["one", one, 104], ["n", "int", 112], ["items", items, 116]]);
  };
  const row = (what: string, access: string, kind: number, expect: Row["expect"]): Row => ({ what: `array: ${what}`, local, target, type: "arr", access, kind, expect });
  return [
    row("whole array size", "0:0", K.FIELD_BYTE_SIZE, found(16n, 8n)),
    row("element in range", "0:0:1", K.FIELD_BYTE_OFFSET, found(4n, 108n)),
    row("element size", "0:0:1", K.FIELD_BYTE_SIZE, found(4n, 4n)),
    row("element beyond the target's length: no match", "0:0:3", K.FIELD_EXISTS, missing(1n, false)),
    row("element beyond the target's length: poisoned", "0:0:3", K.FIELD_BYTE_OFFSET, missing(12n, true)),
    row("2-D element", "0:1:1:2", K.FIELD_BYTE_OFFSET, found(36n, 56n)),
    row("2-D element size (long long)", "0:1:1:2", K.FIELD_BYTE_SIZE, found(4n, 8n)),
    row("2-D row", "0:1:1", K.FIELD_BYTE_SIZE, found(12n, 32n)),
    row("flexible array, any index", "0:3:5", K.FIELD_BYTE_OFFSET, found(64n, 136n)),
    row("whole object (access '0')", "0", K.FIELD_BYTE_OFFSET, found(0n, 0n)),
    row("second object (access '1')", "1", K.FIELD_BYTE_OFFSET, found(44n, 120n)),
    row("whole object size", "0", K.FIELD_BYTE_SIZE, found(44n, 120n)),
    row("signedness of an array element: not for arrays", "0:0:1", K.FIELD_SIGNED, { error: "EINVAL" }),
  ];
}

function anonymousRows(): Row[] {
  // local: struct n { int id; union { int as_int; unsigned as_uint; }; struct { short lo; short hi; }; }
  const local = (t: Types) => {
    const u = t.union("", 4, [["as_int", "int", 0], ["as_uint", "unsigned int", 0]]);
    const s = t.struct("", 4, [["lo", "short", 0], ["hi", "short", 2]]);
    t.struct("n", 12, [["id", "int", 0], ["", u, 4], ["", s, 8]]);
  };
  // target: struct n { struct { union { long as_long; int as_int; }; }; int id; struct { short hi; short lo; }; }
  const target = (t: Types) => {
    const u = t.union("", 8, [["as_long", "long", 0], ["as_int", "int", 0]]);
    const o = t.struct("", 8, [["", u, 0]]);
    const s = t.struct("", 4, [["hi", "short", 0], ["lo", "short", 2]]);
    t.struct("n", 16, [["", o, 0], ["id", "int", 8], ["", s, 12]]);
  };
  const row = (what: string, access: string, kind: number, expect: Row["expect"]): Row => ({ what: `anonymous: ${what}`, local, target, type: "n", access, kind, expect });
  return [
    row("named member after the anonymous ones", "0:0", K.FIELD_BYTE_OFFSET, found(0n, 8n)),
    row("member two anonymous levels down", "0:1:0", K.FIELD_BYTE_OFFSET, found(4n, 0n)),
    row("member absent from every anonymous level", "0:1:1", K.FIELD_EXISTS, missing(1n, false)),
    row("swapped members of an anonymous struct", "0:2:0", K.FIELD_BYTE_OFFSET, found(8n, 14n)),
    row("swapped members of an anonymous struct (2)", "0:2:1", K.FIELD_BYTE_OFFSET, found(10n, 12n)),
    {
      what: "anonymous: an incompatible same-named member inside an anonymous struct leaves its offset in the path (libbpf)",
      local: (t) => void t.struct("q", 4, [["a", "int", 0]]),
      target: (t) => {
        const inner = t.struct("inner", 4, [["x", "int", 0]]);
        const decoy = t.struct("", 8, [["pad", "int", 0], ["a", inner, 4]]);
        t.struct("q", 16, [["", decoy, 0], ["a", "int", 8]]);
      },
      type: "q", access: "0:0", kind: K.FIELD_BYTE_OFFSET, expect: found(0n, 12n),
    },
  ];
}

for (const r of rows) {
  test(`field rule: ${r.what}`, () => {
    const f = relocateOne(btf(r.local), btf(r.target), r.type, r.access, r.kind);
    assert.deepEqual(outcome(f), r.expect);
  });
}

test("bitfield shifts follow the object's byte order", () => {
  const local = btf((t) => void t.struct("bits", 12, [["flags", "unsigned int", 0], ["level", "int", 4]]));
  const target = btf((t) => void t.struct("bits", 4, [["flags", "unsigned int", 0, 4], ["level", "int", 0, 12, 4]]));
  const id = local.find("bits")!;
  const relos = [{ insn: 0, typeId: id, accessString: "0:1", kind: K.FIELD_LSHIFT_U64 }];
  assert.equal(calculateFixups(relos, local, target)[0]!.targetValue, 48n);
  assert.equal(calculateFixups(relos, local, target, { littleEndian: false })[0]!.targetValue, 36n);
});
