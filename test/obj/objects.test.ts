// Every committed object modelled as its source says (bpf/test/README.md):
// programs with their section semantics, maps, global variables, externs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MapFlag, MapType, type ObjectSpec, type ProgramSpec, SecFlag, attachTypeName, mapTypeName, progTypeName } from "../../src/obj/index.js";
import { committedObjects, model } from "./support.js";

const VarLinkageName = ["static", "global", "extern"];

type Row = [name: string, section: string, type: string, attach: string, target: string | undefined, autoload: boolean, subprograms: string[]];

function row(p: ProgramSpec): Row {
  const attachable = p.expectedAttachType !== 0 || ((p.sectionInfo?.flags ?? 0) & (SecFlag.ATTACHABLE | SecFlag.EXP_ATTACH_OPT)) !== 0;
  return [p.name, p.section, progTypeName(p.type), attachable ? attachTypeName(p.expectedAttachType) : "-", p.attachTarget, p.autoload, p.functions.slice(1).map((f) => f.name)];
}

const programs: Record<string, Row[]> = {
  minimal: [["minimal", "socket", "socket_filter", "-", undefined, true, []]],
  maps: [
    ["tail_first", "socket", "socket_filter", "-", undefined, true, []],
    ["tail_second", "socket", "socket_filter", "-", undefined, true, []],
    ["use_basic_maps", "socket", "socket_filter", "-", undefined, true, []],
    ["use_map_in_map", "socket", "socket_filter", "-", undefined, true, []],
    ["use_event_maps", "tracepoint/sched/sched_process_fork", "tracepoint", "-", "sched/sched_process_fork", true, []],
    ["use_task_storage", "tp_btf/sched_switch", "tracing", "trace_raw_tp", "sched_switch", true, []],
    ["use_sk_storage", "sockops", "sock_ops", "cgroup_sock_ops", undefined, true, []],
  ],
  maps_more: [
    ["xdp_redirects", "xdp", "xdp", "xdp", undefined, true, []],
    ["msg_redirect", "sk_msg", "sk_msg", "sk_msg_verdict", undefined, true, []],
    ["select_socket", "sk_reuseport", "sk_reuseport", "sk_reuseport_select", undefined, true, []],
    ["tc_under_cgroup", "tc", "sched_cls", "-", undefined, true, []],
    ["count_ingress", "cgroup_skb/ingress", "cgroup_skb", "cgroup_inet_ingress", undefined, true, []],
    ["count_egress_per_cpu", "cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", undefined, true, []],
    ["drain_user_events", "syscall", "syscall", "-", undefined, true, ["add_sample"]],
    ["arena_roundtrip", "syscall", "syscall", "-", undefined, true, []],
  ],
  progs_net: [
    ["sock_keep_all", "socket", "socket_filter", "-", undefined, true, []],
    ["sock_drop_all", "socket", "socket_filter", "-", undefined, true, []],
    ["xdp_pass_eth", "xdp", "xdp", "xdp", undefined, true, []],
    ["xdp_bounce", "xdp", "xdp", "xdp", undefined, true, []],
    ["xdp_frags_len", "xdp.frags", "xdp", "xdp", undefined, true, []],
    ["tc_drop_ipv4", "tc", "sched_cls", "-", undefined, true, []],
    ["cls_mark", "classifier", "sched_cls", "-", undefined, true, []],
    ["cgskb_ingress", "cgroup_skb/ingress", "cgroup_skb", "cgroup_inet_ingress", undefined, true, []],
    ["cgskb_egress", "cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", undefined, true, []],
    ["sock_create_no_raw", "cgroup/sock_create", "cgroup_sock", "cgroup_inet_sock_create", undefined, true, []],
    ["connect4_rewrite", "cgroup/connect4", "cgroup_sock_addr", "cgroup_inet4_connect", undefined, true, []],
    ["msg_redirect", "sk_msg", "sk_msg", "sk_msg_verdict", undefined, true, []],
    ["skb_parser", "sk_skb/stream_parser", "sk_skb", "sk_skb_stream_parser", undefined, true, []],
    ["skb_verdict", "sk_skb/stream_verdict", "sk_skb", "sk_skb_stream_verdict", undefined, true, []],
    ["dissect_ipv4", "flow_dissector", "flow_dissector", "flow_dissector", undefined, true, []],
    ["lookup_pass", "sk_lookup", "sk_lookup", "sk_lookup", undefined, true, []],
  ],
  progs_trace: [
    ["trace_execve", "tracepoint/syscalls/sys_enter_execve", "tracepoint", "-", "syscalls/sys_enter_execve", true, []],
    ["exec_pid", "tp/sched/sched_process_exec", "tracepoint", "-", "sched/sched_process_exec", true, []],
    ["exec_old_pid", "tp/sched/sched_process_exec", "tracepoint", "-", "sched/sched_process_exec", true, []],
    ["raw_switch", "raw_tp/sched_switch", "raw_tracepoint", "-", "sched_switch", true, []],
    ["raw_sys_enter", "raw_tracepoint/sys_enter", "raw_tracepoint", "-", "sys_enter", true, []],
    ["raw_writable", "raw_tracepoint.w/nbd_send_request", "raw_tracepoint_writable", "-", "nbd_send_request", true, []],
    ["btf_fork", "tp_btf/sched_process_fork", "tracing", "trace_raw_tp", "sched_process_fork", true, []],
    ["btf_switch", "tp_btf/sched_switch", "tracing", "trace_raw_tp", "sched_switch", true, []],
    ["kprobe_nanosleep", "kprobe/do_nanosleep", "kprobe", "-", "do_nanosleep", true, []],
    ["kretprobe_nanosleep", "kretprobe/do_nanosleep", "kprobe", "-", "do_nanosleep", true, []],
    ["kprobe_multi_nanosleep", "kprobe.multi/do_nanosleep*", "kprobe", "trace_kprobe_multi", "do_nanosleep*", true, []],
    ["ksyscall_nanosleep", "ksyscall/nanosleep", "kprobe", "-", "nanosleep", true, []],
    ["uprobe_manual", "uprobe", "kprobe", "-", undefined, true, []],
    ["uprobe_self", "uprobe//proc/self/exe:corebpf_test_target", "kprobe", "-", "/proc/self/exe:corebpf_test_target", true, []],
    ["uprobe_offset", "uprobe/libc.so.6:malloc+0x4", "kprobe", "-", "libc.so.6:malloc+0x4", true, []],
    ["uretprobe_malloc", "uretprobe/libc.so.6:malloc", "kprobe", "-", "libc.so.6:malloc", true, []],
    ["uprobe_sleepable", "uprobe.s//proc/self/exe:corebpf_test_target", "kprobe", "-", "/proc/self/exe:corebpf_test_target", true, []],
    ["usdt_setjmp", "usdt/libc.so.6:libc:setjmp", "kprobe", "-", "libc.so.6:libc:setjmp", true, ["bpf_usdt_arg"]],
    ["iter_tasks", "iter/task", "tracing", "trace_iter", "task", true, []],
    ["on_sample", "perf_event", "perf_event", "-", undefined, true, []],
    ["add_and_multiply", "syscall", "syscall", "-", undefined, true, []],
    ["not_autoloaded", "tp/syscalls/sys_enter_getpid", "tracepoint", "-", "syscalls/sys_enter_getpid", false, []],
  ],
  progs_trampoline: [
    ["fentry_test1", "fentry/bpf_fentry_test1", "tracing", "trace_fentry", "bpf_fentry_test1", true, []],
    ["fexit_test2", "fexit/bpf_fentry_test2", "tracing", "trace_fexit", "bpf_fentry_test2", true, []],
    ["fmod_ret_test", "fmod_ret/bpf_modify_return_test", "tracing", "modify_return", "bpf_modify_return_test", true, []],
    ["fentry_sleepable", "fentry.s/__x64_sys_nanosleep", "tracing", "trace_fentry", "__x64_sys_nanosleep", true, []],
    ["lsm_unlink", "lsm/inode_unlink", "lsm", "lsm_mac", "inode_unlink", true, []],
    ["lsm_sleepable_exec", "lsm.s/bprm_committed_creds", "lsm", "lsm_mac", "bprm_committed_creds", true, []],
    ["lsm_cgroup_bind", "lsm_cgroup/socket_bind", "lsm", "lsm_cgroup", "socket_bind", true, []],
    ["corebpf_ssthresh", "struct_ops/corebpf_ssthresh", "struct_ops", "-", "corebpf_ssthresh", true, []],
    ["corebpf_cong_avoid", "struct_ops/corebpf_cong_avoid", "struct_ops", "-", "corebpf_cong_avoid", true, []],
    ["corebpf_undo_cwnd", "struct_ops/corebpf_undo_cwnd", "struct_ops", "-", "corebpf_undo_cwnd", true, []],
  ],
  progs_newsec: [
    ["tcx_in", "tcx/ingress", "sched_cls", "tcx_ingress", undefined, true, []],
    ["tcx_out", "tcx/egress", "sched_cls", "tcx_egress", undefined, true, []],
    ["tc_in", "tc/ingress", "sched_cls", "tcx_ingress", undefined, true, []],
    ["tc_out", "tc/egress", "sched_cls", "tcx_egress", undefined, true, []],
    ["netkit_primary", "netkit/primary", "sched_cls", "netkit_primary", undefined, true, []],
    ["netkit_peer", "netkit/peer", "sched_cls", "netkit_peer", undefined, true, []],
    ["uprobe_multi", "uprobe.multi//proc/self/exe:corebpf_test_*", "kprobe", "trace_uprobe_multi", "/proc/self/exe:corebpf_test_*", true, []],
    ["uretprobe_multi", "uretprobe.multi/libc.so.6:str*", "kprobe", "trace_uprobe_multi", "libc.so.6:str*", true, []],
    ["uprobe_multi_sleepable", "uprobe.multi.s//proc/self/exe:corebpf_test_target", "kprobe", "trace_uprobe_multi", "/proc/self/exe:corebpf_test_target", true, []],
    ["kprobe_session", "kprobe.session/do_nanosleep", "kprobe", "trace_kprobe_session", "do_nanosleep", true, []],
    ["uprobe_session", "uprobe.session//proc/self/exe:corebpf_test_target", "kprobe", "trace_uprobe_session", "/proc/self/exe:corebpf_test_target", true, []],
    ["nf_accept", "netfilter", "netfilter", "netfilter", undefined, true, []],
    ["connect_unix", "cgroup/connect_unix", "cgroup_sock_addr", "cgroup_unix_connect", undefined, true, []],
  ],
  subprogs: [
    ["calls_nested", "socket", "socket_filter", "-", undefined, true, ["sum_squares", "square", "global_add"]],
    ["calls_loop", "socket", "socket_filter", "-", undefined, true, ["add_index", "square"]],
    ["calls_for_each", "socket", "socket_filter", "-", undefined, true, ["fill_table", "add_value", "square", "global_len"]],
    ["calls_everything", "socket", "socket_filter", "-", undefined, true, ["add_index", "sum_squares", "square", "global_add"]],
  ],
  globals: [
    ["read_and_write_globals", "socket", "socket_filter", "-", undefined, true, []],
    ["copy_structs", "syscall", "syscall", "-", undefined, true, []],
  ],
  externs: [
    ["read_kconfig", "syscall", "syscall", "-", undefined, true, []],
    ["read_ksyms", "syscall", "syscall", "-", undefined, true, []],
    ["use_kfuncs", "syscall", "syscall", "-", undefined, true, []],
    ["read_percpu_ksyms", "syscall", "syscall", "-", undefined, false, []],
    ["kfunc_switch", "tp_btf/sched_switch", "tracing", "trace_raw_tp", "sched_switch", true, []],
  ],
  verifier_reject: [
    ["accept_ok", "socket", "socket_filter", "-", undefined, true, []],
    ["reject_out_of_bounds", "socket", "socket_filter", "-", undefined, true, []],
    ["reject_null_deref", "socket", "socket_filter", "-", undefined, false, []],
  ],
  core_target: [],
  arena: [["arena_sum", "syscall", "syscall", "-", undefined, true, []]],
};

