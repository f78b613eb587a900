// Global data (globals.bpf.o): .rodata set before load changes what the
// program computes, programs' writes to .bss/.data read back through mmap and
// through the typed map, .rodata is frozen and read-only afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CoreBpfError } from "../../../src/errors.js";
import { MapFlags, loadObject, openObject } from "../../../src/kernel/index.js";
import { kernelSkip } from "../support.js";
import { objectPath, zeroPacket } from "./support.js";

const skip = kernelSkip;

test("rodata_multiplier = 7 before load: 742 instead of 342", { skip }, async () => {
  {
    using obj = await loadObject(objectPath("globals"));
    assert.equal(obj.program("read_and_write_globals").testRun({ data: zeroPacket }).retval, 342);
  }
  const opened = openObject(objectPath("globals"));
  assert.equal(opened.globals.get("rodata_multiplier"), 3);
  opened.globals.set("rodata_multiplier", 7);
  assert.equal(opened.globals.get("rodata_multiplier"), 7);
  using obj = await opened.load();
  assert.equal(obj.program("read_and_write_globals").testRun({ data: zeroPacket }).retval, 742);
  // The loadObject form.
  using again = await loadObject(objectPath("globals"), { globals: { rodata_multiplier: 7 } });
  assert.equal(again.program("read_and_write_globals").testRun({ data: zeroPacket }).retval, 742);
});

test("what the programs write to .bss, .data and .data.foo reads back, typed", { skip }, async () => {
  using obj = await loadObject(objectPath("globals"));
  assert.equal(obj.program("read_and_write_globals").testRun({ data: zeroPacket }).retval, 342);
  assert.equal(obj.program("copy_structs").testRun({}).retval, 2331);
  const g = obj.globals;
  assert.equal(g.get("bss_runs"), 1n);
  assert.equal(g.get("bss_result"), 15n);
  assert.equal(g.get("bss_name"), "corebpf");
  assert.equal(g.get("bss_static_total"), 24n);
  assert.equal(g.get("foo_hits"), 8);
  assert.deepEqual(g.get("foo_table"), [0xf00n, 10n]);
  assert.deepEqual(g.get("bss_config"), { id: 1, ports: [80, 443, 8080], limit: 1n << 40n });
  assert.equal(g.get("data_seed"), 6);
  assert.equal(g.get("data_static_counter"), 12);
  // The same values through the .bss map, decoded as its DATASEC.
  const bss = obj.map(".bss").get(new Uint8Array(4)) as Record<string, unknown>;
  assert.equal(bss["bss_result"], 15n);
  assert.equal(bss["bss_name"], "corebpf");
});

test("user space writes .data/.bss and the program sees them; .rodata is frozen and read-only", { skip }, async () => {
  using obj = await loadObject(objectPath("globals"));
  obj.globals.set("data_seed", 9);
  obj.program("read_and_write_globals").testRun({ data: zeroPacket });
  assert.equal(obj.globals.get("bss_result"), 27n);
  obj.globals.set("bss_config", { limit: 5n });
  assert.deepEqual(obj.globals.get("bss_config"), { id: 0, ports: [0, 0, 0], limit: 5n });
  assert.throws(() => obj.globals.set("rodata_multiplier", 1), (e: unknown) => e instanceof CoreBpfError && e.code === "READ_ONLY");
  const rodata = obj.map(".rodata");
  assert.equal(rodata.frozen, true);
  assert.ok(rodata.flags & MapFlags.RDONLY_PROG);
  assert.ok(rodata.flags & MapFlags.MMAPABLE);
  assert.equal(obj.globals.get("rodata_multiplier"), 3);
  assert.deepEqual(obj.globals.get("rodata_config"), { id: 1, ports: [80, 443, 8080], limit: 1n << 40n });
});

test("global data map names, flags and hidden/static linkage follow libbpf", { skip }, async () => {
  using obj = await loadObject(objectPath("globals"));
  const names = [...obj.maps.keys()].sort();
  assert.deepEqual(names, [".data.foo", ".rodata.bar", "globals.bss", "globals.data", "globals.rodata"]);
  for (const n of names) assert.equal(obj.map(n).maxEntries, 1);
  // A value type check: the .data map's BTF value type is its DATASEC, in the kernel too.
  const info = obj.map("globals.data").info();
  assert.ok(info.btfId > 0 && info.btfValueTypeId > 0);
});

test("bad global names and values are typed errors", { skip: false }, () => {
  const opened = openObject(objectPath("globals"));
  assert.throws(() => opened.globals.get("nope"), (e: unknown) => e instanceof CoreBpfError && e.code === "NO_SUCH_GLOBAL" && /rodata_multiplier/.test(e.message));
  assert.throws(() => opened.globals.set("bss_config", { nope: 1 }), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_VALUE" && /no member 'nope'/.test(e.message));
  assert.throws(() => opened.globals.set("rodata_name", "much too long"), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_VALUE");
  assert.throws(() => opened.globals.set("data_seed", "x"), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_VALUE");
});
