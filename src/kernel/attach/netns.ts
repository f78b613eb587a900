// Network namespaces and interfaces: run a synchronous step inside another
// namespace (setns of the thread running JavaScript, restored afterwards),
// and resolve interface names in the namespace in force.
import { CoreBpfError, SyscallError } from "../../errors.js";
import { errnoMessage, errnoName } from "../errno.js";
import { Fd, type FdLike, fdOf } from "../fd.js";
import { ifNameToIndex, lastErrno, rawOpen, rawSetns } from "../sys.js";

const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;
const O_DIRECTORY = 0o200000;
const CLONE_NEWNET = 0x40000000;

/** A network namespace: a path (/run/netns/NAME, /proc/PID/ns/net) or an fd of one. */
export type NetnsRef = string | FdLike;

function syscallFailure(what: string): SyscallError {
  const errno = lastErrno();
  return new SyscallError(errnoName(errno), errno, `${what}: ${errnoMessage(errno)} (${errnoName(errno)})`);
}

/** Opens a file or directory read-only (close-on-exec); `directory` adds O_DIRECTORY. */
export function openReadOnly(path: string, what: string, directory = false): Fd {
  const fd = rawOpen(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) throw syscallFailure(`${what}: open ${path}`);
  return new Fd(fd);
}

/** An fd of a network namespace (the caller owns it). */
export function openNetns(netns: NetnsRef): Fd {
  return typeof netns === "string" ? openReadOnly(netns, "network namespace") : new Fd(fdOf(netns)).dup();
}

/**
 * Runs `fn` with the JavaScript thread inside network namespace `netns`,
 * then returns to the current one. `fn` must be synchronous: sockets and
 * attachments it creates belong to that namespace and keep working after.
 */
export function withNetns<T>(netns: NetnsRef | undefined, fn: () => T): T {
  if (netns === undefined) return fn();
  using home = openReadOnly("/proc/thread-self/ns/net", "current network namespace");
  using target = openNetns(netns);
  if (rawSetns(target.value, CLONE_NEWNET) !== 0) throw syscallFailure(`setns into ${typeof netns === "string" ? netns : "network namespace"}`);
  let result: T;
  try {
    result = fn();
  } finally {
    if (rawSetns(home.value, CLONE_NEWNET) !== 0) {
      // Staying in the wrong namespace would silently misdirect every later network call.
      throw syscallFailure("setns back into the original network namespace");
    }
  }
  if (result instanceof Promise) {
    throw new CoreBpfError("BAD_ARGUMENT", "withNetns: the function must be synchronous (it returned a Promise)");
  }
  return result;
}

/** An interface index: numbers as given, names resolved in the namespace in force. */
export function resolveIfindex(iface: number | string, what: string): number {
  if (typeof iface === "number") {
    if (!Number.isInteger(iface) || iface <= 0 || iface > 0x7fffffff) throw new CoreBpfError("BAD_ARGUMENT", `${what}: ifindex must be a positive integer, got ${iface}`);
    return iface;
  }
  const index = ifNameToIndex(iface);
  if (index === 0) throw new CoreBpfError("ENODEV", `${what}: no interface '${iface}' in this network namespace`, { hint: "ip link shows the interfaces; pass netns to look in another namespace" });
  return index;
}
