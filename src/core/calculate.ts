// CO-RE, step one: from relocation records, the local BTF and a target, the
// fixups (`fixups[i]` answers `relos[i]`), computed as libbpf's
// bpf_core_calc_relo_insn computes them: the local spec parsed and checked,
// each cached candidate matched, every matching candidate required to agree
// (else an ambiguity error), the candidate list narrowed to the matching ones,
// and the no-match case answered with 0 (existence kinds) or poison.
// Pure: no instruction is touched here (see patch.ts).
import { type Btf, kindName } from "../btf/index.js";
import { BtfError, RelocationError } from "../errors.js";
import { EINVAL, errnoName, validId } from "./btf-ops.js";
import { type Candidate, CandidateCache, type CoreTarget } from "./candidates.js";
import { CoreKind, coreKindName } from "./kinds.js";
import { matchSpec } from "./match.js";
import { type Spec, emptySpec, isParseFailure, parseLocalSpec } from "./spec.js";
import { type RelocationValues, computeValues, emptyValues } from "./values.js";

/** One CO-RE relocation record (.BTF.ext core_relo), its instruction counted in 8-byte slots. */
export interface CoreRelocation {
  /** Slot index of the instruction to patch (in its program). */
  readonly insn: number;
  /** Local BTF type id the access starts from. */
  readonly typeId: number;
  /** "0:1:2" (the base pointer's index, then member / array indices), or "0" for type kinds. */
  readonly accessString: string;
  /** A CoreKind. */
  readonly kind: number;
}

/** A candidate the relocation was matched against, and what it gave. */
export interface CandidateResult {
  /** The BTF holding the candidate ("vmlinux" or a module's). */
  readonly btf: Btf;
  readonly source: string;
  readonly typeId: number;
  /** The candidate has the field / enumerator / a compatible type. */
  readonly matched: boolean;
  /** The value it gives (matched candidates only). */
  readonly value?: bigint;
  /** Target access path (field and enumerator kinds, matched candidates only). */
  readonly spec?: Spec;
}

export interface CoreFixup {
  readonly relo: CoreRelocation;
  readonly kind: number;
  /** The local access, parsed (undefined when the access string is invalid). */
  readonly localSpec: Spec | undefined;
  /** The value the instruction carries now (the compiler's, from the local BTF), as a u64. */
  readonly localValue: bigint;
  /** The value to write, as a u64 (0 when poisoned). */
  readonly targetValue: bigint;
  /** A target candidate matched (else existence kinds give 0 and the others poison). */
  readonly found: boolean;
  /** The instruction is to be replaced by an invalid call. */
  readonly poison: boolean;
  /** The instruction's current value is checked against localValue before patching. */
  readonly validate: boolean;
  /** Load/store width of the field, locally and in the target (FIELD_BYTE_OFFSET of a non-bitfield), else 0. */
  readonly localSize: number;
  readonly targetSize: number;
  /** A load/store whose width would change for a field that is not a pointer or unsigned on both sides: poisoned at patch time. */
  readonly memSizeMismatch: boolean;
  /** The target type matched first (its id in its BTF) and where it lives. */
  readonly targetTypeId: number | undefined;
  readonly targetSource: string | undefined;
  /** The matched target access path. */
  readonly targetSpec: Spec | undefined;
  /** Every candidate considered, in order. */
  readonly candidates: readonly CandidateResult[];
  /** Set when the relocation cannot be resolved: libbpf refuses the object. */
  readonly error: CoreRelocationError | undefined;
}

export interface CalculateOptions {
  /**
   * Candidate lists carried between calls; pass the same one for all the
   * programs of one object (libbpf's narrowing spans the object).
   */
  cache?: CandidateCache;
  /** Byte order for the bitfield shift kinds; default the local BTF's. */
  littleEndian?: boolean;
  /** Program name for messages. */
  program?: string;
  /** Relocation numbers for messages (libbpf numbers records within their ELF section); default the index. */
  numbers?: readonly number[];
}

