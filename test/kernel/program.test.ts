// Programs on the real kernel: hand-assembled instructions loaded and run with
// BPF_PROG_TEST_RUN, a map shared with a program, verifier rejections with
// their log, func_info/BTF, info, pinning, lifetimes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { CoreBpfError, NotSupportedError, PermissionError, SyscallError, VerifierError } from "../../src/errors.js";
import {
  BtfBlob,
  BtfHandle,
  BtfKind,
  Fd,
  Map,
  enableStats,
  Op,
  PSEUDO_MAP_FD,
  Program,
  alu64Imm,
  callHelper,
  encodeInsns,
  ensureBpffs,
  exit,
  helperNames,
  jmpImm,
  ldImm64,
  mov64Imm,
  mov64Reg,
  probeProgType,
  stMem,
  u32Codec,
  u64Codec,
} from "../../src/kernel/index.js";
import { kernelSkip, packet, returnProgram } from "./support.js";

const skip = kernelSkip;

test("a hand-assembled program loads and returns its value under BPF_PROG_TEST_RUN", { skip }, () => {
  using prog = Program.load({ type: "socket_filter", name: "ret42", insns: returnProgram(42) });
  const run = prog.testRun({ data: packet, repeat: 10 });
  assert.equal(run.retval, 42);
  assert.ok(run.duration >= 0);
  assert.equal(run.data?.length, packet.length);
  assert.equal(prog.name, "ret42");
  assert.equal(prog.info().typeName, "socket_filter");
});

test("a program increments a map value the test then reads", { skip }, () => {
  using counter = Map.create({ type: "array", name: "counter", keySize: 4, valueSize: 8, maxEntries: 1 }, { key: u32Codec, value: u64Codec });
  const insns = encodeInsns([
    stMem(Op.W, 10, -4, 0), // key = 0 on the stack
    mov64Reg(2, 10),
    alu64Imm(Op.ADD, 2, -4),
    ldImm64(1, counter.fd.value, PSEUDO_MAP_FD),
    callHelper(helperNames.indexOf("bpf_map_lookup_elem")),
    jmpImm(Op.JEQ, 0, 0, 2),
    mov64Imm(1, 1),
    { code: 0xdb, dst: 0, src: 1, off: 0, imm: 0 }, // lock *(u64 *)(r0 + 0) += r1
    mov64Imm(0, 7),
    exit(),
  ]);
  using prog = Program.load({ type: "socket_filter", name: "count", insns });
  assert.equal(prog.testRun({ data: packet, repeat: 5 }).retval, 7);
  assert.equal(counter.get(0), 5n);
  const info = prog.info({ xlated: true });
  assert.deepEqual(info.mapIds, [counter.info().id]);
  assert.equal(info.xlatedInsns?.length, info.xlatedProgLen);
  assert.match(info.tag, /^[0-9a-f]{16}$/);
});

