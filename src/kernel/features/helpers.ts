// Helper probes per program type, as bpftool does them: load "call helper;
// exit" and read the verifier's verdict from its log. Any failure other than
// "this helper is unknown / not allowed here" counts as available (the probe
// program passes no sensible arguments, so such failures are expected).
import { CoreBpfError } from "../../errors.js";
import { type ProgTypeName, progTypeOf } from "../flags.js";
import { callHelper, exit } from "../insns.js";
import { helperNames, ProgType } from "../uapi.js";
import { probeLoad } from "./probe-load.js";
import { progTypePlan } from "./prog-types.js";

/** Both verdicts of one helper probe. */
export interface HelperVerdict {
  /**
   * The verdict of bpftool 7.1 / libbpf 1.1, which only recognise "invalid
   * func" and "unknown func"; kernels since 6.2 word the refusal differently,
   * so this one says "available" for every known helper there.
   */
  bpftool: boolean;
  /** The accurate verdict: also recognises "program of this type cannot use helper". */
  supported: boolean;
}

/** Program types whose probe program cannot load without a real target: no verdict. */
const unprobeable = new Set<number>([ProgType.TRACING, ProgType.EXT, ProgType.LSM, ProgType.STRUCT_OPS]);

/** Whether helpers can be probed for this program type at all. */
export function helpersProbeable(progType: number): boolean {
  return !unprobeable.has(progType);
}

/** The helper id of a number or a name ("bpf_map_lookup_elem" or "map_lookup_elem"). */
export function helperIdOf(helper: number | string): number {
  if (typeof helper === "number") return helper;
  const name = helper.startsWith("bpf_") ? helper : `bpf_${helper}`;
  const id = helperNames.indexOf(name);
  if (id <= 0) throw new CoreBpfError("BAD_ARGUMENT", `unknown helper '${helper}'`);
  return id;
}

const cache = new globalThis.Map<string, HelperVerdict>();

/** Probes `helper` for `progType` once per process; undefined for unprobeable types. */
export function probeHelper(progType: ProgType | ProgTypeName | number | string, helper: number | string): HelperVerdict | undefined {
  const t = progTypeOf(progType);
  if (unprobeable.has(t)) return undefined;
  const id = helperIdOf(helper);
  const key = `${t}/${id}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const plan = progTypePlan(t);
  const res = probeLoad(t, [callHelper(id), exit()], { ...plan.options, logSize: 4096 });
  let verdict: HelperVerdict;
  if (res.ok) verdict = { bpftool: true, supported: true };
  else {
    const legacyNo = res.log.includes("invalid func ") || res.log.includes("unknown func ");
    const modernNo = legacyNo || res.log.includes("program of this type cannot use helper ");
    verdict = { bpftool: !legacyNo, supported: !modernNo };
  }
  cache.set(key, verdict);
  return verdict;
}
