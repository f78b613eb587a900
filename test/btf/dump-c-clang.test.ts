// The generated vmlinux.h is a usable header: a BPF program including it (with
// libbpf's bpf_helpers.h and CO-RE macros) compiles with clang-19 -target bpf,
// and its CO-RE accesses to task_struct come out as relocations. Skipped when
// clang-19 is absent (CI installs no compiler: there the byte-identity with
// bpftool stands in for this).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Btf, dumpC } from "../../src/btf/index.js";
import { capture } from "./dump-support.js";
import { kernelBytes, kernelSkip, sharedVmlinux, sharedVmlinuxBytes } from "./fixtures.js";

const clangSkip: string | false = spawnSync("clang-19", ["--version"], { stdio: "ignore" }).status === 0 ? false : "clang-19 is not installed";
const helpersSkip: string | false = existsSync("/usr/include/bpf/bpf_helpers.h") ? false : "libbpf-dev (bpf/bpf_helpers.h) is not installed";

const PROGRAM = `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int handle_exec(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	pid_t ppid = BPF_CORE_READ(task, real_parent, tgid);
	__u64 *slot = bpf_ringbuf_reserve(&events, sizeof(__u64), 0);
	if (!slot)
		return 0;
	*slot = ((__u64)ppid << 32) | (__u32)ctx->id;
	bpf_ringbuf_submit(slot, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
`;

function compiles(header: Uint8Array): void {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-vmlinux-"));
  try {
    writeFileSync(join(dir, "vmlinux.h"), header);
    writeFileSync(join(dir, "prog.bpf.c"), PROGRAM);
    const out = join(dir, "prog.bpf.o");
    const r = spawnSync("clang-19", ["-g", "-O2", "-target", "bpf", "-D__TARGET_ARCH_x86", "-I", dir, "-c", join(dir, "prog.bpf.c"), "-o", out], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `clang-19 failed:\n${r.stderr.split("\n").slice(0, 20).join("\n")}`);
    // preserve_access_index (from the header's pragma) made the field accesses CO-RE relocations.
    const relocs = spawnSync("llvm-objdump-19", ["-r", out], { encoding: "utf8" });
    if (relocs.status === 0) assert.match(relocs.stdout, /\.BTF\.ext|R_BPF/);
    const btfExt = spawnSync("llvm-readelf-19", ["-S", out], { encoding: "utf8" });
    if (btfExt.status === 0) assert.match(btfExt.stdout, /\.BTF\.ext/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a BPF program including the running kernel's vmlinux.h compiles with clang-19", { skip: kernelSkip || clangSkip || helpersSkip }, () => {
  compiles(capture((sink) => dumpC(Btf.parse(kernelBytes()), sink)));
});

test("a BPF program including the Linux 7.1 vmlinux.h compiles with clang-19", { skip: sharedVmlinux.skip || clangSkip || helpersSkip }, () => {
  compiles(capture((sink) => dumpC(Btf.parse(sharedVmlinuxBytes()), sink)));
});
