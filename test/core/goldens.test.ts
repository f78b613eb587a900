// corebpf's CO-RE result against libbpf 1.8's, for every core_* test object
// and target BTF: the committed goldens (scripts/gen-core-goldens.sh), and a
// live run of the reference program when it can be built here. Error cases
// compare libbpf's errno with ours.
//
// INTERIM until the object model (src/obj) is on main: instructions are
// compared on every slot no ELF relocation touches (map references and calls
// are the object layer's); the final form compares `corebpf core relocate -j`
// output with the goldens byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { builtTargets } from "./support/targets.js";
import { goldenTarget, goldens, objectPath } from "./support/golden-targets.js";
import { partialCompare } from "./support/partial-compare.js";
import { libbpfReference, runReference } from "./support/reference.js";

test("the committed target BTFs are what the builders make", () => {
  for (const [name, target] of Object.entries(builtTargets)) {
    const committed = new Uint8Array(readFileSync(join(repoRoot, "test", "core", "data", `${name}.btf`)));
    assert.deepEqual(committed, target.build().bytes, `test/core/data/${name}.btf is stale: run scripts/gen-core-goldens.sh`);
  }
});

for (const g of goldens()) {
  const target = goldenTarget(g.target);
  test(`golden ${g.object} vs ${g.target} equals libbpf 1.8`, { skip: target.skip }, async () => {
    const ref = JSON.parse(readFileSync(g.file, "utf8"));
    assert.deepEqual(partialCompare(objectPath(g.object), await target.open(), ref), []);
  });
}

const reference = libbpfReference();
test("live: libbpf 1.8 and corebpf agree on every object and local target", { skip: "skip" in reference ? reference.skip : false }, async () => {
  const exe = (reference as { path: string }).path;
  const targets = ["core_target", ...Object.keys(builtTargets), "kernel"];
  for (const object of ["core_local", "core_cpuv4", "core_errors", "core_kernel", "core_large"]) {
    for (const name of targets) {
      const t = name === "kernel" ? { ...goldenTarget("core_target"), libbpfPath: undefined, open: goldenTarget("kernel").open } : goldenTarget(name);
      const ref = JSON.parse(runReference(exe, objectPath(object), t.libbpfPath));
      assert.deepEqual(partialCompare(objectPath(object), await t.open(), ref), [], `${object} vs ${name}`);
    }
  }
});
