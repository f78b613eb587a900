// Process-level behaviour of the CLI entry point shared by every verb.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cliPath, repoRoot } from "../support/paths.js";

test("any verb piped into a reader that goes away (EPIPE) exits quietly", () => {
  const r = spawnSync("sh", ["-c", `node ${cliPath} obj dump bpf/test/core_large.bpf.o | head -n 1`], { cwd: repoRoot, encoding: "utf8" });
  assert.equal(r.stderr, "");
  assert.equal(r.stdout.split("\n").length, 2);
});

test("usage errors exit 255 with an Error: line", () => {
  const r = spawnSync("node", [cliPath, "nosuchobject"], { encoding: "utf8" });
  assert.equal(r.status, 255);
  assert.match(r.stderr, /^Error: unknown object 'nosuchobject'/);
});
