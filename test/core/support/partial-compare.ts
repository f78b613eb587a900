// TEMPORARY (until src/obj lands): compares our CO-RE result with libbpf's
// program instructions on every slot that no ELF relocation touches (map and
// call slots are the object layer's work), program by program.
import { readTestObject } from "./btf-ext.js";
import { calculateFixups, CandidateCache, applyFixups, type CoreTarget } from "../../../src/core/index.js";
import { STT } from "../../../src/elf/index.js";

export interface LibbpfPrograms {
  programs?: { name: string; section: string; insns: string[] }[];
  error?: string;
}

/** Differences (empty when equal), or our error's errno when we fail. */
export function partialCompare(objPath: string, target: CoreTarget, ref: LibbpfPrograms): string[] {
  const obj = readTestObject(objPath);
  const cache = new CandidateCache(obj.btf, target);
  const patched = new Map<string, Uint8Array>();
  let ourError: string | undefined;
  for (const s of obj.sections) {
    const insns = obj.insns(s.section);
    const fixups = calculateFixups(s.relos, obj.btf, target, { cache, program: s.section });
    try {
      applyFixups(insns, fixups);
    } catch (err) {
      ourError ??= (err as { errno?: string }).errno ?? String(err);
    }
    patched.set(s.section, insns.bytes);
  }
  if (ref.error !== undefined || ourError !== undefined) {
    return ref.error === ourError ? [] : [`libbpf: ${ref.error ?? "ok"}, corebpf: ${ourError ?? "ok"}`];
  }
  const diffs: string[] = [];
  const syms = obj.elf.symbols();
  for (const p of ref.programs!) {
    const sym = syms.find((s) => s.name === p.name && s.type === STT.FUNC)!;
    const section = obj.elf.section(sym.sectionIndex);
    const relocated = new Set(obj.elf.relocations(section).map((r) => r.offset / 8));
    const ours = patched.get(section.name) ?? section.data;
    const first = sym.value / 8;
    for (let i = 0; i < sym.size / 8; i++) {
      if (relocated.has(first + i) || relocated.has(first + i - 1)) continue;
      const hex = Buffer.from(ours.subarray((first + i) * 8, (first + i + 1) * 8)).toString("hex");
      if (hex !== p.insns[i]) diffs.push(`${p.name} insn ${i}: corebpf ${hex}, libbpf ${p.insns[i]}`);
    }
  }
  return diffs;
}
