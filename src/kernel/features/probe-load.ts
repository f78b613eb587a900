// The raw program load every probe uses: no retries, no feature checks, the
// fd closed at once; returns what the kernel said.
import { attr, ProgLoad } from "../attr.js";
import { bpfTry } from "../bpf.js";
import { encodeInsns, type Insn } from "../insns.js";
import { logLines } from "../verifier-log.js";
import { NativeBuffer, rawClose } from "../sys.js";
import { Cmd } from "../uapi.js";

export interface ProbeLoadOptions {
  expectedAttachType?: number;
  kernVersion?: number;
  flags?: number;
  attachBtfId?: number;
  name?: string;
  /** Capture a verifier log of this many bytes at level 1. */
  logSize?: number;
  /** Map fds referenced by ld_imm64 (already in the instructions). */
  /** Keep the program: its fd is returned in `fd` (the caller closes it). */
  keep?: boolean;
}

export interface ProbeLoadResult {
  ok: boolean;
  /** errno of a failure, 0 on success. */
  errno: number;
  /** The log text (when requested). */
  log: string;
  /** The program's fd when `keep` was asked and the load worked. */
  fd?: number;
}

const license = new TextEncoder().encode("GPL\0");

/** Loads `insns` as a `type` program, closes it, and reports success, errno and log. */
export function probeLoad(type: number, insns: ReadonlyArray<Insn | readonly Insn[]>, opts: ProbeLoadOptions = {}): ProbeLoadResult {
  const code = encodeInsns(insns);
  const logSize = opts.logSize ?? 0;
  using mem = NativeBuffer.alloc(code.length + 8 + logSize);
  mem.bytes.set(code, 0);
  mem.bytes.set(license, code.length);
  const name = opts.name ? new TextEncoder().encode(opts.name) : new Uint8Array(0);
  attr
    .begin(ProgLoad.kern_version + 4)
    .u32(ProgLoad.prog_type, "prog_type", type)
    .u32(ProgLoad.insn_cnt, "insn_cnt", code.length / 8)
    .u64(ProgLoad.insns, "insns", mem.address)
    .u64(ProgLoad.license, "license", mem.address + code.length)
    .u32(ProgLoad.log_level, "log_level", logSize > 0 ? 1 : 0)
    .u32(ProgLoad.log_size, "log_size", logSize)
    .u64(ProgLoad.log_buf, "log_buf", logSize > 0 ? mem.address + code.length + 8 : 0)
    .u32(ProgLoad.kern_version, "kern_version", opts.kernVersion ?? 0)
    .u32(ProgLoad.prog_flags, "prog_flags", opts.flags ?? 0)
    .name(ProgLoad.prog_name, "prog_name", name)
    .u32(ProgLoad.expected_attach_type, "expected_attach_type", opts.expectedAttachType ?? 0)
    .u32(ProgLoad.attach_btf_id, "attach_btf_id", opts.attachBtfId ?? 0);
  const r = bpfTry(Cmd.PROG_LOAD);
  if (r >= 0 && !opts.keep) rawClose(r);
  const log = logSize > 0 ? logLines(mem.bytes.subarray(code.length + 8)).join("\n") : "";
  return { ok: r >= 0, errno: r < 0 ? -r : 0, log, ...(r >= 0 && opts.keep ? { fd: r } : {}) };
}
