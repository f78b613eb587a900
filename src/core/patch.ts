// CO-RE, step two: writing fixups into instructions, as libbpf's
// bpf_core_patch_insn does. The instruction must carry the local value first
// (unless the kind is exempt); ALU/ALU64 immediates, LDX/ST/STX offsets (with the
// access width changed when the field's size changed) and ldimm64 values are
// patched; a missing field or enumerator turns the instruction into a call to
// the invalid helper 0xbad2310, which the verifier reports only if reached.
import { type InsnBuffer, CLASS, LDIMM64, SRC, classOf, sizeBytes } from "../asm/index.js";
import { CoreRelocationError, type CoreFixup, reloPrefix } from "./calculate.js";
import { coreKindName } from "./kinds.js";

/** The helper id libbpf calls from a poisoned instruction ("bad relo"). */
export const POISON_HELPER = 0xbad2310;
const CALL = 0x85;

/** What applying a fixup did. */
export type PatchOutcome = "patched" | "poisoned";

export interface PatchContext {
  program?: string;
  /** Relocation number for messages. */
  number?: number;
  /** Instruction number for messages, when it differs from the index patched (libbpf names the function's). */
  insn?: number;
}

const SIZE_CODES: Record<number, number> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };

/**
 * Applies one fixup to the instruction at slot `index`. Throws the fixup's
 * own error, or a CoreRelocationError when the instruction does not fit it
 * (wrong form, not the expected value, an offset over 32767).
 */
export function applyFixup(insns: InsnBuffer, index: number, fix: CoreFixup, ctx: PatchContext = {}): PatchOutcome {
  if (fix.error !== undefined) throw fix.error;
  const fail = (errno: "EINVAL" | "ERANGE", what: string): CoreRelocationError =>
    new CoreRelocationError(errno === "ERANGE" ? "CORE_OFFSET_RANGE" : "CORE_BAD_INSN", errno, `${reloPrefix(ctx.program, ctx.number ?? 0)}${coreKindName(fix.kind)}: insn #${ctx.insn ?? index} ${what}`, {
      ...(ctx.program === undefined ? {} : { program: ctx.program }),
      insn: ctx.insn ?? index,
      relo: ctx.number,
      typeId: fix.relo.typeId,
      hint:
        errno === "ERANGE"
          ? "the field lies beyond the 16-bit offset of a load/store: read it through a computed pointer (BPF_CORE_READ)"
          : "the object's instructions do not match its CO-RE records (was it rewritten after compilation?)",
    });
  if (index < 0 || index >= insns.length) throw fail("EINVAL", `is beyond the program's ${insns.length} instructions`);
  const code = insns.code(index);
  const local = fix.localValue;
  const target = fix.targetValue;
  switch (classOf(code)) {
    case CLASS.ALU:
    case CLASS.ALU64: {
      if ((code & 0x08) !== SRC.K) throw fail("EINVAL", `(code 0x${hex(code)}) is an ALU instruction with a register operand`);
      if (fix.poison) return poison(insns, index, 1);
      const imm = insns.imm(index);
      if (fix.validate && BigInt.asUintN(64, BigInt(imm)) !== local) throw fail("EINVAL", `(ALU/ALU64) value: got ${imm >>> 0}, expected ${local} -> ${target}`);
      insns.setImm(index, Number(BigInt.asIntN(32, target)));
      return "patched";
    }
    case CLASS.LDX:
    case CLASS.ST:
    case CLASS.STX: {
      if (fix.poison) return poison(insns, index, 1);
      const off = insns.off(index);
      if (fix.validate && BigInt.asUintN(64, BigInt(off)) !== local) throw fail("EINVAL", `(LDX/ST/STX) value: got ${off & 0xffff}, expected ${local} -> ${target}`);
      if (target > 0x7fffn) throw fail("ERANGE", `(LDX/ST/STX) value too big: ${target}`);
      if (fix.memSizeMismatch) return poison(insns, index, 1);
      insns.setOff(index, Number(target));
      if (fix.targetSize !== fix.localSize) {
        const bytes = sizeBytes(code);
        if (bytes !== fix.localSize) throw fail("EINVAL", `(LDX/ST/STX) unexpected mem size: got ${bytes}, expected ${fix.localSize}`);
        const newSize = SIZE_CODES[fix.targetSize];
        if (newSize === undefined) throw fail("EINVAL", `(LDX/ST/STX) invalid new mem size: ${fix.targetSize}`);
        insns.set(index, { ...insns.insn(index), code: (code & 0xe7) | newSize });
      }
      return "patched";
    }
    case CLASS.LD: {
      if (
        code !== LDIMM64 ||
        index + 1 >= insns.length ||
        insns.src(index) !== 0 ||
        insns.off(index) !== 0 ||
        insns.code(index + 1) !== 0 ||
        insns.dst(index + 1) !== 0 ||
        insns.src(index + 1) !== 0 ||
        insns.off(index + 1) !== 0
      ) {
        throw fail("EINVAL", "(LDIMM64) has unexpected form");
      }
      if (fix.poison) return poison(insns, index, 2);
      const value = insns.imm64(index);
      if (fix.validate && value !== local) throw fail("EINVAL", `(LDIMM64) value: got ${value}, expected ${local} -> ${target}`);
      insns.setImm64(index, target);
      return "patched";
    }
    default:
      throw fail("EINVAL", `(code 0x${hex(code)}) cannot be relocated: not an ALU immediate, load, store or ldimm64`);
  }
}

function hex(code: number): string {
  return code.toString(16).padStart(2, "0");
}

/** Every slot of the instruction becomes `call 0xbad2310` (an ldimm64 gives two such calls). */
function poison(insns: InsnBuffer, index: number, slots: number): PatchOutcome {
  for (let i = index; i < index + slots; i++) insns.set(i, { code: CALL, dst: 0, src: 0, off: 0, imm: POISON_HELPER });
  return "poisoned";
}

/** Applies fixups[i] at relos' instruction indexes, in order; throws the first error. */
export function applyFixups(insns: InsnBuffer, fixups: readonly CoreFixup[], ctx: PatchContext & { numbers?: readonly number[] } = {}): PatchOutcome[] {
  const out: PatchOutcome[] = new Array(fixups.length);
  for (let i = 0; i < fixups.length; i++) {
    const fix = fixups[i]!;
    out[i] = applyFixup(insns, fix.relo.insn, fix, { ...ctx, number: ctx.numbers?.[i] ?? i });
  }
  return out;
}
