// Candidate search and narrowing: flavors, ambiguity, the per-type cache
// narrowing from one relocation to the next, module BTFs searched only when
// vmlinux has no candidate, and the errors that stop a relocation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BtfBuilder } from "../../src/btf/index.js";
import { CandidateCache, CoreKind as K, calculateFixups, findCandidates } from "../../src/core/index.js";
import { btf, type Types } from "./support/build.js";
import { outcome, relocateOne } from "./support/relocate.js";
import { readBtfFileSync } from "../../src/kernel/index.js";
import { sharedFile } from "../support/paths.js";

const sLocal = (t: Types) => void t.struct("s", 12, [["a", "int", 0], ["b", "int", 4], ["c", "int", 8]]);

test("every flavor with the essential name is a candidate, in id order; other kinds are not", () => {
  const local = btf(sLocal);
  const target = btf((t) => {
    t.struct("s___two", 4, [["a", "int", 0]]);
    t.union("s", 4, []);
    t.struct("s", 4, [["a", "int", 0]]);
    t.struct("s___", 4, []); // no flavor: the essential name is "s___"
    t.struct("sx", 4, []);
  });
  const ids = findCandidates(local, local.find("s")!, { btf: target }).map((c) => target.name(c.id));
  assert.deepEqual(ids, ["s___two", "s"]);
});

test("flavors agreeing on the value are not ambiguous", () => {
  const target = btf((t) => {
    t.struct("s___x", 8, [["a", "int", 4]]);
    t.struct("s___y", 16, [["b", "int", 0], ["a", "int", 4]]);
  });
  assert.deepEqual(outcome(relocateOne(btf(sLocal), target, "s", "0:0", K.FIELD_BYTE_OFFSET)), { found: true, poison: false, local: 0n, target: 4n });
});

test("flavors disagreeing on an offset: ambiguity error naming both candidates", () => {
  const target = btf((t) => {
    t.struct("s___x", 8, [["a", "int", 4]]);
    t.struct("s___y", 16, [["a", "int", 8]]);
  });
  const f = relocateOne(btf(sLocal), target, "s", "0:0", K.FIELD_BYTE_OFFSET);
  assert.equal(f.error?.code, "CORE_AMBIGUOUS");
  assert.equal(f.error?.errno, "EINVAL");
  assert.match(f.error!.message, /field offset ambiguity: 64 != 32/);
  assert.deepEqual(f.candidates.map((c) => [c.typeId, c.matched]), [[10, true], [11, true]]);
});

test("flavors disagreeing on existence are not ambiguous: the matching ones decide", () => {
  const target = btf((t) => {
    t.struct("s___x", 8, [["a", "int", 4]]);
    t.struct("s___y", 16, [["zzz", "int", 8]]);
  });
  const f = relocateOne(btf(sLocal), target, "s", "0:0", K.FIELD_BYTE_OFFSET);
  assert.deepEqual(outcome(f), { found: true, poison: false, local: 0n, target: 4n });
  assert.deepEqual(f.candidates.map((c) => c.matched), [true, false]);
});

test("a size disagreement between flavors is an ambiguity (same offset, other value)", () => {
  const target = btf((t) => {
    t.struct("s___x", 8, [["a", "int", 4]]);
    t.struct("s___y", 16, [["a", "long", 4]]);
  });
  const f = relocateOne(btf(sLocal), target, "s", "0:0", K.FIELD_BYTE_SIZE);
  assert.match(f.error!.message, /relocation decision ambiguity: success 8 for \[11\] != success 4 for \[10\]/);
});

test("candidate lists narrow from one relocation to the next (libbpf's order matters)", () => {
  const local = btf(sLocal);
  // A has a and c, B has a and b (a at the same offset): relocating a keeps both,
  // relocating b keeps only B, after which c (only in A) is not found.
  const target = btf((t) => {
    t.struct("s___A", 16, [["a", "int", 0], ["c", "int", 12]]);
    t.struct("s___B", 16, [["a", "int", 0], ["b", "int", 8]]);
  });
  const typeId = local.find("s")!;
  const relo = (field: number) => ({ insn: 0, typeId, accessString: `0:${field}`, kind: K.FIELD_BYTE_OFFSET });
  const narrowed = calculateFixups([relo(0), relo(1), relo(2)], local, target);
  assert.deepEqual(narrowed.map(outcome), [
    { found: true, poison: false, local: 0n, target: 0n },
    { found: true, poison: false, local: 4n, target: 8n },
    { found: false, poison: true, local: 8n, target: 0n },
  ]);
  const fresh = calculateFixups([relo(2)], local, target);
  assert.deepEqual(outcome(fresh[0]!), { found: true, poison: false, local: 8n, target: 12n });
  // The narrowing is carried by a shared cache across calls, as libbpf carries it across programs.
  const cache = new CandidateCache(local, target);
  calculateFixups([relo(1)], local, target, { cache });
  assert.equal(calculateFixups([relo(2)], local, target, { cache })[0]!.found, false);
  assert.deepEqual(cache.get(typeId).map((c) => target.name(c.id)), ["s___B"]);
});

