// corebpf obj show / dump, run as a user runs them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliPath, repoRoot } from "../support/paths.js";

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("obj show -j: programs, maps, globals, externs and relocation counts", () => {
  const r = cli("obj", "show", "bpf/test/subprogs.bpf.o", "-j");
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.name, "subprogs");
  assert.equal(out.byte_order, "little");
  assert.deepEqual(out.programs.map((p: { name: string }) => p.name), ["calls_nested", "calls_loop", "calls_for_each", "calls_everything"]);
  const loop = out.programs[1];
  assert.deepEqual([loop.section, loop.type, loop.functions], ["socket", "socket_filter", ["calls_loop", "add_index", "square"]]);
  assert.deepEqual(loop.relocations, { maps: 0, globals: 1, calls: 1, callbacks: 1, kfuncs: 0, ksyms: 0, kconfig: 0, core: 0 });
  assert.deepEqual(out.maps.map((m: { name: string; type: string }) => [m.name, m.type]), [["table", "array"]]);
  assert.deepEqual(out.globals[0].variables.map((v: { name: string }) => v.name), ["subprog_calls"]);
});

test("obj show: maps with inner maps, slots and pinning; externs", () => {
  const maps = cli("obj", "show", "bpf/test/maps.bpf.o");
  assert.equal(maps.status, 0, maps.stderr);
  assert.match(maps.stdout, /outer_array {2}array_of_maps {2}key 4 \(__u32\)/);
  assert.match(maps.stdout, /\tinner outer_array\.inner {2}array/);
  assert.match(maps.stdout, /\tslot \[2\] = tail_second/);
  assert.match(maps.stdout, /lru_pinned .* pinned by name/);
  const ext = cli("obj", "show", "bpf/test/externs.bpfeb.o");
  assert.equal(ext.status, 0, ext.stderr);
  assert.match(ext.stdout, /big endian/);
  assert.match(ext.stdout, /kconfig CONFIG_HZ {2}int 4 bytes at 20/);
  assert.match(ext.stdout, /ksym {4}corebpf_absent_kfunc {2}kfunc {2}weak/);
});

test("obj dump: source lines, named maps, globals and subprogram calls", () => {
  const r = cli("obj", "dump", "bpf/test/subprogs.bpf.o", "prog", "calls_loop");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^calls_loop: socket_filter {2}section socket\n/);
  assert.match(r.stdout, /int calls_loop\(struct __sk_buff \* skb\):/);
  assert.match(r.stdout, /; bpf_loop\(10, add_index, &state, 0\);/);
  assert.match(r.stdout, /\(18\) r2 = subprog\[\+8\] <add_index>/);
  assert.match(r.stdout, /\(85\) call pc\+12 <square>/);
  assert.match(r.stdout, /\(18\) r1 = map\[subprogs\.bss\]\+0 <subprog_calls>/);
  const maps = cli("obj", "dump", "bpf/test/minimal.bpf.o", "--prog", "minimal", "linum");
  assert.match(maps.stdout, /r1 = map\[counter\]/);
  assert.match(maps.stdout, /\[file:\.\/bpf\/test\/minimal\.bpf\.c line_num:\d+ line_col:\d+\]/);
  const all = cli("obj", "dump", "bpf/test/externs.bpf.o");
  assert.match(all.stdout, /call bpf_task_from_pid#0/);
  assert.match(all.stdout, /map\[externs\.kconfig\]\+20 <CONFIG_HZ>/);
});

test("obj: errors name the file, section and offset; errors exit 255 as bpftool's do", () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-obj-"));
  try {
    const bad = join(dir, "bad.o");
    writeFileSync(bad, Buffer.from("not an ELF file at all, just text...............................................!"));
    const r = cli("obj", "show", bad);
    assert.equal(r.status, 255); // bpftool's status for any failure
    assert.match(r.stderr, /^Error: not an ELF file/);
    const j = cli("obj", "show", bad, "-j");
    const out = JSON.parse(j.stdout);
    assert.deepEqual([out.code, out.file, out.offset], ["ELF_BAD_MAGIC", bad, 0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(cli("obj", "dump", "bpf/test/minimal.bpf.o", "prog", "nope").status, 255);
  assert.equal(cli("obj", "frobnicate", "x").status, 255);
  assert.equal(cli("obj").status, 255);
});
