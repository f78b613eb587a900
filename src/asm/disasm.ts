// Disassembly in the text of `bpftool prog dump xlated` (the kernel's
// kernel/bpf/disasm.c formats plus bpftool's names for calls and map
// references), with source lines from line_info and function signatures.
import { type InsnBuffer, decodeInsns } from "./buffer.js";
import { HELPER_NAMES } from "./helpers.js";
import type { Insn } from "./insn.js";
import { ALU, ATOMIC, CALL, CLASS, INSN_SIZE, JMP, LDIMM64, MODE, PSEUDO, SIZE, SRC, classOf, modeOf, opOf, sizeOf, srcOf } from "./opcodes.js";

/** One line_info record, with its strings already resolved from BTF. */
export interface SourceLine {
  /** Instruction (slot) index the line starts at. */
  readonly insnOff: number;
  /** The source text (leading white space is trimmed when printed). */
  readonly line: string;
  readonly file?: string;
  readonly lineNum?: number;
  readonly lineCol?: number;
}

/** One func_info record with its BTF prototype already printed, e.g. "int f(struct __sk_buff * skb)". */
export interface FuncSignature {
  readonly insnOff: number;
  readonly signature: string;
}

export interface DisasmOptions {
  /**
   * Text after "call " for a call: helpers default to the helper table
   * (consulted first, as the kernel does), then this hook; a bpf-to-bpf call
   * prints "call pc" + this text, by default the signed imm ("+5"); a kfunc
   * defaults to "kernel-function". Return undefined to keep the default.
   */
  callName?(insn: Insn, index: number): string | undefined;
  /**
   * Operand of an ldimm64 ("r1 = TEXT"). Defaults follow bpftool: map[id:N],
   * map[id:N][0]+OFF, map[idx:N]+OFF, subprog[+N], else 0x<imm64>. Return
   * undefined to keep the default.
   */
  ldimm64Text?(insn: Insn, index: number): string | undefined;
  /** line_info records sorted by insnOff; each is printed as "; line" before its instruction. */
  lines?: readonly SourceLine[];
  /** func_info records sorted by insnOff; each is printed as "signature:" before its instruction. */
  funcs?: readonly FuncSignature[];
  /** Append " [file:F line_num:N line_col:C]" to source lines (bpftool's `linum`). */
  linum?: boolean;
  /** Print each instruction's bytes under it (bpftool's `opcodes`). */
  opcodes?: boolean;
}

const ALU_OPS = ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"];
const JMP_OPS = ["jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<="];
const ATOMIC_NAMES: Record<number, string> = { [ATOMIC.ADD]: "add", [ATOMIC.AND]: "and", [ATOMIC.OR]: "or", [ATOMIC.XOR]: "xor" };
const LDST = ["u32", "u16", "u8", "u64"];
const LDSX = ["s32", "s16", "s8", "(null)"];
const MOVSX: Record<number, string> = { 8: "(s8)", 16: "(s16)", 32: "(s32)" };

const hex2 = (n: number): string => n.toString(16).padStart(2, "0");
/** printf "%+d" */
const signed = (n: number): string => (n >= 0 ? `+${n}` : `${n}`);
/** printf "%s" of a possibly missing table entry */
const str = (s: string | undefined): string => s ?? "(null)";

