// How `corebpf run` finds a record's type and prints records: pure tests on
// the test object's BTF and on small hand-built BTF, no kernel needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BtfBuilder, IntEncoding } from "../../src/btf/index.js";
import { parseRunArgs, resolveObjectPath } from "../../src/cli/run.js";
import { PlainPrinter, eventJson, jsonValue, lostJson } from "../../src/cli/run-format.js";
import { UsageError } from "../../src/errors.js";
import { btfDecoder } from "../../src/events/decode.js";
import { chooseRecordType, kernelTypeIds, preferredRecordNames, RecordTypes } from "../../src/events/run-records.js";
import type { EventStream, RunEvent } from "../../src/events/run-object.js";
import { openObject } from "../../src/kernel/loader/object.js";
import { repoRoot } from "../support/paths.js";

const spec = openObject(join(repoRoot, "bpf", "test", "run_events.bpf.o")).spec;
const btf = spec.btf!;
const roots = kernelTypeIds(btf, spec.programs);

test("record types by size in the object's BTF: ring buffer lengths exact, perf buffer lengths padded", () => {
  assert.equal(chooseRecordType(btf, "exec_events", 32, "exact", { ids: roots })?.name, "struct exec_event");
  assert.equal(chooseRecordType(btf, "fork_events", 24, "exact", { ids: roots })?.name, "struct fork_sample");
  assert.equal(chooseRecordType(btf, "fork_events", 28, "padded", { ids: roots })?.name, "struct fork_sample");
  assert.equal(chooseRecordType(btf, "fork_events", 28, "exact", { ids: roots })?.name, undefined);
  assert.equal(chooseRecordType(btf, "x", 3, "exact", { ids: roots }), undefined);
  // A kernel struct of the same name and size is never a record.
  assert.equal(chooseRecordType(btf, "exec_events", 32, "exact", { ids: roots, kernelStruct: () => true }), undefined);
  // Kernel types (task_struct and what it reaches) are left out.
  assert.ok(roots.size > 0);
  for (const id of roots) assert.notEqual(chooseRecordType(btf, "m", btf.sizeOrType(id), "exact", { ids: roots })?.id, id);
});

test("record types: names like <map>_event, the map's singular, event, data_t win among same-size structs", () => {
  const b = new BtfBuilder();
  const u32 = b.addInt("unsigned int", 4);
  const char = b.addInt("char", 1, IntEncoding.CHAR);
  const u32x = (name: string) => b.addStruct(name, 8, [
    { name: "a", type: u32, bitOffset: 0 },
    { name: "b", type: u32, bitOffset: 32 },
  ]);
  u32x("other");
  u32x("event");
  u32x("sample_event");
  u32x("sample");
  const anon = b.addStruct("", 8, [{ name: "x", type: b.addArray(char, u32, 8), bitOffset: 0 }]);
  b.addTypedef("data_t", anon);
  const t = b.build();
  assert.deepEqual(preferredRecordNames("samples").slice(0, 3), ["samples_event", "sample_event", "sample"]);
  assert.equal(chooseRecordType(t, "samples", 8, "exact")?.name, "struct sample_event");
  assert.equal(chooseRecordType(t, "rb", 8, "exact")?.name, "struct event");
  const choice = chooseRecordType(t, "data", 8, "exact")!;
  assert.equal(choice.name, "data_t");
  assert.deepEqual(btfDecoder(t, choice.id)(new DataView(new TextEncoder().encode("hi\0\0\0\0\0\0").buffer), 0, 8), { x: "hi" });
});

test("RecordTypes: one choice per length; a user's type that does not fit gives hex", () => {
  const types = new RecordTypes(btf, "fork_events", "padded", { ids: roots }, undefined);
  const a = types.lookup(28);
  assert.equal(a?.choice.name, "struct fork_sample");
  assert.equal(types.lookup(28), a);
  assert.equal(types.lookup(4), null);
  const user = new RecordTypes(btf, "fork_events", "padded", {}, "struct exec_event").lookup(28)!;
  assert.equal(user.choice.by, "user");
  assert.throws(() => user.decode(new DataView(new ArrayBuffer(28)), 0, 28), /RECORD_TOO_SHORT|short/i);
  assert.equal(new RecordTypes(undefined, "m", "exact", {}, undefined).lookup(8), null);
});

