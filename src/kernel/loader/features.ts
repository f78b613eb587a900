// Kernel features the loader asks about beyond `supports` (libbpf's
// FEAT_BPF_COOKIE, FEAT_SYSCALL_WRAPPER, FEAT_UPROBE_MULTI_LINK,
// FEAT_LDIMM64_FULL_RANGE_OFF), each probed once per process the way libbpf
// 1.8 probes it.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { arch } from "node:process";
import { attr } from "../attr.js";
import { bpfTry } from "../bpf.js";
import { BtfKind } from "../../btf/index.js";
import { kernelBtf } from "../btf-files.js";
import { supports } from "../features/index.js";
import { helperIdOf } from "../features/helpers.js";
import { probeLoad } from "../features/probe-load.js";
import { callHelper, exit, ldImm64, mov64Imm } from "../insns.js";
import { Map as BpfMap } from "../map.js";
import { Errno } from "../errno.js";
import { LE, NativeBuffer, SYS, lastErrno, rawClose, rawSyscall, setU64 } from "../sys.js";
import { AttachType, Cmd, MapType, ProgType } from "../uapi.js";
import { type BtfSupport } from "./btf-fixup.js";

const once = <T>(probe: () => T): (() => T) => {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = probe();
      done = true;
    }
    return value;
  };
};

/** BTF_LOAD works at all (FEAT_BTF). */
export const kernelTakesBtf = once(() => supports.btfKind("INT"));

/** Which BTF kinds survive BTF_LOAD, for sanitising. */
export const btfSupport = once(
  (): BtfSupport => ({
    func: supports.btfKind("FUNC"),
    funcGlobal: supports.btfKind("FUNC_GLOBAL"),
    datasec: supports.btfKind("DATASEC"),
    qmarkDatasec: supports.btfKind("DATASEC_QMARK"),
    float: supports.btfKind("FLOAT"),
    declTag: supports.btfKind("DECL_TAG"),
    typeTag: supports.btfKind("TYPE_TAG"),
    enum64: supports.btfKind("ENUM64"),
  }),
);

/** A tracepoint program may call bpf_get_attach_cookie (LINUX_HAS_BPF_COOKIE). */
export const hasBpfCookie = once(() => probeLoad(ProgType.TRACEPOINT, [callHelper(helperIdOf("get_attach_cookie")), exit()]).ok);

/** The syscall entry prefix of this architecture (libbpf's arch_specific_syscall_pfx). */
function syscallPrefix(): string | undefined {
  switch (arch) {
    case "ia32":
      return "ia32";
    case "x64":
      return "x64";
    case "arm64":
      return "arm64";
    case "s390x":
      return "s390x";
    case "arm":
      return "arm";
    case "riscv64":
      return "riscv";
    case "loong64":
      return "loongarch";
    default:
      return undefined;
  }
}

const KPROBE_PMU_TYPE = "/sys/bus/event_source/devices/kprobe/type";
const PERF_FLAG_FD_CLOEXEC = 8;

/** perf_event_open of a kprobe on `func` through the kprobe PMU: the fd, or -errno. */
function openKprobePmu(pmuType: number, func: string): number {
  using mem = NativeBuffer.alloc(128 + func.length + 1);
  mem.bytes.set(new TextEncoder().encode(func), 128);
  const v = mem.view;
  v.setUint32(0, pmuType, LE);
  v.setUint32(4, 112, LE); // PERF_ATTR_SIZE_VER5
  setU64(v, 56, mem.address + 128); // config1: kprobe_func
  const fd = rawSyscall(SYS.perfEventOpen, mem.address, process.pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
  return fd < 0 ? -lastErrno() : fd;
}

/** Adds then removes a legacy kprobe_events entry for `func`; whether the add worked. */
function legacyKprobeWorks(func: string): boolean {
  for (const dir of ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]) {
    const file = `${dir}/kprobe_events`;
    if (!existsSync(file)) continue;
    const name = `corebpf_${process.pid}_probe_wrapper`;
    try {
      writeFileSync(file, `p:kprobes/${name} ${func}\n`, { flag: "a" });
    } catch {
      return false;
    }
    try {
      writeFileSync(file, `-:kprobes/${name}\n`, { flag: "a" });
    } catch {
      // nothing to undo
    }
    return true;
  }
  return false;
}