/** Computes every relocation's fixup, in order (the order matters: candidate lists narrow as they go). */
export function calculateFixups(relos: readonly CoreRelocation[], local: Btf, target: CoreTarget | Btf, options: CalculateOptions = {}): CoreFixup[] {
  const cache = options.cache ?? new CandidateCache(local, target);
  if (cache.local !== local) throw new RelocationError("CORE_BAD_CACHE", "the candidate cache belongs to another local BTF");
  const littleEndian = options.littleEndian ?? local.littleEndian;
  const out: CoreFixup[] = new Array(relos.length);
  for (let i = 0; i < relos.length; i++) {
    const relo = relos[i]!;
    const ctx: Context = { program: options.program, number: options.numbers?.[i] ?? i, relo };
    try {
      out[i] = calculateOne(relo, local, cache, littleEndian, ctx);
    } catch (err) {
      if (!(err instanceof BtfError)) throw err;
      out[i] = failed(relo, undefined, [], ctx, EINVAL, `broken BTF: ${err.message}`, err);
    }
  }
  return out;
}

interface Context {
  program: string | undefined;
  number: number;
  relo: CoreRelocation;
}

function calculateOne(relo: CoreRelocation, local: Btf, cache: CandidateCache, littleEndian: boolean, ctx: Context): CoreFixup {
  const { typeId, kind } = relo;
  if (!validId(local, typeId)) return failed(relo, undefined, [], ctx, EINVAL, `local type id ${typeId} does not exist`);
  const localName = local.name(typeId);
  // TYPE_ID_LOCAL needs no candidate; every other kind looks them up first (an anonymous type cannot have any).
  let list: Candidate[] | undefined;
  if (kind !== CoreKind.TYPE_ID_LOCAL) {
    if (localName === "") {
      return failed(relo, undefined, [], ctx, EINVAL, `local type [${typeId}] ${kindName(local.kind(typeId))} is anonymous: no candidate can be searched`);
    }
    list = cache.get(typeId);
  }
  const parsed = parseLocalSpec(local, typeId, relo.accessString, kind);
  if (isParseFailure(parsed)) {
    return failed(relo, undefined, [], ctx, EINVAL, `parsing [${typeId}] ${kindName(local.kind(typeId))} ${localName || "<anon>"} + ${relo.accessString} failed: ${parsed.reason}`);
  }
  const localSpec = parsed;
  if (kind === CoreKind.TYPE_ID_LOCAL) {
    const id = BigInt(typeId);
    return fixup(relo, localSpec, { ...emptyValues(), localValue: id, targetValue: id, validate: false }, true, undefined, [], undefined);
  }

  const candidates = list!;
  const results: CandidateResult[] = [];
  let chosen: RelocationValues | undefined;
  let chosenSpec: Spec | undefined;
  let chosenCand: Candidate | undefined;
  let kept = 0;
  const res = emptyValues();
  for (let i = 0; i < candidates.length; i++) {
    const cand = candidates[i]!;
    const spec = emptySpec(cand.btf, cand.id, kind);
    const m = matchSpec(localSpec, spec);
    if (m < 0) {
      results.push({ btf: cand.btf, source: cand.source, typeId: cand.id, matched: false });
      return failed(relo, localSpec, results, ctx, -m, `error matching candidate #${i} [${cand.id}] in ${cand.source}: ${errnoName(m)}`);
    }
    if (m === 0) {
      results.push({ btf: cand.btf, source: cand.source, typeId: cand.id, matched: false });
      continue;
    }
    const failure = computeValues(kind, localSpec, spec, res, littleEndian);
    results.push({ btf: cand.btf, source: cand.source, typeId: cand.id, matched: true, value: res.targetValue, spec });
    if (failure !== undefined) return failed(relo, localSpec, results, ctx, failure.errno, failure.reason);
    if (chosen === undefined) {
      chosen = { ...res };
      chosenSpec = spec;
      chosenCand = cand;
    } else if (spec.bitOffset !== chosenSpec!.bitOffset) {
      return failed(relo, localSpec, results, ctx, EINVAL, `field offset ambiguity: ${spec.bitOffset} != ${chosenSpec!.bitOffset} (bits), candidates [${cand.id}] and [${chosenCand!.id}]`, undefined, "CORE_AMBIGUOUS");
    } else if (res.poison !== chosen.poison || res.targetValue !== chosen.targetValue) {
      return failed(
        relo,
        localSpec,
        results,
        ctx,
        EINVAL,
        `relocation decision ambiguity: ${outcome(res)} for [${cand.id}] != ${outcome(chosen)} for [${chosenCand!.id}]`,
        undefined,
        "CORE_AMBIGUOUS",
      );
    }
    candidates[kept++] = cand;
  }
  if (kept > 0) candidates.length = kept;

  if (chosen === undefined) {
    const failure = computeValues(kind, localSpec, null, res, littleEndian);
    if (failure !== undefined) return failed(relo, localSpec, results, ctx, failure.errno, failure.reason);
    return fixup(relo, localSpec, res, false, undefined, results, undefined);
  }
  return fixup(relo, localSpec, chosen, true, chosenCand, results, chosenSpec);
}

