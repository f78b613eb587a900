// The disassembler against bpftool on this kernel: programs loaded with
// `bpftool prog loadall`, their translated instructions disassembled by corebpf
// must print exactly what `bpftool prog dump xlated` prints, line for line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { CALL, CLASS, JMP, MODE, ALU, disassemble, formatInsn, wrapInsns, type DisasmOptions, type Insn, InsnBuffer } from "../../src/asm/index.js";
import { repoRoot } from "../support/paths.js";
import { KernelSymbols, bpftoolSkipReason, withLoadedObject, type XlatedProgram } from "./xlated.js";

const skip = bpftoolSkipReason() ?? false;

/**
 * Instructions that bpftool 7.1 (kernel 6.1's disassembler) predates: it prints
 * them as "BUG_..." or without their new meaning, corebpf as today's kernel does.
 */
function newerThanBpftool71(buf: InsnBuffer, i: number): boolean {
  const code = buf.code(i);
  const off = buf.off(i);
  const cls = code & 7;
  if (cls === CLASS.LDX && (code & 0xe0) === MODE.MEMSX) return true;
  if (code === (CLASS.ALU64 | ALU.END)) return true;
  if ((cls === CLASS.ALU || cls === CLASS.ALU64) && off !== 0) return true; // sdiv/smod, movsx, percpu, arena casts
  if (code === (CLASS.JMP32 | JMP.JA) || code === (CLASS.JMP | JMP.JCOND)) return true;
  if (cls === CLASS.STX && (code & 0xe0) === MODE.ATOMIC && buf.imm(i) >= 0x100) return true;
  return false;
}

function optionsFor(prog: XlatedProgram, syms: KernelSymbols): DisasmOptions {
  return {
    lines: prog.lines,
    funcs: prog.funcs,
    callName(insn: Insn, index: number) {
      if (insn.src !== CALL.PSEUDO_CALL) return syms.helperName(insn.imm);
      // After JIT the kernel keeps the relative target in off and the subprogram index in imm.
      const target = index + insn.off + 1;
      const func = prog.funcs.find((f) => f.insnOff === target);
      const name = func === undefined ? undefined : /(\w+)\(/.exec(func.signature)?.[1];
      const sym = name === undefined ? undefined : syms.subprogSymbol(name);
      return `${insn.off >= 0 ? "+" : ""}${insn.off}#${sym ?? "?"}`;
    },
  };
}

/** Compares line by line; mismatches are allowed only on instructions bpftool 7.1 predates. */
function compareText(expected: string, actual: string, allowed: Set<string>, what: string): number {
  const e = expected.split("\n");
  const a = actual.split("\n");
  assert.equal(a.length, e.length, `${what}: line count differs\n--- bpftool\n${expected}\n--- corebpf\n${actual}`);
  let tolerated = 0;
  for (let k = 0; k < e.length; k++) {
    if (e[k] === a[k]) continue;
    const index = /^\s*(\d+): /.exec(a[k]!)?.[1];
    if (index !== undefined && allowed.has(index)) {
      tolerated++;
      continue;
    }
    assert.equal(a[k], e[k], `${what}: line ${k + 1} differs`);
  }
  return tolerated;
}

const objects = ["bpf/test/minimal.bpf.o", "bpf/test/asm-ops.bpf.o", "bpf/test/asm-v4.bpf.o"];

for (const object of objects) {
  test(`disassembly of ${object} as loaded matches bpftool prog dump xlated`, { skip }, (t) => {
    withLoadedObject(join(repoRoot, object), object.replace(/\W/g, "_"), (progs) => {
      // Read kallsyms only now: the JITed subprogram symbols exist once loaded.
      const syms = new KernelSymbols();
      assert.ok(progs.length > 0);
      for (const prog of progs) {
        const buf = wrapInsns(prog.bytes, true);
        const opts = optionsFor(prog, syms);
        const allowed = new Set<string>();
        for (const i of buf.starts()) if (newerThanBpftool71(buf, i)) allowed.add(String(i));
        let compared = 0;
        for (const [i, text] of prog.disasm) {
          if (allowed.has(String(i))) continue;
          assert.equal(formatInsn(buf, i, opts), text, `${prog.name} insn ${i}`);
          compared++;
        }
        const linum = compareText(prog.plainLinum, disassemble(buf, { ...opts, linum: true }), allowed, `${prog.name} linum`);
        compareText(prog.plainOpcodes, disassemble(buf, { ...opts, opcodes: true }), allowed, `${prog.name} opcodes`);
        t.diagnostic(`${prog.name}: ${compared} instructions identical, ${linum} newer than bpftool 7.1 not compared`);
      }
    });
  });
}
