// The public shapes of a BPF object model: plain read-only records (the "Spec"
// halves of DESIGN.md's Spec/live pairs). Maps and externs are referred to by
// their index in ObjectSpec.maps / ObjectSpec.externs, functions by name.
import type { InsnBuffer } from "../asm/index.js";
import type { SectionInfo } from "./section-defs.js";

/** What an ELF section is to the object model. */
export type SectionKind =
  | "code" // executable, holds programs
  | "text" // .text: subprograms only
  | "maps" // .maps: BTF-defined maps
  | "data" // .data, .data.*
  | "rodata" // .rodata, .rodata.*
  | "bss" // .bss, .bss.*
  | "struct_ops" // .struct_ops, .struct_ops.link (and their ? forms)
  | "arena" // .addr_space.1
  | "license"
  | "version"
  | "btf"
  | "btf_ext"
  | "relocations"
  | "symbols"
  | "strings"
  | "other"; // skipped, as libbpf skips it

export interface SectionSpec {
  readonly index: number;
  readonly name: string;
  readonly kind: SectionKind;
  /** sh_type. */
  readonly type: number;
  /** Size in bytes (in memory for .bss). */
  readonly size: number;
  /** For relocation sections, the index of the section they apply to. */
  readonly target?: number;
}

/** One instruction relocation, resolved. `insn` is an instruction (slot) index in its program or function. */
export type InsnRelocation =
  /** ldimm64 of a map: src_reg BPF_PSEUDO_MAP_FD, imm = the map's fd (0 in the model). */
  | { readonly kind: "map"; readonly insn: number; readonly map: number }
  /**
   * ldimm64 of a global variable: src_reg BPF_PSEUDO_MAP_VALUE, imm = fd, second imm = offset (the addend included).
   * For an __arena variable `map` is the ARENA map and the offset is into its data (.addr_space.1); a loader adds
   * where that data sits in the arena.
   */
  | { readonly kind: "data"; readonly insn: number; readonly map: number; readonly offset: number }
  /** ldimm64 of a .kconfig extern: BPF_PSEUDO_MAP_VALUE into the .kconfig map at the extern's offset. */
  | { readonly kind: "kconfig"; readonly insn: number; readonly map: number; readonly extern: number; readonly offset: number }
  /** ldimm64 of a .ksyms variable: the loader writes BPF_PSEUDO_BTF_ID (typed) or the address (untyped); 0 in the model. */
  | { readonly kind: "ksym"; readonly insn: number; readonly extern: number }
  /** call of a kfunc: src_reg BPF_PSEUDO_KFUNC_CALL; the loader writes imm = BTF id, off = fd_array index (0 in the model). */
  | { readonly kind: "kfunc"; readonly insn: number; readonly extern: number }
  /** bpf-to-bpf call (pseudo call); applied: imm is the relative offset of `target` in the linked program. */
  | { readonly kind: "call"; readonly insn: number; readonly target: string }
  /** ldimm64 of a function address (BPF_PSEUDO_FUNC, callbacks); applied like a call. */
  | { readonly kind: "callback"; readonly insn: number; readonly target: string };

export type InsnRelocationKind = InsnRelocation["kind"];

/** One function of a code section, before linking (libbpf's bpf_program, subprograms included). */
export interface FunctionSpec {
  readonly name: string;
  readonly section: string;
  readonly sectionIndex: number;
  /** First instruction inside the section. */
  readonly offset: number;
  readonly length: number;
  /** STB_GLOBAL or STB_WEAK. */
  readonly global: boolean;
  /** Global with hidden/internal visibility: libbpf marks its BTF FUNC static. */
  readonly hidden: boolean;
  /** A .text function: never loaded on its own. */
  readonly subprogram: boolean;
  /** The instructions as in the file (a view of the ELF section, not to be patched). */
  readonly insns: InsnBuffer;
  /** Relocations by instruction index inside the function, in ascending order. */
  readonly relocations: readonly InsnRelocation[];
}

export interface FuncInfo {
  /** Instruction index in the program. */
  readonly insn: number;
  /** BTF id of the FUNC in the object's BTF. */
  readonly typeId: number;
}

export interface LineInfo {
  readonly insn: number;
  /** String offsets into the object's .BTF. */
  readonly fileNameOff: number;
  readonly lineOff: number;
  readonly lineNum: number;
  readonly lineCol: number;
}

/** One CO-RE relocation of a program, from .BTF.ext. */
export interface CoreRelocation {
  /** Instruction index in the linked program. */
  readonly insn: number;
  /** BTF id of the local root type (object BTF). */
  readonly typeId: number;
  /** Access spec, e.g. "0:1:2". */
  readonly accessString: string;
  /** bpf_core_relo_kind (0..12). */
  readonly kind: number;
  /** The function the instruction belongs to, and its index inside that function. */
  readonly function: string;
  readonly functionInsn: number;
  /** Index of the record in its .BTF.ext section (libbpf's "relo #N"). */
  readonly record: number;
}

/** A part of a linked program: the main function at 0, then each appended subprogram. */
export interface LinkedFunction {
  readonly name: string;
  readonly start: number;
  readonly length: number;
}

