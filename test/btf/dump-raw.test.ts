// bpftool's raw listing (plain text, -j and -p JSON) of corebpf's dumpRaw:
// golden files for every kind, and byte-for-byte comparisons with a live
// bpftool on the kernel's BTF, the shared Linux 7.1 vmlinux and the split
// testmod. JSON is compared as bytes and as parsed values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Btf, BtfBuilder, IntEncoding, dumpRaw, formatRaw, type RawDumpOptions } from "../../src/btf/index.js";
import { BtfError } from "../../src/errors.js";
import { repoRoot } from "../support/paths.js";
import { bpftool, bpftoolSkip, capture, firstDifference, withTempFile } from "./dump-support.js";
import {
  KERNEL_BTF, buildAllKinds, bytesOf, kernelBytes, kernelSkip, sharedTestmod, sharedTestmodBase, sharedVmlinux, sharedVmlinuxBytes,
} from "./fixtures.js";

const golden = (name: string) => readFileSync(join(repoRoot, "test", "btf", "golden", name));
const modes: Array<[string, RawDumpOptions, string[]]> = [
  ["text", {}, []],
  ["json", { json: true }, ["-j"]],
  ["pretty", { json: true, pretty: true }, ["-p"]],
];

function assertSame(actual: Uint8Array, expected: Uint8Array, what: string, json: boolean): void {
  const diff = firstDifference(actual, expected);
  if (diff !== undefined) assert.fail(`${what}: ${diff}`);
  if (json) assert.deepEqual(JSON.parse(Buffer.from(actual).toString()), JSON.parse(Buffer.from(expected).toString()), `${what}: parsed`);
}

test("every kind lists as in the golden files (text, JSON, pretty JSON), in both byte orders", () => {
  for (const littleEndian of [true, false]) {
    const btf = Btf.parse(buildAllKinds().builder.encode({ littleEndian }));
    assertSame(capture((s) => dumpRaw(btf, s)), golden("all-kinds.txt"), "text", false);
    assertSame(capture((s) => dumpRaw(btf, s, { json: true })), golden("all-kinds.json"), "json", true);
    assertSame(capture((s) => dumpRaw(btf, s, { json: true, pretty: true })), golden("all-kinds.pretty.json"), "pretty", true);
  }
});

test("every kind lists as a live bpftool lists it", { skip: bpftoolSkip }, () => {
  const bytes = buildAllKinds().builder.encode();
  withTempFile(bytes, (path) => {
    for (const [name, options, flags] of modes) {
      assertSame(capture((s) => dumpRaw(Btf.parse(bytes), s, options)), bpftool([...flags, "btf", "dump", "file", path]).stdout, name, name !== "text");
    }
  });
});

test("the running kernel's BTF lists as bpftool lists it", { skip: kernelSkip || bpftoolSkip }, () => {
  const btf = Btf.parse(kernelBytes());
  for (const [name, options, flags] of modes) {
    assertSame(capture((s) => dumpRaw(btf, s, options)), bpftool([...flags, "btf", "dump", "file", KERNEL_BTF]).stdout, `kernel ${name}`, name !== "text");
  }
});

test("the shared Linux 7.1 vmlinux lists as bpftool lists it", { skip: sharedVmlinux.skip || bpftoolSkip }, () => {
  const bytes = sharedVmlinuxBytes();
  const btf = Btf.parse(bytes);
  withTempFile(bytes, (path) => {
    for (const [name, options, flags] of modes) {
      assertSame(capture((s) => dumpRaw(btf, s, options)), bpftool([...flags, "btf", "dump", "file", path]).stdout, `vmlinux 7.1 ${name}`, name !== "text");
    }
  });
});

test("split testmod BTF lists its own types as bpftool lists them", { skip: sharedTestmod.skip || sharedTestmodBase.skip || bpftoolSkip }, () => {
  const base = Btf.parse(bytesOf(sharedTestmodBase.path!));
  const mod = Btf.parse(bytesOf(sharedTestmod.path!), { base });
  for (const [name, options, flags] of modes) {
    const expected = bpftool([...flags, "btf", "dump", "file", sharedTestmod.path!, "-B", sharedTestmodBase.path!]).stdout;
    assertSame(capture((s) => dumpRaw(mod, s, options)), expected, `testmod ${name}`, name !== "text");
  }
  assert.ok(formatRaw(mod).startsWith(`[${base.typeCount}] `), "ids continue after the base's");
});

test("names outside the strings print as (invalid), as bpftool prints them", () => {
  const b = new BtfBuilder();
  b.addInt("int", 4, IntEncoding.SIGNED);
  b.addStruct("s", 4, [{ name: "x", type: 1, bitOffset: 0 }]);
  const bytes = b.encode();
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(24 + 16 + 12, 5000, true); // struct [2]'s member name_off
  const btf = Btf.parse(bytes);
  assert.match(formatRaw(btf), /\t'\(invalid\)' type_id=1 bits_offset=0\n$/);
  assert.match(formatRaw(btf, { json: true }), /"members":\[\{"name":"\(invalid\)"/);
  if (!bpftoolSkip) {
    withTempFile(bytes, (path) => assertSame(Buffer.from(formatRaw(btf)), bpftool(["btf", "dump", "file", path]).stdout, "invalid name", false));
  }
});

test("JSON strings are escaped as bpftool's json_writer escapes them", () => {
  const b = new BtfBuilder();
  b.addInt('we"ird\\name\ttab\nnl', 4, IntEncoding.SIGNED);
  const json = formatRaw(b.build(), { json: true });
  assert.ok(json.includes('"name":"we\\"ird\\\\name\\ttab\\nnl"'));
  assert.equal((JSON.parse(json) as { types: Array<{ name: string }> }).types[0]!.name, 'we"ird\\name\ttab\nnl');
});

test("rootIds lists the given ids; unknown ids are BtfErrors", () => {
  const btf = buildAllKinds().builder.build();
  assert.equal(formatRaw(btf, { rootIds: [3, 1] }), "[3] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL\n[1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n");
  assert.throws(() => formatRaw(btf, { rootIds: [btf.typeCount] }), (e: unknown) => e instanceof BtfError && e.code === "BTF_NO_TYPE");
  // Void, the key of a map without key BTF (`btf dump map ... key`), as bpftool lists it.
  assert.equal(formatRaw(btf, { rootIds: [0] }), "[0] UNKNOWN '(anon)'\n");
  assert.equal(formatRaw(btf, { rootIds: [0], json: true }), '{"types":[{"id":0,"kind":"UNKNOWN","name":"(anon)"}]}\n');
});
