// CO-RE through the loader: the self-checking programs of core_kernel,
// core_local, core_cpuv4 and core_subprogs return 0 when every relocated
// value (offsets, sizes, existence, enum values, bitfields) was right for the
// target they were loaded against, 1 against a BTF without their marker type.
// (test/core/kernel-run.test.ts checks the same with a stand-in loader.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { CoreBpfError, NotSupportedError, VerifierError } from "../../../src/errors.js";
import { type BpfObject, loadObject, openObject, readBtfFileSync } from "../../../src/kernel/index.js";
import { repoRoot } from "../../support/paths.js";
import { kernelSkip } from "../support.js";
import { objectPath, run } from "./support.js";

const skip = kernelSkip;
const coreTargetPath = objectPath("core_target");
const builtTarget = (name: string) => join(repoRoot, "test", "core", "data", `${name}.btf`);

function runAll(obj: BpfObject, only?: (name: string) => boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, p] of obj.programs) if (only === undefined || only(name)) out[name] = run(p);
  return out;
}

const zeros = (r: Record<string, number>) => Object.fromEntries(Object.keys(r).map((k) => [k, 0]));
const ones = (r: Record<string, number>) => Object.fromEntries(Object.keys(r).map((k) => [k, 1]));

test("core_kernel against the running kernel: every check passes", { skip }, async () => {
  using obj = await loadObject(objectPath("core_kernel"));
  assert.deepEqual(runAll(obj, (n) => n !== "core_kernel_switch"), { core_kernel_fields: 0, core_kernel_chains: 0, core_kernel_types: 0 });
});

test("core_local against core_target (a path), the same types built by the encoder (a Btf), and the running kernel", { skip }, async () => {
  {
    using obj = await loadObject(objectPath("core_local"), { btf: coreTargetPath });
    const r = runAll(obj);
    assert.equal(Object.keys(r).length, 7);
    assert.deepEqual(r, zeros(r));
  }
  {
    using obj = await loadObject(objectPath("core_local"), { btf: readBtfFileSync(builtTarget("ct-built")) });
    const r = runAll(obj);
    assert.deepEqual(r, zeros(r));
  }
  using obj = await loadObject(objectPath("core_local"));
  const r = runAll(obj);
  assert.deepEqual(r, ones(r));
});

test("core_cpuv4 (LDX MEMSX, ST) against core_target", { skip }, async () => {
  using obj = await loadObject(objectPath("core_cpuv4"), { btf: coreTargetPath });
  assert.deepEqual(runAll(obj), { core_direct_v4: 0 });
});

test("core_subprogs: relocated subprograms shared by two programs, and the ? program when enabled", { skip }, async () => {
  using obj = await loadObject(objectPath("core_subprogs"), { btf: builtTarget("ct-no-far"), autoload: { core_sub_late: true } });
  assert.deepEqual(runAll(obj), { core_sub_one: 0, core_sub_two: 0, core_sub_late: 0 });
});

test("core_errors against core_target: libbpf's hard errors, nothing loaded", { skip }, async () => {
  for (const [prog, errno] of [
    ["core_ambiguous", "EINVAL"],
    ["core_offset_range", "ERANGE"],
  ] as const) {
    const opened = openObject(objectPath("core_errors"));
    for (const p of opened.programs) p.autoload = p.name === prog;
    await assert.rejects(opened.load({ btf: coreTargetPath }), (e: unknown) => e instanceof CoreBpfError && (e as { errno?: string }).errno === errno && e.message.includes(prog), prog);
  }
  using obj = await loadObject(objectPath("core_errors"));
  const r = runAll(obj);
  assert.deepEqual(r, ones(r));
});

test("a reachable poisoned relocation: the VerifierError says which CO-RE access failed and where", { skip }, async () => {
  await assert.rejects(loadObject(objectPath("core_local"), { btf: builtTarget("ct-resized-signed") }), (e: unknown) => {
    if (!(e instanceof VerifierError)) return false;
    assert.match(e.message, /prog 'core_direct'/);
    assert.match(e.message, /failed to resolve CO-RE relocation struct ct_resized::counter/);
    assert.match(e.message, /core_local\.bpf\.c:\d+: /);
    assert.ok(e.where.line?.startsWith("core_local.bpf.c:"));
    return true;
  });
});

test("split target: baseBtf is the kernel, btf a module over it (shared btf_testmod data)", { skip }, async (t) => {
  const { sharedFile } = await import("../../support/paths.js");
  const base = sharedFile("btf/btf_testmod.btf.base");
  const mod = sharedFile("btf/btf_testmod.btf");
  if (base.path === undefined || mod.path === undefined) return t.skip(base.skip || mod.skip || "no shared data");
  // core_kernel relocates against any vmlinux-like target; loading may then fail in the verifier, but CO-RE must not.
  try {
    using obj = await loadObject(objectPath("core_kernel"), { btf: mod.path, baseBtf: base.path });
    assert.ok(obj.programs.size > 0);
  } catch (e) {
    assert.ok(e instanceof VerifierError || e instanceof NotSupportedError || (e instanceof CoreBpfError && e.code !== "CORE"), String(e));
  }
});
