// Every test object of bpf/test loads into the running kernel (the programs
// this kernel supports), and the programs with a test-run value in
// bpf/test/README.md return it. Programs this kernel cannot run fail with a
// NotSupportedError naming the missing feature.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NotSupportedError } from "../../../src/errors.js";
import { AttachType, hasTrampolines, hasUprobeMultiLink, loadObject, openObject } from "../../../src/kernel/index.js";
import { kernelSkip } from "../support.js";
import { objectPath, run } from "./support.js";

const skip = kernelSkip;

/** Objects that load whole, with their program counts. */
const whole: Record<string, number> = {
  minimal: 1,
  maps: 7,
  progs_net: 16,
  progs_trace: 21,
  progs_newsec: 13,
  subprogs: 4,
  globals: 2,
  externs: 4,
  core_kernel: 4,
  core_local: 7,
  core_cpuv4: 1,
  core_errors: 2,
  core_large: 9,
  core_subprogs: 2,
};

for (const [name, count] of Object.entries(whole)) {
  test(`${name}.bpf.o loads (${count} programs)`, { skip }, async () => {
    using obj = await loadObject(objectPath(name));
    assert.equal(obj.programs.size, count);
    for (const p of obj.programs.values()) assert.ok(p.fd.value > 0);
  });
}

test("core_target.bpf.o (BTF only, no programs) loads as an empty object", { skip }, async () => {
  using obj = await loadObject(objectPath("core_target"));
  assert.equal(obj.programs.size, 0);
});

test("README test-run values: minimal, progs_net, subprogs, maps (slots filled), progs_trace", { skip }, async () => {
  const expect: Record<string, Record<string, number>> = {
    minimal: { minimal: 42 },
    progs_net: { sock_keep_all: 50, sock_drop_all: 0, xdp_pass_eth: 2, xdp_bounce: 3, xdp_frags_len: 2, tc_drop_ipv4: 0, cls_mark: 0, dissect_ipv4: 2 },
    subprogs: { calls_nested: 28, calls_loop: 70, calls_for_each: 154, calls_everything: 104 },
    maps: { use_basic_maps: 2, tail_first: 1, tail_second: 2, use_map_in_map: 2 },
    progs_trace: { raw_switch: 1, raw_sys_enter: 7 },
  };
  for (const [name, progs] of Object.entries(expect)) {
    using obj = await loadObject(objectPath(name));
    const got: Record<string, number> = {};
    for (const p of Object.keys(progs)) {
      got[p] = run(obj.program(p));
    }
    assert.deepEqual(got, progs, name);
  }
});

test("progs_trace: the ? program is left out unless enabled; a syscall program computes 3 + 5 and 3 * 5", { skip }, async () => {
  {
    using obj = await loadObject(objectPath("progs_trace"));
    assert.equal(obj.programs.has("not_autoloaded"), false);
    const ctx = new Uint8Array(8);
    new DataView(ctx.buffer).setInt32(0, 3, true);
    new DataView(ctx.buffer).setInt32(4, 5, true);
    assert.equal(obj.program("add_and_multiply").testRun({ ctx, ctxOutSize: 0 }).retval, 8);
    assert.equal(obj.globals.get("syscall_product"), 15);
  }
  using obj = await loadObject(objectPath("progs_trace"), { autoload: { not_autoloaded: true } });
  assert.equal(obj.programs.has("not_autoloaded"), true);
});

test("progs_trampoline: fentry/fexit/fmod_ret/LSM need trampolines, struct_ops is not supported yet", { skip }, async () => {
  const opened = openObject(objectPath("progs_trampoline"));
  const trampolined = ["fentry_test1", "fexit_test2", "fmod_ret_test", "fentry_sleepable", "lsm_unlink", "lsm_sleepable_exec", "lsm_cgroup_bind"];
  for (const name of trampolined) {
    const o = openObject(objectPath("progs_trampoline"));
    o.map("corebpf_cc").autocreate = false;
    for (const p of o.programs) p.autoload = p.name === name;
    if (hasTrampolines()) {
      using obj = await o.load();
      assert.ok(obj.programs.has(name));
      continue;
    }
    await assert.rejects(o.load(), (err: unknown) => err instanceof NotSupportedError && err.feature === "bpf_trampoline" && err.message.includes(`'${name}'`), name);
  }
  await assert.rejects(opened.load(), (err: unknown) => err instanceof NotSupportedError && err.feature === "struct_ops");
});

test("USDT programs load as uprobe_multi where the kernel has those links (libbpf 1.8); BTF-attached ones name their target", { skip }, async () => {
  using obj = await loadObject(objectPath("progs_trace"));
  const usdt = obj.loaded.find((l) => l.name === "usdt_setjmp")!;
  assert.equal(usdt.spec.section, "usdt/libc.so.6:libc:setjmp");
  assert.equal(usdt.expectedAttachType, hasUprobeMultiLink() ? AttachType.TRACE_UPROBE_MULTI : 0);
  const tp = obj.loaded.find((l) => l.name === "btf_switch")!;
  assert.equal(tp.expectedAttachType, AttachType.TRACE_RAW_TP);
  assert.ok(tp.program.info().btfId > 0);
});

test("usdtUprobeMulti: false keeps USDT programs attachable through perf events", { skip }, async () => {
  using obj = await loadObject(objectPath("progs_trace"), { usdtUprobeMulti: false });
  assert.equal(obj.loaded.find((l) => l.name === "usdt_setjmp")!.expectedAttachType, 0);
});

test("an object of the other byte order is refused with NotSupportedError; logLevel keeps the verifier log", { skip }, async () => {
  const be = objectPath("minimal").replace(".bpf.o", ".bpfeb.o");
  await assert.rejects(loadObject(be), (e: unknown) => e instanceof NotSupportedError && e.feature === "byte_order");
  using obj = await loadObject(objectPath("minimal"), { logLevel: 2 });
  assert.ok(obj.program("minimal").verifierLog.some((l) => /processed \d+ insns/.test(l)));
});
