// Section names mapped as libbpf 1.8 maps them (libbpf_prog_type_by_name over
// a list of names, test/obj/golden/libbpf-sections.json), plus what the table
// alone says: attach targets, load flags, and hints for unknown names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AttachType, ProgFlag, ProgType, SECTION_DEFS, SecFlag, closeSectionNames, internalMapName, objectNameFromPath, sectionInfo } from "../../src/obj/index.js";
import { repoRoot } from "../support/paths.js";

const golden = JSON.parse(readFileSync(join(repoRoot, "test/obj/golden/libbpf-sections.json"), "utf8")) as { libbpf: string; sections: [string, number | null, number | null][] };

test("every name of the list maps to libbpf 1.8's program type and expected attach type, or to nothing", () => {
  assert.equal(golden.libbpf, "1.8");
  assert.ok(golden.sections.length > 400);
  const wrong: string[] = [];
  for (const [name, type, attach] of golden.sections) {
    const info = sectionInfo(name);
    const ours = info === undefined ? [null, null] : [info.progType, info.expectedAttachType];
    if (ours[0] !== type || ours[1] !== attach) wrong.push(`${JSON.stringify(name)}: ours ${ours}, libbpf ${type},${attach}`);
  }
  assert.deepEqual(wrong, []);
});

test("the list exercises every table entry", () => {
  const names = new Set(golden.sections.map(([n]) => n));
  for (const [pattern] of SECTION_DEFS) assert.ok(names.has(pattern.replace(/\+$/, "")), pattern);
});

test("attach targets: what follows the slash of a '+' entry", () => {
  const cases: [string, string | undefined][] = [
    ["kprobe/do_sys_open", "do_sys_open"],
    ["kprobe", undefined],
    ["uprobe//usr/lib/libc.so.6:malloc", "/usr/lib/libc.so.6:malloc"],
    ["tp/sched/sched_switch", "sched/sched_switch"],
    ["fentry.s/x", "x"],
    ["usdt/libc.so.6:libc:setjmp", "libc.so.6:libc:setjmp"],
    ["xdp", undefined],
    ["tc/ingress", undefined],
    ["struct_ops/op", "op"],
    ["kprobe/", ""],
  ];
  for (const [name, target] of cases) assert.equal(sectionInfo(name)?.attachTarget, target, name);
});

test("load flags: sleepable forms, xdp frags; attach BTF and optional attach types flagged", () => {
  assert.equal(sectionInfo("lsm.s/file_open")!.progFlags, ProgFlag.SLEEPABLE);
  assert.equal(sectionInfo("syscall")!.progFlags, ProgFlag.SLEEPABLE);
  assert.equal(sectionInfo("uprobe.multi.s/x:y")!.progFlags, ProgFlag.SLEEPABLE);
  assert.equal(sectionInfo("xdp.frags/devmap")!.progFlags, ProgFlag.XDP_HAS_FRAGS);
  assert.equal(sectionInfo("xdp")!.progFlags, 0);
  assert.ok(sectionInfo("fentry/f")!.flags & SecFlag.ATTACH_BTF);
  assert.ok(sectionInfo("xdp")!.flags & SecFlag.EXP_ATTACH_OPT);
  assert.ok(sectionInfo("usdt/a:b:c")!.flags & SecFlag.USDT);
  assert.deepEqual([sectionInfo("classifier")!.progType, sectionInfo("action")!.progType], [ProgType.SCHED_CLS, ProgType.SCHED_ACT]);
  assert.equal(sectionInfo("tcx/ingress")!.expectedAttachType, AttachType.TCX_INGRESS);
  assert.equal(sectionInfo("sk_reuseport/migrate")!.pattern, "sk_reuseport/migrate");
});

test("close matches for misspelt section names", () => {
  assert.deepEqual(closeSectionNames("kprobes/foo").slice(0, 1), ["kprobe"]);
  assert.ok(closeSectionNames("tracepiont/a/b").includes("tracepoint"));
  assert.ok(closeSectionNames("sockett").includes("socket"));
  assert.deepEqual(closeSectionNames("zzzzzzzzzzzz"), []);
  // Within a few edits only: no 'lsm' or 'tc' for 'foo/bar' (3 edits of a 3-letter word is another word).
  for (const far of ["foo/bar", "a", "cgroup/foo", "sk_skb/foo"]) assert.deepEqual(closeSectionNames(far), [], far);
  assert.deepEqual(closeSectionNames("xpd"), ["xdp"]); // a transposition is one edit
  assert.deepEqual(closeSectionNames("tc/ingres"), ["tc/ingress"]); // the whole name, not 'tp' by its head
  assert.deepEqual(closeSectionNames("cgroup/conect4"), ["cgroup/connect4"]);
  assert.deepEqual(closeSectionNames("kprobes/do_open"), ["kprobe"]);
});

test("names libbpf derives: object names from paths, global data map names", () => {
  assert.equal(objectNameFromPath("/x/y/minimal.bpf.o"), "minimal");
  assert.equal(objectNameFromPath("a_very_long_object_name.bpf.o"), "a_very_long_obj");
  assert.equal(objectNameFromPath("noext"), "noext");
  const cases: [string, string, string][] = [
    ["minimal", ".rodata", "minimal.rodata"],
    ["my_object_name", ".rodata", "my_objec.rodata"],
    ["my_object_name", ".bss", "my_objec.bss"],
    ["my_object_name", ".kconfig", "my_obje.kconfig"],
    ["my_object_name", ".rodata.abracadabra", ".rodata.abracad"],
    ["my_object_name", ".data.foo", ".data.foo"],
    ["asm-ops", ".data", "asm_ops.data"],
    ["", ".bss", ".bss"],
  ];
  for (const [obj, section, name] of cases) assert.equal(internalMapName(obj, section), name, `${obj} ${section}`);
});
