// `corebpf btf ...` run as a process, against bpftool run the same way:
// stdout byte for byte, bpftool's keyword prefixes, every input format, -B,
// -j/-p, "Error: ..." on stderr (or a JSON error with -j) and the exit code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bpftool, bpftoolSkip, firstDifference, withTempFile } from "../btf/dump-support.js";
import { KERNEL_BTF, buildAllKinds, kernelSkip, sharedTestmod, sharedTestmodBase, sharedVmlinux, sharedVmlinuxBytes } from "../btf/fixtures.js";
import { cliPath, repoRoot } from "../support/paths.js";

function corebpf(args: string[], options: { shell?: string } = {}) {
  const r = options.shell === undefined
    ? spawnSync(process.execPath, [cliPath, ...args], { maxBuffer: 1 << 28 })
    : spawnSync("/bin/sh", ["-c", options.shell.replace("COREBPF", `'${process.execPath}' '${cliPath}'`)], { maxBuffer: 1 << 28 });
  return { stdout: r.stdout, stderr: r.stderr.toString(), status: r.status };
}

function assertSameOutput(args: string[], bpftoolArgs: string[] = args): void {
  const ours = corebpf(args);
  const ref = bpftool(bpftoolArgs);
  assert.equal(ours.status, 0, `corebpf ${args.join(" ")}: ${ours.stderr}`);
  assert.equal(ref.status, 0, `bpftool ${bpftoolArgs.join(" ")}: ${ref.stderr}`);
  const diff = firstDifference(ours.stdout, ref.stdout);
  if (diff !== undefined) assert.fail(`corebpf ${args.join(" ")}: ${diff}`);
}

test("btf dump file /sys/kernel/btf/vmlinux format c prints what bpftool prints", { skip: kernelSkip || bpftoolSkip }, () => {
  assertSameOutput(["btf", "dump", "file", KERNEL_BTF, "format", "c"]);
});

test("keyword prefixes are accepted as bpftool accepts them", { skip: kernelSkip || bpftoolSkip }, () => {
  assertSameOutput(["btf", "d", "f", KERNEL_BTF, "f", "c"]);
  assertSameOutput(["bt", "du", "fi", KERNEL_BTF, "form", "raw"]);
});

test("raw listings: text, -j and --pretty, options before or after the command", { skip: kernelSkip || bpftoolSkip }, () => {
  assertSameOutput(["btf", "dump", "file", KERNEL_BTF]);
  assertSameOutput(["-j", "btf", "dump", "file", KERNEL_BTF]);
  assertSameOutput(["btf", "dump", "file", KERNEL_BTF, "--pretty"], ["-p", "btf", "dump", "file", KERNEL_BTF]);
});

test("gzip-compressed BTF and ELF objects are read like raw BTF", { skip: sharedVmlinux.skip || bpftoolSkip }, () => {
  withTempFile(sharedVmlinuxBytes(), (raw) => {
    const ours = corebpf(["btf", "dump", "file", sharedVmlinux.path!, "format", "c"]);
    const diff = firstDifference(ours.stdout, bpftool(["btf", "dump", "file", raw, "format", "c"]).stdout);
    if (diff !== undefined) assert.fail(`vmlinux.btf.gz: ${diff}`);
  });
  const objects = join(repoRoot, "bpf", "test");
  const elf = existsSync(objects) ? readdirSync(objects).filter((n) => n.endsWith(".o")).sort() : [];
  assert.ok(elf.length > 0, "the committed BPF objects are there");
  for (const name of elf.slice(0, 6)) {
    for (const format of ["raw", "c"]) assertSameOutput(["btf", "dump", "file", join(objects, name), "format", format]);
  }
});

test("xz-compressed and gzip-compressed hand-built BTF", { skip: bpftoolSkip }, () => {
  const bytes = buildAllKinds().builder.encode();
  withTempFile(bytes, (raw) => {
    withTempFile(gzipSync(bytes), (gz) => {
      const ours = corebpf(["btf", "dump", "file", gz, "format", "c"]);
      assert.equal(firstDifference(ours.stdout, bpftool(["btf", "dump", "file", raw, "format", "c"]).stdout), undefined);
    });
    const xz = spawnSync("xz", ["-c", raw]);
    if (xz.status === 0) {
      withTempFile(xz.stdout, (path) => {
        const ours = corebpf(["-j", "btf", "dump", "file", path]);
        assert.equal(firstDifference(ours.stdout, bpftool(["-j", "btf", "dump", "file", raw]).stdout), undefined);
      });
    }
  });
});