const stream: EventStream = { map: "events", kind: "ringbuf", id: 7 };

test("NDJSON: fixed field order, 64-bit integers exact, bytes as hex", () => {
  assert.equal(jsonValue({ a: 2n ** 64n - 1n, b: new Uint8Array([1, 0xab]), c: [1, "x"], d: true, e: NaN }), '{"a":18446744073709551615,"b":"01ab","c":[1,"x"],"d":true,"e":null}');
  const choice = { id: 1, name: "struct event", by: "size" as const, alternatives: [] };
  const e: RunEvent = { type: "event", stream, cpu: 0, size: 8, recordType: choice, value: { pid: 1, comm: "sh" }, bytes: undefined };
  assert.equal(eventJson(e), '{"type":"event","map":"events","size":8,"record_type":"struct event","data":{"pid":1,"comm":"sh"}}\n');
  const raw: RunEvent = { type: "event", stream: { map: "p", kind: "perf", id: 8 }, cpu: 1, size: 2, recordType: undefined, value: undefined, bytes: new Uint8Array([0xde, 0xad]) };
  assert.equal(eventJson(raw), '{"type":"event","map":"p","cpu":1,"size":2,"record_type":null,"hex":"dead"}\n');
  assert.equal(lostJson({ type: "lost", stream: raw.stream, cpu: 1, count: 5 }), '{"type":"lost","map":"p","cpu":1,"count":5}\n');
});

test("plain lines: a header per stream and type, columns as wide as the BTF fields", () => {
  const id = btf.find("exec_event")!;
  const choice = { id, name: "struct exec_event", by: "size" as const, alternatives: [] };
  const p = new PlainPrinter(btf, [stream]);
  const ev = (pid: number, comm: string): RunEvent => ({ type: "event", stream, cpu: 0, size: 32, recordType: choice, value: { pid, ppid: 1, seq: 3n, comm }, bytes: undefined });
  assert.equal(p.event(ev(42, "true")), "PID     PPID    SEQ          COMM\n42      1       3            true\n");
  assert.equal(p.event(ev(7, "")), "7       1       3            -\n");
  const two = new PlainPrinter(btf, [stream, { map: "fork_events", kind: "perf", id: 9 }]);
  assert.equal(two.event(ev(1, "sh")).split("\n")[1], "events      1       1       3            sh");
  assert.equal(two.event({ ...ev(1, "x"), size: 2, recordType: undefined, value: undefined, bytes: new Uint8Array([1, 2]) }), "events      2 bytes: 0102\n");
});

test("corebpf run arguments: the bundled execsnoop by default, usage errors", () => {
  const ctx = { json: false, pretty: false, debug: false, baseBtf: undefined };
  const a = parseRunArgs([], ctx);
  assert.match(a.path, /bpf\/tools\/execsnoop\.bpf\.o$/);
  assert.equal(resolveObjectPath("execsnoop"), a.path);
  const b = parseRunArgs(["x.o", "--duration", "1.5", "--iface", "eth0", "--cgroup", "/sys/fs/cgroup", "--pid", "9", "--type", "events=struct e", "--btf", "v.btf", "-v"], { ...ctx, baseBtf: "base" });
  assert.deepEqual(b, {
    path: "x.o",
    duration: 1.5,
    verbose: true,
    options: { iface: "eth0", cgroup: "/sys/fs/cgroup", pid: 9, btf: "v.btf", baseBtf: "base", recordTypes: { events: "struct e" } },
  });
  for (const bad of [["--duration", "-1"], ["--pid"], ["a.o", "b.o"], ["--type", "=x"], ["nosuchtool"]]) {
    assert.throws(() => parseRunArgs(bad, ctx), UsageError, bad.join(" "));
  }
});
