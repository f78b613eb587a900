// The last instruction fix-ups before PROG_LOAD (libbpf's
// bpf_object__relocate_data): map fds into ldimm64s, .kconfig offsets, the
// place of __arena variables in the arena, ksym addresses or BTF ids, kfunc
// BTF ids and fd_array indexes. References to maps that were not created and
// calls to unresolved weak kfuncs become invalid helper calls, which the
// verifier reports only if they are reached.
import { type InsnBuffer, PSEUDO, CALL } from "../../asm/index.js";
import type { ProgramSpec } from "../../obj/index.js";
import type { Map as BpfMap } from "../map.js";
import type { KsymValue } from "./ksyms.js";

/** libbpf's POISON_LDIMM64_MAP_BASE: "call unknown#2001000000 + map index". */
export const POISON_MAP_BASE = 2001000000;
/** libbpf's POISON_CALL_KFUNC_BASE: "call unknown#2002000000 + extern index". */
export const POISON_KFUNC_BASE = 2002000000;

const CALL_OP = 0x85;

export interface FixupContext {
  /** Created maps by index in the object's maps (undefined: not created). */
  maps: readonly (BpfMap | undefined)[];
  /** Ksym resolutions by extern index. */
  ksyms: readonly (KsymValue | undefined)[];
  /** The arena (by map index) and where its __arena variables start in it. */
  arena?: { readonly index: number; readonly dataOffset: number } | undefined;
}

function poison(insns: InsnBuffer, at: number, slots: number, imm: number): void {
  for (let i = 0; i < slots; i++) insns.set(at + i, { code: CALL_OP, dst: 0, src: 0, off: 0, imm });
}

/** Patches `insns` (the program's relocated copy) in place. */
export function applyLoadFixups(program: ProgramSpec, insns: InsnBuffer, ctx: FixupContext): void {
  for (const r of program.relocations) {
    switch (r.kind) {
      case "map":
      case "data":
      case "kconfig": {
        const map = ctx.maps[r.map];
        if (map === undefined) {
          poison(insns, r.insn, 2, POISON_MAP_BASE + r.map);
          break;
        }
        insns.setSrc(r.insn, r.kind === "map" ? PSEUDO.MAP_FD : PSEUDO.MAP_VALUE);
        insns.setImm(r.insn, map.fd.value);
        if (r.kind !== "map") insns.setImm(r.insn + 1, r.offset + (ctx.arena?.index === r.map ? ctx.arena.dataOffset : 0));
        break;
      }
      case "ksym": {
        const v = ctx.ksyms[r.extern];
        if (v?.set && v.btfId !== 0) {
          insns.setSrc(r.insn, PSEUDO.BTF_ID);
          insns.setImm(r.insn, v.btfId);
          insns.setImm(r.insn + 1, v.btfObjFd);
        } else {
          const addr = v?.addr ?? 0n;
          insns.setImm(r.insn, Number(BigInt.asIntN(32, addr)));
          insns.setImm(r.insn + 1, Number(BigInt.asIntN(32, addr >> 32n)));
        }
        break;
      }
      case "kfunc": {
        const v = ctx.ksyms[r.extern];
        if (v?.set) {
          insns.setSrc(r.insn, CALL.KFUNC);
          insns.setImm(r.insn, v.btfId);
          insns.setOff(r.insn, v.fdIndex);
        } else {
          poison(insns, r.insn, 1, POISON_KFUNC_BASE + r.extern);
        }
        break;
      }
      default:
        break; // calls and callbacks were linked by the object model
    }
  }
}