for (const [name, rows] of Object.entries(programs)) {
  test(`${name}: programs, sections, types, attach types and targets, subprograms`, () => {
    for (const rel of [`bpf/test/${name}.bpf.o`, `bpf/test/${name}.bpfeb.o`]) assert.deepEqual(model(rel).programs.map(row), rows, rel);
  });
}

test("load flags implied by section names: sleepable .s forms, xdp.frags", () => {
  const flags = (obj: ObjectSpec) => Object.fromEntries(obj.programs.filter((p) => p.progFlags !== 0).map((p) => [p.name, p.progFlags]));
  assert.deepEqual(flags(model("bpf/test/progs_net.bpf.o")), { xdp_frags_len: 1 << 5 });
  assert.deepEqual(flags(model("bpf/test/progs_trace.bpf.o")), { uprobe_sleepable: 1 << 4, add_and_multiply: 1 << 4 });
  assert.deepEqual(flags(model("bpf/test/progs_trampoline.bpf.o")), { fentry_sleepable: 1 << 4, lsm_sleepable_exec: 1 << 4 });
  assert.deepEqual(flags(model("bpf/test/progs_newsec.bpf.o")), { uprobe_multi_sleepable: 1 << 4 });
});

test("license and kernel version", () => {
  assert.equal(model("bpf/test/progs_net.bpf.o").license, "Dual BSD/GPL");
  assert.equal(model("bpf/test/minimal.bpf.o").license, "GPL");
  assert.equal(model("bpf/test/progs_trace.bpf.o").kernelVersion, 0x060c00);
  assert.equal(model("bpf/test/progs_trace.bpfeb.o").kernelVersion, 0x060c00);
  assert.equal(model("bpf/test/minimal.bpf.o").kernelVersion, undefined);
});