/** An entry-point program, linked as libbpf sends it to the kernel. */
export interface ProgramSpec {
  /** The function symbol's name (libbpf names programs by it). */
  readonly name: string;
  /** Section name without the leading '?'. */
  readonly section: string;
  readonly sectionIndex: number;
  /** False for SEC("?...") programs. */
  readonly autoload: boolean;
  readonly type: number;
  readonly expectedAttachType: number;
  /** Section name after its prefix ("sched/sched_switch"), undefined without one. */
  readonly attachTarget: string | undefined;
  /** prog_flags implied by the section (BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS). */
  readonly progFlags: number;
  /** The SEC() table entry, or undefined for a section name libbpf does not know (allowed by an option). */
  readonly sectionInfo: SectionInfo | undefined;
  readonly global: boolean;
  readonly hidden: boolean;
  /**
   * Linked instructions in the object's byte order: subprograms appended and
   * calls fixed, map and global references in pseudo form with fd 0, kfunc
   * calls as BPF_PSEUDO_KFUNC_CALL with imm 0; CO-RE not applied.
   */
  readonly insns: InsnBuffer;
  readonly functions: readonly LinkedFunction[];
  /** Every relocation of the linked program (main function first, then subprograms in append order). */
  readonly relocations: readonly InsnRelocation[];
  readonly funcInfo: readonly FuncInfo[];
  readonly lineInfo: readonly LineInfo[];
  readonly coreRelocations: readonly CoreRelocation[];
  /** Record sizes to declare to the kernel with funcInfo/lineInfo. */
  readonly funcInfoRecSize: number;
  readonly lineInfoRecSize: number;
}

export type MapKind = "btf" | "data" | "rodata" | "bss" | "kconfig" | "struct_ops";

/** An initial value of a prog array or map-in-map slot (from .rel.maps). */
export interface MapSlot {
  readonly index: number;
  /** A program name (prog arrays) ... */
  readonly program?: string;
  /** ... or a map name (array/hash of maps). */
  readonly map?: string;
}

/** One variable of a global data map (from its DATASEC, offsets as libbpf fixes them). */
export interface VariableSpec {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  /** BTF id of the VAR and of its type. */
  readonly varId: number;
  readonly typeId: number;
  /** VarLinkage after libbpf's fix-up (hidden globals become static). */
  readonly linkage: number;
  readonly hidden: boolean;
}

/** A struct_ops member bound to a program. */
export interface StructOpsMember {
  readonly member: string;
  readonly memberIndex: number;
  /** Byte offset in the struct. */
  readonly offset: number;
  readonly program: string;
}

export interface MapSpec {
  /** libbpf's name: the variable's for .maps and struct_ops, a truncated "object.section" for global data. */
  readonly name: string;
  readonly kind: MapKind;
  /** Section the map comes from (".maps", ".rodata", ".kconfig"...). */
  readonly section: string;
  /** ELF section index (for .kconfig, the symbol table's, as libbpf records it). */
  readonly sectionIndex: number;
  /** Offset of the definition or data inside its section. */
  readonly sectionOffset: number;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  /** As written; a loader rounds ring buffer sizes to a page multiple and fills 0 for perf event arrays. */
  readonly maxEntries: number;
  readonly flags: number;
  readonly numaNode: number;
  readonly mapExtra: bigint;
  readonly pinning: number;
  /** BTF ids in the object's BTF, 0 when none. */
  readonly keyTypeId: number;
  readonly valueTypeId: number;
  /** BTF id of the VAR (.maps, .struct_ops), 0 otherwise. */
  readonly varId: number;
  /** The inner map definition of a map-in-map (named "<outer>.inner"). */
  readonly inner?: MapSpec;
  /** Initial slots of prog arrays and maps of maps. */
  readonly slots: readonly MapSlot[];
  /** Initial value (global data, struct_ops, an arena's .addr_space.1 variables); undefined for zero-filled .bss/.kconfig. */
  readonly data?: Uint8Array;
  /** Variables of global data maps (and of the arena: its __arena variables), by offset. */
  readonly variables: readonly VariableSpec[];
  /** struct_ops: members bound to programs. */
  readonly structOps?: readonly StructOpsMember[];
  /** False for SEC("?.struct_ops") maps. */
  readonly autocreate: boolean;
}

export type KconfigType = "bool" | "tristate" | "char" | "int" | "char_array";

export interface ExternSpec {
  readonly name: string;
  /** Name without a "___flavor" suffix (what the loader looks up). */
  readonly essentialName: string;
  readonly kind: "kconfig" | "ksym";
  readonly weak: boolean;
  /** BTF id of the VAR or FUNC, and of its DATASEC. */
  readonly btfId: number;
  readonly datasecId: number;
  readonly symbolIndex: number;
  /** kconfig externs: value type and place in the .kconfig map. */
  readonly kconfig?: { readonly type: KconfigType; readonly size: number; readonly align: number; readonly signed: boolean; readonly offset: number };
  /** ksym externs: a kfunc (FUNC) or a variable; typeId is the variable's type with modifiers skipped (0: untyped, `void`) or the FUNC_PROTO. */
  readonly ksym?: { readonly func: boolean; readonly typeId: number };
}

/** A DATASEC as libbpf fixes it at open: size from the ELF section, global VAR offsets from symbols, hidden → static, sorted by offset. */
export interface DatasecLayout {
  readonly typeId: number;
  readonly name: string;
  readonly size: number;
  /** Secinfos in their fixed order; `linkage` is the VAR's linkage after the fix-up. */
  readonly vars: readonly { readonly varId: number; readonly offset: number; readonly size: number; readonly linkage: number }[];
}
