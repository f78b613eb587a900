// corebpf/core: CO-RE relocation (pure): calculate fixups from relocation
// records, the local BTF and target BTF(s), then apply them to instructions.
export { CoreKind, coreKindName, isEnumvalKind, isExistenceKind, isFieldKind, isTypeKind } from "./kinds.js";
export { CandidateCache, findCandidates, type Candidate, type CoreModuleBtf, type CoreTarget } from "./candidates.js";
export {
  CoreRelocationError,
  calculateFixups,
  type CalculateOptions,
  type CandidateResult,
  type CoreFixup,
  type CoreRelocation,
} from "./calculate.js";
export { POISON_HELPER, applyFixup, applyFixups, type PatchContext, type PatchOutcome } from "./patch.js";
export { parseAccessString, type Accessor, type Spec } from "./spec.js";
export { explainFixup, formatAccess, typeLabel, type Explanation } from "./explain.js";
export {
  relocatePrograms,
  type CoreProgramInput,
  type CoreRecord,
  type FunctionFixup,
  type RelocatedPrograms,
  type RelocateProgramsOptions,
} from "./programs.js";
export { coreRecords, relocateObject, type RelocateObjectOptions } from "./object.js";
