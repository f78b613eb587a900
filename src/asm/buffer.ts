// A validated instruction stream kept as its bytes: fields are read on demand
// from one DataView, so decoding a program allocates nothing per instruction.
import { AsmError } from "../errors.js";
import { type Insn, readDst, readImm64, readInsn, readSrc, viewOf, writeInsn, writeSlot } from "./insn.js";
import { INSN_SIZE, LDIMM64 } from "./opcodes.js";
import { invalidReason, invalidSecondSlot } from "./validate.js";

export interface DecodeOptions {
  /** Byte order of the instructions (the ELF file's). Default true. */
  littleEndian?: boolean;
  /** Names the stream in errors (an ELF section or program name). */
  section?: string;
  /** Byte offset of the stream inside its file, added to error offsets. */
  baseOffset?: number;
}

/** Slot kinds of InsnBuffer.slotKind(). */
export const SLOT = { SINGLE: 0, LDIMM64: 1, LDIMM64_SECOND: 2 } as const;

export class InsnBuffer {
  /** The instruction bytes (a view: setters write through to them). */
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  /** Number of 8-byte slots; instruction indexes count slots, as the kernel does. */
  readonly length: number;
  readonly #view: DataView;

  /** @internal use decodeInsns() or encodeInsns() */
  constructor(bytes: Uint8Array, littleEndian: boolean) {
    this.bytes = bytes;
    this.littleEndian = littleEndian;
    this.length = bytes.length / INSN_SIZE;
    this.#view = viewOf(bytes);
  }

