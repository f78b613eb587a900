// Without privileges, creating a map or loading a program yields
// PermissionError with the capability advice (run in a child with every
// capability dropped, as user nobody).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { kernelSkip } from "./support.js";

function setprivSkip(): string | false {
  if (kernelSkip) return kernelSkip;
  const r = spawnSync("setpriv", ["--version"], { stdio: "ignore" });
  return r.status === 0 ? false : "setpriv (util-linux) is not installed";
}

const kernelIndex = join(repoRoot, "dist", "src", "kernel", "index.js");

const child = `
const k = await import(${JSON.stringify(kernelIndex)});
const out = {};
for (const [what, fn] of [
  ["map", () => k.Map.create({ type: "hash", name: "denied", keySize: 4, valueSize: 4, maxEntries: 1 })],
  ["prog", () => k.Program.load({ type: "socket_filter", name: "denied", insns: k.encodeInsns([k.mov64Imm(0, 0), k.exit()]) })],
]) {
  try { fn(); out[what] = { ok: true }; }
  catch (e) { out[what] = { name: e.name, code: e.code, errno: e.errno, message: e.message, hint: e.hint }; }
}
process.stdout.write(JSON.stringify(out));
`;

test("an unprivileged process gets PermissionError with advice", { skip: setprivSkip() }, () => {
  const r = spawnSync(
    "setpriv",
    ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", process.execPath, "--input-type=module", "-e", child],
    { encoding: "utf8", cwd: "/" },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, { name: string; code: string; message: string; hint: string }>;
  for (const what of ["map", "prog"]) {
    const e = out[what]!;
    assert.equal(e.name, "PermissionError", JSON.stringify(e));
    assert.equal(e.code, "EPERM");
    assert.match(e.hint, /needs root, or CAP_BPF \+ CAP_PERFMON \(\+CAP_NET_ADMIN for network programs\)/);
    assert.match(e.hint, /lacks CAP_BPF \+ CAP_PERFMON/);
    assert.match(e.message, /'denied'/);
  }
  assert.match(out["map"]!.message, /BPF_MAP_CREATE/);
  assert.match(out["prog"]!.message, /BPF_PROG_LOAD/);
});
