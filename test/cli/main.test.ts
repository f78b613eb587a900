// Process-level behaviour of the CLI entry point shared by every verb.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { bpftoolSkip } from "../kernel/support.js";
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

const corebpf = (args: readonly string[]) => spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: "utf8" });

test("an error that is not a CoreBpfError (a Node fs error) is one Error: line and exit 255, no stack unless -d", () => {
  const r = corebpf(["obj", "show", "/nonexistent-corebpf-file"]);
  assert.equal(r.status, 255);
  assert.match(r.stderr, /^Error: [^\n]*(ENOENT|[Nn]o such file)[^\n]*\n$/);
  const dir = corebpf(["obj", "show", "/"]);
  assert.equal(dir.status, 255);
  assert.match(dir.stderr, /^Error: [^\n]*\n$/);
  const json = corebpf(["-j", "obj", "show", "/nonexistent-corebpf-file"]);
  assert.equal(json.status, 255);
  assert.equal(json.stderr, "");
  assert.match((JSON.parse(json.stdout) as { error: string }).error, /ENOENT|[Nn]o such file/);
  const debug = corebpf(["-d", "obj", "show", "/nonexistent-corebpf-file"]);
  assert.match(debug.stderr, /\n {4}at .*:\d+:\d+/, "-d shows the stack");
});

test("reportError: any thrown value, plain and JSON (bpftool's {\"error\"} first, corebpf's code, hint and where after it)", async () => {
  const { reportError } = await import("../../src/cli/main.js");
  const { ElfError } = await import("../../src/errors.js");
  const capture = (fn: () => number) => {
    const out: string[] = [];
    const err: string[] = [];
    const [o, e] = [process.stdout.write, process.stderr.write];
    process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => err.push(s) > 0) as typeof process.stderr.write;
    try {
      return { status: fn(), stdout: out.join(""), stderr: err.join("") };
    } finally {
      process.stdout.write = o;
      process.stderr.write = e;
    }
  };
  const plain = { json: false, pretty: false, debug: false };
  const fsError = Object.assign(new Error("EEXIST: file already exists, mkdir '/x'"), { code: "EEXIST" });
  assert.deepEqual(capture(() => reportError(fsError, plain)), { status: 255, stdout: "", stderr: "Error: EEXIST: file already exists, mkdir '/x'\n" });
  assert.deepEqual(capture(() => reportError("a string", plain)), { status: 255, stdout: "", stderr: "Error: a string\n" });
  assert.deepEqual(capture(() => reportError(fsError, { ...plain, json: true })), {
    status: 255,
    stdout: '{"error":"EEXIST: file already exists, mkdir \'/x\'","code":"EEXIST"}\n',
    stderr: "",
  });
  const elf = new ElfError("ELF_BAD_MAGIC", "not an ELF file", { file: "/f", offset: 0, hint: "give a .bpf.o" });
  assert.equal(capture(() => reportError(elf, plain)).stderr, "Error: not an ELF file (give a .bpf.o)\n");
  assert.equal(
    capture(() => reportError(elf, { json: true, pretty: true, debug: false })).stdout,
    '{\n    "error": "not an ELF file",\n    "code": "ELF_BAD_MAGIC",\n    "hint": "give a .bpf.o",\n    "file": "/f",\n    "offset": 0\n}\n',
  );
});

test("errors match bpftool's: exit status, the Error: line, and {\"error\": ...} under -j and -p", { skip: bpftoolSkip() }, () => {
  for (const args of [
    ["prog", "show", "id", "999999"],
    ["map", "show", "id", "999999"],
    ["map", "show", "pinned", "/nonexistent"],
    ["prog", "show", "pinned", "/nonexistent"],
  ]) {
    const what = args.join(" ");
    const ours = corebpf(args);
    const theirs = spawnSync("bpftool", args, { encoding: "utf8" });
    assert.equal(ours.status, 255, what);
    assert.equal(ours.status, theirs.status, what);
    assert.equal(ours.stderr, theirs.stderr, what);
    for (const mode of ["-j", "-p"]) {
      const o = corebpf([mode, ...args]);
      const t = spawnSync("bpftool", [mode, ...args], { encoding: "utf8" });
      assert.equal(o.status, t.status, `${mode} ${what}`);
      assert.equal(o.stderr, t.stderr, `${mode} ${what}`);
      assert.deepEqual(Object.keys(JSON.parse(o.stdout)).slice(0, 1), ["error"]);
      assert.equal(JSON.parse(o.stdout).error, JSON.parse(t.stdout).error, `${mode} ${what}`);
      // bpftool's bytes up to its closing brace, then corebpf's extra keys.
      const head = t.stdout.slice(0, t.stdout.lastIndexOf(mode === "-p" ? "\n}" : "}"));
      assert.ok(o.stdout.startsWith(head + ","), `${mode} ${what}:\n${o.stdout}\n${t.stdout}`);
    }
  }
});

test("a verifier rejection: the message says where the rest of the log is; -d prints the whole log, as bpftool does", { skip: bpftoolSkip() }, () => {
  const object = join(repoRoot, "bpf", "test", "verifier_reject.bpf.o");
  const pin = `/sys/fs/bpf/corebpf-reject-${process.pid}`;
  const r = corebpf(["prog", "load", object, pin]);
  assert.equal(r.status, 255);
  const total = /showing the last 10 of (\d+) log lines: all are in the error's 'log', and corebpf -d prints them\)\n$/.exec(r.stderr);
  assert.ok(total, r.stderr);
  assert.doesNotMatch(r.stderr, /error\.log|\n {4}at .*:\d+:\d+/);

  const d = corebpf(["-d", "prog", "load", object, pin]);
  assert.equal(d.status, 255);
  const log = /-- BEGIN PROG LOAD LOG --\n([^]*?)\n-- END PROG LOAD LOG --\n/.exec(d.stderr);
  assert.ok(log, d.stderr);
  const ours = log[1]!.split("\n");
  assert.equal(ours.length, Number(total[1]));
  assert.doesNotMatch(d.stderr, /\n {4}at .*:\d+:\d+/, "no stack trace for a verifier rejection");
  // bpftool (libbpf) prints the same log; map addresses differ from load to load.
  const b = spawnSync("bpftool", ["prog", "load", object, pin], { encoding: "utf8" });
  const theirs = /-- BEGIN PROG LOAD LOG --\n([^]*?)\n-- END PROG LOAD LOG --/.exec(b.stderr);
  assert.ok(theirs, b.stderr);
  const normal = (lines: string) => lines.replace(/0xffff[0-9a-f]+/g, "ADDR");
  assert.equal(normal(log[1]!), normal(theirs[1]!));
  assert.equal(b.status, d.status);
  assert.equal(existsSync(pin), false);
});
