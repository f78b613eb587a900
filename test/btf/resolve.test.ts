// Size, alignment, name lookup and member lookup: hand-built cases pin the
// rules; libbpf (btf__resolve_size, btf__align_of, btf__find_by_name_kind)
// is the reference over every type of real kernels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Btf, BtfBuilder, BtfKind, IntEncoding, alignOf, essentialName, findMember, resolveSize, resolveType, skipModifiers,
} from "../../src/btf/index.js";
import { repoRoot } from "../support/paths.js";
import { KERNEL_BTF, buildAllKinds, bytesOf, kernelBytes, kernelSkip, sharedTestmod, sharedTestmodBase, sharedVmlinux, sharedVmlinuxBytes } from "./fixtures.js";

const code = (c: string) => (e: Error & { code?: string }) => e.code === c;

test("sizes and alignments of hand-built types", () => {
  const { builder, ids } = buildAllKinds();
  const btf = builder.build();
  assert.equal(btf.pointerSize, 8, "no 'long': 8 by default");
  assert.equal(resolveSize(btf, ids.int), 4);
  assert.equal(resolveSize(btf, ids.array), 64);
  assert.equal(resolveSize(btf, ids.constant), 4);
  assert.equal(resolveSize(btf, ids.typedef), 16);
  assert.equal(resolveSize(btf, ids.ptr), 8);
  assert.equal(resolveSize(btf, ids.variable), 4);
  assert.equal(resolveSize(btf, ids.datasec), 4);
  assert.equal(resolveSize(btf, ids.declTag), 16);
  assert.throws(() => resolveSize(btf, ids.fwdStruct), code("BTF_NO_SIZE"));
  assert.throws(() => resolveSize(btf, 0), code("BTF_NO_SIZE"));
  assert.throws(() => resolveSize(btf, ids.func), code("BTF_NO_SIZE"));
  assert.throws(() => resolveSize(btf, ids.proto), code("BTF_NO_SIZE"));
  assert.equal(alignOf(btf, ids.struct), 8);
  assert.equal(alignOf(btf, ids.packed), 1, "a member off its alignment means packed");
  assert.equal(alignOf(btf, ids.bitfieldStruct), 4);
  assert.equal(alignOf(btf, ids.float), 8);
  assert.equal(alignOf(btf, ids.uchar), 1);
  assert.throws(() => alignOf(btf, ids.func), code("BTF_NO_ALIGN"));
  assert.equal(resolveType(btf, ids.constant), ids.int);
  assert.equal(resolveType(btf, ids.variable), ids.int);
  assert.throws(() => resolveType(btf, ids.fwdStruct), code("BTF_NO_SIZE"));
  assert.equal(skipModifiers(btf, ids.constant), ids.int);
  assert.equal(skipModifiers(btf, ids.typedef), ids.struct);
  assert.equal(skipModifiers(btf, ids.typedef, { keepTypedefs: true }), ids.typedef);
  assert.equal(skipModifiers(btf, ids.typeTag), ids.int);
});

test("pointer size comes from 'long', as libbpf guesses it", () => {
  const b = new BtfBuilder();
  b.addInt("long int", 4, IntEncoding.SIGNED);
  const p = b.addPtr(1);
  const btf = b.build();
  assert.equal(btf.pointerSize, 4);
  assert.equal(resolveSize(btf, p), 4);
  btf.pointerSize = 8;
  assert.equal(resolveSize(btf, p), 8);
  assert.throws(() => (btf.pointerSize = 3), code("BTF_BAD_ARGUMENT"));
});

