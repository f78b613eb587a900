// The object BTF the loader sends to the kernel: byte for byte what libbpf
// sends (bpftool prog loadall, libbpf 1.1, read back from the kernel), and
// the sanitised forms for kernels that lack kinds, which the kernel accepts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { Btf, BtfKind, VarLinkage } from "../../../src/btf/index.js";
import { BtfHandle, Fd, FULL_BTF_SUPPORT, Program, btfInfo, getFdById, loadObject, loadableObjectBtf, openObject, type BtfSupport } from "../../../src/kernel/index.js";
import { bpftoolSkip, kernelSkip } from "../support.js";
import { objectPath } from "./support.js";

function libbpfBtf(name: string): Uint8Array {
  const dir = `/sys/fs/bpf/corebpf-btf-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  try {
    try {
      execFileSync("bpftool", ["prog", "loadall", objectPath(name), dir], { stdio: "pipe" });
    } catch {
      // pinning a '?' program fails after the load; the others are pinned
    }
    using prog = Program.openPinned(`${dir}/${readdirSync(dir)[0]!}`);
    using fd = new Fd(getFdById("btf", prog.info().btfId));
    return btfInfo(fd.value, true).data!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// externs.bpf.o is left out: bpftool unpins everything when it cannot pin its "?" program.
for (const name of ["minimal", "subprogs", "maps", "progs_net", "core_kernel", "core_large", "globals"]) {
  test(`${name}: the kernel holds the same object BTF as after libbpf's load`, { skip: bpftoolSkip() }, async () => {
    const theirs = libbpfBtf(name);
    using obj = await loadObject(objectPath(name));
    const ours = obj.btf!.info(true).data!;
    if (name === "globals") {
      // libbpf 1.3+ (and so 1.8) makes hidden global VARs static; bpftool's libbpf 1.1 does not.
      const btf = Btf.parse(theirs);
      const id = btf.find("data_hidden", BtfKind.VAR)!;
      assert.equal(btf.dataWord(id, 0), VarLinkage.GLOBAL_ALLOCATED);
      new DataView(theirs.buffer, theirs.byteOffset).setUint32(btf.recordOffset(id) + 12, VarLinkage.STATIC, true);
    }
    assert.equal(Buffer.compare(ours, theirs), 0, `${name}: ${ours.length} vs ${theirs.length} bytes`);
  });
}

test("the .ksyms and .kconfig DATASECs as libbpf lays them out (externs.bpf.o)", () => {
  const spec = openObject(objectPath("externs")).spec;
  const btf = Btf.parse(loadableObjectBtf(spec));
  const ksyms = btf.typeOfKind(btf.find(".ksyms", BtfKind.DATASEC)!, BtfKind.DATASEC);
  assert.deepEqual(
    ksyms.vars.map((v) => [v.offset, v.size]),
    ksyms.vars.map((_, i) => [i * 4, 4]),
  );
  assert.equal(ksyms.size, ksyms.vars.length * 4);
  const dummy = btf.find("dummy_ksym", BtfKind.VAR)!;
  assert.equal(dummy, btf.typeCount - 1, "dummy_ksym is appended");
  const kconfig = btf.typeOfKind(btf.find(".kconfig", BtfKind.DATASEC)!, BtfKind.DATASEC);
  const byName = new Map(spec.externs.map((e) => [e.name, e]));
  for (const v of kconfig.vars) assert.equal(v.offset, byName.get(btf.name(v.type))!.kconfig!.offset);
  assert.equal(kconfig.size, spec.maps.find((m) => m.kind === "kconfig")!.valueSize);
});

const NONE: BtfSupport = { func: false, funcGlobal: false, datasec: false, qmarkDatasec: false, float: false, declTag: false, typeTag: false, enum64: false };

// FUNC_PROTOs turned into ENUMs keep their unnamed parameters as nameless
// enumerators, as libbpf leaves them: the old kernels this is for accept that,
// this one does not, so the kernel check is left out for `func: false`.
for (const [label, support] of [
  ["no DATASEC, FUNC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64", NONE],
  ["no DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64, global FUNCs", { ...NONE, func: true }],
  ["no ENUM64 and TYPE_TAG only", { ...FULL_BTF_SUPPORT, enum64: false, typeTag: false }],
  ["no global FUNCs only", { ...FULL_BTF_SUPPORT, funcGlobal: false }],
] as const) {
  test(`sanitised for a kernel with ${label}: same ids, kinds replaced${support.func ? ", accepted by this kernel" : ""}`, { skip: kernelSkip }, () => {
    for (const name of ["core_local", "externs", "globals", "core_kernel"]) {
      const spec = openObject(objectPath(name)).spec;
      const full = Btf.parse(loadableObjectBtf(spec));
      const out = Btf.parse(loadableObjectBtf(spec, support));
      const gone = [
        [support.datasec, BtfKind.VAR],
        [support.datasec, BtfKind.DATASEC],
        [support.func, BtfKind.FUNC],
        [support.func, BtfKind.FUNC_PROTO],
        [support.float, BtfKind.FLOAT],
        [support.declTag, BtfKind.DECL_TAG],
        [support.typeTag, BtfKind.TYPE_TAG],
        [support.enum64, BtfKind.ENUM64],
      ] as const;
      const hadEnum64 = [...full.types()].some((t) => t.kind === BtfKind.ENUM64);
      assert.equal(out.typeCount, full.typeCount + (!support.enum64 && hadEnum64 ? 1 : 0), name);
      for (const t of out.types()) {
        for (const [ok, kind] of gone) if (!ok) assert.notEqual(t.kind, kind, `${name}: [${t.id}] is still ${kind}`);
        if (!support.funcGlobal && t.kind === BtfKind.FUNC) assert.equal(t.linkage, 0);
      }
      if (support.func) BtfHandle.load(loadableObjectBtf(spec, support)).close();
    }
  });
}
