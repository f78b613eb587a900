// `corebpf run` on a kernel that lacks what some programs need: programs whose
// type or attach kind it cannot load are reported and left out (as a libbpf
// tool sets autoload = false), the others load and attach, the run exits 0
// and leaves nothing loaded. A verifier rejection of an ordinary program still
// fails the run, and so does an object none of whose programs can load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { hasBpfLsm, hasTrampolines } from "../../src/kernel/index.js";
import { ObjectRun } from "../../src/events/index.js";
import { repoRoot } from "../support/paths.js";
import { RunProcess, idsGone, runUnsupportedSkip, type Json } from "./support.js";

const object = (name: string) => join(repoRoot, "bpf", "test", `${name}.bpf.o`);
const ours = ["unsup_exec", "unsup_fentry", "unsup_lsm", "unsup_missing", "unsup_kprobe"];

/** Ids of loaded programs named like run_unsupported's, as bpftool lists them (or the kernel, without bpftool). */
function loadedOfOurs(): number[] {
  const list = JSON.parse(execFileSync("bpftool", ["prog", "show", "-j"], { encoding: "utf8", maxBuffer: 1 << 26 })) as { id: number; name?: string }[];
  return list.filter((p) => ours.includes(p.name ?? "")).map((p) => p.id);
}

const bpftoolMissing = (() => {
  try {
    execFileSync("bpftool", ["version"], { stdio: "ignore" });
    return false;
  } catch {
    return "bpftool is not installed";
  }
})();

/** The programs this kernel should leave out, with what their reason must say. */
function expectedSkips(): Map<string, RegExp> {
  const skips = new Map<string, RegExp>([["unsup_missing", /failed to find kernel BTF type ID of 'corebpf_no_such_kernel_function'/]]);
  if (!hasTrampolines()) skips.set("unsup_fentry", /fentry\/fexit\/fmod_ret\/LSM/);
  if (!hasTrampolines() || !hasBpfLsm()) skips.set("unsup_lsm", /LSM|trampoline/);
  return skips;
}

test("corebpf run OBJ: programs this kernel cannot load are reported on stderr and left out, the others attach; exit 0, nothing left loaded", { skip: runUnsupportedSkip || bpftoolMissing }, async () => {
  const before = loadedOfOurs();
  const run = new RunProcess([object("run_unsupported"), "--duration", "1"]);
  try {
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr);
    const skips = expectedSkips();
    for (const [name, reason] of skips) {
      const line = run.stderr.split("\n").find((l) => l.startsWith(`corebpf run: ${name} (`));
      assert.ok(line, `${name} reported:\n${run.stderr}`);
      assert.match(line, new RegExp(`^corebpf run: ${name} \\((fentry|lsm)/[^)]+\\) not loaded: `));
      assert.match(line, reason);
    }
    assert.match(run.stderr, /corebpf run: [1-5] of 5 programs attached/);
    assert.doesNotMatch(run.stderr, /corebpf run: unsup_exec /, "the tracepoint program attaches");
    assert.match(run.stderr, /corebpf run: duration: /);
    assert.match(run.stdout, /map 'run_unsu\.bss'/);
  } finally {
    run.kill();
  }
  assert.deepEqual(loadedOfOurs(), before, "programs left loaded after the run");
});

test("corebpf run OBJ -j: the start record gives each program's outcome; the ids it reports are gone after the run", { skip: runUnsupportedSkip }, async () => {
  const run = new RunProcess([object("run_unsupported"), "-j", "--duration", "1"]);
  try {
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr);
    const records = run.records();
    const start = records[0]!;
    assert.equal(start.type, "start");
    const byName = new Map<string, Json>(start.programs.map((p: Json) => [p.name, p]));
    assert.deepEqual([...byName.keys()], ours);
    assert.equal(byName.get("unsup_exec")!.attached, true);
    assert.ok(byName.get("unsup_kprobe")!.id > 0, "the kprobe loads (it may not attach)");
    for (const name of expectedSkips().keys()) {
      const p = byName.get(name)!;
      assert.deepEqual([p.id, p.attached, typeof p.reason, typeof p.code], [0, false, "string", "string"], name);
    }
    assert.equal(byName.get("unsup_missing")!.code, "ESRCH");
    const ids = start.programs.filter((p: Json) => p.id > 0).map((p: Json) => p.id as number);
    assert.deepEqual(await idsGone("prog", ids), []);
    assert.deepEqual(await idsGone("link", start.programs.flatMap((p: Json) => p.link_ids ?? [])), []);
  } finally {
    run.kill();
  }
});

test("corebpf run: a verifier rejection of an ordinary program still fails the run with the verifier's message", { skip: runUnsupportedSkip }, async () => {
  const run = new RunProcess([object("verifier_reject"), "--duration", "1"]);
  const { code } = await run.exited;
  assert.equal(code, 255);
  assert.match(run.stderr, /^Error: prog 'reject_out_of_bounds': BPF_PROG_LOAD: Permission denied \(EACCES\):/);
  assert.match(run.stderr, /invalid access to map value/);
  assert.doesNotMatch(run.stderr, /not loaded|programs attached/);
});

test("corebpf run: an object none of whose programs can load here fails, naming each with its reason", { skip: runUnsupportedSkip || (hasTrampolines() ? "this kernel has trampolines: progs_trampoline loads" : false) }, async () => {
  const run = new RunProcess([object("progs_trampoline"), "--duration", "1"]);
  const { code } = await run.exited;
  assert.equal(code, 255);
  assert.match(run.stderr, /^Error: none of the programs of .*progs_trampoline\.bpf\.o can be loaded on this kernel:\n/);
  for (const name of ["fentry_test1", "fexit_test2", "lsm_unlink", "corebpf_ssthresh"]) assert.match(run.stderr, new RegExp(`\\n  ${name} \\([^)]+\\): `), name);
});

test("ObjectRun.start: the programs left out are in `programs` with their reason; the load error otherwise stands", { skip: runUnsupportedSkip }, async () => {
  {
    using run = await ObjectRun.start(object("run_unsupported"));
    const missing = run.programs.find((p) => p.name === "unsup_missing")!;
    assert.deepEqual([missing.id, missing.attached, missing.code], [0, false, "ESRCH"]);
    assert.ok(run.object.program("unsup_exec"));
    assert.deepEqual(run.mapsNotCreated, []);
  }
  await assert.rejects(ObjectRun.start(object("verifier_reject")), { name: "VerifierError" });
});
