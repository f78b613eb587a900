// Linking one entry program the way libbpf does it before PROG_LOAD
// (bpf_object__reloc_code): walk the program; at the first call (or callback
// address) into a subprogram not yet appended, append it and walk it at once,
// depth first; then point the call at the subprogram's place. func_info,
// line_info and CO-RE records follow each function to its new place. Finally
// map, global and extern references take their pseudo forms (fds left 0).
import { ObjectError } from "../errors.js";
import { CALL, CLASS, INSN_SIZE, type InsnBuffer, JMP, LDIMM64, PSEUDO, wrapInsns } from "../asm/index.js";
import type { Btf } from "../btf/index.js";
import type { BtfExt } from "./btf-ext.js";
import type { FunctionExt } from "./ext-index.js";
import type { RawFunction } from "./functions.js";
import { type FunctionRelocations, isSubprogCall } from "./relocations.js";
import type { CoreRelocation, FuncInfo, InsnRelocation, LineInfo, LinkedFunction } from "./types.js";

const CALL_CODE = CLASS.JMP | JMP.CALL;

export interface LinkInputs {
  readonly functions: readonly RawFunction[];
  readonly relocations: readonly FunctionRelocations[];
  readonly ext: readonly FunctionExt[];
  readonly btfExt: BtfExt | undefined;
  readonly btf: Btf | undefined;
  readonly littleEndian: boolean;
  /** Exception callback (function index) of each entry function, from BTF decl tags. */
  readonly exceptionCallbacks: Map<number, number>;
}

export interface LinkedProgram {
  readonly insns: InsnBuffer;
  readonly functions: LinkedFunction[];
  readonly relocations: InsnRelocation[];
  readonly funcInfo: FuncInfo[];
  readonly lineInfo: LineInfo[];
  readonly coreRelocations: CoreRelocation[];
}

class Linker {
  readonly #in: LinkInputs;
  readonly #main: RawFunction;
  #bytes = new Uint8Array(0);
  #buf: InsnBuffer = wrapInsns(new Uint8Array(0));
  #length = 0;
  /** Where each function was appended, -1 when it was not. */
  readonly #placed: Int32Array;
  readonly functions: LinkedFunction[] = [];
  readonly relocations: InsnRelocation[] = [];
  funcInfo: FuncInfo[] | undefined;
  lineInfo: LineInfo[] | undefined;
  readonly core: CoreRelocation[] = [];

  constructor(inputs: LinkInputs, main: number) {
    this.#in = inputs;
    this.#main = inputs.functions[main]!;
    this.#placed = new Int32Array(inputs.functions.length).fill(-1);
  }