test("split BTF with -B / --base-btf", { skip: sharedTestmod.skip || sharedTestmodBase.skip || bpftoolSkip }, () => {
  const mod = sharedTestmod.path!;
  const base = sharedTestmodBase.path!;
  assertSameOutput(["btf", "dump", "file", mod, "-B", base, "format", "c"]);
  assertSameOutput(["--base-btf", base, "-p", "btf", "dump", "file", mod], ["-B", base, "-p", "btf", "dump", "file", mod]);
});

test("a module's BTF under /sys/kernel/btf takes the kernel's as its base", { skip: kernelSkip || bpftoolSkip }, (t) => {
  const module = readdirSync("/sys/kernel/btf").find((n) => n !== "vmlinux");
  if (module === undefined) return t.skip("no module with BTF is loaded");
  assertSameOutput(["btf", "dump", "file", `/sys/kernel/btf/${module}`, "format", "c"]);
  assertSameOutput(["btf", "dump", "file", `/sys/kernel/btf/${module}`]);
});

test("errors: Error: ... on stderr, a JSON error with -j, a non-zero exit", () => {
  const missing = corebpf(["btf", "dump", "file", "/nonexistent/vmlinux"]);
  assert.notEqual(missing.status, 0);
  assert.equal(missing.stdout.length, 0);
  assert.equal(missing.stderr, "Error: failed to load BTF from /nonexistent/vmlinux: No such file or directory\n");

  const json = corebpf(["-j", "btf", "dump", "file", "/nonexistent/vmlinux"]);
  assert.notEqual(json.status, 0);
  assert.equal((JSON.parse(json.stdout.toString()) as { error: string }).error, "failed to load BTF from /nonexistent/vmlinux: No such file or directory");

  const notBtf = withTempFile(new TextEncoder().encode("hello, world\n"), (path) => corebpf(["btf", "dump", "file", path]));
  assert.notEqual(notBtf.status, 0);
  assert.match(notBtf.stderr, /^Error: failed to load BTF from .*: bad BTF magic/);

  const usage: Array<[string[], RegExp]> = [
    [["btf", "dump", "file", KERNEL_BTF, "format", "x"], /unrecognized format specifier: 'x', possible values: raw, c/],
    [["btf", "dump", "file", KERNEL_BTF, "format"], /expecting value for 'format' option/],
    [["btf", "dump", "file", KERNEL_BTF, "bogus", "c"], /unrecognized option: 'bogus'/],
    [["btf", "dump", "disk", KERNEL_BTF], /unrecognized BTF source specifier: 'disk'/],
    [["btf", "dump", "file"], /'dump' needs at least 2 arguments, 1 found/],
    [["btf", "frobnicate"], /unknown btf command 'frobnicate'/],
    [["-j", "btf", "dump", "file", KERNEL_BTF, "format", "c"], /JSON output for C-syntax dump is not supported/],
  ];
  for (const [args, message] of usage) {
    const r = corebpf(args);
    assert.equal(r.status, 255, `${args.join(" ")}: exit code`);
    assert.match(args[0] === "-j" ? r.stdout.toString() : r.stderr, message, args.join(" "));
  }

  const badId = corebpf(["btf", "dump", "id", "1x"]);
  assert.equal(badId.status, 255);
  assert.equal(badId.stderr, "Error: can't parse 1x as ID\n");
  const noSelector = corebpf(["btf", "dump", "map", "id"]);
  assert.equal(noSelector.status, 255);
  assert.match(noSelector.stderr, /^Error: 'map' needs at least 2 arguments, 1 found/);
});

test("help, and a reader that goes away early (EPIPE) is not an error", { skip: kernelSkip }, () => {
  const help = corebpf(["btf", "help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout.toString(), /corebpf btf dump BTF_SRC \[format FORMAT\]/);
  const piped = corebpf([], { shell: `COREBPF btf dump file ${KERNEL_BTF} format c | head -n 1` });
  assert.equal(piped.stdout.toString(), "#ifndef __VMLINUX_H__\n");
  assert.equal(piped.stderr, "");
});

test("the dump of a hand-built blob by file has what dumpC gives", () => {
  withTempFile(buildAllKinds().builder.encode(), (path) => {
    const r = corebpf(["btf", "dump", "file", path, "format", "c"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.toString(), /^struct s \{\n\tint a;\n\tunion \{\n\t\tint u1;\n\t\tunsigned char u2;\n\t\};\n\tstruct s \*next;\n\};$/m);
  });
});
