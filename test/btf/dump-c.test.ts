// The C dump against bpftool 7.1: real kernels' BTF byte for byte, one
// hand-built blob per rule (golden files, and a live bpftool when present),
// and the failures bpftool reports (or crashes on) as typed errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Btf, BtfBuilder, BtfKind, IntEncoding, dumpC, formatC } from "../../src/btf/index.js";
import { BtfError } from "../../src/errors.js";
import { repoRoot } from "../support/paths.js";
import { dumpCases } from "./dump-cases.js";
import { bpftool, bpftoolSkip, capture, firstDifference, withTempFile } from "./dump-support.js";
import { KERNEL_BTF, bytesOf, kernelBytes, kernelSkip, sharedTestmod, sharedTestmodBase, sharedVmlinux, sharedVmlinuxBytes } from "./fixtures.js";

const golden = (name: string) => readFileSync(join(repoRoot, "test", "btf", "golden", `${name}.h`));
const dump = (btf: Btf) => capture((sink) => dumpC(btf, sink));

function assertSame(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const diff = firstDifference(actual, expected);
  if (diff !== undefined) assert.fail(`${what}: ${diff}`);
}

for (const c of dumpCases) {
  test(`C dump rule '${c.name}': ${c.rule}`, () => {
    assertSame(dump(c.build().build()), golden(c.name), c.name);
  });
}

test("every hand-built case matches a live bpftool, in both byte orders", { skip: bpftoolSkip }, () => {
  for (const c of dumpCases) {
    for (const littleEndian of [true, false]) {
      const bytes = c.build().encode({ littleEndian });
      const expected = withTempFile(bytes, (path) => bpftool(["btf", "dump", "file", path, "format", "c"]).stdout);
      assertSame(dump(Btf.parse(bytes)), expected, `${c.name} (${littleEndian ? "LE" : "BE"})`);
    }
  }
});

test("the running kernel's BTF dumps as bpftool dumps it", { skip: kernelSkip || bpftoolSkip }, () => {
  const expected = bpftool(["btf", "dump", "file", KERNEL_BTF, "format", "c"]).stdout;
  assertSame(dump(Btf.parse(kernelBytes())), expected, KERNEL_BTF);
});

test("the shared Linux 7.1 vmlinux dumps as bpftool dumps it", { skip: sharedVmlinux.skip || bpftoolSkip }, () => {
  const bytes = sharedVmlinuxBytes();
  const expected = withTempFile(bytes, (path) => bpftool(["btf", "dump", "file", path, "format", "c"]).stdout);
  assert.ok(expected.length > 1_000_000);
  assertSame(dump(Btf.parse(bytes)), expected, "vmlinux 7.1");
});

test("split testmod BTF dumps with its base as bpftool dumps it", { skip: sharedTestmod.skip || sharedTestmodBase.skip || bpftoolSkip }, () => {
  const base = Btf.parse(bytesOf(sharedTestmodBase.path!));
  const mod = Btf.parse(bytesOf(sharedTestmod.path!), { base });
  const expected = bpftool(["btf", "dump", "file", sharedTestmod.path!, "-B", sharedTestmodBase.path!, "format", "c"]).stdout;
  assertSame(dump(mod), expected, "btf_testmod");
  // Base types come first (libbpf dumps from id 1), so the module's header holds the base's.
  assert.ok(dump(mod).includes(dump(base).subarray(0, 200)));
});

test("formatC, chunking and the header option", () => {
  const btf = dumpCases[0]!.build().build();
  const whole = dump(btf);
  assert.equal(formatC(btf), whole.toString("utf8"));
  const chunks: number[] = [];
  const pieces: Buffer[] = [];
  dumpC(btf, (c) => {
    chunks.push(c.length);
    pieces.push(Buffer.from(c));
  }, { chunkBytes: 64 });
  assert.ok(chunks.length > 3, "small chunks are handed over as they fill");
  assert.deepEqual(Buffer.concat(pieces), whole);
  const bare = formatC(btf, { header: false });
  assert.ok(!bare.includes("__VMLINUX_H__"));
  assert.ok(whole.toString().includes(bare.trimEnd()));
});

