// Shared by the ring and perf buffer readers: where the halves of a native
// 64-bit counter sit in an Int32Array, and whether plain loads already have
// acquire semantics.
import { arch } from "node:process";
import { LE } from "../kernel/sys.js";

export const LO_WORD = LE ? 0 : 1;
export const HI_WORD = LE ? 1 : 0;

/**
 * x86 is TSO: a plain load is not reordered with later loads, so it acts as an
 * acquire load, which is what the kernel's smp_load_acquire() compiles to
 * there. V8 keeps typed-array loads on its effect chain, in program order
 * relative to each other and to calls, and never merges loads of different
 * addresses. So on x86 the per-record header load can be a plain load: an
 * Atomics.load is a builtin call in V8 for non-shared buffers, and costs more
 * than the rest of a record's handling. Elsewhere (arm64, ...) Atomics.load,
 * which is sequentially consistent and so at least acquire, is used.
 */
export const PLAIN_LOADS_ACQUIRE = arch === "x64" || arch === "ia32";