  link(main: number): LinkedProgram {
    this.#append(main);
    this.#walk(main);
    const cb = this.#in.exceptionCallbacks.get(main);
    if (cb !== undefined && this.#placed[cb]! < 0) {
      this.#append(cb);
      this.#walk(cb);
    }
    for (const r of this.relocations) this.#applyData(r);
    return {
      insns: wrapInsns(this.#bytes.slice(0, this.#length * INSN_SIZE), this.#in.littleEndian),
      functions: this.functions,
      relocations: this.relocations,
      funcInfo: this.funcInfo ?? [],
      lineInfo: this.lineInfo ?? [],
      coreRelocations: this.core,
    };
  }

  #append(fi: number): void {
    const f = this.#in.functions[fi]!;
    const base = this.#length;
    const need = (base + f.length) * INSN_SIZE;
    if (need > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.#bytes.length * 2, 64 * INSN_SIZE));
      grown.set(this.#bytes.subarray(0, base * INSN_SIZE));
      this.#bytes = grown;
      this.#buf = wrapInsns(grown, this.#in.littleEndian);
    }
    this.#bytes.set(f.insns.bytes, base * INSN_SIZE);
    this.#length += f.length;
    this.#placed[fi] = base;
    this.functions.push({ name: f.name, start: base, length: f.length });
    for (const r of this.#in.relocations[fi]!.list) {
      // libbpf marks callback loads before linking so that the walk sees them.
      if (r.kind === "callback") this.#buf.setSrc(base + r.insn, PSEUDO.FUNC);
      this.relocations.push({ ...r, insn: r.insn + base });
    }
  }

  /**
   * libbpf's bpf_object__reloc_code, with an explicit stack instead of
   * recursion: a call into a function not yet placed appends it and walks it
   * first; the caller's instruction is fixed when the walk comes back to it.
   */
  #walk(root: number): void {
    const stack: { fi: number; i: number }[] = [{ fi: root, i: 0 }];
    this.#extInfo(root, this.#placed[root]!);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const f = this.#in.functions[frame.fi]!;
      const code = f.insns.bytes;
      // Only calls and ldimm64 matter; the opcode byte is read before anything else.
      while (frame.i < f.length && code[frame.i * 8] !== CALL_CODE && code[frame.i * 8] !== LDIMM64) frame.i++;
      if (frame.i >= f.length) {
        stack.pop();
        continue;
      }
      const target = this.#callTarget(frame.fi, frame.i);
      if (target !== undefined && this.#placed[target]! < 0) {
        this.#append(target);
        this.#extInfo(target, this.#placed[target]!);
        stack.push({ fi: target, i: 0 });
        continue;
      }
      if (target !== undefined) {
        const at = this.#placed[frame.fi]! + frame.i;
        this.#buf.setImm(at, this.#placed[target]! - at - 1);
      }
      frame.i++;
    }
  }

  /** The function a call or callback load reaches (undefined for other instructions and kfunc calls). */
  #callTarget(fi: number, i: number): number | undefined {
    const f = this.#in.functions[fi]!;
    const at = this.#placed[fi]! + i;
    const pseudoFunc = f.insns.code(i) === LDIMM64 && this.#buf.src(at) === PSEUDO.FUNC;
    if (!pseudoFunc && !isSubprogCall(f, i)) return undefined;
    const rels = this.#in.relocations[fi]!;
    const reloc = rels.list.find((r) => r.insn === i);
    if (reloc?.kind === "kfunc") return undefined;
    if (reloc !== undefined && reloc.kind !== "call" && reloc.kind !== "callback") {
      throw this.#error(f, i, `a ${reloc.kind} relocation on a bpf-to-bpf call or callback load`, "the instruction and its relocation disagree");
    }
    if (reloc === undefined && pseudoFunc) throw this.#error(f, i, "callback load (BPF_PSEUDO_FUNC) without a relocation", "clang always emits one");
    return rels.targets.get(i)!;
  }

  /** Appends a function's func_info, line_info and CO-RE records (libbpf's reloc_prog_func_and_line_info). */
  #extInfo(fi: number, base: number): void {
    const ext = this.#in.ext[fi]!;
    const f = this.#in.functions[fi]!;
    const shift = base - f.offset;
    const isMain = f === this.#main;
    if (this.#in.btfExt !== undefined) {
      if (isMain || this.funcInfo !== undefined) {
        const r = ext.funcInfo;
        if (r === undefined && !isMain) throw this.#error(f, 0, "missing .BTF.ext function info", "every function of a program with func_info needs its own record");
        if (r !== undefined) {
          const list = (this.funcInfo ??= []);
          for (let k = r.start; k < r.end; k++) list.push({ insn: r.section.insnOff[k]! / 8 + shift, typeId: r.section.typeId[k]! });
        }
      }
      if (isMain || this.lineInfo !== undefined) {
        const r = ext.lineInfo;
        if (r === undefined && !isMain) throw this.#error(f, 0, "missing .BTF.ext line info", "every function of a program with line_info needs its own records");
        if (r !== undefined) {
          const list = (this.lineInfo ??= []);
          const s = r.section;
          for (let k = r.start; k < r.end; k++) {
            const lc = s.lineCol[k]!;
            list.push({ insn: s.insnOff[k]! / 8 + shift, fileNameOff: s.fileNameOff[k]!, lineOff: s.lineOff[k]!, lineNum: lc >>> 10, lineCol: lc & 0x3ff });
          }
        }
      }
    }
    for (const { section: s, record: k } of ext.core) {
      const local = s.insnOff[k]! / 8 - f.offset;
      this.core.push({
        insn: base + local,
        typeId: s.typeId[k]!,
        accessString: this.#in.btf!.string(s.accessStrOff[k]!),
        kind: s.kind[k]!,
        function: f.name,
        functionInsn: local,
        record: k,
      });
    }
  }

  /** The pseudo forms of libbpf's bpf_object__relocate_data, with every fd and kernel id left 0. */
  #applyData(r: InsnRelocation): void {
    const buf = this.#buf;
    const i = r.insn;
    switch (r.kind) {
      case "map":
        buf.setSrc(i, PSEUDO.MAP_FD);
        buf.setImm(i, 0);
        break;
      case "data":
      case "kconfig":
        buf.setSrc(i, PSEUDO.MAP_VALUE);
        buf.setImm(i, 0);
        buf.setImm(i + 1, r.offset);
        break;
      case "ksym":
        buf.setImm(i, 0);
        buf.setImm(i + 1, 0);
        break;
      case "kfunc":
        buf.setSrc(i, CALL.KFUNC);
        buf.setImm(i, 0);
        buf.setOff(i, 0);
        break;
      default:
        break;
    }
  }

  #error(f: RawFunction, i: number, message: string, hint: string): ObjectError {
    return new ObjectError("OBJ_BAD_LINK", `program '${this.#main.name}': function '${f.name}' insn ${i}: ${message}`, {
      program: this.#main.name,
      section: f.section,
      offset: (f.offset + i) * INSN_SIZE,
      insn: i,
      hint,
    });
  }
}

export function linkProgram(inputs: LinkInputs, main: number): LinkedProgram {
  return new Linker(inputs, main).link(main);
}