type MapRow = [name: string, type: string, key: number, value: number, maxEntries: number, flags: number, extra?: Record<string, unknown>];

const mapRow = (obj: ObjectSpec) => (m: ObjectSpec["maps"][number]): MapRow => {
  const extra: Record<string, unknown> = {};
  if (m.pinning) extra.pinning = m.pinning;
  if (m.numaNode) extra.numaNode = m.numaNode;
  if (m.mapExtra) extra.mapExtra = m.mapExtra;
  if (m.inner) extra.inner = mapRow(obj)(m.inner);
  if (m.slots.length) extra.slots = m.slots.map((s) => `${s.index}=${s.program ?? s.map}`);
  if (m.keyTypeId && obj.btf) extra.key = obj.btf.name(m.keyTypeId);
  if (m.valueTypeId && obj.btf && m.kind === "btf") extra.value = obj.btf.name(m.valueTypeId);
  return Object.keys(extra).length ? [m.name, mapTypeName(m.type), m.keySize, m.valueSize, m.maxEntries, m.flags, extra] : [m.name, mapTypeName(m.type), m.keySize, m.valueSize, m.maxEntries, m.flags];
};

test("maps: every common map kind with its attributes, inner maps and initial slots", () => {
  const { NO_PREALLOC, NUMA_NODE, MMAPABLE, NO_COMMON_LRU } = MapFlag;
  for (const rel of ["bpf/test/maps.bpf.o", "bpf/test/maps.bpfeb.o"]) {
    const obj = model(rel);
    assert.deepEqual(obj.maps.map(mapRow(obj)), [
      ["jump_table", "prog_array", 4, 4, 4, 0, { slots: ["0=tail_first", "2=tail_second"] }],
      ["inner_a", "array", 4, 4, 2, 0, { key: "__u32", value: "__u32" }],
      ["inner_b", "array", 4, 4, 2, 0, { key: "__u32", value: "__u32" }],
      ["outer_array", "array_of_maps", 4, 4, 3, 0, { inner: ["outer_array.inner", "array", 4, 4, 2, 0, { key: "__u32", value: "__u32" }], slots: ["0=inner_a", "1=inner_b"], key: "__u32" }],
      ["inner_h", "hash", 4, 8, 4, 0, { key: "__u32", value: "__u64" }],
      ["outer_hash", "hash_of_maps", 4, 4, 8, 0, { inner: ["outer_hash.inner", "hash", 4, 8, 8, 0, { key: "__u32", value: "__u64" }], slots: ["1=inner_h"], key: "__u32" }],
      ["flows", "hash", 16, 16, 1024, NO_PREALLOC | NUMA_NODE, { key: "pkt_key", value: "pkt_stats" }],
      ["counters", "array", 4, 8, 16, MMAPABLE],
      ["pcpu_hash", "percpu_hash", 4, 8, 128, 0, { key: "__u32", value: "__u64" }],
      ["pcpu_array", "percpu_array", 4, 16, 4, 0, { key: "__u32", value: "pkt_stats" }],
      ["routes", "lpm_trie", 8, 4, 64, NO_PREALLOC, { key: "ipv4_lpm_key", value: "__u32" }],
      ["fifo", "queue", 0, 4, 32, 0, { value: "__u32" }],
      ["lifo", "stack", 0, 8, 32, 0, { value: "__u64" }],
      ["seen", "bloom_filter", 0, 4, 100, 0, { mapExtra: 3n, value: "__u32" }],
      ["lru_pinned", "lru_hash", 4, 8, 256, NO_COMMON_LRU, { pinning: 1, key: "__u32", value: "__u64" }],
      ["lru_pcpu", "lru_percpu_hash", 4, 8, 256, 0, { key: "__u32", value: "__u64" }],
      ["stacks", "stack_trace", 4, 127 * 8, 128, 0],
      ["events", "ringbuf", 0, 0, 4096, 0],
      ["perf_events", "perf_event_array", 4, 4, 0, 0],
      ["sk_store", "sk_storage", 4, 16, 0, NO_PREALLOC, { key: "int", value: "sk_info" }],
      ["task_store", "task_storage", 4, 8, 0, NO_PREALLOC, { key: "int", value: "__u64" }],
      ["cgrp_store", "cgrp_storage", 4, 8, 0, NO_PREALLOC, { key: "int", value: "__u64" }],
    ], rel);
  }
});

