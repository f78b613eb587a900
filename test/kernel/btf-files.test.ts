// BTF inputs from files: raw, gzip, xz, ELF (not wired yet), the running
// kernel's sysfs BTF and split module BTF; errors name the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BtfError } from "../../src/errors.js";
import { BtfBuilder, BtfKind } from "../../src/btf/index.js";
import {
  decodeBtfInput, decompressXz, detectBtfInput, kernelBtf, kernelBtfBytes, kernelModuleBtf, kernelModuleNames, readBtfFile, readBtfFileSync,
} from "../../src/kernel/btf-files.js";
import { repoRoot, sharedFile } from "../support/paths.js";

const testmod = sharedFile("btf/btf_testmod.btf");
const testmodBase = sharedFile("btf/btf_testmod.btf.base");
const vmlinuxGz = sharedFile("btf/vmlinux.btf.gz");
const xzSkip: string | false = (() => {
  try {
    execFileSync("xz", ["--version"], { stdio: "ignore" });
    return false;
  } catch {
    return "the xz tool is not installed (.ci/run installs xz-utils)";
  }
})();

function tempDir(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-btf-files-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

function smallBtf(): Uint8Array {
  const b = new BtfBuilder();
  b.addStruct("point", 8, [
    { name: "x", type: b.addInt("int", 4, 1), bitOffset: 0 },
    { name: "y", type: 1, bitOffset: 32 },
  ]);
  return b.encode();
}

test("formats are told apart by their magic", () => {
  const raw = smallBtf();
  assert.equal(detectBtfInput(raw), "btf");
  assert.equal(detectBtfInput(new BtfBuilder().encode({ littleEndian: false })), "btf");
  assert.equal(detectBtfInput(gzipSync(raw)), "gzip");
  assert.equal(detectBtfInput(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])), "xz");
  assert.equal(detectBtfInput(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1])), "elf");
  assert.equal(detectBtfInput(new Uint8Array([1, 2])), undefined);
  assert.equal(detectBtfInput(new Uint8Array(0)), undefined);
});

test("raw and gzip files read sync and async", async () => {
  using tmp = tempDir();
  const raw = smallBtf();
  writeFileSync(join(tmp.dir, "a.btf"), raw);
  writeFileSync(join(tmp.dir, "a.btf.gz"), gzipSync(raw));
  for (const name of ["a.btf", "a.btf.gz"]) {
    const path = join(tmp.dir, name);
    assert.equal(readBtfFileSync(path).find("point", BtfKind.STRUCT), 2);
    assert.equal((await readBtfFile(path)).find("point", BtfKind.STRUCT), 2);
  }
});

test("xz-compressed BTF decodes through the wasm decoder", { skip: xzSkip }, async () => {
  using tmp = tempDir();
  const path = join(tmp.dir, "a.btf");
  writeFileSync(path, smallBtf());
  execFileSync("xz", ["-k", path]);
  const btf = await readBtfFile(`${path}.xz`);
  assert.equal(btf.find("point"), 2);
  assert.throws(() => readBtfFileSync(`${path}.xz`), (e: BtfError) => e.code === "BTF_XZ_ASYNC");
  const xz = execFileSync("xz", ["-c", path]);
  const corrupt = new Uint8Array(xz);
  corrupt[corrupt.length >> 1]! ^= 0xff;
  await assert.rejects(decodeBtfInput(corrupt), (e: BtfError) => e instanceof BtfError && e.code === "BTF_BAD_COMPRESSION");
  await assert.rejects(decompressXz(new Uint8Array(xz), 10), (e: BtfError) => e.code === "BTF_TOO_LARGE");
});

test("the shared vmlinux.btf.gz opens (and xz-compressed, when xz exists)", { skip: vmlinuxGz.skip }, async () => {
  const btf = readBtfFileSync(vmlinuxGz.path!);
  assert.equal(btf.typeCount - 1, 103406);
  assert.ok(btf.find("task_struct", BtfKind.STRUCT));
});