/**
 * The kernel wraps syscalls (__<arch>_sys_*), LINUX_HAS_SYSCALL_WRAPPER: as
 * libbpf 1.1 to 1.8 probe it, by opening a kprobe on __<arch>_sys_bpf (kprobe
 * PMU, else legacy kprobe_events). Without kprobes the answer is false, even
 * when the wrappers exist.
 */
export const hasSyscallWrapper = once((): boolean => {
  const prefix = syscallPrefix();
  if (prefix === undefined) return false;
  const func = `__${prefix}_sys_bpf`;
  let pmuType: number | undefined;
  try {
    pmuType = Number.parseInt(readFileSync(KPROBE_PMU_TYPE, "utf8"), 10);
  } catch {
    pmuType = undefined;
  }
  if (pmuType !== undefined && Number.isInteger(pmuType) && pmuType >= 0) {
    const fd = openKprobePmu(pmuType, func);
    if (fd >= 0) rawClose(fd);
    return fd >= 0;
  }
  return legacyKprobeWorks(func);
});

/**
 * uprobe_multi links exist (FEAT_UPROBE_MULTI_LINK): a link on "/" fails
 * with EBADF where they do. libbpf then loads USDT programs with
 * expected_attach_type BPF_TRACE_UPROBE_MULTI.
 */
export const hasUprobeMultiLink = once((): boolean => {
  const prog = probeLoad(ProgType.KPROBE, [mov64Imm(0, 0), exit()], { expectedAttachType: AttachType.TRACE_UPROBE_MULTI, keep: true }).fd;
  if (prog === undefined) return false;
  try {
    using mem = NativeBuffer.alloc(16);
    mem.bytes.set([0x2f, 0], 0); // "/"
    attr
      .begin(60)
      .u32(0, "prog_fd", prog)
      .u32(8, "attach_type", AttachType.TRACE_UPROBE_MULTI)
      .u64(16, "path", mem.address)
      .u64(24, "offsets", mem.address + 8)
      .u32(48, "cnt", 1);
    const r = bpfTry(Cmd.LINK_CREATE);
    if (r >= 0) rawClose(r);
    return r === -Errno.EBADF;
  } finally {
    rawClose(prog);
  }
});

/**
 * BPF trampolines work (fentry/fexit/fmod_ret/LSM need them): an empty
 * fentry program on a kernel function loads. Kernels built without ftrace
 * direct calls refuse it with EPERM even to root.
 */
export const hasTrampolines = once((): boolean => {
  const vmlinux = kernelBtf();
  const target = ["bpf_fentry_test1", "bpf_prog_put", "do_nanosleep"].map((n) => vmlinux.find(n, BtfKind.FUNC)).find((id) => id !== undefined);
  if (target === undefined) return false;
  return probeLoad(ProgType.TRACING, [mov64Imm(0, 0), exit()], { expectedAttachType: AttachType.TRACE_FENTRY, attachBtfId: target }).ok;
});

/** Whether the BPF LSM is active ("bpf" in the LSM list); undefined when securityfs cannot tell (not mounted, say). */
export const hasBpfLsm = once((): boolean | undefined => {
  try {
    return readFileSync("/sys/kernel/security/lsm", "utf8").trim().split(",").includes("bpf");
  } catch {
    return undefined;
  }
});

const PSEUDO_MAP_VALUE = 2;

/**
 * The verifier takes ld_imm64 map-value offsets of 512 MiB and more
 * (FEAT_LDIMM64_FULL_RANGE_OFF, as libbpf 1.8 probes it): loading an array
 * value at offset 1 GiB is refused for being outside the value, not for the
 * offset itself. libbpf then places arena globals at the arena's end.
 */
export const hasLdimm64FullRangeOff = once((): boolean => {
  let map: BpfMap;
  try {
    map = BpfMap.create({ type: MapType.ARRAY, name: "arr", keySize: 4, valueSize: 1, maxEntries: 1 });
  } catch {
    return false;
  }
  try {
    const load = ldImm64(1, ((1n << 30n) << 32n) | BigInt(map.fd.value), PSEUDO_MAP_VALUE);
    const r = probeLoad(ProgType.SOCKET_FILTER, [load, exit()], { name: "global_reloc", logSize: 1024 });
    if (r.ok || r.log.includes("direct value offset of")) return false;
    return r.log.includes("invalid access to map value pointer");
  } finally {
    map.close();
  }
});
