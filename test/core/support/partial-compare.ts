// TEMPORARY (until src/obj lands): compares our CO-RE result with libbpf's
// program instructions on every slot that no ELF relocation touches (map and
// call slots are the object layer's work), program by program. Functions are
// cut from their sections by symbol and relocated with relocatePrograms.
import { readTestObject } from "./btf-ext.js";
import { relocatePrograms, type CoreProgramInput, type CoreTarget } from "../../../src/core/index.js";
import { wrapInsns } from "../../../src/asm/index.js";
import { STT } from "../../../src/elf/index.js";

export interface LibbpfPrograms {
  programs?: { name: string; section: string; insns: string[] }[];
  error?: string;
}

/** Differences (empty when equal), or the two errors when either side fails. */
export function partialCompare(objPath: string, target: CoreTarget, ref: LibbpfPrograms): string[] {
  const obj = readTestObject(objPath);
  const funcs = obj.elf.symbols().filter((s) => s.type === STT.FUNC && s.size > 0);
  const order = new Map<string, number>();
  const inputs: (CoreProgramInput & { first: number; sectionIndex: number })[] = funcs.map((sym) => {
    const section = obj.elf.section(sym.sectionIndex);
    const first = sym.value / 8;
    const count = sym.size / 8;
    const sectionOrder = obj.sections.findIndex((s) => s.section === section.name);
    order.set(sym.name, sectionOrder);
    const relos = obj.sections[sectionOrder]?.relos ?? [];
    return {
      name: sym.name,
      first,
      sectionIndex: section.index,
      insns: wrapInsns(section.data.slice(sym.value, sym.value + sym.size), obj.elf.littleEndian),
      coreRelocations: relos.flatMap((r, record) =>
        r.insn >= first && r.insn < first + count ? [{ ...r, insn: r.insn - first, function: sym.name, functionInsn: r.insn - first, record }] : [],
      ),
    };
  });
  const result = relocatePrograms(inputs, obj.btf, target, { sectionOrder: (fn) => order.get(fn)! });
  const ourError = result.error?.errno;
  if (ref.error !== undefined || ourError !== undefined) {
    return ref.error === ourError ? [] : [`libbpf: ${ref.error ?? "ok"}, corebpf: ${ourError ?? "ok"} (${result.error?.message ?? ""})`];
  }
  const diffs: string[] = [];
  for (const p of ref.programs!) {
    const i = inputs.findIndex((f) => f.name === p.name);
    const input = inputs[i]!;
    const ours = result.programs[i]!.insns.bytes;
    const relocated = new Set(obj.elf.relocations(input.sectionIndex).map((r) => r.offset / 8 - input.first));
    for (let k = 0; k < ours.length / 8; k++) {
      if (relocated.has(k) || relocated.has(k - 1)) continue;
      const hex = Buffer.from(ours.subarray(k * 8, (k + 1) * 8)).toString("hex");
      if (hex !== p.insns[k]) diffs.push(`${p.name} insn ${k}: corebpf ${hex}, libbpf ${p.insns[k]}`);
    }
  }
  return diffs;
}
