// Big-endian objects relocate like little-endian ones (byte order of the
// object and its target BTF), except the bitfield left shifts, which depend on
// it (bpf/test/README.md: ct_bits level 48 vs 36, rest 32 vs 48).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openObject } from "../../src/cli/core.js";
import { CoreKind, formatAccess, relocateObject } from "../../src/core/index.js";
import { readBtfFileSync } from "../../src/kernel/index.js";
import { repoRoot } from "../support/paths.js";

function values(suffix: string): Map<string, bigint> {
  const obj = openObject(join(repoRoot, "bpf", "test", `core_local.${suffix}.o`));
  const target = readBtfFileSync(join(repoRoot, "bpf", "test", `core_target.${suffix}.o`));
  const r = relocateObject(obj, target);
  assert.equal(r.error, undefined);
  const out = new Map<string, bigint>();
  for (const f of r.fixups) out.set(`${f.function} ${f.fixup.kind} ${formatAccess(f.fixup.localSpec!)}`, f.fixup.targetValue);
  return out;
}

test("core_local bpfeb vs bpfel: the same values but for the bitfield left shifts", () => {
  const le = values("bpf");
  const be = values("bpfeb");
  let compared = 0;
  for (const [key, v] of be) {
    const other = le.get(key);
    if (other === undefined) continue; // clang emits a few more relocations for bpfeb bitfield reads
    compared++;
    if (Number(key.split(" ")[1]) === CoreKind.FIELD_LSHIFT_U64) continue;
    assert.equal(v, other, key);
  }
  assert.ok(compared > 90, `${compared} distinct relocations compared`);
  assert.equal(be.get("core_bitfields 4 struct ct_bits::level"), 36n);
  assert.equal(be.get("core_bitfields 4 struct ct_bits::rest"), 48n);
  assert.equal(le.get("core_bitfields 4 struct ct_bits::level"), 48n);
  assert.equal(le.get("core_bitfields 4 struct ct_bits::rest"), 32n);
});