test("reference loops, self-containing structs and huge arrays are errors, not hangs", () => {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  const t1 = b.addTypedef("a", b.typeCount + 1);
  b.addConst(t1); // typedef a -> const -> typedef a ...
  const self = b.addStruct("self", 4, [{ name: "me", type: b.typeCount, bitOffset: 0 }]);
  const big = b.addArray(int, int, 0x40000000);
  const bigger = b.addArray(big, int, 8);
  const empty = b.addArray(bigger, int, 0);
  const btf = b.build();
  assert.throws(() => resolveSize(btf, t1), code("BTF_REF_LOOP"));
  assert.throws(() => skipModifiers(btf, t1), code("BTF_REF_LOOP"));
  assert.throws(() => resolveType(btf, t1), code("BTF_REF_LOOP"));
  assert.throws(() => alignOf(btf, t1), code("BTF_REF_LOOP"));
  assert.throws(() => alignOf(btf, self), code("BTF_REF_LOOP"));
  assert.throws(() => findMember(btf, t1, "x"), code("BTF_REF_LOOP"));
  assert.throws(() => resolveSize(btf, big), code("BTF_SIZE_OVERFLOW"));
  assert.throws(() => resolveSize(btf, bigger), code("BTF_SIZE_OVERFLOW"));
  assert.equal(resolveSize(btf, empty), 0, "libbpf: zero elements stop the overflow checks");
});

test("member lookup walks anonymous members and reports bitfields", () => {
  const { builder, ids } = buildAllKinds();
  const btf = builder.build();
  const u2 = findMember(btf, ids.typedef, "u2")!;
  assert.deepEqual(u2.path.map((s) => [s.parent, s.index]), [[ids.struct, 1], [ids.anonUnion, 1]]);
  assert.equal(u2.member.name, "u2");
  assert.equal(u2.bitOffset, 32);
  assert.equal(u2.bitfieldSize, 0);
  assert.equal(findMember(btf, ids.struct, "next")!.bitOffset, 64);
  assert.equal(findMember(btf, ids.struct, "missing"), undefined);
  assert.equal(findMember(btf, ids.int, "a"), undefined);
  const y = findMember(btf, ids.bitfieldStruct, "y")!;
  assert.deepEqual([y.bitOffset, y.bitfieldSize], [3, 13]);

  // Legacy (kind_flag 0) bitfields: the member's INT is narrower than its storage.
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  const narrow = b.add({ kind: BtfKind.INT, name: "int", size: 4, encoding: IntEncoding.SIGNED, bitOffset: 2, bits: 5 });
  const s = b.addStruct("legacy", 8, [
    { name: "plain", type: int, bitOffset: 0 },
    { name: "bits", type: narrow, bitOffset: 32 },
  ]);
  const legacy = b.build();
  assert.deepEqual([findMember(legacy, s, "bits")!.bitOffset, findMember(legacy, s, "bits")!.bitfieldSize], [34, 5]);
  assert.equal(findMember(legacy, s, "plain")!.bitfieldSize, 0);
});

test("name lookups: kinds, ascending ids, essential names, bytes not decoded", () => {
  const { builder, ids } = buildAllKinds();
  const btf = builder.build();
  assert.deepEqual(btf.findAll("int"), [ids.int, ids.legacyBitfieldInt]);
  assert.equal(btf.find("int"), ids.int);
  assert.equal(btf.find("s", BtfKind.STRUCT), ids.struct);
  assert.equal(btf.find("s", BtfKind.UNION), undefined);
  assert.equal(btf.find("nope"), undefined);
  assert.equal(btf.find(""), undefined, "anonymous types are not indexed");
  assert.deepEqual(btf.findByEssentialName("s"), [ids.struct, ids.flavored]);
  assert.deepEqual(btf.findByEssentialName("s___local"), [ids.struct, ids.flavored]);
  assert.deepEqual(btf.findByEssentialName("s", BtfKind.UNION), []);
  assert.deepEqual(btf.findAll("s___v2"), [ids.flavored]);
  assert.equal(essentialName("task_struct___old"), "task_struct");
  assert.equal(essentialName("a____b"), "a____b", "four underscores are no separator");
  assert.equal(essentialName("___a"), "___a");
  assert.equal(essentialName("a___b___c"), "a___b");
  assert.equal(essentialName("a___"), "a___");

  const b = new BtfBuilder();
  b.addInt("größe", 4);
  b.addInt("x___y___z", 4);
  const u = b.build();
  assert.equal(u.find("größe"), 1);
  assert.equal(u.name(1), "größe");
  assert.deepEqual(u.findByEssentialName("x___y___other"), [2], "both essential names are x___y");
  assert.deepEqual(u.findByEssentialName("x___y"), [], "the query's essential name is x");
  assert.deepEqual(u.findByEssentialName("x"), []);
});

