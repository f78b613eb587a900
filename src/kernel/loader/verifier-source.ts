// A rejected program's VerifierError, made to point at the C source: the
// failing instruction (the last one the verifier printed) mapped through the
// program's line_info to "file.c:LINE: source text", and the invalid calls
// the loader planted (poisoned CO-RE relocations, maps not created, weak
// kfuncs not found) explained in words, as libbpf rewrites its log.
import { type Btf } from "../../btf/index.js";
import { POISON_HELPER, explainFixup, formatAccess, type RelocatedPrograms } from "../../core/index.js";
import { VerifierError } from "../../errors.js";
import type { ObjectSpec, ProgramSpec } from "../../obj/index.js";
import { lastInstructionIndex, MESSAGE_LINES } from "../verifier-log.js";
import { POISON_KFUNC_BASE, POISON_MAP_BASE } from "./insn-fixups.js";

/** "file.c:LINE: text" of the line_info record covering instruction `insn`, or undefined. */
export function sourceLineOf(program: ProgramSpec, btf: Btf | undefined, insn: number): string | undefined {
  if (btf === undefined) return undefined;
  let best: ProgramSpec["lineInfo"][number] | undefined;
  for (const l of program.lineInfo) {
    if (l.insn > insn) break;
    best = l;
  }
  if (best === undefined) return undefined;
  try {
    const file = btf.string(best.fileNameOff);
    const text = btf.string(best.lineOff).trim();
    return `${file.slice(file.lastIndexOf("/") + 1)}:${best.lineNum}: ${text}`;
  } catch {
    return undefined;
  }
}

/** What an invalid call the loader planted stands for, or undefined for any other call. */
function plantedCall(obj: ObjectSpec, program: ProgramSpec, relocated: RelocatedPrograms | undefined, insn: number, imm: number): string | undefined {
  if (imm === POISON_HELPER) {
    const relo = program.coreRelocations.find((r) => r.insn === insn);
    const fix = relo && relocated?.fixups.find((f) => f.function === relo.function && f.record === relo.record);
    if (fix === undefined || obj.btf === undefined) return "a CO-RE relocation that could not be resolved was reached";
    const access = fix.fixup.localSpec !== undefined ? formatAccess(fix.fixup.localSpec) : fix.fixup.relo.accessString;
    const why = explainFixup(fix.fixup, obj.btf, fix.outcome).result;
    return `failed to resolve CO-RE relocation ${access}: ${why}`;
  }
  const map = obj.maps[imm - POISON_MAP_BASE];
  if (imm >= POISON_MAP_BASE && imm < POISON_MAP_BASE + obj.maps.length && map !== undefined) {
    return `BPF map '${map.name}' is referenced but wasn't created`;
  }
  const ext = obj.externs[imm - POISON_KFUNC_BASE];
  if (imm >= POISON_KFUNC_BASE && imm < POISON_KFUNC_BASE + obj.externs.length && ext !== undefined) {
    return `kfunc '${ext.name}' is referenced but wasn't resolved`;
  }
  return undefined;
}

/** The same error with the source line (and the meaning of a planted call) in its message and fields. */
export function withSourceLine(err: VerifierError, obj: ObjectSpec, program: ProgramSpec, relocated: RelocatedPrograms | undefined): VerifierError {
  const insn = lastInstructionIndex(err.log);
  if (insn === undefined) return err;
  const line = sourceLineOf(program, obj.btf, insn);
  const call = /^\d+: \(85\) call unknown#(\d+)/.exec(err.log.findLast((l) => /^\d+: \(/.test(l)) ?? "");
  const planted = call ? plantedCall(obj, program, relocated, insn, Number(call[1])) : undefined;
  if (line === undefined && planted === undefined) return err;
  const tail = err.log.slice(-MESSAGE_LINES).filter((l) => l.trim() !== "");
  const head = err.message.split(":\n")[0] ?? err.message;
  let message = `${head}:\n  ${tail.join("\n  ")}`;
  if (planted !== undefined) message += `\n  ${insn}: ${planted}`;
  if (line !== undefined) message += `\n  at insn ${insn}, ${line}`;
  return new VerifierError(err.errno, err.errnoNumber, message, err.log, {
    ...err.where,
    insn,
    program: program.name,
    ...(line === undefined ? {} : { line }),
    ...(err.hint === undefined ? {} : { hint: err.hint }),
    cause: err,
  });
}