test("a program the verifier rejects yields VerifierError with the whole log", { skip }, () => {
  // r0 is never written before exit.
  const err = (() => {
    try {
      Program.load({ type: "socket_filter", name: "bad", insns: encodeInsns([mov64Imm(1, 1), exit()]) });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof VerifierError, `expected VerifierError, got ${String(err)}`);
  assert.equal(err.code, "EACCES");
  assert.ok(err.log.some((l) => l.includes("R0 !read_ok")), err.log.join("\n"));
  assert.match(err.message, /prog 'bad': BPF_PROG_LOAD: .*EACCES/);
  assert.match(err.message, /R0 !read_ok/);
  assert.equal(err.where.program, "bad");
  assert.equal(err.where.insn, 1);
  assert.ok(!(err instanceof PermissionError));
});

test("a long verifier log is kept whole (grown past ENOSPC)", { skip }, () => {
  // 3000 instructions, then an invalid access: the level-2 log is far larger than 4 KiB.
  const body = Array.from({ length: 3000 }, (_, i) => mov64Imm(2, i));
  const insns = encodeInsns([...body, { code: 0x79, dst: 0, src: 3, off: 0, imm: 0 }, exit()]);
  try {
    Program.load({ type: "socket_filter", insns }, { logLevel: 2, logSize: 4096 });
    assert.fail("the program should be rejected");
  } catch (e) {
    assert.ok(e instanceof VerifierError);
    assert.ok(e.log.length > 3000, `log has ${e.log.length} lines`);
    assert.ok(e.log.some((l) => l.includes("R3 !read_ok")));
  }
});

test("logLevel keeps the verifier log of a successful load", { skip }, () => {
  using prog = Program.load({ type: "socket_filter", insns: returnProgram(1) }, { logLevel: 1 });
  assert.ok(prog.verifierLog.some((l) => l.startsWith("processed ")), prog.verifierLog.join("\n"));
});

test("func_info with program BTF: the kernel keeps the full function name", { skip }, () => {
  const b = new BtfBlob();
  const int = b.int("int", 4, 32, true);
  const proto = b.type("", BtfKind.FUNC_PROTO, 0, int);
  const fn = b.type("a_rather_long_function_name", BtfKind.FUNC, 1, proto);
  using btf = BtfHandle.load(b.bytes());
  const funcInfo = new Uint8Array(8);
  new DataView(funcInfo.buffer).setUint32(4, fn, true);
  using prog = Program.load({ type: "socket_filter", name: "a_rather_long_function_name", insns: returnProgram(3), btf, funcInfo, funcInfoRecSize: 8 });
  const info = prog.info({ funcInfo: true });
  assert.equal(info.name, "a_rather_long_f");
  assert.equal(info.btfId, btf.info().id);
  assert.equal(info.nrFuncInfo, 1);
  assert.deepEqual(info.funcInfo, funcInfo);
  assert.equal(prog.testRun({ data: packet }).retval, 3);
});

test("pin, open pinned, fromId, fromFd; close is idempotent", { skip }, () => {
  const dir = `${ensureBpffs()}/corebpf-prog-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  try {
    const prog = Program.load({ type: "xdp", name: "pass", insns: returnProgram(2) });
    prog.pin(`${dir}/pass`);
    using again = Program.openPinned(`${dir}/pass`);
    assert.equal(again.name, "pass");
    assert.equal(again.type, prog.type);
    using byId = Program.fromId(prog.info().id);
    const run = byId.testRun({ data: packet });
    assert.equal(run.retval, 2);
    assert.deepEqual(run.data, packet);
    prog.unpin();
    prog.close();
    prog.close();
    assert.throws(() => prog.testRun(), (e: unknown) => e instanceof CoreBpfError && e.code === "CLOSED");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run-time stats: enabled while the BPF_ENABLE_STATS fd is open", { skip }, () => {
  using stats = new Fd(enableStats());
  using prog = Program.load({ type: "xdp", name: "stats", insns: returnProgram(2) });
  prog.testRun({ data: packet, repeat: 50 });
  const info = prog.info();
  assert.equal(info.runCnt, 50n);
  assert.ok(info.runTimeNs > 0n);
  assert.ok(!stats.closed);
});

test("bad input: empty or ragged instructions, unknown type, unsupported type", { skip }, () => {
  assert.throws(() => Program.load({ type: "xdp", insns: new Uint8Array(12) }), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_PROGRAM");
  assert.throws(() => Program.load({ type: "nope" as never, insns: returnProgram(0) }), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_ARGUMENT");
  // An unknown helper: the verifier says so.
  assert.throws(
    () => Program.load({ type: "socket_filter", insns: encodeInsns([callHelper(100000), exit()]) }),
    (e: unknown) => e instanceof VerifierError && e.log.some((l) => l.includes("invalid func")),
  );
});

test("a program type the kernel lacks yields NotSupportedError", { skip: skip || (probeProgType("lirc_mode2") ? "this kernel supports lirc_mode2" : false) }, () => {
  assert.throws(
    () => Program.load({ type: "lirc_mode2", insns: returnProgram(0), expectedAttachType: "lirc_mode2" }),
    (e: unknown) => (e instanceof NotSupportedError && e.feature === "prog_type:lirc_mode2") || (e instanceof SyscallError && e.code !== "EPERM"),
  );
});
