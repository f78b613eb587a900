// Every type of the kernel's BTF, the shared vmlinux and the split testmod,
// decoded by corebpf, compared field by field with `bpftool btf dump` (raw).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Btf, BtfKind, kindName, type BtfType } from "../../src/btf/index.js";
import { KERNEL_BTF, bytesOf, kernelBytes, kernelSkip, sharedTestmod, sharedTestmodBase, sharedVmlinux, sharedVmlinuxBytes } from "./fixtures.js";

const bpftoolSkip: string | false = (() => {
  try {
    execFileSync("bpftool", ["version"], { stdio: "ignore" });
    return false;
  } catch {
    return "bpftool is not installed (.ci/run installs it)";
  }
})();

function bpftoolRaw(file: string, base?: string): string[] {
  const args = ["btf", "dump", "file", file, ...(base === undefined ? [] : ["-B", base])];
  return execFileSync("bpftool", args, { maxBuffer: 1 << 28, encoding: "utf8" }).split("\n");
}

const encodings: Record<number, string> = { 0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL" };
const funcLinkage = ["static", "global", "extern"];
const varLinkage = ["static", "global", "extern"];

/** The lines bpftool prints for one type (header and element lines), from our model. */
function expectedLines(btf: Btf, t: BtfType): string[] {
  const head = `[${t.id}] ${kindName(t.kind)} '${t.name === "" ? "(anon)" : t.name}'`;
  const q = (s: string) => `'${s === "" ? "(anon)" : s}'`;
  switch (t.kind) {
    case BtfKind.INT:
      return [`${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${encodings[t.encoding] ?? "?"}`];
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
    case BtfKind.TYPE_TAG:
      return [`${head} type_id=${t.type}`];
    case BtfKind.ARRAY:
      return [`${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`];
    case BtfKind.STRUCT:
    case BtfKind.UNION:
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map((m) => `\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitfieldSize ? ` bitfield_size=${m.bitfieldSize}` : ""}`),
      ];
    case BtfKind.ENUM:
    case BtfKind.ENUM64: {
      const suffix = t.kind === BtfKind.ENUM64 ? (t.signed ? "LL" : "ULL") : "";
      return [
        `${head} encoding=${t.signed ? "SIGNED" : "UNSIGNED"} size=${t.size} vlen=${t.values.length}`,
        ...t.values.map((v) => `\t${q(v.name)} val=${v.value}${suffix}`),
      ];
    }
    case BtfKind.FWD:
      return [`${head} fwd_kind=${t.union ? "union" : "struct"}`];
    case BtfKind.FUNC:
      return [`${head} type_id=${t.type} linkage=${funcLinkage[t.linkage] ?? "?"}`];
    case BtfKind.FUNC_PROTO:
      return [
        `${head} ret_type_id=${t.type} vlen=${t.params.length + (t.variadic ? 1 : 0)}`,
        ...t.params.map((p) => `\t${q(p.name)} type_id=${p.type}`),
        ...(t.variadic ? ["\t'(anon)' type_id=0"] : []),
      ];
    case BtfKind.VAR:
      return [`${head} type_id=${t.type}, linkage=${varLinkage[t.linkage] ?? "?"}`];
    case BtfKind.DATASEC:
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((v) => `\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${kindName(btf.kind(v.type))} '${btf.name(v.type) || "(anon)"}')`),
      ];
    case BtfKind.FLOAT:
      return [`${head} size=${t.size}`];
    case BtfKind.DECL_TAG:
      return [`${head} type_id=${t.type} component_idx=${t.componentIdx}`];
    default:
      return [head];
  }
}

function compareWithBpftool(btf: Btf, lines: string[]): number {
  let at = 0;
  let compared = 0;
  for (let id = btf.startId; id < btf.typeCount; id++) {
    for (const want of expectedLines(btf, btf.type(id))) {
      const got = lines[at++];
      if (got !== want) assert.fail(`type [${id}]: bpftool printed\n  ${JSON.stringify(got)}\ncorebpf decoded\n  ${JSON.stringify(want)}`);
    }
    compared++;
  }
  assert.equal(lines.slice(at).join(""), "", "bpftool printed more types");
  return compared;
}

test("the running kernel's BTF matches bpftool type by type", { skip: kernelSkip || bpftoolSkip }, () => {
  const btf = Btf.parse(kernelBytes());
  assert.equal(compareWithBpftool(btf, bpftoolRaw(KERNEL_BTF)), btf.typeCount - 1);
});

test("the shared Linux 7.1 vmlinux matches bpftool type by type", { skip: sharedVmlinux.skip || bpftoolSkip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-btf-"));
  try {
    const raw = sharedVmlinuxBytes();
    const file = join(dir, "vmlinux.btf");
    writeFileSync(file, raw);
    const btf = Btf.parse(raw);
    assert.equal(compareWithBpftool(btf, bpftoolRaw(file)), 103406);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("split testmod BTF over its base matches bpftool", { skip: sharedTestmod.skip || sharedTestmodBase.skip || bpftoolSkip }, () => {
  const base = Btf.parse(bytesOf(sharedTestmodBase.path!));
  compareWithBpftool(base, bpftoolRaw(sharedTestmodBase.path!));
  const mod = Btf.parse(bytesOf(sharedTestmod.path!), { base });
  assert.equal(mod.startId, base.typeCount);
  compareWithBpftool(mod, bpftoolRaw(sharedTestmod.path!, sharedTestmodBase.path!));
});
