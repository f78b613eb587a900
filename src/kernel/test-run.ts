// BPF_PROG_TEST_RUN: run a loaded program on a packet and/or context.
import { attr, TestRun } from "./attr.js";
import { bpfTry } from "./bpf.js";
import { bpfError } from "./bpf-error.js";
import { Errno } from "./errno.js";
import { NativeBuffer } from "./sys.js";
import { Cmd } from "./uapi.js";

export interface TestRunOptions {
  /** Packet input (data_in). Socket and tc programs need at least an Ethernet header (14 bytes). */
  data?: Uint8Array;
  /** Room for the output packet (default data.length + 512; grown if the kernel asks for more). */
  dataOutSize?: number;
  /** Context input (ctx_in), e.g. a struct __sk_buff or xdp_md. */
  ctx?: Uint8Array;
  /** Room for the output context (default ctx.length). */
  ctxOutSize?: number;
  /** Runs (default 1); duration is the average per run. */
  repeat?: number;
  /** TestRunFlags bits. */
  flags?: number;
  /** CPU to run on with TestRunFlags.RUN_ON_CPU. */
  cpu?: number;
  /** XDP live-frames batch size. */
  batchSize?: number;
}

export interface TestRunResult {
  /** The program's return value (r0, as u32). */
  retval: number;
  /** Average run time in nanoseconds. */
  duration: number;
  /** The output packet, when data was given. */
  data?: Uint8Array;
  /** The output context, when a context was given. */
  ctx?: Uint8Array;
}

export function testRun(progFd: number, label: string, options: TestRunOptions): TestRunResult {
  const dataIn = options.data ?? new Uint8Array(0);
  const ctxIn = options.ctx;
  let dataOut = options.dataOutSize ?? (options.data ? dataIn.length + 512 : 0);
  const ctxOut = options.ctxOutSize ?? ctxIn?.length ?? 0;
  for (let attempt = 0; ; attempt++) {
    const sizes = [dataIn.length, dataOut, ctxIn?.length ?? 0, ctxOut].map((n) => Math.ceil(n / 8) * 8);
    const total = sizes.reduce((a, b) => a + b, 0);
    using buf = NativeBuffer.alloc(total);
    const at = [0, sizes[0]!, sizes[0]! + sizes[1]!, sizes[0]! + sizes[1]! + sizes[2]!];
    buf.bytes.set(dataIn, at[0]);
    if (ctxIn) buf.bytes.set(ctxIn, at[2]);
    const addr = (i: number, len: number) => (len > 0 ? buf.address + at[i]! : 0);
    attr
      .begin(TestRun.duration + 4)
      .u32(TestRun.prog_fd, "prog_fd", progFd)
      .u32(TestRun.data_size_in, "data_size_in", dataIn.length)
      .u32(TestRun.data_size_out, "data_size_out", dataOut)
      .u64(TestRun.data_in, "data_in", addr(0, dataIn.length))
      .u64(TestRun.data_out, "data_out", addr(1, dataOut))
      .u32(TestRun.repeat, "repeat", options.repeat ?? 0)
      .u32(TestRun.ctx_size_in, "ctx_size_in", ctxIn?.length ?? 0)
      .u32(TestRun.ctx_size_out, "ctx_size_out", ctxOut)
      .u64(TestRun.ctx_in, "ctx_in", addr(2, ctxIn?.length ?? 0))
      .u64(TestRun.ctx_out, "ctx_out", addr(3, ctxOut))
      .u32(TestRun.flags, "flags", options.flags ?? 0)
      .u32(TestRun.cpu, "cpu", options.cpu ?? 0)
      .u32(TestRun.batch_size, "batch_size", options.batchSize ?? 0);
    const r = bpfTry(Cmd.PROG_TEST_RUN);
    const needed = attr.getU32(TestRun.data_size_out);
    if (r === -Errno.ENOSPC && needed > dataOut && attempt < 3) {
      dataOut = needed;
      continue;
    }
    if (r < 0) {
      throw bpfError(Cmd.PROG_TEST_RUN, -r, {
        object: label,
        hint: r === -Errno.EINVAL ? "this program type may not support test runs, or the data/ctx sizes are wrong for it" : undefined,
      });
    }
    const result: TestRunResult = { retval: attr.getU32(TestRun.retval), duration: attr.getU32(TestRun.duration) };
    if (dataOut > 0) result.data = buf.bytes.slice(at[1]!, at[1]! + Math.min(needed, dataOut));
    if (ctxOut > 0) result.ctx = buf.bytes.slice(at[3]!, at[3]! + Math.min(attr.getU32(TestRun.ctx_size_out), ctxOut));
    return result;
  }
}
