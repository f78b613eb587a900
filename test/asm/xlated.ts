// Test support: load BPF objects with bpftool and fetch what `bpftool prog dump
// xlated` prints for each program, plus the inputs that text is made from
// (instruction bytes, line_info, func_info, kernel symbols), so that the
// disassembler can be checked against bpftool line for line.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import type { FuncSignature, SourceLine } from "../../src/asm/index.js";

export interface XlatedProgram {
  name: string;
  id: number;
  /** Instruction bytes (host order) as the kernel translated them. */
  bytes: Uint8Array;
  lines: SourceLine[];
  funcs: FuncSignature[];
  /** bpftool's per-instruction text (JSON "disasm"), by slot index. */
  disasm: Map<number, string>;
  /** bpftool's plain outputs. */
  plainLinum: string;
  plainOpcodes: string;
}

/** Why bpftool-backed tests cannot run here, or undefined. */
export function bpftoolSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root to load programs";
  const r = spawnSync("bpftool", ["version"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) return "bpftool is not installed";
  if (!readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === "/sys/fs/bpf" && l.split(" ")[2] === "bpf")) {
    const m = spawnSync("mount", ["-t", "bpf", "bpf", "/sys/fs/bpf"], { encoding: "utf8" });
    if (m.status !== 0) return `bpffs is not mounted and mounting it failed: ${m.stderr.trim()}`;
  }
  return undefined;
}

const bpftool = (...args: string[]): string => execFileSync("bpftool", args, { encoding: "utf8", maxBuffer: 1 << 28 });

interface JsonInsn {
  proto?: string;
  src?: string;
  file?: string;
  line_num?: number;
  line_col?: number;
  disasm: string;
  opcodes?: { code: string; src_reg: string; dst_reg: string; off: string[]; imm: string[] };
}

/** Loads every program of an object, calls `use` on each, then unloads them (pins removed). */
export function withLoadedObject(objectPath: string, tag: string, use: (progs: XlatedProgram[]) => void): void {
  const dir = `/sys/fs/bpf/corebpf-asm-${process.pid}-${tag}`;
  rmSync(dir, { recursive: true, force: true });
  try {
    bpftool("prog", "loadall", objectPath, dir);
    const progs = readdirSync(dir).sort().map((name) => fetchProgram(`${dir}/${name}`, name));
    use(progs);
  } finally {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

function fetchProgram(pin: string, name: string): XlatedProgram {
  const id = (JSON.parse(bpftool("-j", "prog", "show", "pinned", pin)) as { id: number }).id;
  const idArg = String(id);
  // bpftool 7.1 refuses `opcodes linum` together in JSON mode: ask twice.
  const withOpcodes = JSON.parse(bpftool("-j", "prog", "dump", "xlated", "id", idArg, "opcodes")) as JsonInsn[];
  const withLinum = JSON.parse(bpftool("-j", "prog", "dump", "xlated", "id", idArg, "linum")) as JsonInsn[];
  const chunks: number[] = [];
  const lines: SourceLine[] = [];
  const funcs: FuncSignature[] = [];
  const disasm = new Map<number, string>();
  let slot = 0;
  withOpcodes.forEach((insn, k) => {
    const o = insn.opcodes!;
    const num = (s: string) => Number.parseInt(s, 16);
    chunks.push(num(o.code), (num(o.src_reg) << 4) | num(o.dst_reg), ...o.off.map(num), ...o.imm.map(num));
    const linum = withLinum[k]!;
    if (insn.proto !== undefined) funcs.push({ insnOff: slot, signature: insn.proto });
    if (insn.src !== undefined) {
      lines.push({
        insnOff: slot,
        line: insn.src,
        ...(linum.file === undefined ? {} : { file: linum.file }),
        lineNum: linum.line_num ?? 0,
        lineCol: linum.line_col ?? 0,
      });
    }
    disasm.set(slot, insn.disasm);
    slot += o.imm.length === 12 ? 2 : 1;
  });
  return {
    name,
    id,
    bytes: Uint8Array.from(chunks),
    lines,
    funcs,
    disasm,
    plainLinum: bpftool("prog", "dump", "xlated", "id", idArg, "linum"),
    plainOpcodes: bpftool("prog", "dump", "xlated", "id", idArg, "opcodes"),
  };
}

/** /proc/kallsyms as bpftool reads it: exact address to name, plus names by suffix. */
export class KernelSymbols {
  readonly byAddress = new Map<bigint, string>();
  readonly callBase: bigint;

  constructor() {
    for (const line of readFileSync("/proc/kallsyms", "utf8").split("\n")) {
      const [addr, , name] = line.split(/\s+/);
      if (addr === undefined || name === undefined) continue;
      const a = BigInt("0x" + addr);
      // bpftool keeps the first symbol of a duplicated address after sorting; first seen is close enough for functions.
      if (!this.byAddress.has(a)) this.byAddress.set(a, name);
    }
    const base = [...this.byAddress].find(([, n]) => n === "__bpf_call_base");
    if (base === undefined) throw new Error("__bpf_call_base is not in /proc/kallsyms");
    this.callBase = base[0];
  }

  /** bpftool's print_call_helper(): the symbol at __bpf_call_base + imm, else its address. */
  helperName(imm: number): string {
    const address = BigInt.asUintN(64, this.callBase + BigInt(imm));
    return this.byAddress.get(address) ?? `0x${address.toString(16)}`;
  }

  /** The JITed symbol of a subprogram, "bpf_prog_<tag>_<name>", when exactly one such symbol exists. */
  subprogSymbol(funcName: string): string | undefined {
    const re = new RegExp(`^bpf_prog_[0-9a-f]{16}_${funcName}$`);
    const found = new Set([...this.byAddress.values()].filter((n) => re.test(n)));
    return found.size === 1 ? [...found][0] : undefined;
  }
}