/** Text of one instruction as bpftool prints it after "NNNN: ", e.g. "(b7) r1 = 0". */
export function formatInsn(insns: InsnBuffer, i: number, opts: DisasmOptions = {}): string {
  const code = insns.code(i);
  const dst = insns.dst(i);
  const src = insns.src(i);
  const off = insns.off(i);
  const imm = insns.imm(i);
  const cls = classOf(code);
  const op = opOf(code);
  const c = `(${hex2(code)})`;
  const size = LDST[sizeOf(code) >> 3]!;
  const mem = (reg: number) => `(r${reg} ${signed(off)})`;

  if (cls === CLASS.ALU || cls === CLASS.ALU64) {
    const r = cls === CLASS.ALU ? "w" : "r";
    if (op === ALU.END) {
      if (cls === CLASS.ALU64) return `${c} r${dst} = bswap${imm} r${dst}`;
      return `${c} r${dst} = ${srcOf(code) === SRC.X ? "be" : "le"}${imm} r${dst}`;
    }
    if (op === ALU.NEG) return `${c} ${r}${dst} = -${r}${dst}`;
    if (code === (CLASS.ALU64 | ALU.MOV | SRC.X) && off === 1) return `${c} r${dst} = addr_space_cast(r${src}, ${imm >>> 16}, ${imm & 0xffff})`;
    if (code === (CLASS.ALU64 | ALU.MOV | SRC.X) && off === -1) return `${c} r${dst} = &(void __percpu *)(r${src})`;
    const sdiv = (op === ALU.DIV || op === ALU.MOD) && off === 1;
    const name = sdiv ? (op === ALU.DIV ? "s/=" : "s%=") : str(ALU_OPS[op >> 4]);
    if (srcOf(code) === SRC.X) {
      const sx = op === ALU.MOV ? (MOVSX[off] ?? "") : "";
      return `${c} ${r}${dst} ${name} ${sx}${r}${src}`;
    }
    return `${c} ${r}${dst} ${name} ${imm}`;
  }
  if (cls === CLASS.STX) {
    const mode = modeOf(code);
    if (mode === MODE.MEM) return `${c} *(${size} *)${mem(dst)} = r${src}`;
    if (mode !== MODE.ATOMIC) return `BUG_${hex2(code)}`;
    const bits = sizeOf(code) === SIZE.DW ? "64" : "";
    if (imm === ATOMIC.ADD || imm === ATOMIC.AND || imm === ATOMIC.OR || imm === ATOMIC.XOR) {
      return `${c} lock *(${size} *)${mem(dst)} ${ALU_OPS[imm >> 4]} r${src}`;
    }
    if ((imm & ATOMIC.FETCH) !== 0 && ATOMIC_NAMES[imm & ~ATOMIC.FETCH] !== undefined) {
      return `${c} r${src} = atomic${bits}_fetch_${ATOMIC_NAMES[imm & ~ATOMIC.FETCH]}((${size} *)${mem(dst)}, r${src})`;
    }
    if (imm === ATOMIC.CMPXCHG) return `${c} r0 = atomic${bits}_cmpxchg((${size} *)${mem(dst)}, r0, r${src})`;
    if (imm === ATOMIC.XCHG) return `${c} r${src} = atomic${bits}_xchg((${size} *)${mem(dst)}, r${src})`;
    if (imm === ATOMIC.LOAD_ACQ) return `${c} r${dst} = load_acquire((${size} *)${mem(src)})`;
    if (imm === ATOMIC.STORE_REL) return `${c} store_release((${size} *)${mem(dst)}, r${src})`;
    return `BUG_${hex2(code)}`;
  }
  if (cls === CLASS.ST) {
    if (modeOf(code) === MODE.MEM) return `${c} *(${size} *)${mem(dst)} = ${imm}`;
    if (modeOf(code) === 0xa0) return `${c} nospec`; // kernel-internal speculation barrier
    return `BUG_st_${hex2(code)}`;
  }
  if (cls === CLASS.LDX) {
    const mode = modeOf(code);
    if (mode !== MODE.MEM && mode !== MODE.MEMSX) return `BUG_ldx_${hex2(code)}`;
    const type = mode === MODE.MEM ? size : LDSX[sizeOf(code) >> 3]!;
    return `${c} r${dst} = *(${type} *)${mem(src)}`;
  }
  if (cls === CLASS.LD) {
    const mode = modeOf(code);
    if (mode === MODE.ABS) return `${c} r0 = *(${size} *)skb[${imm}]`;
    if (mode === MODE.IND) return `${c} r0 = *(${size} *)skb[r${src} + ${imm}]`;
    if (code === LDIMM64) return `${c} r${dst} = ${ldimm64Text(insns, i, opts)}`;
    return `BUG_ld_${hex2(code)}`;
  }
  // JMP, JMP32
  if (op === JMP.CALL) {
    const custom = () => opts.callName?.(insns.insn(i), i);
    if (src === CALL.PSEUDO_CALL) return `${c} call pc${custom() ?? signed(imm)}`;
    const helper = src === CALL.HELPER && imm >= 0 ? HELPER_NAMES[imm] : undefined;
    return `${c} call ${helper ?? custom() ?? (src === CALL.KFUNC ? "kernel-function" : "unknown")}#${imm}`;
  }
  if (code === (CLASS.JMP | JMP.JA)) return `${c} goto pc${signed(off)}`;
  if (code === (CLASS.JMP | JMP.JCOND) && src === 0) return `${c} may_goto pc${signed(off)}`;
  if (code === (CLASS.JMP32 | JMP.JA)) return `${c} gotol pc${signed(imm)}`;
  if (code === (CLASS.JMP | JMP.EXIT)) return `${c} exit`;
  const r = cls === CLASS.JMP32 ? "w" : "r";
  const name = str(JMP_OPS[op >> 4]);
  if (srcOf(code) === SRC.X) return `${c} if ${r}${dst} ${name} ${r}${src} goto pc${signed(off)}`;
  return `${c} if ${r}${dst} ${name} 0x${(imm >>> 0).toString(16)} goto pc${signed(off)}`;
}

