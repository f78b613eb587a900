// A tiny BPF instruction encoder for the programs this layer writes itself
// (feature probes, tests). The full assembler is the asm/ layer.
import { LE } from "./sys.js";

/** One 8-byte instruction: opcode, dst/src registers, offset, immediate. */
export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export const Op = {
  // classes
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, JMP32: 0x06, ALU64: 0x07,
  // sizes
  W: 0x00, H: 0x08, B: 0x10, DW: 0x18,
  // modes
  IMM: 0x00, MEM: 0x60,
  // source
  K: 0x00, X: 0x08,
  // alu ops
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0,
  // jmp ops
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70, CALL: 0x80, EXIT: 0x90,
  JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0,
} as const;

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

/** dst = imm (64-bit). */
export const mov64Imm = (dst: number, imm: number) => insn(Op.ALU64 | Op.MOV | Op.K, dst, 0, 0, imm);
/** dst = src (64-bit). */
export const mov64Reg = (dst: number, src: number) => insn(Op.ALU64 | Op.MOV | Op.X, dst, src);
/** dst op= imm (64-bit). */
export const alu64Imm = (op: number, dst: number, imm: number) => insn(Op.ALU64 | op | Op.K, dst, 0, 0, imm);
/** dst op= src (64-bit). */
export const alu64Reg = (op: number, dst: number, src: number) => insn(Op.ALU64 | op | Op.X, dst, src);
/** if (dst op imm) goto +off. */
export const jmpImm = (op: number, dst: number, imm: number, off: number) => insn(Op.JMP | op | Op.K, dst, 0, off, imm);
/** if ((u32)dst op imm) goto +off. */
export const jmp32Imm = (op: number, dst: number, imm: number, off: number) => insn(Op.JMP32 | op | Op.K, dst, 0, off, imm);
/** goto +off with a 32-bit offset in imm (gotol, ISA v4). */
export const ja32 = (imm: number) => insn(Op.JMP32 | Op.JA, 0, 0, 0, imm);
/** call helper #id. */
export const callHelper = (id: number) => insn(Op.JMP | Op.CALL, 0, 0, 0, id);
/** return r0. */
export const exit = () => insn(Op.JMP | Op.EXIT);
/** dst = *(size *)(src + off). */
export const ldxMem = (size: number, dst: number, src: number, off: number) => insn(Op.LDX | size | Op.MEM, dst, src, off);
/** *(size *)(dst + off) = src. */
export const stxMem = (size: number, dst: number, src: number, off: number) => insn(Op.STX | size | Op.MEM, dst, src, off);
/** *(size *)(dst + off) = imm. */
export const stMem = (size: number, dst: number, off: number, imm: number) => insn(Op.ST | size | Op.MEM, dst, 0, off, imm);

/** BPF_PSEUDO_MAP_FD: the src of an ld_imm64 whose imm is a map fd. */
export const PSEUDO_MAP_FD = 1;

/** dst = imm64 (two instruction slots); with src PSEUDO_MAP_FD, imm is a map fd. */
export function ldImm64(dst: number, imm: bigint | number, src = 0): [Insn, Insn] {
  const v = BigInt.asUintN(64, BigInt(imm));
  const lo = Number(v & 0xffffffffn) | 0;
  const hi = Number(v >> 32n) | 0;
  return [insn(Op.LD | Op.DW | Op.IMM, dst, src, 0, lo), insn(0, 0, 0, 0, hi)];
}

/** The wire bytes of `insns` in host byte order. */
export function encodeInsns(insns: ReadonlyArray<Insn | readonly Insn[]>): Uint8Array {
  const flat = insns.flat();
  const out = new Uint8Array(flat.length * 8);
  const view = new DataView(out.buffer);
  flat.forEach((i, n) => {
    const at = n * 8;
    out[at] = i.code;
    out[at + 1] = LE ? (i.dst & 0xf) | ((i.src & 0xf) << 4) : ((i.dst & 0xf) << 4) | (i.src & 0xf);
    view.setInt16(at + 2, i.off, LE);
    view.setInt32(at + 4, i.imm, LE);
  });
  return out;
}
