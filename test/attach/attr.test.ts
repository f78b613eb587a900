// The layouts the attach layer encodes by hand (bpf_attr commands,
// bpf_link_info, perf_event_attr, bpf_iter_link_info) equal the running
// kernel's, read from its BTF with corebpf's own BTF reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { findMember, type Btf, BtfKind } from "../../src/btf/index.js";
import { IterCreate, LinkCreate, LinkDetach, LinkUpdate, ProgAttach, ProgQuery, RawTracepointOpen } from "../../src/kernel/attach/attr.js";
import { kernelBtf } from "../../src/kernel/index.js";

const skip = existsSync("/sys/kernel/btf/vmlinux") ? false : "the kernel has no BTF";

/** Byte offset of a dotted member path ("link_create.perf_event.bpf_cookie") in a struct or union; undefined when the kernel lacks it. */
function offsetOf(btf: Btf, typeName: string, path: string): { offset: number; bit: number } | undefined {
  let id = btf.find(typeName, BtfKind.STRUCT) ?? btf.find(typeName, BtfKind.UNION);
  assert.ok(id !== undefined, typeName);
  let bits = 0;
  for (const part of path.split(".")) {
    const m = findMember(btf, id, part);
    if (m === undefined) return undefined;
    bits += m.bitOffset;
    id = m.member.type;
  }
  return { offset: Math.floor(bits / 8), bit: bits % 8 };
}

function checkTable(btf: Btf, typeName: string, table: Record<string, number>, paths: Record<string, string>): void {
  for (const [key, offset] of Object.entries(table)) {
    if (key === "size") continue;
    const path = paths[key] ?? key;
    const kernel = offsetOf(btf, typeName, path);
    assert.ok(kernel !== undefined, `${typeName}.${path} exists in this kernel`);
    assert.equal(offset, kernel.offset, `${typeName}.${path}`);
  }
}

test("bpf_attr of the attach commands equals the kernel's", { skip }, () => {
  const btf = kernelBtf();
  const lc = (p: string) => `link_create.${p}`;
  checkTable(btf, "bpf_attr", LinkCreate, {
    prog_fd: lc("prog_fd"),
    target_fd: lc("target_fd"),
    target_ifindex: lc("target_ifindex"),
    attach_type: lc("attach_type"),
    flags: lc("flags"),
    target_btf_id: lc("target_btf_id"),
    iter_info: lc("iter_info"),
    iter_info_len: lc("iter_info_len"),
    perf_event_bpf_cookie: lc("perf_event.bpf_cookie"),
    tracing_target_btf_id: lc("tracing.target_btf_id"),
    tracing_cookie: lc("tracing.cookie"),
    relative_fd: lc("tcx.relative_fd"),
    expected_revision: lc("tcx.expected_revision"),
  });
  checkTable(btf, "bpf_attr", LinkUpdate, { link_fd: "link_update.link_fd", new_prog_fd: "link_update.new_prog_fd", flags: "link_update.flags", old_prog_fd: "link_update.old_prog_fd" });
  checkTable(btf, "bpf_attr", LinkDetach, { link_fd: "link_detach.link_fd" });
  checkTable(btf, "bpf_attr", IterCreate, { link_fd: "iter_create.link_fd", flags: "iter_create.flags" });
  checkTable(btf, "bpf_attr", RawTracepointOpen, { name: "raw_tracepoint.name", prog_fd: "raw_tracepoint.prog_fd", cookie: "raw_tracepoint.cookie" });
  checkTable(btf, "bpf_attr", ProgAttach, {});
  checkTable(btf, "bpf_attr", ProgQuery, Object.fromEntries(Object.keys(ProgQuery).map((k) => [k, `query.${k}`])));
});

