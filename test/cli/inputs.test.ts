// Files that are not what a verb expects (missing, a directory, an endless
// device, an empty file) give one friendly Error: line (a JSON error under -j) and a failure exit,
// never a stack trace, a hang or unbounded memory; as do options a verb
// does not take.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cliPath, repoRoot } from "../support/paths.js";

const cases: string[][] = [];
for (const file of ["/nonexistent.o", "/tmp", "/dev/zero", "/dev/null"]) {
  cases.push(["obj", "show", file], ["obj", "dump", file], ["core", "relocate", file], ["btf", "dump", "file", file]);
}
cases.push(
  ["obj", "dump", "bpf/test/minimal.bpf.o", "-j"],
  ["obj", "show", "bpf/test/minimal.bpf.o", "-B", "/sys/kernel/btf/vmlinux"],
  ["core", "explain", "bpf/test/core_large.bpf.o", "--prog", "nosuch"],
);

for (const args of cases) {
  test(`corebpf ${args.join(" ")}: one Error: line, no stack trace`, () => {
    const r = spawnSync("node", [cliPath, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.signal, null, "finished in time");
    assert.notEqual(r.status, 0);
    if (args.includes("-j")) {
      assert.equal(typeof (JSON.parse(r.stdout) as { error?: unknown }).error, "string", "a JSON error object, like bpftool's");
    } else {
      assert.match(r.stderr, /^Error: /);
    }
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, "no stack trace");
  });
}
