// Access strings: parsed as libbpf reads them and validated against the local
// type; every bad one is an EINVAL error naming the relocation, instruction,
// type and access string.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CoreKind as K, calculateFixups, parseAccessString } from "../../src/core/index.js";
import { btf } from "./support/build.js";

test("access strings split like libbpf's sscanf loop", () => {
  assert.deepEqual(parseAccessString("0"), [0]);
  assert.deepEqual(parseAccessString("0:1:2:3"), [0, 1, 2, 3]);
  assert.deepEqual(parseAccessString("12:345"), [12, 345]);
  assert.deepEqual(parseAccessString("0 1"), [0, 1], "a blank separates like ':'");
  assert.deepEqual(parseAccessString("+1:-0"), [1, 0], "signs are read");
  for (const bad of ["", ":0", "0:", "0::1", "a", "0:x", "-1", "0:-2", "3000000000"]) {
    assert.ok(!Array.isArray(parseAccessString(bad)), `'${bad}' is refused`);
  }
  assert.ok(!Array.isArray(parseAccessString(Array(65).fill("0").join(":"))), "more than 64 indices");
  assert.deepEqual(parseAccessString(Array(64).fill("0").join(":")), Array(64).fill(0));
});

const local = btf((t) => {
  const inner = t.struct("", 8, [["x", "int", 0], ["y", "int", 4]]);
  const arr = t.array("int", 4);
  t.struct("s", 32, [["a", "int", 0], ["", inner, 4], ["arr", arr, 12], ["p", t.ptr("int"), 28]]);
  t.name("e", t.b.addEnum("e", [{ name: "ONE", value: 1 }]));
});
const s = local.find("s")!;
const e = local.find("e")!;

const bad: [access: string, kind: number, typeId: number, why: RegExp][] = [
  ["", K.FIELD_BYTE_OFFSET, s, /empty or starts with ':'/],
  [":1", K.FIELD_BYTE_OFFSET, s, /empty or starts with ':'/],
  ["0:4", K.FIELD_BYTE_OFFSET, s, /member #4 is beyond the 4 members/],
  ["0:2:4", K.FIELD_BYTE_OFFSET, s, /index 4 is beyond the 4 elements of array/],
  ["0:3:0", K.FIELD_BYTE_OFFSET, s, /neither a struct, a union nor an array/],
  ["0:0:0", K.FIELD_BYTE_OFFSET, s, /neither a struct, a union nor an array/],
  ["1", K.TYPE_EXISTS, s, /type relocations take the access string "0"/],
  ["0:0", K.TYPE_SIZE, s, /type relocations take the access string "0"/],
  ["1", K.ENUMVAL_VALUE, e, /enumerator #1 is beyond the 1 of/],
  ["0:0", K.ENUMVAL_EXISTS, e, /more than one index/],
  ["0", K.ENUMVAL_VALUE, s, /is not an enum/],
];

for (const [access, kind, typeId, why] of bad) {
  test(`access '${access}' (kind ${kind}) is refused: ${why.source}`, () => {
    const [f] = calculateFixups([{ insn: 7, typeId, accessString: access, kind }], local, local, { program: "p" });
    assert.equal(f!.error?.errno, "EINVAL");
    assert.match(f!.error!.message, why);
    assert.match(f!.error!.message, new RegExp(`^prog 'p': relo #0: \\S+ at insn #7 on \\[${typeId}\\] \\+ '${access}': parsing \\[${typeId}\\] `));
  });
}

test("valid access strings resolve through anonymous members and arrays", () => {
  const f = calculateFixups(
    [
      { insn: 0, typeId: s, accessString: "0:1:1", kind: K.FIELD_BYTE_OFFSET },
      { insn: 0, typeId: s, accessString: "0:2:3", kind: K.FIELD_BYTE_OFFSET },
      { insn: 0, typeId: s, accessString: "3:3", kind: K.FIELD_BYTE_OFFSET },
    ],
    local,
    local,
  );
  assert.deepEqual(
    f.map((x) => [x.localValue, x.targetValue]),
    [[8n, 8n], [24n, 24n], [124n, 124n]],
  );
  assert.deepEqual(f[0]!.localSpec!.raw, [0, 1, 1]);
  assert.deepEqual(f[0]!.localSpec!.accessors.map((a) => a.name ?? `[${a.idx}]`), ["[0]", "y"]);
});
