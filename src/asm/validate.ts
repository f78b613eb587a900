// Which instructions the ISA defines: returns why a slot is invalid, or
// undefined. Reserved fields must be zero, as the kernel's verifier demands.
import { ALU, ATOMIC, CALL, CLASS, JMP, MODE, SIZE, SRC, classOf, modeOf, opOf, sizeOf, srcOf } from "./opcodes.js";

/** Highest register number (r10 is the read-only frame pointer). */
const MAX_REG = 10;

const ATOMIC_OPS = new Set<number>([
  ATOMIC.ADD, ATOMIC.OR, ATOMIC.AND, ATOMIC.XOR,
  ATOMIC.ADD | ATOMIC.FETCH, ATOMIC.OR | ATOMIC.FETCH, ATOMIC.AND | ATOMIC.FETCH, ATOMIC.XOR | ATOMIC.FETCH,
  ATOMIC.XCHG, ATOMIC.CMPXCHG, ATOMIC.LOAD_ACQ, ATOMIC.STORE_REL,
]);

/** Why the first (or only) slot of an instruction is invalid, or undefined when it is valid. */
export function invalidReason(code: number, dst: number, src: number, off: number, imm: number): string | undefined {
  if (dst > MAX_REG) return `dst register r${dst} does not exist`;
  if (src > MAX_REG) return `src register r${src} does not exist`;
  switch (classOf(code)) {
    case CLASS.LD:
      return checkLd(code, dst, src, off);
    case CLASS.LDX:
      if (modeOf(code) === MODE.MEM) return imm !== 0 ? "ldx uses reserved field imm" : undefined;
      if (modeOf(code) === MODE.MEMSX) {
        if (sizeOf(code) === SIZE.DW) return "ldsx has no 64-bit size";
        return imm !== 0 ? "ldsx uses reserved field imm" : undefined;
      }
      return `ldx mode 0x${modeOf(code).toString(16)} is not defined`;
    case CLASS.ST:
      if (modeOf(code) !== MODE.MEM) return `st mode 0x${modeOf(code).toString(16)} is not defined`;
      return src !== 0 ? "st uses reserved field src" : undefined;
    case CLASS.STX:
      return checkStx(code, imm);
    case CLASS.ALU:
    case CLASS.ALU64:
      return checkAlu(code, src, off, imm);
    default:
      return checkJmp(code, dst, src, off, imm);
  }
}

function checkLd(code: number, dst: number, src: number, off: number): string | undefined {
  const mode = modeOf(code);
  if (mode === MODE.IMM) {
    if (sizeOf(code) !== SIZE.DW) return "ld imm exists only as the 64-bit ldimm64 (0x18)";
    if (src > 6) return `ldimm64 src ${src} is not a defined pseudo kind`;
    return off !== 0 ? "ldimm64 uses reserved field off" : undefined;
  }
  if (mode === MODE.ABS || mode === MODE.IND) {
    if (sizeOf(code) === SIZE.DW) return "legacy packet load has no 64-bit size";
    if (dst !== 0 || off !== 0 || (mode === MODE.ABS && src !== 0)) return "legacy packet load uses reserved fields";
    return undefined;
  }
  return `ld mode 0x${mode.toString(16)} is not defined`;
}

function checkStx(code: number, imm: number): string | undefined {
  const mode = modeOf(code);
  if (mode === MODE.MEM) return imm !== 0 ? "stx uses reserved field imm" : undefined;
  if (mode !== MODE.ATOMIC) return `stx mode 0x${mode.toString(16)} is not defined`;
  if (!ATOMIC_OPS.has(imm)) return `atomic operation 0x${(imm >>> 0).toString(16)} is not defined`;
  const narrow = sizeOf(code) === SIZE.B || sizeOf(code) === SIZE.H;
  if (narrow && imm !== ATOMIC.LOAD_ACQ && imm !== ATOMIC.STORE_REL) return "atomic read-modify-write needs a 32- or 64-bit size";
  return undefined;
}

function checkAlu(code: number, src: number, off: number, imm: number): string | undefined {
  const op = opOf(code);
  const alu64 = classOf(code) === CLASS.ALU64;
  const fromReg = srcOf(code) === SRC.X;
  if (op > ALU.END) return `alu operation 0x${op.toString(16)} is not defined`;
  if (op === ALU.END) {
    if (alu64 && fromReg) return "bswap (alu64 end) has no register-source form";
    if (imm !== 16 && imm !== 32 && imm !== 64) return `byte swap width ${imm} is not 16, 32 or 64`;
    return src !== 0 || off !== 0 ? "byte swap uses reserved fields" : undefined;
  }
  if (op === ALU.NEG) {
    if (fromReg) return "neg has no register-source form";
    return src !== 0 || off !== 0 || imm !== 0 ? "neg uses reserved fields" : undefined;
  }
  if (!fromReg && src !== 0) return "alu with immediate uses reserved field src";
  if (fromReg && imm !== 0 && !(alu64 && op === ALU.MOV && off === 1)) return "alu with register source uses reserved field imm";
  if (off === 0) return undefined;
  if ((op === ALU.DIV || op === ALU.MOD) && off === 1) return undefined; // sdiv, smod
  if (op === ALU.MOV && fromReg && (off === 8 || off === 16 || (alu64 && off === 32))) return undefined; // movsx
  if (op === ALU.MOV && fromReg && alu64 && off === 1) return undefined; // addr_space_cast (arena)
  return `alu uses reserved field off (${off})`;
}

function checkJmp(code: number, dst: number, src: number, off: number, imm: number): string | undefined {
  const op = opOf(code);
  const jmp32 = classOf(code) === CLASS.JMP32;
  const fromReg = srcOf(code) === SRC.X;
  if (op === JMP.JA) {
    if (fromReg) return "ja has no register-source form";
    if (dst !== 0 || src !== 0) return "ja uses reserved fields";
    if (jmp32) return off !== 0 ? "gotol uses reserved field off" : undefined;
    return imm !== 0 ? "ja uses reserved field imm" : undefined;
  }
  if (op === JMP.CALL) {
    if (jmp32 || fromReg) return "call exists only as 0x85";
    if (dst !== 0) return "call uses reserved field dst";
    if (src > CALL.KFUNC) return `call src ${src} is not helper (0), bpf-to-bpf (1) or kfunc (2)`;
    // A kfunc call's off selects the module BTF (fd_array index); others must be 0.
    return src !== CALL.KFUNC && off !== 0 ? "call uses reserved field off" : undefined;
  }
  if (op === JMP.EXIT) {
    if (jmp32 || fromReg) return "exit exists only as 0x95";
    return dst !== 0 || src !== 0 || off !== 0 || imm !== 0 ? "exit uses reserved fields" : undefined;
  }
  if (op === JMP.JCOND) {
    if (jmp32 || fromReg) return "may_goto exists only as 0xe5";
    return dst !== 0 || src !== 0 || imm !== 0 ? "may_goto uses reserved fields" : undefined;
  }
  if (op > JMP.JCOND) return `jump operation 0x${op.toString(16)} is not defined`;
  if (fromReg) return imm !== 0 ? "jump with register source uses reserved field imm" : undefined;
  return src !== 0 ? "jump with immediate uses reserved field src" : undefined;
}

/** Why the second slot of an ldimm64 is invalid, or undefined. */
export function invalidSecondSlot(code: number, dst: number, src: number, off: number): string | undefined {
  return code !== 0 || dst !== 0 || src !== 0 || off !== 0 ? "the second slot of ldimm64 must have code, registers and off all zero" : undefined;
}
