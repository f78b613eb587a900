// Feature probes: `corebpf feature probe` equals `bpftool feature probe`
// byte for byte (plain, JSON, pretty, macros, full), so every program type,
// map type and helper verdict bpftool prints is ours too; plus the API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { featureProbeOutput } from "../../src/cli/feature.js";
import { VerifierError } from "../../src/errors.js";
import {
  BtfBlob,
  BtfHandle,
  btfProbeBlob,
  kernelVersionCode,
  miscFeatureNames,
  probeBtfFeature,
  probeHelper,
  runningKernelVersion,
  supports,
  type BtfFeatureName,
} from "../../src/kernel/index.js";
import { bpftoolSkip, kernelSkip, runBpftool } from "./support.js";

const skip = bpftoolSkip();
const base = { json: false, pretty: false, full: false, macros: false, prefix: "" };

test("JSON verdicts equal bpftool's for every program type, map type, helper and misc feature", { skip }, () => {
  const ours = JSON.parse(featureProbeOutput({ ...base, json: true })) as Record<string, Record<string, unknown>>;
  const theirs = JSON.parse(runBpftool(["-j", "feature", "probe", "kernel"])) as Record<string, Record<string, unknown>>;
  for (const section of ["program_types", "map_types", "helpers", "misc", "syscall_config", "system_config"]) {
    assert.deepEqual(ours[section], theirs[section], `section ${section}`);
  }
  assert.equal(Object.keys(theirs["program_types"]!).length, 31);
  assert.equal(Object.keys(theirs["helpers"]!).length, 31);
});

for (const [label, args, opts] of [
  ["plain", ["feature", "probe"], {}],
  ["-j", ["-j", "feature", "probe", "kernel"], { json: true }],
  ["-p", ["-p", "feature", "probe", "kernel"], { json: true, pretty: true }],
  ["macros prefix", ["feature", "probe", "kernel", "macros", "prefix", "CB_"], { macros: true, prefix: "CB_" }],
  ["full", ["feature", "probe", "kernel", "full"], { full: true }],
] as const) {
  test(`feature probe (${label}) is byte-identical to bpftool 7.1`, { skip }, () => {
    assert.equal(featureProbeOutput({ ...base, ...opts }), runBpftool(args));
  });
}

test("the helper probe gives bpftool's verdict and the accurate one", { skip: kernelSkip }, () => {
  const sysBpf = probeHelper("socket_filter", "bpf_sys_bpf")!;
  const lookup = probeHelper("xdp", "map_lookup_elem")!;
  assert.deepEqual(lookup, { bpftool: true, supported: true });
  // Kernels since 6.2 refuse with "program of this type cannot use helper", which libbpf 1.1 misses.
  if (runningKernelVersion() >= kernelVersionCode(6, 2, 0)) assert.deepEqual(sysBpf, { bpftool: true, supported: false });
  else assert.equal(sysBpf.supported, false);
  assert.equal(supports.helper("socket_filter", "bpf_sys_bpf"), false);
  assert.equal(supports.helper("syscall", "bpf_sys_bpf"), true);
  assert.equal(probeHelper("tracing", 1), undefined);
});

test("supports: program types, map types, misc features answer and are cached", { skip: kernelSkip }, () => {
  assert.equal(supports.progType("socket_filter"), true);
  assert.equal(supports.progType("xdp"), true);
  assert.equal(supports.mapType("hash"), true);
  assert.equal(supports.mapType("ringbuf"), runningKernelVersion() >= kernelVersionCode(5, 8, 0));
  for (const f of miscFeatureNames) assert.equal(typeof supports.misc(f), "boolean");
  assert.equal(supports.misc("bounded_loops"), true);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) supports.progType("xdp");
  assert.ok(process.hrtime.bigint() - t0 < 50_000_000n, "cached answers are cheap");
});

test("BTF kinds: every kind this kernel should know is accepted", { skip: kernelSkip }, () => {
  const v = runningKernelVersion();
  const since: Record<string, number> = {
    INT: kernelVersionCode(4, 18, 0),
    PTR: kernelVersionCode(4, 18, 0),
    ARRAY: kernelVersionCode(4, 18, 0),
    STRUCT: kernelVersionCode(4, 18, 0),
    UNION: kernelVersionCode(4, 18, 0),
    ENUM: kernelVersionCode(4, 18, 0),
    FWD: kernelVersionCode(4, 18, 0),
    TYPEDEF: kernelVersionCode(4, 18, 0),
    VOLATILE: kernelVersionCode(4, 18, 0),
    CONST: kernelVersionCode(4, 18, 0),
    RESTRICT: kernelVersionCode(4, 18, 0),
    FUNC: kernelVersionCode(5, 0, 0),
    FUNC_PROTO: kernelVersionCode(5, 0, 0),
    VAR: kernelVersionCode(5, 2, 0),
    DATASEC: kernelVersionCode(5, 2, 0),
    FUNC_GLOBAL: kernelVersionCode(5, 6, 0),
    FLOAT: kernelVersionCode(5, 13, 0),
    DECL_TAG: kernelVersionCode(5, 16, 0),
    TYPE_TAG: kernelVersionCode(5, 17, 0),
    ENUM64: kernelVersionCode(6, 0, 0),
  };
  for (const [kind, version] of Object.entries(since)) {
    if (v >= version) assert.equal(supports.btfKind(kind as BtfFeatureName), true, `BTF kind ${kind}`);
  }
  assert.equal(probeBtfFeature("ENUM64"), supports.btfKind("ENUM64"));
  assert.ok(btfProbeBlob("ENUM64").length > 24);
});

test("BTF the kernel rejects yields VerifierError with the BTF checker's log", { skip: kernelSkip }, () => {
  const b = new BtfBlob();
  b.type("x", 31, 0, 0); // kind 31 does not exist
  try {
    BtfHandle.load(b.bytes());
    assert.fail("the blob should be rejected");
  } catch (e) {
    assert.ok(e instanceof VerifierError, String(e));
    assert.ok(e.log.length > 0);
    assert.match(e.message, /btf: BPF_BTF_LOAD: .*EINVAL/);
  }
});

test("a loaded BTF object returns its bytes", { skip: kernelSkip }, () => {
  const b = new BtfBlob();
  b.int("int", 4, 32, true);
  const blob = b.bytes();
  using h = BtfHandle.load(blob);
  const info = h.info(true);
  assert.equal(info.btfSize, blob.length);
  assert.deepEqual(info.data, blob);
  assert.equal(info.kernelBtf, false);
  using vmlinux = BtfHandle.fromId(1);
  const k = vmlinux.info();
  assert.equal(k.kernelBtf, true);
  assert.equal(k.name, "vmlinux");
});
