// The pure pieces of the kernel layer: errno names and error advice, CPU
// lists, version quirks, kernel config, fdinfo, mounts, instruction and codec
// encodings, the BTF name walker (with a seeded fuzz), bpftool's JSON style.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BpftoolJson } from "../../src/cli/bpftool-json.js";
import { PermissionError, SyscallError } from "../../src/errors.js";
import {
  BtfBlob,
  BtfKind,
  Cmd,
  Errno,
  bpfError,
  bpffsMounts,
  btfTypeName,
  commandName,
  encodeInsns,
  errnoMessage,
  errnoName,
  errnoNumber,
  exit,
  i64Codec,
  kernelVersionCode,
  ldImm64,
  mapTypeOf,
  mov64Imm,
  parseCpuList,
  parseFdinfo,
  parseKernelConfig,
  progTypeOf,
  u16Codec,
  u32Codec,
  u64Codec,
  versionCodeFrom,
} from "../../src/kernel/index.js";
import { logLines, lastInstructionIndex, verifierError } from "../../src/kernel/verifier-log.js";

test("errno names and messages, both ways", () => {
  assert.equal(errnoName(1), "EPERM");
  assert.equal(errnoName(524), "ENOTSUPP");
  assert.equal(errnoName(9999), "E9999");
  assert.equal(errnoMessage(2), "No such file or directory");
  assert.equal(errnoNumber("ENOSPC"), 28);
  for (const [name, n] of Object.entries(Errno)) assert.equal(errnoName(n), name);
});

test("bpfError: class, code, command and advice", () => {
  const e2big = bpfError(Cmd.MAP_CREATE, Errno.E2BIG, { object: "map 'x'", field: "map_token_fd" });
  assert.ok(e2big instanceof SyscallError);
  assert.equal(e2big.code, "E2BIG");
  assert.equal(e2big.errnoNumber, 7);
  assert.match(e2big.message, /^map 'x': BPF_MAP_CREATE: Argument list too long \(E2BIG\)/);
  assert.match(e2big.hint!, /map_token_fd/);
  const inval = bpfError(Cmd.PROG_LOAD, Errno.EINVAL);
  assert.match(inval.hint!, /BPF_PROG_LOAD/);
  assert.equal(bpfError(Cmd.MAP_GET_FD_BY_ID, Errno.ENOENT).hint, "no object with this id (it was freed)");
  assert.equal(commandName(Cmd.MAP_LOOKUP_BATCH), "BPF_MAP_LOOKUP_BATCH");
  assert.equal(commandName(999), "bpf command 999");
  const perm = bpfError(Cmd.PROG_LOAD, Errno.EPERM, { hint: "custom" });
  assert.ok(perm instanceof PermissionError);
  assert.equal(perm.hint, "custom");
});

test("verifier logs: lines, failing instruction, error message", () => {
  const bytes = new TextEncoder().encode("0: R1=ctx()\n0: (b7) r0 = 1\n1: (95) exit\nR0 bad\n\0garbage");
  const lines = logLines(bytes);
  assert.deepEqual(lines, ["0: R1=ctx()", "0: (b7) r0 = 1", "1: (95) exit", "R0 bad"]);
  assert.equal(lastInstructionIndex(lines), 1);
  const err = verifierError("prog 'p'", "BPF_PROG_LOAD", Errno.EACCES, lines, { program: "p" });
  assert.equal(err.where.insn, 1);
  assert.equal(err.log, lines);
  assert.match(err.message, /R0 bad/);
});

test("CPU lists", () => {
  assert.deepEqual(parseCpuList("0-3,5,7-8\n"), [0, 1, 2, 3, 5, 7, 8]);
  assert.deepEqual(parseCpuList("0"), [0]);
  assert.deepEqual(parseCpuList(""), []);
  assert.throws(() => parseCpuList("a-b"));
  assert.throws(() => parseCpuList("5-1"));
});