test("every named kernel type is found by its name and kind", { skip: kernelSkip }, () => {
  const btf = Btf.parse(kernelBytes());
  let checked = 0;
  for (let id = 1; id < btf.typeCount; id++) {
    const name = btf.name(id);
    if (name === "") continue;
    const kind = btf.kind(id);
    const first = btf.find(name, kind);
    assert.ok(first !== undefined && first <= id, `${name}`);
    const all = btf.findAll(name, kind);
    assert.ok(all.includes(id));
    checked++;
  }
  assert.ok(checked > 50000);
  const task = btf.find("task_struct", BtfKind.STRUCT)!;
  assert.deepEqual(btf.findByEssentialName("task_struct___mine", BtfKind.STRUCT), [task]);
});

// libbpf as the reference, through a small C program compiled at test time.
const libbpfHelper: { path?: string; skip: string | false } = (() => {
  if (!existsSync("/usr/include/bpf/btf.h")) return { skip: "libbpf-dev is not installed" };
  const dir = mkdtempSync(join(tmpdir(), "corebpf-libbpf-"));
  const path = join(dir, "libbpf-sizes");
  try {
    execFileSync("gcc", ["-O2", "-o", path, join(repoRoot, "test/btf/c/libbpf-sizes.c"), "-lbpf"], { stdio: "pipe" });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot build the libbpf helper: ${(err as Error).message.split("\n")[0]}` };
  }
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return { path, skip: false };
})();

function compareWithLibbpf(btf: Btf, file: string, base: string | undefined, every: number): void {
  const out = execFileSync(libbpfHelper.path!, [file, base ?? "-", String(every)], { maxBuffer: 1 << 28, encoding: "utf8" }).trim().split("\n");
  assert.equal(out[0], `ptr_size ${btf.pointerSize}`);
  let id = btf.startId;
  for (const line of out.slice(1)) {
    const [lid, lsize, lalign, lfound] = line.split(" ").map(Number) as [number, number, number, number];
    assert.equal(lid, id);
    let size: number;
    try {
      size = resolveSize(btf, id);
    } catch (err) {
      size = (err as { code?: string }).code === "BTF_SIZE_OVERFLOW" ? -7 : -22;
    }
    let align: number;
    try {
      align = alignOf(btf, id);
    } catch {
      align = 0;
    }
    if (size !== lsize || align !== Math.max(lalign, 0)) {
      assert.fail(`type [${id}]: libbpf size ${lsize} align ${lalign}, corebpf size ${size} align ${align}`);
    }
    if (lfound !== -1) assert.equal(btf.find(btf.name(id), btf.kind(id)), lfound, `find '${btf.name(id)}'`);
    id++;
  }
  assert.equal(id, btf.typeCount);
}

test("kernel BTF: sizes, alignments and lookups equal libbpf's", { skip: kernelSkip || libbpfHelper.skip }, () => {
  compareWithLibbpf(Btf.parse(kernelBytes()), KERNEL_BTF, undefined, 41);
});

test("shared vmlinux and split testmod: sizes, alignments and lookups equal libbpf's", {
  skip: sharedVmlinux.skip || sharedTestmod.skip || sharedTestmodBase.skip || libbpfHelper.skip,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-btf-"));
  try {
    const raw = sharedVmlinuxBytes();
    const file = join(dir, "vmlinux.btf");
    writeFileSync(file, raw);
    compareWithLibbpf(Btf.parse(raw), file, undefined, 41);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = Btf.parse(bytesOf(sharedTestmodBase.path!));
  compareWithLibbpf(base, sharedTestmodBase.path!, undefined, 1);
  compareWithLibbpf(Btf.parse(bytesOf(sharedTestmod.path!), { base }), sharedTestmod.path!, sharedTestmodBase.path!, 1);
});