test("a relocation finding no match leaves the candidate list as it was", () => {
  const local = btf((t) => void t.struct("s", 8, [["a", "int", 0], ["gone", "int", 4]]));
  const target = btf((t) => {
    t.struct("s___A", 8, [["a", "int", 0]]);
    t.struct("s___B", 8, [["a", "int", 0]]);
  });
  const cache = new CandidateCache(local, target);
  const typeId = local.find("s")!;
  calculateFixups([{ insn: 0, typeId, accessString: "0:1", kind: K.FIELD_EXISTS }], local, target, { cache });
  assert.equal(cache.get(typeId).length, 2);
});

test("modules are searched only when vmlinux has no candidate, their own types only", () => {
  const local = btf((t) => {
    t.struct("core_only", 4, [["x", "int", 0]]);
    t.struct("both", 4, [["x", "int", 0]]);
  });
  const vmlinux = btf((t) => void t.struct("both", 8, [["x", "int", 4]]));
  const mod = new BtfBuilder({ base: vmlinux });
  const int = vmlinux.find("int")!;
  mod.addStruct("core_only", 16, [{ name: "x", type: int, bitOffset: 96 }]);
  mod.addStruct("both", 16, [{ name: "x", type: int, bitOffset: 64 }]);
  const modBtf = mod.build();
  const target = { btf: vmlinux, modules: [{ name: "mymod", btf: modBtf }] };
  const inModule = relocateOne(local, target, "core_only", "0:0", K.FIELD_BYTE_OFFSET);
  assert.deepEqual(outcome(inModule), { found: true, poison: false, local: 0n, target: 12n });
  assert.equal(inModule.targetSource, "mymod");
  assert.equal(inModule.targetTypeId, vmlinux.typeCount, "module ids continue after vmlinux's");
  const inVmlinux = relocateOne(local, target, "both", "0:0", K.FIELD_BYTE_OFFSET);
  assert.deepEqual(outcome(inVmlinux), { found: true, poison: false, local: 0n, target: 4n });
  assert.deepEqual(inVmlinux.candidates.map((c) => c.source), ["vmlinux"]);
});

test("an anonymous local type cannot be relocated (but its local id can)", () => {
  const local = btf((t) => void t.struct("", 4, [["x", "int", 0]]));
  const target = btf(() => {});
  const id = local.typeCount - 1;
  const [bad, ok] = calculateFixups(
    [
      { insn: 3, typeId: id, accessString: "0:0", kind: K.FIELD_BYTE_OFFSET },
      { insn: 5, typeId: id, accessString: "0", kind: K.TYPE_ID_LOCAL },
    ],
    local,
    target,
    { program: "prog" },
  );
  assert.equal(bad!.error?.errno, "EINVAL");
  assert.match(bad!.error!.message, /^prog 'prog': relo #0: byte_off at insn #3 on \[10\] \+ '0:0': local type \[10\] STRUCT is anonymous/);
  assert.deepEqual(bad!.error!.where, { program: "prog", insn: 3, relo: 0, typeId: 10 });
  assert.deepEqual(outcome(ok!), { found: true, poison: false, local: 10n, target: 10n });
});

test("a local type id out of range and an unknown kind are errors", () => {
  const local = btf(sLocal);
  const [a, b] = calculateFixups(
    [
      { insn: 0, typeId: 999, accessString: "0:0", kind: K.FIELD_BYTE_OFFSET },
      { insn: 0, typeId: local.find("s")!, accessString: "0:0", kind: 13 },
    ],
    local,
    local,
  );
  assert.match(a!.error!.message, /local type id 999 does not exist/);
  assert.match(b!.error!.message, /unknown relocation kind 13/);
});

test("relocation numbers in messages can follow the object's numbering", () => {
  const local = btf(sLocal);
  const [f] = calculateFixups([{ insn: 0, typeId: 999, accessString: "0", kind: K.TYPE_EXISTS }], local, local, { numbers: [42] });
  assert.match(f!.error!.message, /^relo #42: /);
});

test("a type only a kernel module has is found in the module's split BTF (shared btf_testmod)", { skip: sharedFile("btf/btf_testmod.btf").skip || sharedFile("btf/btf_testmod.btf.base").skip }, () => {
  const base = readBtfFileSync(sharedFile("btf/btf_testmod.btf.base").path!);
  const mod = readBtfFileSync(sharedFile("btf/btf_testmod.btf").path!, { base });
  const local = btf((t) => {
    const rcu = t.struct("callback_head", 16, []);
    const ref = t.struct("refcount_struct", 4, []);
    t.struct("bpf_testmod_ctx", 20, [["rcu", rcu, 0], ["usage", ref, 16]]);
  });
  const target = { btf: base, modules: () => [{ name: "bpf_testmod", btf: mod }] };
  const f = relocateOne(local, target, "bpf_testmod_ctx", "0:1", K.FIELD_BYTE_OFFSET);
  assert.deepEqual(outcome(f), { found: true, poison: false, local: 16n, target: 16n });
  assert.equal(f.targetSource, "bpf_testmod");
  assert.equal(f.targetTypeId, mod.find("bpf_testmod_ctx"));
  assert.ok(f.targetTypeId! >= base.typeCount);
  // callback_head is in the base: the module is not searched for it.
  const g = relocateOne(local, target, "callback_head", "0", K.TYPE_ID_TARGET);
  assert.equal(g.targetSource, "vmlinux");
  assert.equal(g.targetTypeId, base.find("callback_head"));
});