  code(i: number): number {
    return this.#view.getUint8(i * INSN_SIZE);
  }
  dst(i: number): number {
    return readDst(this.#view, i * INSN_SIZE, this.littleEndian);
  }
  src(i: number): number {
    return readSrc(this.#view, i * INSN_SIZE, this.littleEndian);
  }
  off(i: number): number {
    return this.#view.getInt16(i * INSN_SIZE + 2, this.littleEndian);
  }
  imm(i: number): number {
    return this.#view.getInt32(i * INSN_SIZE + 4, this.littleEndian);
  }
  /** The 64-bit immediate of the ldimm64 starting at slot i. */
  imm64(i: number): bigint {
    return readImm64(this.#view, i * INSN_SIZE, this.littleEndian);
  }
  isLdImm64(i: number): boolean {
    return this.code(i) === LDIMM64;
  }

  /** SLOT.SINGLE, SLOT.LDIMM64 (first slot) or SLOT.LDIMM64_SECOND. Walks from the start: O(i). */
  slotKind(i: number): number {
    let s = 0;
    while (s < i) s += this.isLdImm64(s) ? 2 : 1;
    if (s > i) return SLOT.LDIMM64_SECOND;
    return this.isLdImm64(i) ? SLOT.LDIMM64 : SLOT.SINGLE;
  }

  /** The instruction starting at slot i as a plain record. */
  insn(i: number): Insn {
    return readInsn(this.#view, i * INSN_SIZE, this.littleEndian);
  }

  /** Slot indexes where instructions start (second ldimm64 slots skipped). */
  *starts(): Generator<number> {
    for (let i = 0; i < this.length; i += this.isLdImm64(i) ? 2 : 1) yield i;
  }

  /** Every instruction as a record, with its slot index. */
  toArray(): { index: number; insn: Insn }[] {
    const out: { index: number; insn: Insn }[] = [];
    for (const i of this.starts()) out.push({ index: i, insn: this.insn(i) });
    return out;
  }

  setImm(i: number, imm: number): void {
    this.#view.setInt32(i * INSN_SIZE + 4, imm, this.littleEndian);
  }
  setOff(i: number, off: number): void {
    this.#view.setInt16(i * INSN_SIZE + 2, off, this.littleEndian);
  }
  setSrc(i: number, src: number): void {
    writeSlot(this.#view, i * INSN_SIZE, this.littleEndian, this.code(i), this.dst(i), src, this.off(i), this.imm(i));
  }
  /** Sets both halves of the ldimm64 starting at slot i. */
  setImm64(i: number, value: bigint): void {
    this.setImm(i, Number(BigInt.asIntN(32, value)));
    this.setImm(i + 1, Number(BigInt.asIntN(32, value >> 32n)));
  }
  /** Overwrites the instruction at slot i (an ldimm64 takes two slots). */
  set(i: number, insn: Insn): void {
    writeInsn(this.#view, i * INSN_SIZE, this.littleEndian, insn);
  }

  /** A copy with its own bytes, to patch without touching the source (e.g. an ELF section). */
  clone(): InsnBuffer {
    return new InsnBuffer(this.bytes.slice(), this.littleEndian);
  }
}

function asmError(message: string, index: number, opts: DecodeOptions, hint: string): AsmError {
  const offset = (opts.baseOffset ?? 0) + index * INSN_SIZE;
  return new AsmError("ASM_INVALID_INSN", `insn ${index} (byte offset ${offset}): ${message}`, {
    insn: index,
    offset,
    hint,
    ...(opts.section === undefined ? {} : { section: opts.section }),
  });
}

/**
 * Validates an instruction stream against the ISA and returns it as an
 * InsnBuffer over the same bytes (no copy). Throws AsmError naming the
 * instruction index and byte offset of the first invalid slot.
 */
export function decodeInsns(bytes: Uint8Array, opts: DecodeOptions = {}): InsnBuffer {
  const le = opts.littleEndian ?? true;
  if (bytes.length % INSN_SIZE !== 0) {
    const index = Math.floor(bytes.length / INSN_SIZE);
    throw asmError(`${bytes.length} bytes is not a whole number of 8-byte instructions`, index, opts, "the code section is truncated");
  }
  const view = viewOf(bytes);
  const count = bytes.length / INSN_SIZE;
  for (let i = 0; i < count; i++) {
    const at = i * INSN_SIZE;
    const code = view.getUint8(at);
    const reason = invalidReason(code, readDst(view, at, le), readSrc(view, at, le), view.getInt16(at + 2, le), view.getInt32(at + 4, le));
    if (reason !== undefined) throw asmError(`${reason} (opcode 0x${code.toString(16).padStart(2, "0")})`, i, opts, "not a valid eBPF instruction");
    if (code !== LDIMM64) continue;
    if (i + 1 >= count) throw asmError("ldimm64 is truncated: its second slot is missing", i, opts, "an ldimm64 takes 16 bytes");
    const second = invalidSecondSlot(view.getUint8(at + 8), readDst(view, at + 8, le), readSrc(view, at + 8, le), view.getInt16(at + 10, le));
    if (second !== undefined) throw asmError(second, i + 1, opts, "the ldimm64 is corrupt");
    i++;
  }
  return new InsnBuffer(bytes, le);
}

/**
 * An InsnBuffer over bytes without validation, for streams the ISA check would
 * refuse on purpose (the kernel's translated programs use internal forms).
 */
export function wrapInsns(bytes: Uint8Array, littleEndian = true): InsnBuffer {
  if (bytes.length % INSN_SIZE !== 0) throw asmError(`${bytes.length} bytes is not a whole number of 8-byte instructions`, Math.floor(bytes.length / INSN_SIZE), {}, "the stream is truncated");
  return new InsnBuffer(bytes, littleEndian);
}

/** Encodes instructions (an ldimm64 record fills two slots) into a new buffer; no validation. */
export function encodeInsns(insns: readonly Insn[], littleEndian = true): InsnBuffer {
  let slots = 0;
  for (const insn of insns) slots += insn.code === LDIMM64 ? 2 : 1;
  const bytes = new Uint8Array(slots * INSN_SIZE);
  const view = viewOf(bytes);
  let at = 0;
  for (const insn of insns) at += writeInsn(view, at, littleEndian, insn);
  return new InsnBuffer(bytes, littleEndian);
}

/** Validates one instruction record; throws AsmError (index = position in the caller's list). */
export function checkInsn(insn: Insn, index = 0): void {
  const reason = invalidReason(insn.code, insn.dst, insn.src, insn.off, insn.imm);
  if (reason !== undefined) throw asmError(`${reason} (opcode 0x${insn.code.toString(16).padStart(2, "0")})`, index, {}, "not a valid eBPF instruction");
}