test("bpf_link_info members sit where link-info.ts reads them", { skip }, () => {
  const btf = kernelBtf();
  const expected: Record<string, number> = {
    type: 0,
    id: 4,
    prog_id: 8,
    "raw_tracepoint.tp_name": 16,
    "raw_tracepoint.tp_name_len": 24,
    "tracing.attach_type": 16,
    "tracing.target_obj_id": 20,
    "tracing.target_btf_id": 24,
    "cgroup.cgroup_id": 16,
    "cgroup.attach_type": 24,
    "iter.target_name": 16,
    "iter.target_name_len": 24,
    "iter.map.map_id": 28,
    "netns.netns_ino": 16,
    "netns.attach_type": 20,
    "xdp.ifindex": 16,
    "struct_ops.map_id": 16,
    "netfilter.pf": 16,
    "netfilter.priority": 24,
    "kprobe_multi.count": 24,
    "kprobe_multi.flags": 28,
    "kprobe_multi.missed": 32,
    "uprobe_multi.path": 16,
    "uprobe_multi.path_size": 48,
    "uprobe_multi.count": 52,
    "uprobe_multi.flags": 56,
    "uprobe_multi.pid": 60,
    "perf_event.type": 16,
    "perf_event.uprobe.file_name": 24,
    "perf_event.uprobe.name_len": 32,
    "perf_event.uprobe.offset": 36,
    "perf_event.uprobe.cookie": 40,
    "perf_event.kprobe.func_name": 24,
    "perf_event.kprobe.offset": 36,
    "perf_event.kprobe.addr": 40,
    "perf_event.kprobe.missed": 48,
    "perf_event.kprobe.cookie": 56,
    "perf_event.tracepoint.tp_name": 24,
    "perf_event.tracepoint.cookie": 40,
    "perf_event.event.config": 24,
    "perf_event.event.type": 32,
    "perf_event.event.cookie": 40,
    "tcx.ifindex": 16,
    "tcx.attach_type": 20,
    "netkit.ifindex": 16,
    "sockmap.map_id": 16,
    "sockmap.attach_type": 20,
  };
  for (const [path, offset] of Object.entries(expected)) {
    const kernel = offsetOf(btf, "bpf_link_info", path);
    if (kernel === undefined && /^(sockmap|netkit|uprobe_multi|kprobe_multi\.missed)/.test(path)) continue; // newer than this kernel
    assert.equal(kernel?.offset, offset, `bpf_link_info.${path}`);
  }
  const size = btf.type(btf.find("bpf_link_info", BtfKind.STRUCT)!);
  assert.ok("size" in size && size.size <= 128, "link-info.ts hands the kernel 128 bytes");
});

test("perf_event_attr and bpf_iter_link_info equal the kernel's", { skip }, () => {
  const btf = kernelBtf();
  const expected: Record<string, [number, number]> = {
    type: [0, 0],
    size: [4, 0],
    config: [8, 0],
    sample_period: [16, 0],
    sample_freq: [16, 0],
    sample_type: [24, 0],
    disabled: [40, 0],
    inherit: [40, 1],
    exclude_user: [40, 4],
    exclude_kernel: [40, 5],
    freq: [41, 2],
    wakeup_events: [48, 0],
    config1: [56, 0],
    kprobe_func: [56, 0],
    uprobe_path: [56, 0],
    config2: [64, 0],
    probe_offset: [64, 0],
    config3: [128, 0],
  };
  for (const [path, [offset, bit]] of Object.entries(expected)) {
    assert.deepEqual(offsetOf(btf, "perf_event_attr", path), { offset, bit }, `perf_event_attr.${path}`);
  }
  const iter: Record<string, number> = { "map.map_fd": 0, "cgroup.order": 0, "cgroup.cgroup_fd": 4, "cgroup.cgroup_id": 8, "task.tid": 0, "task.pid": 4, "task.pid_fd": 8 };
  for (const [path, offset] of Object.entries(iter)) assert.equal(offsetOf(btf, "bpf_iter_link_info", path)?.offset, offset, `bpf_iter_link_info.${path}`);
});
