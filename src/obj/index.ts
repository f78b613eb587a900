// corebpf/obj: the BPF object model read from a clang-built ELF (pure).
export { parseObject, ObjectSpec, type ParseObjectOptions } from "./object.js";
export type {
  CoreRelocation,
  DatasecLayout,
  ExternSpec,
  FuncInfo,
  FunctionSpec,
  InsnRelocation,
  InsnRelocationKind,
  KconfigType,
  LineInfo,
  LinkedFunction,
  MapKind,
  MapSlot,
  MapSpec,
  ProgramSpec,
  SectionKind,
  SectionSpec,
  StructOpsMember,
  VariableSpec,
} from "./types.js";
export { parseBtfExt, type BtfExt, type BtfExtSection, type CoreReloSection, type FuncInfoSection, type LineInfoSection } from "./btf-ext.js";
export { SECTION_DEFS, SecFlag, sectionInfo, closeSectionNames, type SectionInfo, type SectionDefRow } from "./section-defs.js";
export { objectNameFromPath, internalMapName } from "./names.js";
export { ARENA_SECTION } from "./arena.js";
export { AttachType, MapFlag, MapType, Pinning, ProgFlag, ProgType, attachTypeName, mapTypeName, progTypeName } from "./uapi.js";
