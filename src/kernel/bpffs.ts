// The BPF filesystem: where pins live. Mounted on demand at /sys/fs/bpf when
// this process may mount (root) and nothing is mounted there.
import { type Dirent, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, statfsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CoreBpfError, PermissionError, WrongObjectTypeError } from "../errors.js";
import { objGet } from "./bpf.js";
import type { ErrorContext } from "./bpf-error.js";
import { errnoName } from "./errno.js";
import { readFdinfo } from "./fdinfo.js";
import { lastErrno, rawClose, rawMount } from "./sys.js";

/** The conventional mount point. */
export const BPFFS_DEFAULT = "/sys/fs/bpf";
/** BPF_FS_MAGIC, the f_type of a bpffs. */
export const BPF_FS_MAGIC = 0xcafe4a11;

/** Mount points of type bpf listed in /proc/self/mounts. */
export function bpffsMounts(mountsText?: string): string[] {
  const text = mountsText ?? readFileSync("/proc/self/mounts", "utf8");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const [, target, fstype] = line.split(" ");
    if (fstype === "bpf" && target) out.push(target.replace(/\\040/g, " "));
  }
  return out;
}

/** Whether `path` lies on a bpffs (statfs f_type). */
export function isOnBpffs(path: string): boolean {
  try {
    return Number(statfsSync(path).type) === BPF_FS_MAGIC;
  } catch {
    return false;
  }
}

/** Makes sure a bpffs is mounted at `mountPoint` (mounting it if needed) and returns the mount point. */
export function ensureBpffs(mountPoint = BPFFS_DEFAULT): string {
  if (bpffsMounts().includes(mountPoint)) return mountPoint;
  mkdirSync(mountPoint, { recursive: true });
  if (rawMount("bpf", mountPoint, "bpf", 0) !== 0) {
    const errno = lastErrno();
    const name = errnoName(errno);
    const msg = `cannot mount bpffs at ${mountPoint} (${name})`;
    if (name === "EPERM") throw new PermissionError(name, errno, msg, { hint: "mounting needs root (CAP_SYS_ADMIN); or mount it: mount -t bpf bpf /sys/fs/bpf" });
    throw new CoreBpfError(name, msg);
  }
  return mountPoint;
}

/** The nearest of `dir` and its ancestors that exists, and whether it is a directory. */
function nearestExisting(dir: string): { path: string; isDirectory: boolean } {
  for (let p = resolve(dir); ; p = dirname(p)) {
    try {
      return { path: p, isDirectory: statSync(p).isDirectory() };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a component above is a file; it is found on the way up.
      if ((code !== "ENOENT" && code !== "ENOTDIR") || p === "/") {
        throw new CoreBpfError(code ?? "EIO", `cannot pin in ${dir}: ${p}: ${(err as Error).message}`, { file: dir, cause: err });
      }
    }
  }
}

/**
 * Checks, creating nothing, that `dir` can hold pins: it is a directory on a
 * bpffs, or the nearest existing ancestor is one (so that mkdir -p makes it on
 * that bpffs). The default mount is mounted when `dir` lies below it.
 */
export function checkPinDirectory(dir: string): void {
  const abs = resolve(dir);
  if (abs === BPFFS_DEFAULT || abs.startsWith(BPFFS_DEFAULT + "/")) ensureBpffs(BPFFS_DEFAULT);
  const found = nearestExisting(abs);
  if (!found.isDirectory) {
    const pinned = isOnBpffs(found.path);
    throw new CoreBpfError("NOT_A_DIRECTORY", `cannot pin in ${dir}: ${found.path} is ${pinned ? "a pin" : "a file"}, not a directory`, {
      file: dir,
      hint: pinned ? `choose a path that is not taken, or remove that pin: rm ${found.path}` : "choose a directory below /sys/fs/bpf",
    });
  }
  if (!isOnBpffs(found.path)) {
    throw new CoreBpfError("NOT_BPFFS", `cannot pin in ${dir}: ${found.path} is not on a BPF filesystem`, { file: dir, hint: "pin below /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)" });
  }
}

/** mkdir -p of a pin directory after checkPinDirectory(); returns the directories it created, outermost first. */
export function makePinDirectory(dir: string): string[] {
  checkPinDirectory(dir);
  const missing: string[] = [];
  for (let p = resolve(dir); nearestExisting(p).path !== p; p = dirname(p)) missing.unshift(p);
  mkdirSync(dir, { recursive: true });
  return missing;
}

/** Checks that `path` can hold a pin and creates its missing parent directories (only on a bpffs); returns those it made. */
export function preparePinPath(path: string): string[] {
  return makePinDirectory(dirname(path));
}

/**
 * BPF_OBJ_GET for a pin that must hold a `expected` object. A pin of another
 * kind (a map opened as a program...) gets a WrongObjectTypeError; the fd is
 * closed first. The caller owns the returned fd.
 */
export function openPinnedFd(path: string, expected: "prog" | "map" | "link" | "btf", fileFlags = 0, ctx: ErrorContext = {}): number {
  const fd = objGet(path, fileFlags, ctx);
  const actual = fdObjectKind(fd);
  if (actual === expected) return fd;
  rawClose(fd);
  throw new WrongObjectTypeError(
    { path, actual: actual ?? "unknown", expected },
    undefined,
    actual === undefined ? { hint: `/proc/self/fd must be readable to tell what is pinned` } : { hint: `open it as a ${actual}, or give the pin of a ${expected}` },
  );
}

/** The kind of BPF object behind an fd ("prog", "map", "link", "btf"), from /proc/self/fd. */
export function fdObjectKind(fd: number): "prog" | "map" | "link" | "btf" | undefined {
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
  if (target === "anon_inode:bpf-prog") return "prog";
  if (target === "anon_inode:bpf-map") return "map";
  // A link fd is "bpf_link" when created and "bpf-link" when opened from a pin.
  if (target === "anon_inode:bpf_link" || target === "anon_inode:bpf-link") return "link";
  if (target === "anon_inode:btf") return "btf";
  return undefined;
}

/** Every object of `kind` pinned on any mounted bpffs: id -> paths (bpftool -f). */
export function pinnedObjects(kind: "prog" | "map" | "link"): globalThis.Map<number, string[]> {
  const out = new globalThis.Map<number, string[]>();
  const idKey = kind === "prog" ? "prog_id" : kind === "map" ? "map_id" : "link_id";
  const walk = (dir: string, depth: number): void => {
    if (depth > 64) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = `${dir === "/" ? "" : dir}/${e.name}`;
      if (e.isDirectory()) walk(path, depth + 1);
      else if (e.isFile()) {
        let fd: number;
        try {
          fd = objGet(path, 0);
        } catch {
          continue;
        }
        try {
          if (fdObjectKind(fd) !== kind) continue;
          const id = Number(readFdinfo(fd)[idKey]);
          if (!Number.isInteger(id)) continue;
          const list = out.get(id);
          if (list) list.push(path);
          else out.set(id, [path]);
        } finally {
          rawClose(fd);
        }
      }
    }
  };
  for (const mount of bpffsMounts()) walk(mount, 0);
  return out;
}
