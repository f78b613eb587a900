// One BPF instruction as a plain record, and the raw slot codec for both byte
// orders. Layout of a slot: code u8, regs u8, off s16, imm s32. The register
// byte holds dst in its low nibble and src in its high nibble on little-endian
// targets, the other way round on big-endian ones.
import { INSN_SIZE, LDIMM64 } from "./opcodes.js";

/** One instruction; an ldimm64 (code 0x18) stands for both of its slots. */
export interface Insn {
  /** The opcode byte. */
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  /** Signed 16-bit offset. */
  readonly off: number;
  /** Signed 32-bit immediate; for an ldimm64, the low half of imm64. */
  readonly imm: number;
  /**
   * ldimm64 only: the full 64-bit immediate (unsigned), low 32 bits from the
   * first slot's imm, high 32 bits from the second's. When encoding an ldimm64
   * without it, the value is imm sign-extended.
   */
  readonly imm64?: bigint;
}

/** Number of slots an opcode takes: 2 for ldimm64, else 1. */
export const slotsOf = (code: number): 1 | 2 => (code === LDIMM64 ? 2 : 1);

/** A DataView over any Uint8Array, without copying. */
export const viewOf = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** dst register of the slot at byte offset `at`. */
export const readDst = (view: DataView, at: number, le: boolean): number => (le ? view.getUint8(at + 1) & 0xf : view.getUint8(at + 1) >> 4);

/** src register of the slot at byte offset `at`. */
export const readSrc = (view: DataView, at: number, le: boolean): number => (le ? view.getUint8(at + 1) >> 4 : view.getUint8(at + 1) & 0xf);

/** Writes one slot. Fields are truncated to their widths (registers to 4 bits). */
export function writeSlot(view: DataView, at: number, le: boolean, code: number, dst: number, src: number, off: number, imm: number): void {
  view.setUint8(at, code);
  view.setUint8(at + 1, le ? ((src & 0xf) << 4) | (dst & 0xf) : ((dst & 0xf) << 4) | (src & 0xf));
  view.setInt16(at + 2, off, le);
  view.setInt32(at + 4, imm, le);
}

/** The 64-bit immediate of an ldimm64 whose first slot is at `at`. */
export function readImm64(view: DataView, at: number, le: boolean): bigint {
  return (BigInt(view.getUint32(at + 12, le)) << 32n) | BigInt(view.getUint32(at + 4, le));
}

/** Decodes the instruction at byte offset `at` (no validation; an ldimm64 needs 16 bytes). */
export function readInsn(view: DataView, at: number, le: boolean): Insn {
  const code = view.getUint8(at);
  const insn = { code, dst: readDst(view, at, le), src: readSrc(view, at, le), off: view.getInt16(at + 2, le), imm: view.getInt32(at + 4, le) };
  return code === LDIMM64 ? { ...insn, imm64: readImm64(view, at, le) } : insn;
}

/** Encodes one instruction (one or two slots) at byte offset `at`; returns the bytes written. */
export function writeInsn(view: DataView, at: number, le: boolean, insn: Insn): number {
  if (insn.code !== LDIMM64) {
    writeSlot(view, at, le, insn.code, insn.dst, insn.src, insn.off, insn.imm);
    return INSN_SIZE;
  }
  const value = insn.imm64 ?? BigInt.asUintN(64, BigInt(insn.imm));
  writeSlot(view, at, le, insn.code, insn.dst, insn.src, insn.off, Number(BigInt.asIntN(32, value)));
  writeSlot(view, at + INSN_SIZE, le, 0, 0, 0, 0, Number(BigInt.asIntN(32, value >> 32n)));
  return 2 * INSN_SIZE;
}