test("maps_more: redirect, socket, cgroup, user ring buffer and arena maps with their attributes", () => {
  const { NUMA_NODE, MMAPABLE } = MapFlag;
  for (const rel of ["bpf/test/maps_more.bpf.o", "bpf/test/maps_more.bpfeb.o"]) {
    const obj = model(rel);
    assert.deepEqual(obj.maps.map(mapRow(obj)), [
      ["xsks", "xskmap", 4, 4, 16, 0],
      ["cpus", "cpumap", 4, 8, 4, 0, { key: "__u32", value: "bpf_cpumap_val" }],
      ["tx_by_ifindex", "devmap_hash", 4, 4, 32, NUMA_NODE, { key: "__u32", value: "__u32" }],
      ["tx_ports", "devmap", 4, 8, 8, 0, { key: "__u32", value: "bpf_devmap_val" }],
      ["sock_hash", "sockhash", 16, 8, 64, 0, { key: "sock_key", value: "__u64" }],
      ["reuse_socks", "reuseport_sockarray", 4, 4, 4, 0, { key: "__u32", value: "__u32" }],
      ["cgroups", "cgroup_array", 4, 4, 2, 0],
      ["cg_storage", "cgroup_storage", 16, 16, 0, 0, { key: "bpf_cgroup_storage_key", value: "cg_counts" }],
      ["cg_pcpu_storage", "percpu_cgroup_storage", 8, 8, 0, 0, { key: "__u64", value: "__u64" }],
      ["user_events", "user_ringbuf", 0, 0, 8192, 0],
      ["arena", "arena", 0, 0, 4, MMAPABLE, { mapExtra: 1n << 44n }],
      ["maps_mor.bss", "array", 4, 8, 1, MMAPABLE],
    ], rel);
  }
});

