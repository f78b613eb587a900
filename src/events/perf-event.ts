// perf_event_open(2) for BPF output: a software event (PERF_COUNT_SW_BPF_OUTPUT)
// per CPU whose samples carry only PERF_SAMPLE_RAW, the bytes a program passed
// to bpf_perf_event_output. Layout of struct perf_event_attr from
// include/uapi/linux/perf_event.h (PERF_ATTR_SIZE_VER7: 128 bytes).
import { CoreBpfError, NotSupportedError } from "../errors.js";
import { errnoName } from "../kernel/errno.js";
import { LE, NativeBuffer, SYS, lastErrno, rawSyscall, setU64 } from "../kernel/sys.js";

const ATTR_SIZE = 128;
const PERF_TYPE_SOFTWARE = 1;
const PERF_COUNT_SW_BPF_OUTPUT = 10;
const PERF_SAMPLE_RAW = 1 << 10;
const FLAG_WATERMARK = 1 << 14; // attr bitfield: watermark
const PERF_FLAG_FD_CLOEXEC = 8;

// struct perf_event_mmap_page: the fields a reader needs.
export const MmapPage = { data_head: 1024, data_tail: 1032, data_offset: 1040, data_size: 1048 } as const;
// struct perf_event_header { u32 type; u16 misc; u16 size; }
export const PERF_RECORD_LOST = 2;
export const PERF_RECORD_SAMPLE = 9;

export interface BpfOutputOptions {
  /** Wake the reader after this many samples (default 1). */
  wakeupEvents?: number;
  /** Wake the reader when this many bytes are pending instead (overrides wakeupEvents). */
  wakeupBytes?: number;
}

/** Opens a BPF output event on `cpu` (all processes); returns the fd, enabled. */
export function openBpfOutputEvent(cpu: number, options: BpfOutputOptions = {}): number {
  using attr = NativeBuffer.alloc(ATTR_SIZE);
  const v = attr.view;
  v.setUint32(0, PERF_TYPE_SOFTWARE, LE);
  v.setUint32(4, ATTR_SIZE, LE);
  setU64(v, 8, PERF_COUNT_SW_BPF_OUTPUT);
  setU64(v, 16, 1); // sample_period
  setU64(v, 24, PERF_SAMPLE_RAW);
  if (options.wakeupBytes !== undefined) {
    setU64(v, 40, FLAG_WATERMARK);
    v.setUint32(48, options.wakeupBytes, LE);
  } else v.setUint32(48, options.wakeupEvents ?? 1, LE);
  const fd = rawSyscall(SYS.perfEventOpen, attr.address, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) throw perfOpenError(cpu, lastErrno());
  return fd; // enabled from creation (attr.disabled is 0)
}

function perfOpenError(cpu: number, errno: number): CoreBpfError {
  const name = errnoName(errno);
  const message = `perf_event_open(BPF output, cpu ${cpu}) failed (${name})`;
  if (name === "ENOENT" || name === "EOPNOTSUPP") {
    return new NotSupportedError("perf_event:bpf_output", `${message}: this kernel has no PERF_COUNT_SW_BPF_OUTPUT events`);
  }
  if (name === "EACCES" || name === "EPERM") {
    return new CoreBpfError(name, message, { hint: "needs CAP_PERFMON or CAP_SYS_ADMIN, or a lower /proc/sys/kernel/perf_event_paranoid" });
  }
  return new CoreBpfError(name, message, { hint: name === "ENODEV" ? "the CPU is offline" : undefined });
}
