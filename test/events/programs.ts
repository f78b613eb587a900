// Hand-assembled producers for the event tests and the benchmark: each run
// (BPF_PROG_TEST_RUN, `repeat` times) bumps a sequence number kept in a
// counters array and emits one record:
//   u64 seq, u64 bpf_ktime_get_ns(), then u32 words seq_lo + k (k = 4, 5, ...)
// so a consumer can check order and contents. Failed emits count in counters[1].
import {
  Map,
  Op,
  PSEUDO_MAP_FD,
  Program,
  alu64Imm,
  callHelper,
  encodeInsns,
  exit,
  jmpImm,
  ldImm64,
  ldxMem,
  mov64Imm,
  mov64Reg,
  stMem,
  stxMem,
  LE,
  type Insn,
} from "../../src/kernel/index.js";
import { helperIdOf } from "../../src/kernel/features/helpers.js";

export type Emit = "ringbuf_output" | "ringbuf_reserve" | "perf_event_output";

export interface ProducerSpec {
  emit: Emit;
  /** The RINGBUF or PERF_EVENT_ARRAY map. */
  events: Map;
  /** One-element ARRAY whose value is u64[4]: [0] sequence, [1] failed emits (countersMap()). */
  counters: Map;
  /** Record size in bytes: a multiple of 4, 16..256. */
  size: number;
  /** ringbuf_reserve only: discard (instead of submit) records whose seq % n == 0. */
  discardEvery?: number;
}

const SEQ = 8; // r8 holds the sequence number
const COUNTERS = 7; // r7 points at counters[0]

/** A 64-byte packet: socket filters and tc programs need at least an Ethernet header. */
export const packet = new Uint8Array(64);

/** Loads the producer (socket filter for ring buffers, sched_cls for perf output). */
export function producerProgram(spec: ProducerSpec): Program {
  const { size } = spec;
  if (size % 4 !== 0 || size < 16 || size > 256) throw new Error(`bad record size ${size}`);
  const insns: (Insn | Insn[])[] = [];
  const at = -(Math.ceil(size / 8) * 8 + 8); // the record on the stack (output/perf paths), 8-aligned, below the key
  insns.push(mov64Reg(6, 1)); // ctx
  // r7 = &counters[0]; r8 = ++counters[0]
  insns.push(stMem(Op.W, 10, -4, 0), ldImm64(1, spec.counters.fd.value, PSEUDO_MAP_FD), mov64Reg(2, 10), alu64Imm(Op.ADD, 2, -4));
  insns.push(callHelper(helperIdOf("map_lookup_elem")), jmpImm(Op.JNE, 0, 0, 2), mov64Imm(0, 0), exit());
  insns.push(mov64Reg(COUNTERS, 0), ldxMem(Op.DW, SEQ, COUNTERS, 0), alu64Imm(Op.ADD, SEQ, 1), stxMem(Op.DW, COUNTERS, SEQ, 0));

  /** Fills the record at (base + off) with seq, timestamp and the pattern words. */
  const fill = (base: number, off: number): Insn[] => {
    const out: Insn[] = [stxMem(Op.DW, base, SEQ, off)];
    out.push(callHelper(helperIdOf("ktime_get_ns")), stxMem(Op.DW, base, 0, off + 8));
    for (let k = 4; k < size / 4; k++) out.push(mov64Reg(1, SEQ), alu64Imm(Op.ADD, 1, k), stxMem(Op.W, base, 1, off + 4 * k));
    return out;
  };

  if (spec.emit === "ringbuf_reserve") {
    // r9 = reserve(size); fill; submit or discard
    insns.push(ldImm64(1, spec.events.fd.value, PSEUDO_MAP_FD), mov64Imm(2, size), mov64Imm(3, 0), callHelper(helperIdOf("ringbuf_reserve")));
    const failed = failedEmit();
    insns.push(jmpImm(Op.JNE, 0, 0, failed.length), ...failed);
    insns.push(mov64Reg(9, 0), ...fill(9, 0));
    const submit = [mov64Reg(1, 9), mov64Imm(2, 0), callHelper(helperIdOf("ringbuf_submit")), mov64Imm(0, 0), exit()];
    if (spec.discardEvery !== undefined) {
      insns.push(mov64Reg(1, SEQ), alu64Imm(Op.MOD, 1, spec.discardEvery), jmpImm(Op.JEQ, 1, 0, submit.length));
    }
    insns.push(...submit);
    insns.push(mov64Reg(1, 9), mov64Imm(2, 0), callHelper(helperIdOf("ringbuf_discard")), mov64Imm(0, 0), exit());
  } else {
    insns.push(...fill(10, at));
    if (spec.emit === "ringbuf_output") {
      insns.push(ldImm64(1, spec.events.fd.value, PSEUDO_MAP_FD), mov64Reg(2, 10), alu64Imm(Op.ADD, 2, at), mov64Imm(3, size), mov64Imm(4, 0));
      insns.push(callHelper(helperIdOf("ringbuf_output")));
    } else {
      // bpf_perf_event_output(ctx, map, BPF_F_CURRENT_CPU, data, size)
      insns.push(mov64Reg(1, 6), ldImm64(2, spec.events.fd.value, PSEUDO_MAP_FD), ldImm64(3, 0xffffffffn), mov64Reg(4, 10), alu64Imm(Op.ADD, 4, at), mov64Imm(5, size));
      insns.push(callHelper(helperIdOf("perf_event_output")));
    }
    const failed = failedEmit();
    insns.push(jmpImm(Op.JEQ, 0, 0, failed.length), ...failed, mov64Imm(0, 0), exit());
  }
  return Program.load({ type: spec.emit === "perf_event_output" ? "sched_cls" : "socket_filter", name: `produce_${spec.emit.slice(0, 8)}`, license: "GPL", insns: encodeInsns(insns) });
}

/** counters[1]++ then return 0: reached when an emit failed (the ring was full). */
function failedEmit(): Insn[] {
  return [ldxMem(Op.DW, 1, COUNTERS, 8), alu64Imm(Op.ADD, 1, 1), stxMem(Op.DW, COUNTERS, 1, 8), mov64Imm(0, 0), exit()];
}

/** Creates the counters: one element, u64[4]. */
export function countersMap(): Map {
  return Map.create({ type: "array", name: "counters", keySize: 4, valueSize: 32, maxEntries: 1 });
}

/** Reads counter i (0: sequence, 1: failed emits) as a number. */
export function counter(counters: Map, i: number): number {
  const out = new Uint8Array(32);
  counters.getInto(new Uint8Array(4), out);
  return Number(new DataView(out.buffer).getBigUint64(8 * i, LE));
}

/** Zeroes the counters. */
export function resetCounters(counters: Map): void {
  counters.set(new Uint8Array(4), new Uint8Array(32));
}

/** Runs the producer `n` times in one BPF_PROG_TEST_RUN (repeat = n). */
export function produce(prog: Program, n: number): void {
  if (n > 0) prog.testRun({ data: packet, repeat: n });
}

/** The sequence number of the record at `offset`, after checking its pattern words (throws on a mismatch). */
export function checkRecord(view: DataView, offset: number, size: number, recordSize: number): number {
  if (size < recordSize) throw new Error(`record of ${size} bytes, expected ${recordSize}`);
  const seq = Number(view.getBigUint64(offset, LE));
  for (let k = 4; k < recordSize / 4; k++) {
    const word = view.getUint32(offset + 4 * k, LE);
    if (word !== ((seq + k) >>> 0)) throw new Error(`record ${seq}: word ${k} is ${word}, expected ${seq + k}`);
  }
  return seq;
}