test("arena: __arena variables (.addr_space.1) are the arena map's initial data, and their loads map-value loads of it", () => {
  for (const rel of ["bpf/test/arena.bpf.o", "bpf/test/arena.bpfeb.o"]) {
    const obj = model(rel);
    assert.deepEqual(obj.maps.map(mapRow(obj)), [["arena", "arena", 0, 0, 16, MapFlag.MMAPABLE]], rel);
    const arena = obj.map("arena")!;
    assert.deepEqual(arena.variables.map((v) => `${v.name}@${v.offset}:${v.size} ${VarLinkageName[v.linkage]}`), ["arena_base@0:4 global", "arena_scale@8:8 global", "arena_page@16:8 global", "arena_runs@24:4 global"]);
    // arena_base = 1000 and arena_scale = 3 in the object's byte order, the rest zero.
    const data = new DataView(arena.data!.buffer, arena.data!.byteOffset, arena.data!.byteLength);
    assert.equal(arena.data!.length, 28);
    assert.deepEqual([data.getInt32(0, obj.littleEndian), data.getBigUint64(8, obj.littleEndian), data.getBigUint64(16, obj.littleEndian), data.getUint32(24, obj.littleEndian)], [1000, 3n, 0n, 0]);
    const p = obj.program("arena_sum")!;
    const loads = p.relocations.flatMap((r) => (r.kind === "data" ? [`${obj.maps[r.map]!.name}+${r.offset}`] : []));
    assert.deepEqual(loads.sort(), ["arena+0", "arena+16", "arena+24", "arena+8"]);
    // Pseudo form: BPF_PSEUDO_MAP_VALUE, fd 0, the offset into the arena data in the second imm.
    for (const r of p.relocations) {
      if (r.kind !== "data") continue;
      assert.deepEqual([p.insns.src(r.insn), p.insns.imm(r.insn), p.insns.imm(r.insn + 1)], [2, 0, r.offset]);
    }
  }
});

