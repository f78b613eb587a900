// Verifier (and BTF checker) logs: buffer sizing, decoding into lines, and the
// VerifierError that keeps them.
import { VerifierError, type ErrorWhere } from "../errors.js";
import { errnoMessage, errnoName } from "./errno.js";

/** First log size tried after a failed load without log (1 MiB). */
export const FIRST_LOG_SIZE = 1 << 20;
/** Kernels before 5.2 reject log sizes above this (UINT32_MAX >> 8). */
export const OLD_MAX_LOG_SIZE = 0xffffffff >>> 8;
/** Newer kernels accept up to UINT32_MAX >> 2. */
export const MAX_LOG_SIZE = 0xffffffff >>> 2;

/** The next log size to try after ENOSPC; `trueSize` is the kernel's log_true_size (0 if unknown). */
export function nextLogSize(current: number, trueSize: number): number {
  if (trueSize > current) return Math.min(MAX_LOG_SIZE, trueSize + 1);
  if (current < OLD_MAX_LOG_SIZE && current * 4 > OLD_MAX_LOG_SIZE) return OLD_MAX_LOG_SIZE;
  return Math.min(MAX_LOG_SIZE, current * 4);
}

const text = new TextDecoder("utf-8", { fatal: false });

/** The NUL-terminated log text in `bytes` split into lines (no trailing empty line). */
export function logLines(bytes: Uint8Array): string[] {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  const lines = text.decode(bytes.subarray(0, end)).split("\n");
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Index of the last instruction the verifier printed ("12: (85) call ..."), if any. */
export function lastInstructionIndex(lines: readonly string[]): number | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^(\d+): \([0-9a-f]{2}\)/.exec(lines[i]!);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** How many of the last log lines go into the error message. */
export const MESSAGE_LINES = 10;

/** Where the lines left out of the message are: on the error, and printed by the CLI's -d. */
export function fullLogHint(lines: number): string {
  return `showing the last ${MESSAGE_LINES} of ${lines} log lines: all are in the error's 'log', and corebpf -d prints them`;
}

/** The error for a rejected program or BTF blob, keeping every line of the log. */
export function verifierError(
  what: string,
  command: string,
  errno: number,
  lines: readonly string[],
  where: ErrorWhere = {},
  hint?: string,
): VerifierError {
  const name = errnoName(errno);
  const tail = lines.slice(-MESSAGE_LINES).filter((l) => l.trim() !== "");
  const body = tail.length > 0 ? `:\n  ${tail.join("\n  ")}` : " (the kernel wrote no log)";
  const insn = lastInstructionIndex(lines);
  const message = `${what}: ${command}: ${errnoMessage(errno)} (${name})${body}`;
  return new VerifierError(name, errno, message, lines, {
    ...(insn === undefined ? {} : { insn }),
    ...where,
    hint: hint ?? (lines.length > MESSAGE_LINES ? fullLogHint(lines.length) : undefined),
  });
}
