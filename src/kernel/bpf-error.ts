// Turns a failed bpf() command into a CoreBpfError with the errno's name, the
// command, the object it concerned and advice on what to do about it.
import { type ErrorWhere, PermissionError, SyscallError } from "../errors.js";
import { Errno, errnoMessage, errnoName } from "./errno.js";
import { missingBpfCapabilities, unprivilegedBpfDisabled } from "./privileges.js";
import { Cmd, commandNames } from "./uapi.js";

/** What the failing call was about, for the message and the hint. */
export interface ErrorContext extends ErrorWhere {
  /** Prefix naming the object, e.g. "map 'counter'" or "prog 'handler'". */
  object?: string;
  /** The last non-zero attribute field, named in E2BIG advice. */
  field?: string;
  /** Replaces the generic advice. */
  hint?: string;
  /** Replaces the generic advice for EINVAL only: what an invalid-argument rejection means at this call. */
  invalidHint?: string;
  cause?: unknown;
}

/** "BPF_MAP_CREATE" for Cmd.MAP_CREATE. */
export function commandName(cmd: number): string {
  const name = commandNames[cmd];
  return name === undefined ? `bpf command ${cmd}` : `BPF_${name.toUpperCase()}`;
}

const elemCommands = new Set<number>([
  Cmd.MAP_LOOKUP_ELEM,
  Cmd.MAP_UPDATE_ELEM,
  Cmd.MAP_DELETE_ELEM,
  Cmd.MAP_GET_NEXT_KEY,
  Cmd.MAP_LOOKUP_AND_DELETE_ELEM,
  Cmd.MAP_LOOKUP_BATCH,
  Cmd.MAP_LOOKUP_AND_DELETE_BATCH,
  Cmd.MAP_UPDATE_BATCH,
  Cmd.MAP_DELETE_BATCH,
]);

const idCommands = new Set<number>([Cmd.PROG_GET_FD_BY_ID, Cmd.MAP_GET_FD_BY_ID, Cmd.BTF_GET_FD_BY_ID, Cmd.LINK_GET_FD_BY_ID]);

export const privilegeAdvice = "needs root, or CAP_BPF + CAP_PERFMON (+CAP_NET_ADMIN for network programs)";

function permissionHint(cmd: number): string {
  const missing = missingBpfCapabilities();
  if (missing.length > 0) {
    const sysctl = unprivilegedBpfDisabled();
    const state = sysctl !== undefined && sysctl !== 0 ? `; kernel.unprivileged_bpf_disabled=${sysctl}` : "";
    return `${privilegeAdvice}; this process lacks ${missing.join(" + ")}${state}`;
  }
  if (elemCommands.has(cmd) || cmd === Cmd.MAP_FREEZE) {
    return "the map is frozen or read-only (BPF_F_RDONLY/BPF_F_RDONLY_PROG, or opened read-only)";
  }
  return "the process has the BPF capabilities, so a security policy refused it: kernel lockdown, an LSM, or RLIMIT_MEMLOCK on kernels before 5.11 (ulimit -l unlimited)";
}

function adviceFor(cmd: number, errno: number, ctx: ErrorContext): string | undefined {
  switch (errno) {
    case Errno.E2BIG:
      if (ctx.field !== undefined) {
        return `field '${ctx.field}' of union bpf_attr is probably newer than this kernel, or a size limit was exceeded`;
      }
      return "an argument exceeds a kernel limit (key/value size, entries, program size), or union bpf_attr is larger than this kernel's";
    case Errno.EINVAL:
      return `the kernel rejected the arguments of ${commandName(cmd)}: check the type, sizes and flags against what this kernel supports (corebpf feature probe)`;
    case Errno.ENOENT:
      if (elemCommands.has(cmd)) return "no such element";
      if (idCommands.has(cmd)) return "no object with this id (it was freed)";
      if (cmd === Cmd.OBJ_GET) return "nothing is pinned at this path";
      return undefined;
    case Errno.EEXIST:
      if (elemCommands.has(cmd)) return "the element exists and BPF_NOEXIST was given";
      if (cmd === Cmd.LINK_CREATE || cmd === Cmd.PROG_ATTACH) {
        return "something is already attached there (this program to the same hook, or an exclusive attachment): detach it first";
      }
      return "the object already exists";
    case Errno.ENOSPC:
      return elemCommands.has(cmd) ? "the map is full (max_entries reached)" : "a buffer was too small";
    case Errno.EBADF:
      return "bad file descriptor: the object was closed, or the fd is not of the expected kind";
    case Errno.ENOTSUPP:
    case Errno.EOPNOTSUPP:
      return "this kernel does not support the operation for this object type";
    case Errno.ENOMEM:
      return "the kernel is out of memory, or RLIMIT_MEMLOCK is too low on kernels before 5.11 (ulimit -l unlimited)";
    case Errno.EFAULT:
      return "the kernel could not access a buffer passed to it";
    case Errno.EBUSY:
      return "the object is busy (in use by another attachment or operation)";
    case Errno.ENOSYS:
      return "this kernel has no bpf() system call (CONFIG_BPF_SYSCALL is off)";
    default:
      return undefined;
  }
}

/** The error for bpf(cmd) failing with errno. */
export function bpfError(cmd: number, errno: number, ctx: ErrorContext = {}): SyscallError {
  const { object, field, hint, invalidHint, cause, ...where } = ctx;
  const name = errnoName(errno);
  const message = `${object ? object + ": " : ""}${commandName(cmd)}: ${errnoMessage(errno)} (${name})`;
  const options = { ...where, hint: hint ?? (errno === Errno.EINVAL ? invalidHint : undefined) ?? adviceFor(cmd, errno, ctx), cause };
  if (errno === Errno.EPERM || errno === Errno.EACCES) {
    const privileged = missingBpfCapabilities().length === 0;
    if (privileged && (elemCommands.has(cmd) || cmd === Cmd.MAP_FREEZE)) {
      return new SyscallError(name, errno, message, { ...options, hint: hint ?? permissionHint(cmd) });
    }
    return new PermissionError(name, errno, message, { ...options, hint: hint ?? permissionHint(cmd) });
  }
  return new SyscallError(name, errno, message, options);
}