test("every map kind of the uapi is defined by some committed object, but the two newer than the build kernel", () => {
  const defined = new Set(committedObjects.filter((p) => p.endsWith(".bpf.o")).flatMap((p) => model(p).maps.flatMap((m) => [m.type, ...(m.inner ? [m.inner.type] : [])])));
  const kinds = Object.entries(MapType).filter(([, v]) => v !== MapType.UNSPEC);
  // INSN_ARRAY and RHASH came after Linux 6.18, on which every object must load.
  assert.deepEqual(kinds.filter(([, v]) => !defined.has(v)).map(([k]) => k), ["INSN_ARRAY", "RHASH"]);
});

test("global data: maps named as libbpf names them, with their DATASEC and variables", () => {
  const vars = (obj: ObjectSpec, section: string) =>
    obj.map(section)!.variables.map((v) => `${v.name}@${v.offset}:${v.size}${v.hidden ? " hidden" : ""} ${VarLinkageName[v.linkage]}`);
  for (const rel of ["bpf/test/globals.bpf.o", "bpf/test/globals.bpfeb.o"]) {
    const obj = model(rel);
    assert.deepEqual(obj.maps.map((m) => [m.name, m.kind, m.section, m.valueSize, m.flags]), [
      ["globals.rodata", "rodata", ".rodata", 62, MapFlag.RDONLY_PROG | MapFlag.MMAPABLE],
      ["globals.data", "data", ".data", 72, MapFlag.MMAPABLE],
      [".data.foo", "data", ".data.foo", 24, MapFlag.MMAPABLE],
      [".rodata.bar", "rodata", ".rodata.bar", 8, MapFlag.RDONLY_PROG | MapFlag.MMAPABLE],
      ["globals.bss", "bss", ".bss", 56, MapFlag.MMAPABLE],
    ]);
    assert.deepEqual(vars(obj, ".rodata"), ["rodata_multiplier@0:4 global", "rodata_verbose@4:1 global", "rodata_name@5:8 global", "rodata_config@16:24 global", "read_and_write_globals.____fmt@40:22 static"]);
    assert.deepEqual(vars(obj, ".data"), ["data_seed@0:4 global", "data_array@8:32 global", "data_config@40:24 global", "data_hidden@64:4 hidden static", "data_static_counter@68:4 static"]);
    assert.deepEqual(vars(obj, ".bss"), ["bss_runs@0:8 global", "bss_result@8:8 global", "bss_name@16:8 global", "bss_static_total@24:8 static", "bss_config@32:24 global"]);
    assert.deepEqual(vars(obj, ".data.foo"), ["foo_hits@0:4 global", "foo_table@8:16 global"]);
    assert.deepEqual(vars(obj, ".rodata.bar"), ["bar_limit@0:4 global", "bar_ports@4:4 global"]);
    // Initial values: .data.foo's foo_hits = 7, .rodata.bar's bar_limit = 42 (in the object's byte order); .bss has none.
    const u32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, obj.littleEndian);
    assert.equal(u32(obj.map(".data.foo")!.data!), 7);
    assert.equal(u32(obj.map(".rodata.bar")!.data!), 42);
    assert.equal(obj.map(".bss")!.data, undefined);
    // DATASEC fix-ups a loader applies before BTF_LOAD: sizes from the sections, offsets from the symbols.
    assert.deepEqual(Object.fromEntries([...obj.datasecs.values()].map((d) => [d.name, d.size])), { ".rodata": 62, ".data": 72, ".data.foo": 24, ".rodata.bar": 8, ".bss": 56, license: 4 });
  }
});