function outcome(v: RelocationValues): string {
  return v.poison ? "failure" : `success ${v.targetValue}`;
}

function fixup(
  relo: CoreRelocation,
  localSpec: Spec,
  v: RelocationValues,
  found: boolean,
  cand: Candidate | undefined,
  candidates: CandidateResult[],
  targetSpec: Spec | undefined,
): CoreFixup {
  return {
    relo,
    kind: relo.kind,
    localSpec,
    localValue: v.localValue,
    targetValue: v.targetValue,
    found,
    poison: v.poison,
    validate: v.validate,
    localSize: v.localSize,
    targetSize: v.targetSize,
    memSizeMismatch: v.memSizeMismatch,
    targetTypeId: cand?.id,
    targetSource: cand?.source,
    targetSpec,
    candidates,
    error: undefined,
  };
}

/** The message prefix libbpf uses: "prog 'x': relo #3: ". */
export function reloPrefix(program: string | undefined, number: number): string {
  return `${program === undefined ? "" : `prog '${program}': `}relo #${number}: `;
}

function failed(
  relo: CoreRelocation,
  localSpec: Spec | undefined,
  candidates: CandidateResult[],
  ctx: Context,
  errno: number,
  reason: string,
  cause?: unknown,
  code = "CORE_RELOCATION_FAILED",
): CoreFixup {
  const error = new CoreRelocationError(code, errnoName(errno), `${reloPrefix(ctx.program, ctx.number)}${coreKindName(relo.kind)} at insn #${relo.insn} on [${relo.typeId}] + '${relo.accessString}': ${reason}`, {
    ...(ctx.program === undefined ? {} : { program: ctx.program }),
    insn: relo.insn,
    relo: ctx.number,
    typeId: relo.typeId,
    cause,
    hint: code === "CORE_AMBIGUOUS" ? "several target types match with different results; rename the local type's flavors or drop one" : undefined,
  });
  return {
    relo,
    kind: relo.kind,
    localSpec,
    localValue: 0n,
    targetValue: 0n,
    found: false,
    poison: false,
    validate: false,
    localSize: 0,
    targetSize: 0,
    memSizeMismatch: false,
    targetTypeId: undefined,
    targetSource: undefined,
    targetSpec: undefined,
    candidates,
    error,
  };
}

/** A relocation libbpf would refuse; `errno` is the error libbpf returns ("EINVAL", "ERANGE", "E2BIG"). */
export class CoreRelocationError extends RelocationError {
  readonly errno: string;
  constructor(code: string, errno: string, message: string, options: ConstructorParameters<typeof RelocationError>[2]) {
    super(code, message, options);
    this.errno = errno;
  }
}