test("split BTF files take their base as a Btf or a path", { skip: testmod.skip || testmodBase.skip }, async () => {
  const base = readBtfFileSync(testmodBase.path!);
  const viaBtf = readBtfFileSync(testmod.path!, { base });
  const viaPath = await readBtfFile(testmod.path!, { base: testmodBase.path! });
  assert.equal(viaBtf.startId, base.typeCount);
  assert.equal(viaPath.typeCount, viaBtf.typeCount);
  assert.throws(() => readBtfFileSync(testmod.path!), (e: BtfError) => e.code === "BTF_BAD_STRINGS" && e.where.file === testmod.path);
});

test("bad input names the file and stays a typed error", async () => {
  using tmp = tempDir();
  const junk = join(tmp.dir, "junk");
  writeFileSync(junk, "not btf at all");
  assert.throws(() => readBtfFileSync(junk), (e: BtfError) => e.code === "BTF_BAD_MAGIC" && e.where.file === junk && e.message.startsWith(junk));
  const gz = join(tmp.dir, "bad.gz");
  writeFileSync(gz, gzipSync(smallBtf()).subarray(0, 20));
  assert.throws(() => readBtfFileSync(gz), (e: BtfError) => e.code === "BTF_BAD_COMPRESSION");
  const bomb = join(tmp.dir, "bomb.gz");
  writeFileSync(bomb, gzipSync(new Uint8Array(1 << 20)));
  assert.throws(() => readBtfFileSync(bomb, { maxDecompressedBytes: 1000 }), (e: BtfError) => e.code === "BTF_TOO_LARGE");
  const elf = join(tmp.dir, "x.o");
  writeFileSync(elf, new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  await assert.rejects(readBtfFile(elf), (e: BtfError) => e.code === "BTF_BAD_ELF" && e.where.file === elf);
  assert.throws(() => readBtfFileSync(join(tmp.dir, "missing")), (e: BtfError) => e.code === "ENOENT");
});

test("the running kernel's BTF and its modules' split BTF", { skip: existsSync("/sys/kernel/btf/vmlinux") ? false : "no /sys/kernel/btf/vmlinux" }, () => {
  const btf = kernelBtf();
  assert.equal(kernelBtf(), btf, "read once");
  assert.ok(btf.find("task_struct", BtfKind.STRUCT));
  const modules = kernelModuleNames();
  for (const m of modules.slice(0, 5)) {
    const mod = kernelModuleBtf(m);
    assert.equal(mod.base, btf);
    assert.equal(mod.startId, btf.typeCount);
  }
  assert.throws(() => kernelModuleBtf("../vmlinux"), (e: BtfError) => e.code === "BTF_BAD_ARGUMENT");
  assert.throws(() => kernelModuleBtf("corebpf_no_such_module"), (e: BtfError) => e.code === "ENOENT");
});

test("the kernel's BTF bytes, mapped or read, are the file's bytes", { skip: existsSync("/sys/kernel/btf/vmlinux") ? false : "no /sys/kernel/btf/vmlinux" }, () => {
  const bytes = kernelBtfBytes();
  assert.deepEqual(bytes, new Uint8Array(readFileSync("/sys/kernel/btf/vmlinux")));
});

test("BTF read from an ELF file's .BTF section (a committed .bpf.o, both byte orders)", async () => {
  for (const obj of ["bpf/test/minimal.bpf.o", "bpf/test/minimal.bpfeb.o"]) {
    const btf = await readBtfFile(join(repoRoot, obj));
    assert.ok(btf.find("minimal") !== undefined, `${obj}: func 'minimal' is in its BTF`);
    assert.equal(btf.littleEndian, obj.endsWith(".bpf.o"));
  }
  await assert.rejects(readBtfFile("/bin/true"), (e: BtfError) => e.code === "BTF_NO_ELF_SECTION");
});