test("internal map names follow libbpf's truncation (8 object chars + section, 7 before .kconfig)", () => {
  assert.deepEqual(model("bpf/test/progs_trace.bpf.o").maps.map((m) => m.name), ["__bpf_usdt_specs", "__bpf_usdt_ip_to_spec_id", "progs_tr.bss", "progs_tr.rodata", "progs_t.kconfig"]);
  assert.deepEqual(model("bpf/test/asm-ops.bpf.o").maps.map((m) => m.name), ["counts", "jumps", "asm_ops.data", "asm_ops.rodata", "asm_ops.bss"]);
});

test("externs: kconfig laid out in the .kconfig map as libbpf lays it out, ksyms typed and untyped, kfuncs, weak", () => {
  for (const rel of ["bpf/test/externs.bpf.o", "bpf/test/externs.bpfeb.o"]) {
    const obj = model(rel);
    const kconfig = obj.externs.filter((e) => e.kind === "kconfig").map((e) => `${e.name} ${e.kconfig!.type}${e.kconfig!.signed ? " signed" : ""} ${e.kconfig!.size}@${e.kconfig!.offset}${e.weak ? " weak" : ""}`);
    assert.deepEqual(kconfig, [
      "CONFIG_PHYSICAL_START int 8@0",
      "CONFIG_BPF_SYSCALL tristate 4@8",
      "CONFIG_COREBPF_ABSENT_INT int signed 4@12 weak",
      "CONFIG_COREBPF_ABSENT_TRISTATE tristate 4@16 weak",
      "CONFIG_HZ int signed 4@20",
      "LINUX_KERNEL_VERSION int 4@24",
      "CONFIG_NR_CPUS int 2@28",
      "CONFIG_BPF_JIT bool 1@30",
      "CONFIG_COREBPF_ABSENT_BOOL bool 1@31 weak",
      "CONFIG_KPROBES bool 1@32 weak",
      "CONFIG_NET char signed 1@33",
      "LINUX_HAS_BPF_COOKIE bool 1@34",
      "LINUX_HAS_SYSCALL_WRAPPER bool 1@35",
      "CONFIG_COREBPF_ABSENT_STRING char_array 8@36 weak",
      "CONFIG_LOCALVERSION char_array 16@44",
    ]);
    const ksyms = obj.externs.filter((e) => e.kind === "ksym").map((e) => `${e.name} ${e.ksym!.func ? "kfunc" : e.ksym!.typeId === 0 ? "untyped" : `typed ${obj.btf!.name(e.ksym!.typeId)}`}${e.weak ? " weak" : ""}`);
    assert.deepEqual(ksyms, [
      "_stext untyped",
      "bpf_prog_active typed int",
      "bpf_prog_fops untyped weak",
      "bpf_rcu_read_lock kfunc",
      "bpf_rcu_read_unlock kfunc",
      "bpf_task_acquire kfunc",
      "bpf_task_from_pid kfunc",
      "bpf_task_release kfunc",
      "corebpf_absent_kfunc kfunc weak",
      "corebpf_absent_ksym typed int weak",
      "runqueues typed rq",
    ]);
    const kmap = obj.map(".kconfig")!;
    assert.equal(kmap.name, "externs.kconfig");
    assert.equal(kmap.valueSize, 60);
    assert.equal(kmap.flags, MapFlag.RDONLY_PROG | MapFlag.MMAPABLE);
    // Each extern reference is a relocation naming its extern; kconfig ones point into the .kconfig map.
    const use = obj.program("use_kfuncs")!.relocations.filter((r) => r.kind === "kfunc" || r.kind === "ksym").map((r) => `${r.kind} ${obj.externs[(r as { extern: number }).extern]!.name}`);
    assert.deepEqual(use, ["kfunc bpf_task_from_pid", "kfunc bpf_task_release", "ksym corebpf_absent_kfunc", "kfunc corebpf_absent_kfunc"]);
    const hz = obj.program("read_kconfig")!.relocations.find((r) => r.kind === "kconfig" && obj.externs[r.extern]!.name === "CONFIG_HZ");
    assert.ok(hz?.kind === "kconfig" && hz.offset === 20 && obj.maps[hz.map] === kmap);
  }
});

