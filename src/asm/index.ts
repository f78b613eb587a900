// corebpf/asm: eBPF instructions: validate, decode, encode, disassemble (pure).
export { InsnBuffer, SLOT, decodeInsns, encodeInsns, wrapInsns, checkInsn } from "./buffer.js";
export type { DecodeOptions } from "./buffer.js";
export type { Insn } from "./insn.js";
export { readInsn, writeInsn, slotsOf } from "./insn.js";
export { invalidReason } from "./validate.js";
export { disassemble, formatInsn, formatSourceLine } from "./disasm.js";
export type { DisasmOptions, SourceLine, FuncSignature } from "./disasm.js";
export { HELPER_NAMES } from "./helpers.js";
export { CLASS, SRC, ALU, JMP, SIZE, MODE, ATOMIC, PSEUDO, CALL, LDIMM64, INSN_SIZE, classOf, opOf, srcOf, sizeOf, modeOf, sizeBytes } from "./opcodes.js";
