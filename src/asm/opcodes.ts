// eBPF instruction set constants (Documentation/bpf/standardization/instruction-set.rst).
// The opcode byte is class (low 3 bits) | source or size | operation or mode.

/** Instruction classes (code & 0x07). */
export const CLASS = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07 } as const;

/** Source operand of ALU and JMP (code & 0x08): immediate or register. For BPF_END, TO_LE/TO_BE. */
export const SRC = { K: 0x00, X: 0x08 } as const;

/** ALU operations (code & 0xf0). */
export const ALU = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  END: 0xd0,
} as const;

/** Jump operations (code & 0xf0). */
export const JMP = {
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
  JCOND: 0xe0,
} as const;

/** Load/store size (code & 0x18). */
export const SIZE = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;

/** Load/store mode (code & 0xe0). */
export const MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;

/** Atomic operations (imm of BPF_STX | BPF_ATOMIC). */
export const ATOMIC = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  FETCH: 0x01,
  XCHG: 0xe1,
  CMPXCHG: 0xf1,
  LOAD_ACQ: 0x100,
  STORE_REL: 0x110,
} as const;

/** src_reg of an ldimm64 (code 0x18): how the kernel reads its immediate. */
export const PSEUDO = {
  /** Plain 64-bit immediate. */
  IMM64: 0,
  /** imm is a map fd. */
  MAP_FD: 1,
  /** imm is a map fd, the second slot's imm an offset into its value. */
  MAP_VALUE: 2,
  /** imm is a BTF id of a kernel variable (typed ksym). */
  BTF_ID: 3,
  /** imm is an instruction offset to a function (callback address). */
  FUNC: 4,
  /** imm is an index into the fd_array. */
  MAP_IDX: 5,
  /** imm is an fd_array index, the second slot's imm an offset into its value. */
  MAP_IDX_VALUE: 6,
} as const;

/** src_reg of a call (code 0x85). */
export const CALL = { HELPER: 0, PSEUDO_CALL: 1, KFUNC: 2 } as const;

/** Opcode byte of the two-slot 64-bit immediate load. */
export const LDIMM64 = 0x18;

/** Byte size of one instruction slot. */
export const INSN_SIZE = 8;

export const classOf = (code: number): number => code & 0x07;
export const opOf = (code: number): number => code & 0xf0;
export const srcOf = (code: number): number => code & 0x08;
export const sizeOf = (code: number): number => code & 0x18;
export const modeOf = (code: number): number => code & 0xe0;

/** Bytes accessed by a load/store size. */
export function sizeBytes(code: number): number {
  return [4, 2, 1, 8][sizeOf(code) >> 3]!;
}
