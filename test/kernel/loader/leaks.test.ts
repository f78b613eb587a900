// 1000 load/use/close cycles of a typical object (globals.bpf.o: five global
// data maps, two of them mmapped, two programs, BTF), and failing loads in
// between: the process's open fds end where they started and the kernel
// frees every program and map the cycles created.
import { test } from "node:test";
import assert from "node:assert/strict";
import { VerifierError } from "../../../src/errors.js";
import { loadObject, openObject } from "../../../src/kernel/index.js";
import { kernelSkip, openFdCount } from "../support.js";
import { kernelIds, kernelNames, leftovers, objectPath, zeroPacket } from "./support.js";

const CYCLES = 1000;

test(`${CYCLES} load/close cycles leave no fd, program or map behind`, { skip: kernelSkip, timeout: 300_000 }, async () => {
  {
    // Warm up what is read once per process (kernel BTF, kconfig, feature probes).
    using warm = await loadObject(objectPath("globals"));
    assert.equal(warm.program("read_and_write_globals").testRun({ data: zeroPacket }).retval, 342);
  }
  const fds = openFdCount();
  const before = kernelIds();
  for (let i = 0; i < CYCLES; i++) {
    using obj = await loadObject(objectPath("globals"), { globals: { data_seed: i } });
    obj.program("read_and_write_globals").testRun({ data: zeroPacket });
    assert.equal(obj.globals.get("bss_result"), BigInt(i * 3));
    if (i % 100 === 0) await assert.rejects(loadObject(objectPath("verifier_reject")), VerifierError);
  }
  assert.equal(openFdCount(), fds, "open fds of the process");
  const names = new Set([...kernelNames(openObject(objectPath("globals")).spec), "values", "sparse", "reject_out_of_", "accept_ok"]);
  assert.deepEqual(await leftovers(before, names, 30_000), [], "programs and maps of the cycles are all freed");
});
