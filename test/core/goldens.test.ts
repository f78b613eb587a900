// corebpf's relocated programs against libbpf 1.8's, byte for byte, for
// every core_* test object and target BTF: the committed goldens
// (scripts/gen-core-goldens.sh) and a live run of the reference program when
// it can be built here. Where libbpf refuses the object, corebpf must refuse
// it with the same errno.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { relocationJson, openObject } from "../../src/cli/core.js";
import { CoreRelocationError, type CoreTarget } from "../../src/core/index.js";
import { cliPath, repoRoot } from "../support/paths.js";
import { builtTargets } from "./support/targets.js";
import { goldenTarget, goldens, objectPath } from "./support/golden-targets.js";
import { libbpfReference, runReference } from "./support/reference.js";

test("the committed target BTFs are what the builders make", () => {
  for (const [name, target] of Object.entries(builtTargets)) {
    const committed = new Uint8Array(readFileSync(join(repoRoot, "test", "core", "data", `${name}.btf`)));
    assert.deepEqual(committed, target.build().bytes, `test/core/data/${name}.btf is stale: run scripts/gen-core-goldens.sh`);
  }
});

/** Asserts that corebpf's output for OBJECT against TARGET is libbpf's `expected` (its JSON line). */
function assertSame(object: string, target: CoreTarget, expected: string, label: string): void {
  const ours = relocationJson(openObject(objectPath(object)), target);
  const ref = JSON.parse(expected) as { error?: string; libbpf?: string[] };
  if (ref.error !== undefined) {
    assert.ok(ours instanceof CoreRelocationError, `${label}: libbpf fails with ${ref.error} (${ref.libbpf?.join(" | ")}), corebpf succeeds`);
    assert.equal(ours.errno, ref.error, `${label}: ${ours.message} vs libbpf's ${ref.libbpf?.join(" | ")}`);
    return;
  }
  if (ours instanceof CoreRelocationError) assert.fail(`${label}: libbpf succeeds, corebpf fails: ${ours.message}`);
  assert.equal(ours + "\n", expected, `${label}: instructions differ from libbpf's`);
}

for (const g of goldens()) {
  const target = goldenTarget(g.target);
  test(`golden: ${g.object} vs ${g.target} equals libbpf 1.8 byte for byte`, { skip: target.skip }, async () => {
    assertSame(g.object, await target.open(), readFileSync(g.file, "utf8"), `${g.object} vs ${g.target}`);
  });
}

test("the CLI prints the golden bytes", () => {
  const out = execFileSync("node", [cliPath, "core", "relocate", objectPath("core_local"), "--btf", objectPath("core_target"), "-j"], { encoding: "utf8" });
  assert.equal(out, readFileSync(join(repoRoot, "test/core/goldens/core_local.core_target.json"), "utf8"));
  // A refused object: exit 255 (as every CLI error) and libbpf's errno in the JSON error.
  let failed: { status: number; stdout: string } | undefined;
  try {
    execFileSync("node", [cliPath, "core", "relocate", objectPath("core_errors"), "--btf", objectPath("core_target"), "-j"], { encoding: "utf8", stdio: "pipe" });
  } catch (err) {
    failed = err as { status: number; stdout: string };
  }
  assert.equal(failed?.status, 255);
  const error = JSON.parse(failed!.stdout);
  assert.equal(error.errno, "EINVAL");
  assert.equal(error.program, "core_ambiguous");
  assert.match(error.error, /prog 'core_ambiguous': relo #1: .*field offset ambiguity: 64 != 0/);
});

const reference = libbpfReference();
const liveObjects = ["core_local", "core_cpuv4", "core_errors", "core_subprogs", "core_kernel", "core_large", "progs_net", "progs_trace", "subprogs", "globals", "maps"];
test("live: libbpf 1.8 and corebpf agree on objects and targets", { skip: "skip" in reference ? reference.skip : false }, async () => {
  const exe = (reference as { path: string }).path;
  const targets = ["core_target", ...Object.keys(builtTargets), "kernel"];
  for (const object of liveObjects) {
    for (const name of object.startsWith("core_") ? targets : ["kernel"]) {
      const t = goldenTarget(name);
      const libbpfPath = name === "kernel" ? undefined : t.libbpfPath;
      assertSame(object, await t.open(), runReference(exe, objectPath(object), libbpfPath), `${object} vs ${name}`);
    }
  }
});