test("rootIds dumps the given types with what they need, in bpftool's order", () => {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  const inner = b.addStruct("inner", 4, [{ name: "x", type: int, bitOffset: 0 }]);
  b.addStruct("unrelated", 4, [{ name: "y", type: int, bitOffset: 0 }]);
  const outer = b.addStruct("outer", 4, [{ name: "i", type: inner, bitOffset: 0 }]);
  const text = formatC(b.build(), { rootIds: [outer], header: false });
  assert.equal(text, "struct inner {\n\tint x;\n};\n\nstruct outer {\n\tstruct inner i;\n};\n\n");
  assert.throws(() => formatC(b.build(), { rootIds: [99] }), (e: unknown) => e instanceof BtfError && e.code === "BTF_NO_TYPE");
  // Void (a map key without BTF, `btf dump map ... key`) prints nothing, as in libbpf.
  assert.equal(formatC(b.build(), { rootIds: [0, int], header: false }), "");
  assert.equal(formatC(b.build(), { rootIds: [0, inner], header: false }), "struct inner {\n\tint x;\n};\n\n");
});

test("a struct containing itself stops with BTF_TYPE_CYCLE after what bpftool prints", () => {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  b.addStruct("ok", 4, [{ name: "x", type: int, bitOffset: 0 }]);
  const self = b.typeCount;
  b.addStruct("self", 8, [{ name: "me", type: self, bitOffset: 0 }]);
  const bytes = b.encode();
  const pieces: Buffer[] = [];
  assert.throws(
    () => dumpC(Btf.parse(bytes), (c) => pieces.push(Buffer.from(c))),
    (e: unknown) => e instanceof BtfError && e.code === "BTF_TYPE_CYCLE" && e.where.typeId === self,
  );
  const partial = Buffer.concat(pieces);
  assert.ok(partial.toString().endsWith("struct ok {\n\tint x;\n};\n\n"), "what came before the cycle is kept");
  if (!bpftoolSkip) {
    const r = withTempFile(bytes, (path) => bpftool(["btf", "dump", "file", path, "format", "c"]));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`unsatisfiable type cycle, id:\\[${self}\\]`));
    assertSame(partial, r.stdout, "partial output");
  }
});

test("reference loops and dangling references give BtfErrors (bpftool crashes on some)", () => {
  const loops: Array<[string, (b: BtfBuilder) => void]> = [
    ["pointer to itself", (b) => b.addPtr(b.typeCount)],
    ["typedef through a pointer to itself", (b) => {
      const td = b.addTypedef("loop_t", b.typeCount + 1);
      b.addPtr(td);
    }],
    ["const of itself inside a struct", (b) => {
      const c = b.addConst(b.typeCount);
      b.addStruct("s", 8, [{ name: "c", type: b.addPtr(c), bitOffset: 0 }]);
    }],
  ];
  for (const [what, build] of loops) {
    const b = new BtfBuilder();
    b.addInt("int", 4, IntEncoding.SIGNED);
    build(b);
    const started = performance.now();
    assert.throws(() => formatC(b.build()), (e: unknown) => e instanceof BtfError, what);
    assert.ok(performance.now() - started < 5000, `${what}: bounded time`);
  }
  // The builder refuses dangling references: patch one in (the member's type word of struct [2]).
  const dangling = new BtfBuilder();
  dangling.addInt("int", 4, IntEncoding.SIGNED);
  dangling.addStruct("s", 4, [{ name: "x", type: 1, bitOffset: 0 }]);
  const bytes = dangling.encode();
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(24 + 16 + 12 + 4, 1000, true);
  assert.throws(() => formatC(Btf.parse(bytes)), (e: unknown) => e instanceof BtfError && e.code === "BTF_BAD_REFERENCE" && e.where.typeId === 2);
});

test("absurd sizes stop at maxOutputBytes instead of printing gigabytes of padding", () => {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  b.addStruct("huge", 0x0fffffff, [{ name: "x", type: int, bitOffset: 0 }]);
  const btf = b.build();
  assert.throws(
    () => dumpC(btf, () => {}, { maxOutputBytes: 1 << 20 }),
    (e: unknown) => e instanceof BtfError && e.code === "BTF_DUMP_TOO_LARGE",
  );
});

test("FUNC, VAR, DATASEC and DECL_TAG declare nothing; FUNC_PROTO return types do not count as referenced", () => {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  const anon = b.addEnum("", [{ name: "RET", value: 1 }]);
  const proto = b.addFuncProto(anon, [{ name: "a", type: int }]);
  const f = b.addFunc("f", proto);
  b.addDeclTag("kfunc", f);
  const v = b.addVar("v", int);
  b.addDatasec(".bss", 4, [{ type: v, offset: 0, size: 4 }]);
  assert.equal(b.build().type(anon).kind, BtfKind.ENUM);
  assert.equal(formatC(b.build(), { header: false }), "enum {\n\tRET = 1,\n};\n\n");
});
