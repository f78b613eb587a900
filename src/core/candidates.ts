// Candidate target types for a local type: every type of a compatible kind
// whose essential name (flavor suffix after the last "___" dropped) equals the
// local one's, in id order; vmlinux first, and the modules only when vmlinux
// has none (libbpf's bpf_core_find_cands). The lists are cached per local type
// id and narrowed in place as relocations prune candidates, as libbpf does.
import { Btf, essentialName } from "../btf/index.js";
import { kindsCompat } from "./btf-ops.js";

/** A module's BTF (split over the target's vmlinux BTF). */
export interface CoreModuleBtf {
  readonly name: string;
  readonly btf: Btf;
}

/**
 * What relocations are resolved against: the kernel's (or a custom) BTF, and
 * the kernel modules' BTFs searched after it. libbpf searches modules only for
 * the running kernel, never beside a custom BTF path.
 */
export interface CoreTarget {
  readonly btf: Btf;
  /** Module BTFs, or a function reading them (called at most once per cache, when first needed, as libbpf loads them). */
  readonly modules?: readonly CoreModuleBtf[] | (() => readonly CoreModuleBtf[]);
}

export interface Candidate {
  readonly btf: Btf;
  readonly id: number;
  /** "vmlinux" for the main BTF, else the module's name. */
  readonly source: string;
}

export function asTarget(target: CoreTarget | Btf): CoreTarget {
  return target instanceof Btf ? { btf: target } : target;
}

/**
 * Candidate lists by local type id, for one local BTF and one target. Share
 * one between the calls that relocate one object: libbpf keeps one per object,
 * and its narrowing carries from one relocation to the next.
 */
export class CandidateCache {
  readonly local: Btf;
  readonly target: CoreTarget;
  readonly #lists = new Map<number, Candidate[]>();

  constructor(local: Btf, target: CoreTarget | Btf) {
    this.local = local;
    const t = asTarget(target);
    const modules = t.modules;
    if (typeof modules !== "function") {
      this.target = t;
    } else {
      let loaded: readonly CoreModuleBtf[] | undefined;
      this.target = { btf: t.btf, modules: () => (loaded ??= modules()) };
    }
  }

  /** The (possibly narrowed) candidate list of a local type; found on first use. */
  get(localId: number): Candidate[] {
    let list = this.#lists.get(localId);
    if (list === undefined) {
      list = findCandidates(this.local, localId, this.target);
      this.#lists.set(localId, list);
    }
    return list;
  }
}

/** Every candidate for local type `localId` (named, checked by the caller) in `target`. */
export function findCandidates(local: Btf, localId: number, target: CoreTarget): Candidate[] {
  const name = local.name(localId);
  const kind = local.kind(localId);
  const essential = essentialName(name);
  const out: Candidate[] = [];
  const ids: number[] = [];
  essentialIds(target.btf, essential, ids);
  for (const id of ids) if (kindsCompat(target.btf.kind(id), kind)) out.push({ btf: target.btf, id, source: "vmlinux" });
  if (out.length > 0) return out;
  const modules = typeof target.modules === "function" ? target.modules() : (target.modules ?? []);
  for (const mod of modules) {
    ids.length = 0;
    // Only the module's own types: its base is the vmlinux searched above.
    mod.btf.nameIndex().findEssential(essential, undefined, ids);
    for (const id of ids) if (kindsCompat(mod.btf.kind(id), kind)) out.push({ btf: mod.btf, id, source: mod.name });
  }
  return out;
}

/** Ids (base types first, ascending) whose essential name is `essential`. */
function essentialIds(btf: Btf, essential: string, out: number[]): void {
  if (btf.base !== undefined) essentialIds(btf.base, essential, out);
  btf.nameIndex().findEssential(essential, undefined, out);
}
