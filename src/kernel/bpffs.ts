// The BPF filesystem: where pins live. Mounted on demand at /sys/fs/bpf when
// this process may mount (root) and nothing is mounted there.
import { type Dirent, mkdirSync, readdirSync, readFileSync, readlinkSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { CoreBpfError, PermissionError } from "../errors.js";
import { objGet } from "./bpf.js";
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

/**
 * Checks that `path` can hold a pin: its directory must be on a bpffs (the
 * default mount is created when missing and allowed). Creates parent directories.
 */
export function preparePinPath(path: string): void {
  const dir = dirname(path);
  if (dir === BPFFS_DEFAULT || dir.startsWith(BPFFS_DEFAULT + "/")) ensureBpffs(BPFFS_DEFAULT);
  mkdirSync(dir, { recursive: true });
  if (!isOnBpffs(dir)) {
    throw new CoreBpfError("NOT_BPFFS", `cannot pin at ${path}: ${dir} is not on a BPF filesystem`, { hint: "pin below /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)" });
  }
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