test("kernel version codes with distribution quirks", () => {
  assert.equal(kernelVersionCode(5, 4, 300), (5 << 16) + (4 << 8) + 255);
  assert.equal(versionCodeFrom({ release: "6.1.0-18-amd64", version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)" }), kernelVersionCode(6, 1, 76));
  assert.equal(
    versionCodeFrom({ release: "5.4.0-42-generic", version: "#46-Ubuntu SMP", versionSignature: "Ubuntu 5.4.0-42.46-generic 5.4.44\n" }),
    kernelVersionCode(5, 4, 44),
  );
  assert.equal(versionCodeFrom({ release: "6.18.44-fc", version: "#1 SMP" }), kernelVersionCode(6, 18, 44));
  assert.equal(versionCodeFrom({ release: "weird", version: "" }), 0);
});

test("kernel config, fdinfo and mount parsing", () => {
  const config = parseKernelConfig("#\n# Automatically generated file; DO NOT EDIT.\nCONFIG_BPF=y\n# CONFIG_TEST_BPF is not set\nCONFIG_HZ=250\nCONFIG_S=\"a b\"\n");
  assert.equal(config.get("CONFIG_BPF"), "y");
  assert.equal(config.get("CONFIG_TEST_BPF"), null);
  assert.equal(config.get("CONFIG_HZ"), "250");
  assert.equal(config.get("CONFIG_S"), '"a b"');
  assert.equal(config.has("CONFIG_NOPE"), false);
  const info = parseFdinfo("pos:\t0\nflags:\t02000002\nmap_type:\t1\nmemlock:\t320\nfrozen:\t0\n");
  assert.equal(info["memlock"], "320");
  assert.equal(info["frozen"], "0");
  assert.deepEqual(bpffsMounts("proc /proc proc rw 0 0\nbpf /sys/fs/bpf bpf rw 0 0\nnone /my\\040bpf bpf rw 0 0\n"), ["/sys/fs/bpf", "/my bpf"]);
});

test("type names resolve to numbers", () => {
  assert.equal(mapTypeOf("percpu_array"), 6);
  assert.equal(mapTypeOf("HASH"), 1);
  assert.equal(progTypeOf("xdp"), 6);
  assert.equal(progTypeOf(31), 31);
  assert.throws(() => progTypeOf(-1));
});

test("instruction encoding matches the BPF wire format", () => {
  assert.deepEqual([...encodeInsns([mov64Imm(0, 42), exit()])], [0xb7, 0, 0, 0, 42, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  const ld = encodeInsns([ldImm64(1, 0x1122334455667788n, 1)]);
  assert.deepEqual([...ld], [0x18, 0x11, 0, 0, 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11]);
});

test("integer codecs round-trip", () => {
  assert.deepEqual([...u32Codec.encode(0x01020304)], [4, 3, 2, 1]);
  assert.equal(u32Codec.decode(u32Codec.encode(0xffffffff)), 0xffffffff);
  assert.equal(u16Codec.decode(u16Codec.encode(513)), 513);
  assert.equal(u64Codec.decode(u64Codec.encode(2n ** 63n + 5n)), 2n ** 63n + 5n);
  assert.equal(i64Codec.decode(i64Codec.encode(-5n)), -5n);
  assert.throws(() => u32Codec.encode(1.5));
});

test("BtfBlob and the BTF name walker agree; the walker survives garbage", () => {
  const b = new BtfBlob();
  const int = b.int("int", 4, 32, true);
  const s = b.type("pair", BtfKind.STRUCT, 2, 8, [b.str("a"), int, 0, b.str("b"), int, 32]);
  const e = b.type("color", BtfKind.ENUM, 2, 4, [b.str("RED"), 0, b.str("BLUE"), 1]);
  const proto = b.type("", BtfKind.FUNC_PROTO, 1, int, [b.str("x"), int]);
  const fn = b.type("main_func", BtfKind.FUNC, 1, proto);
  const blob = b.bytes();
  assert.deepEqual(btfTypeName(blob, int), { kind: BtfKind.INT, name: "int" });
  assert.deepEqual(btfTypeName(blob, s), { kind: BtfKind.STRUCT, name: "pair" });
  assert.deepEqual(btfTypeName(blob, e), { kind: BtfKind.ENUM, name: "color" });
  assert.deepEqual(btfTypeName(blob, fn), { kind: BtfKind.FUNC, name: "main_func" });
  assert.equal(btfTypeName(blob, 99), undefined);
  // Seeded fuzz: random corruption never throws or hangs.
  let seed = 0x2545f491;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  for (let i = 0; i < 2000; i++) {
    const copy = blob.slice(0, Math.floor(rand() * (blob.length + 1)));
    for (let j = 0; j < 4; j++) if (copy.length) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
    const r = btfTypeName(copy, 1 + Math.floor(rand() * 6));
    assert.ok(r === undefined || typeof r.name === "string");
  }
});

test("bpftool JSON style: compact and pretty", () => {
  const doc = (pretty: boolean) => {
    const w = new BpftoolJson(pretty).startArray().startObject().uintField("id", 1).stringField("n", 'a"\tb').name("ids").startArray().uint(2).uint(3).endArray().endObject().endArray();
    return w.finish();
  };
  assert.equal(doc(false), '[{"id":1,"n":"a\\"\\tb","ids":[2,3]}]\n');
  assert.equal(doc(true), '[{\n        "id": 1,\n        "n": "a\\"\\tb",\n        "ids": [2,3\n        ]\n    }\n]\n');
});
