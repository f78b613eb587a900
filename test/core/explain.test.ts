// `corebpf core explain`: accesses in C terms, outcomes and candidates, the
// summary line, JSON; and formatAccess on its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { CoreKind as K, calculateFixups, formatAccess } from "../../src/core/index.js";
import { join } from "node:path";
import { cliPath, repoRoot, sharedFile } from "../support/paths.js";
import { btf } from "./support/build.js";
import { objectPath } from "./support/golden-targets.js";

function cli(args: string[]): { status: number; stdout: string } {
  try {
    return { status: 0, stdout: execFileSync("node", [cliPath, ...args], { encoding: "utf8", stdio: "pipe" }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { status: e.status, stdout: e.stdout };
  }
}

test("accesses read as C: members, array indices, the base pointer's index, anonymous hops elided, enumerators", () => {
  const local = btf((t) => {
    const u = t.union("", 4, [["as_int", "int", 0]]);
    const row = t.array("int", 3);
    const inner = t.struct("inner", 24, [["grid", t.array(row, 2), 0]]);
    t.struct("s", 40, [["", u, 0], ["in", inner, 4]]);
    t.name("e", t.b.addEnum("e", [{ name: "ONE", value: 1 }]));
  });
  const s = local.find("s")!;
  const access = (accessString: string, kind: number = K.FIELD_BYTE_OFFSET, typeId = s) =>
    formatAccess(calculateFixups([{ insn: 0, typeId, accessString, kind }], local, local)[0]!.localSpec!);
  assert.equal(access("0:0:0"), "struct s::as_int");
  assert.equal(access("0:1:0:1:2"), "struct s::in.grid[1][2]");
  assert.equal(access("3:1"), "struct s[3]::in");
  assert.equal(access("0", K.FIELD_BYTE_SIZE), "struct s");
  assert.equal(access("0", K.TYPE_SIZE), "struct s");
  assert.equal(access("0", K.ENUMVAL_VALUE, local.find("e")!), "enum e::ONE");
});

test("explain: every relocation of core_local against core_target, aligned, with a summary", () => {
  const { status, stdout } = cli(["core", "explain", objectPath("core_local"), "--btf", objectPath("core_target")]);
  assert.equal(status, 0);
  const lines = stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^PROGRAM\s+INSN\s+KIND\s+LOCAL ACCESS\s+RESULT$/);
  assert.ok(lines.some((l) => /^core_fields\s+3\s+byte_off\s+struct ct_moved::a\s+0 -> 20 from \[\d+\]$/.test(l)));
  assert.ok(lines.some((l) => /^core_fields\s+\d+\s+byte_off\s+struct ct_state___new::__state\s+0 -> 4 from \[\d+\] struct ct_state::__state$/.test(l)));
  assert.ok(lines.some((l) => /struct ct_arrays::grid\[1\]\[2\]\s+36 -> 56, access 4 -> 8 bytes from/.test(l)));
  assert.ok(lines.some((l) => /enum ct_color::CT_PURPLE\s+poisoned \(call 0xbad2310\): no enumerator in the candidate/.test(l)));
  assert.ok(lines.some((l) => /struct ct_absent\s+0: no type named like 'ct_absent' in the target/.test(l)));
  assert.match(lines.at(-1)!, /^147 relocations in 7 functions against .*core_target\.bpf\.o: \d+ relocated, \d+ unchanged, \d+ absent \(0\), \d+ poisoned, 0 errors$/);
});

test("explain: errors show libbpf's reason and the candidates, and exit 1", () => {
  const { status, stdout } = cli(["core", "explain", objectPath("core_errors"), "--btf", objectPath("core_target")]);
  assert.equal(status, 1); // a report that found errors, like diff(1); failures to run exit 255
  assert.match(stdout, /core_ambiguous\s+3\s+byte_off\s+struct ct_amb::x\s+ERROR EINVAL field offset ambiguity: 64 != 0/);
  assert.match(stdout, /candidates: \[\d+\] struct ct_amb___one @0 = 0; \[\d+\] struct ct_amb___two @8 = 8/);
  assert.match(stdout, /ERROR ERANGE \(LDX\/ST\/STX\) value too big: 40000/);
  assert.match(stdout, /2 errors \(libbpf would refuse to load the object\)\n$/);
});

test("explain -j: one record per relocation and the counts", () => {
  const { stdout } = cli(["core", "explain", objectPath("core_errors"), "--btf", objectPath("core_target"), "-j"]);
  const out = JSON.parse(stdout);
  assert.deepEqual(out.summary, { relocated: 0, unchanged: 2, absent: 0, poisoned: 0, error: 2 });
  const amb = out.relocations.find((r: { access: string }) => r.access === "struct ct_amb::x");
  assert.equal(amb.status, "error");
  assert.equal(amb.program, "core_ambiguous");
  assert.equal(amb.kind, "byte_off");
  assert.equal(amb.accessString, "0:0");
  assert.equal(amb.candidates.length, 2);
});

test("relocate without -j: disassembly with poisoned calls named", () => {
  const { status, stdout } = cli(["core", "relocate", objectPath("core_local"), "--btf", join(repoRoot, "test/core/data/ct-marker-only.btf")]);
  assert.equal(status, 0);
  assert.match(stdout, /^core_fields: syscall, \d+ instructions, \d+ CO-RE relocations$/m);
  assert.match(stdout, /call unknown#195896080 \(poisoned CO-RE relocation\)/);
});

test("usage errors", () => {
  assert.equal(cli(["core", "relocate"]).status, 255);
  assert.equal(cli(["core", "explain", objectPath("core_local"), "--btf"]).status, 255);
  assert.equal(cli(["core", "frobnicate"]).status, 255);
});

test("explain with -B: the --btf files are modules over the base (shared btf_testmod)", { skip: sharedFile("btf/btf_testmod.btf").skip || sharedFile("btf/btf_testmod.btf.base").skip }, () => {
  const base = sharedFile("btf/btf_testmod.btf.base").path!;
  const mod = sharedFile("btf/btf_testmod.btf").path!;
  const { status, stdout } = cli(["-B", base, "core", "explain", objectPath("core_kernel"), "--btf", mod, "-j"]);
  assert.equal(status, 0);
  const out = JSON.parse(stdout);
  assert.equal(out.target, `${base} + ${mod}`);
  assert.equal(out.relocations.length, 90);
});
