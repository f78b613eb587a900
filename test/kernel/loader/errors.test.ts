// Rejections: the verifier's error names the C source line of the failing
// instruction; an unprivileged process gets the privilege error; a failed
// load leaves no fd, map, program, BTF object or pin behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { VerifierError } from "../../../src/errors.js";
import { BPFFS_DEFAULT, ensureBpffs, loadObject, openObject } from "../../../src/kernel/index.js";
import { repoRoot } from "../../support/paths.js";
import { kernelSkip, openFdCount } from "../support.js";
import { kernelIds, kernelNames, leftovers, objectPath } from "./support.js";

const skip = kernelSkip;
const source = readFileSync(join(repoRoot, "bpf", "test", "verifier_reject.bpf.c"), "utf8").split("\n");
const markedLine = (mark: string) => source.findIndex((l) => l.includes(`// ${mark}:`)) + 1;

test("verifier_reject: the error shows the last verifier lines and the REJECTED-HERE-1 source line", { skip }, async () => {
  await assert.rejects(loadObject(objectPath("verifier_reject")), (e: unknown) => {
    assert.ok(e instanceof VerifierError, String(e));
    assert.equal(e.errno, "EACCES");
    assert.equal(e.where.program, "reject_out_of_bounds");
    const line = `verifier_reject.bpf.c:${markedLine("REJECTED-HERE-1")}: return v[skb->len & 0xff]; // REJECTED-HERE-1`;
    assert.ok(e.message.includes(line), e.message);
    assert.ok(e.where.line?.startsWith(line), e.where.line);
    assert.match(e.message, /invalid access to map value, value_size=32 off=2040 size=8/);
    assert.ok(e.log.length > 10);
    return true;
  });
});

test("verifier_reject: the ? program, when enabled, fails at REJECTED-HERE-2", { skip }, async () => {
  const opened = openObject(objectPath("verifier_reject"));
  for (const p of opened.programs) p.autoload = p.name !== "reject_out_of_bounds";
  await assert.rejects(opened.load(), (e: unknown) => {
    assert.ok(e instanceof VerifierError);
    assert.equal(e.where.program, "reject_null_deref");
    assert.match(e.message, /invalid mem access 'map_value_or_null'/);
    assert.ok(e.message.includes(`verifier_reject.bpf.c:${markedLine("REJECTED-HERE-2")}: return *v; // REJECTED-HERE-2`), e.message);
    return true;
  });
  // accept_ok alone loads.
  const ok = openObject(objectPath("verifier_reject"));
  for (const p of ok.programs) p.autoload = p.name === "accept_ok";
  using obj = await ok.load();
  assert.deepEqual([...obj.programs.keys()], ["accept_ok"]);
});

test("a failed load leaves nothing behind: fds, programs, maps, BTF objects, pins", { skip }, async () => {
  ensureBpffs(BPFFS_DEFAULT);
  const pinRoot = mkdtempSync(join(BPFFS_DEFAULT, "corebpf-fail-"));
  try {
    await assert.rejects(loadObject(objectPath("verifier_reject")), VerifierError); // warm up lazily read state
    const fds = openFdCount();
    const before = kernelIds();
    for (let i = 0; i < 20; i++) await assert.rejects(loadObject(objectPath("verifier_reject")), VerifierError);
    // maps.bpf.o with a program that cannot load: its pinned map must be unpinned again.
    const opened = openObject(objectPath("maps"));
    opened.program("use_task_storage").type = 1; // a socket filter cannot call task storage helpers
    await assert.rejects(opened.load({ pinRoot }));
    assert.equal(existsSync(join(pinRoot, "lru_pinned")), false);
    // A pin root the load had to create is removed again too.
    await assert.rejects(opened.load({ pinRoot: join(pinRoot, "new", "deeper") }));
    assert.deepEqual(readdirSync(pinRoot), []);
    assert.equal(openFdCount(), fds);
    // Names only these objects use (other processes' "counters" or "jump_table" must not count).
    const generic = new Set(["counters", "jump_table", "events", "perf_events"]);
    const names = new Set([...kernelNames(openObject(objectPath("verifier_reject")).spec), ...[...kernelNames(opened.spec)].filter((n) => !generic.has(n))]);
    assert.deepEqual(await leftovers(before, names), []);
  } finally {
    rmSync(pinRoot, { recursive: true, force: true });
  }
});

function setprivSkip(): string | false {
  if (kernelSkip) return kernelSkip;
  return spawnSync("setpriv", ["--version"], { stdio: "ignore" }).status === 0 ? false : "setpriv (util-linux) is not installed";
}

test("an unprivileged load fails with PermissionError and the capability advice", { skip: setprivSkip() }, () => {
  const index = join(repoRoot, "dist", "src", "kernel", "index.js");
  const child = `
const k = await import(${JSON.stringify(index)});
try { await k.loadObject(${JSON.stringify(objectPath("minimal"))}); console.log(JSON.stringify({ ok: true })); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, hint: e.hint })); }`;
  const r = spawnSync("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", process.execPath, "--input-type=module", "-e", child], {
    encoding: "utf8",
    cwd: "/",
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { name: string; code: string; message: string; hint: string };
  assert.equal(out.name, "PermissionError", r.stdout);
  assert.equal(out.code, "EPERM");
  assert.match(out.hint, /CAP_BPF/);
});

test("a map left out (autocreate = false) poisons its references: the verifier error names the map", { skip }, async () => {
  const opened = openObject(objectPath("verifier_reject"));
  opened.program("reject_out_of_bounds").autoload = false;
  opened.map("values").autocreate = false;
  await assert.rejects(opened.load(), (e: unknown) => {
    assert.ok(e instanceof VerifierError, String(e));
    assert.equal(e.where.program, "accept_ok");
    assert.match(e.message, /BPF map 'values' is referenced but wasn't created/);
    return true;
  });
  // Without programs that use it, the object loads without the map.
  const ok = openObject(objectPath("verifier_reject"));
  for (const p of ok.programs) p.autoload = false;
  ok.map("values").autocreate = false;
  using obj = await ok.load();
  assert.deepEqual([...obj.maps.keys()], ["sparse"]);
});
