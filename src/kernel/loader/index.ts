// The object loader: open -> CO-RE -> BTF -> maps -> externs -> programs.
export { openObject, loadObject, OpenedObject, sanitizePinPath } from "./object.js";
export { BpfObject, type LoadedProgram } from "./bpf-object.js";
export { Globals, type GlobalVariable, type GlobalStorage } from "./globals.js";
export type { LoadOptions, OpenOptions, ProgramSettings, MapSettings, LoadLog } from "./settings.js";
export { coreTarget } from "./load.js";
export { loadableObjectBtf, sanitize as sanitizeBtf, FULL_BTF_SUPPORT, type BtfSupport } from "./btf-fixup.js";
export { BtfEditor } from "./btf-edit.js";
export { resolveKconfig, parseKconfigLines, parseKconfigNumber, type KconfigSources, type VirtualKconfig } from "./kconfig-values.js";
export { kallsymsAddresses, type KsymValue } from "./ksyms.js";
export { ringbufSize, effectiveMaxEntries, pinnedMismatch } from "./maps.js";
export { sourceLineOf } from "./verifier-source.js";
export { POISON_MAP_BASE, POISON_KFUNC_BASE } from "./insn-fixups.js";
export { hasBpfCookie, hasSyscallWrapper, hasUprobeMultiLink, hasTrampolines, hasBpfLsm, hasLdimm64FullRangeOff, btfSupport } from "./features.js";
export { KernelBtfs, type ModuleBtf } from "./kernel-btfs.js";
