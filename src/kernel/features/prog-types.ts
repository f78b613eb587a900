// Program type probes, as bpftool feature probe does them: load
// "r0 = 0; exit" with the attach details each type requires; types that cannot
// load without a real target are recognised by the error they produce.
import { Errno } from "../errno.js";
import { type ProgTypeName, progTypeOf } from "../flags.js";
import { exit, mov64Imm } from "../insns.js";
import { AttachType, ProgType } from "../uapi.js";
import { runningKernelVersion } from "../version.js";
import { probeLoad, type ProbeLoadOptions } from "./probe-load.js";

/** The load options and expected failure libbpf's probe uses for a program type. */
export interface ProgTypeProbePlan {
  options: ProbeLoadOptions;
  /** When set, the probe passes only if the load fails with this errno... */
  expectErrno?: number;
  /** ...and the log contains this text. */
  expectLog?: string;
}

const F_SLEEPABLE = 1 << 4;

/** How to probe `type` (also used by helper probes, which add their own log). */
export function progTypePlan(type: number): ProgTypeProbePlan {
  switch (type) {
    case ProgType.CGROUP_SOCK_ADDR:
      return { options: { expectedAttachType: AttachType.CGROUP_INET4_CONNECT } };
    case ProgType.CGROUP_SOCKOPT:
      return { options: { expectedAttachType: AttachType.CGROUP_GETSOCKOPT } };
    case ProgType.SK_LOOKUP:
      return { options: { expectedAttachType: AttachType.SK_LOOKUP } };
    case ProgType.KPROBE:
      return { options: { kernVersion: runningKernelVersion() } };
    case ProgType.LIRC_MODE2:
      return { options: { expectedAttachType: AttachType.LIRC_MODE2 } };
    case ProgType.TRACING:
      return {
        options: { expectedAttachType: AttachType.TRACE_FENTRY, attachBtfId: 1, logSize: 4096 },
        expectErrno: Errno.EINVAL,
        expectLog: "attach_btf_id 1 is not a function",
      };
    case ProgType.LSM:
      return {
        options: { expectedAttachType: AttachType.MODIFY_RETURN, attachBtfId: 1, logSize: 4096 },
        expectErrno: Errno.EINVAL,
        expectLog: "attach_btf_id 1 is not a function",
      };
    case ProgType.EXT:
      return { options: { attachBtfId: 1, logSize: 4096 }, expectErrno: Errno.EINVAL, expectLog: "Cannot replace kernel functions" };
    case ProgType.SYSCALL:
      return { options: { flags: F_SLEEPABLE } };
    case ProgType.STRUCT_OPS:
      return { options: {}, expectErrno: Errno.ENOTSUPP };
    case ProgType.NETFILTER:
      return { options: { expectedAttachType: AttachType.NETFILTER } };
    default:
      return { options: {} };
  }
}

const cache = new globalThis.Map<number, boolean>();

/** Whether this kernel can load programs of `type` (probed once per process). */
export function probeProgType(type: ProgType | ProgTypeName | number | string): boolean {
  const t = progTypeOf(type);
  const hit = cache.get(t);
  if (hit !== undefined) return hit;
  const plan = progTypePlan(t);
  const res = probeLoad(t, [mov64Imm(0, 0), exit()], plan.options);
  let ok: boolean;
  if (plan.expectErrno !== undefined) {
    ok = !res.ok && res.errno === plan.expectErrno && (plan.expectLog === undefined || res.log.includes(plan.expectLog));
  } else {
    ok = res.ok;
  }
  cache.set(t, ok);
  return ok;
}