function ldimm64Text(insns: InsnBuffer, i: number, opts: DisasmOptions): string {
  const hasSecond = i + 1 < insns.length;
  const custom = opts.ldimm64Text?.(hasSecond ? insns.insn(i) : { code: LDIMM64, dst: insns.dst(i), src: insns.src(i), off: insns.off(i), imm: insns.imm(i) }, i);
  if (custom !== undefined) return custom;
  const imm = insns.imm(i) >>> 0;
  const hi = hasSecond ? insns.imm(i + 1) >>> 0 : 0;
  switch (insns.src(i)) {
    case PSEUDO.MAP_FD:
      return `map[id:${imm}]`;
    case PSEUDO.MAP_VALUE:
      return `map[id:${imm}][0]+${hi}`;
    case PSEUDO.MAP_IDX_VALUE:
      return `map[idx:${imm}]+${hi}`;
    case PSEUDO.FUNC:
      return `subprog[${signed(insns.imm(i))}]`;
    default:
      return `0x${((BigInt(hi) << 32n) | BigInt(imm)).toString(16)}`;
  }
}

/** printf("%02hhx") of each byte, separated by spaces (bpftool's fprint_hex for up to 8 bytes). */
function hexBytes(bytes: Uint8Array): string {
  let s = "";
  for (let k = 0; k < bytes.length; k++) s += (k === 0 ? "" : " ") + hex2(bytes[k]!);
  return s;
}

/** C isspace() trim at the start, as bpftool's ltrim. */
const ltrim = (s: string): string => s.replace(/^[ \t\n\v\f\r]+/, "");

/** One source line as bpftool prints it ("; " prefix, optional linum suffix). */
export function formatSourceLine(line: SourceLine, linum = false): string {
  const text = `; ${ltrim(line.line)}`;
  if (!linum) return text;
  return `${text} [file:${line.file ?? ""} line_num:${line.lineNum ?? 0} line_col:${line.lineCol ?? 0}]`;
}

/**
 * A whole program as `bpftool prog dump xlated` prints it (plain text, one
 * line per instruction, "\n"-terminated). Accepts an InsnBuffer, or raw bytes
 * (then validated by decodeInsns, with `littleEndian` defaulting to true).
 */
export function disassemble(insns: InsnBuffer | Uint8Array, opts: DisasmOptions & { littleEndian?: boolean } = {}): string {
  const buf = insns instanceof Uint8Array ? decodeInsns(insns, { littleEndian: opts.littleEndian ?? true }) : insns;
  const out: string[] = [];
  const lines = opts.lines ?? [];
  const funcs = opts.funcs ?? [];
  let nextFunc = 0;
  let nrSkip = 0;
  for (let i = 0; i < buf.length; i++) {
    // Like bpftool: only the next func_info record is compared.
    const func = funcs[nextFunc];
    if (func !== undefined && func.insnOff === i) {
      if (func.signature !== "") out.push(`${func.signature}:`);
      nextFunc++;
    }
    // bpf_prog_linfo__lfind(): the first record at or after nrSkip for this
    // instruction; nrSkip counts the lines printed so far.
    for (let k = nrSkip; k < lines.length; k++) {
      const line = lines[k]!;
      if (i < line.insnOff) break;
      if (i === line.insnOff) {
        out.push(formatSourceLine(line, opts.linum));
        nrSkip++;
        break;
      }
    }
    out.push(`${` ${i}`.padStart(4)}: ${formatInsn(buf, i, opts)}`);
    const double = buf.code(i) === LDIMM64;
    if (opts.opcodes) {
      const end = Math.min(buf.length, i + (double ? 2 : 1)) * INSN_SIZE;
      const first = hexBytes(buf.bytes.subarray(i * INSN_SIZE, i * INSN_SIZE + INSN_SIZE));
      out.push(`       ${first}${end > (i + 1) * INSN_SIZE ? " " + hexBytes(buf.bytes.subarray((i + 1) * INSN_SIZE, end)) : ""}`);
    }
    if (double) i++;
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}