test("struct_ops: the map, its struct and the programs bound to its members", () => {
  for (const rel of ["bpf/test/progs_trampoline.bpf.o", "bpf/test/progs_trampoline.bpfeb.o"]) {
    const obj = model(rel);
    const m = obj.map("corebpf_cc")!;
    assert.equal(mapTypeName(m.type), "struct_ops");
    assert.equal(obj.btf!.name(m.valueTypeId), "tcp_congestion_ops");
    assert.equal(m.valueSize, obj.btf!.sizeOrType(m.valueTypeId));
    assert.equal(m.data!.length, m.valueSize);
    assert.deepEqual(m.structOps!.map((s) => `${s.member}=${s.program}`).sort(), ["cong_avoid=corebpf_cong_avoid", "ssthresh=corebpf_ssthresh", "undo_cwnd=corebpf_undo_cwnd"]);
    // The name member holds "corebpf_cc" in the initial value.
    assert.ok(new TextDecoder().decode(m.data).includes("corebpf_cc"));
  }
});

test("programs reference maps and globals through relocations naming them", () => {
  const obj = model("bpf/test/subprogs.bpf.o");
  const p = obj.program("calls_for_each")!;
  const named = p.relocations.map((r) => (r.kind === "map" || r.kind === "data" ? `${r.kind} ${obj.maps[r.map]!.name}` : `${r.kind} ${"target" in r ? r.target : ""}`));
  assert.ok(named.includes("map table"));
  assert.ok(named.includes("data subprogs.bss"));
  assert.ok(named.includes("callback add_value"));
  assert.ok(named.includes("call square"));
  // Every call in the linked program lands on the start of the function it names.
  for (const r of p.relocations) {
    if (r.kind !== "call" && r.kind !== "callback") continue;
    const target = p.functions.find((f) => f.name === r.target)!;
    assert.equal(r.insn + p.insns.imm(r.insn) + 1, target.start, `${r.kind} at ${r.insn}`);
  }
});

test("every committed object parses, each program's line_info and func_info start at instruction 0 of each function", () => {
  for (const rel of committedObjects) {
    const obj = model(rel);
    for (const p of obj.programs) {
      if (p.funcInfo.length === 0) continue;
      assert.deepEqual(p.funcInfo.map((f) => f.insn), p.functions.map((f) => f.start), `${rel} ${p.name}`);
      assert.equal(p.lineInfo[0]!.insn, 0);
    }
  }
});
