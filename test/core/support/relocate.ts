// Shorthands for rule tests: one relocation of a local type against a target.
import type { Btf } from "../../../src/btf/index.js";
import { CandidateCache, calculateFixups, type CoreFixup, type CoreTarget } from "../../../src/core/index.js";

/** The fixup of one relocation (kind, access) on local type `typeName`. */
export function relocateOne(local: Btf, target: Btf | CoreTarget, typeName: string, access: string, kind: number, cache?: CandidateCache): CoreFixup {
  const typeId = local.find(typeName);
  if (typeId === undefined) throw new Error(`no local type ${typeName}`);
  return calculateFixups([{ insn: 0, typeId, accessString: access, kind }], local, target, cache === undefined ? {} : { cache })[0]!;
}

/** What a fixup says, in the terms the tables use. */
export function outcome(f: CoreFixup): { error: string } | { found: boolean; poison: boolean; local: bigint; target: bigint } {
  if (f.error !== undefined) return { error: f.error.errno };
  return { found: f.found, poison: f.poison, local: f.localValue, target: f.targetValue };
}
