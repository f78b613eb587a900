// A BTF object in the kernel (BPF_BTF_LOAD, or one of the kernel's own by id).
// Programs and maps reference it by fd for func_info, line_info and typed
// keys/values. A rejected blob throws VerifierError with the BTF checker's log.
import { CoreBpfError } from "../errors.js";
import { attr, BtfLoad } from "./attr.js";
import { bpfTry, getFdById } from "./bpf.js";
import { openPinnedFd } from "./bpffs.js";
import { KernelObject } from "./kernel-object.js";
import { bpfError, commandName } from "./bpf-error.js";
import { Errno } from "./errno.js";
import { Fd } from "./fd.js";
import { btfInfo, type BtfInfo } from "./info.js";
import { NativeBuffer } from "./sys.js";
import { Cmd } from "./uapi.js";
import { FIRST_LOG_SIZE, logLines, nextLogSize, verifierError } from "./verifier-log.js";

export interface BtfLoadOptions {
  /** Log level for the first attempt (0: a log is requested only after a failure). */
  logLevel?: number;
  logSize?: number;
}

/** BTF_LOAD once; returns the fd or -errno and the log. */
function attempt(data: NativeBuffer, size: number, logLevel: number, logSize: number): { r: number; log: string[] } {
  let len = logSize;
  for (;;) {
    const log = len > 0 ? NativeBuffer.alloc(len) : undefined;
    try {
      attr
        .begin(BtfLoad.btf_log_level + 4)
        .u64(BtfLoad.btf, "btf", data.address)
        .u64(BtfLoad.btf_log_buf, "btf_log_buf", log ? log.address : 0)
        .u32(BtfLoad.btf_size, "btf_size", size)
        .u32(BtfLoad.btf_log_size, "btf_log_size", log ? log.length : 0)
        .u32(BtfLoad.btf_log_level, "btf_log_level", log ? logLevel : 0);
      const r = bpfTry(Cmd.BTF_LOAD);
      if (r === -Errno.ENOSPC && log && len < 0x3fffffff) {
        len = nextLogSize(len, attr.getU32(BtfLoad.btf_log_true_size));
        continue;
      }
      return { r, log: log ? logLines(log.bytes) : [] };
    } finally {
      log?.free();
    }
  }
}

/** A kernel BTF object owned by this handle. */
export class BtfHandle extends KernelObject {
  /** The BTF checker's log when one was requested. */
  readonly log: readonly string[];

  private constructor(fd: Fd, log: readonly string[] = []) {
    super(fd);
    this.log = log;
  }

  /** Loads raw BTF (header, types, strings) into the kernel. */
  static load(bytes: Uint8Array, options: BtfLoadOptions = {}): BtfHandle {
    if (bytes.length === 0) throw new CoreBpfError("BAD_BTF", "BTF_LOAD: empty BTF blob");
    using data = NativeBuffer.alloc(bytes.length);
    data.bytes.set(bytes);
    const level = options.logLevel ?? 0;
    let res = attempt(data, bytes.length, level, level > 0 ? (options.logSize ?? FIRST_LOG_SIZE) : 0);
    if (res.r < 0 && level === 0 && res.r !== -Errno.EPERM && res.r !== -Errno.E2BIG) {
      res = attempt(data, bytes.length, 1, options.logSize ?? FIRST_LOG_SIZE);
    }
    if (res.r >= 0) return new BtfHandle(new Fd(res.r), res.log);
    const errno = -res.r;
    if (res.log.length > 0 && errno !== Errno.EPERM) {
      throw verifierError("btf", commandName(Cmd.BTF_LOAD), errno, res.log, {}, "the kernel rejected the BTF; sanitise kinds it does not support");
    }
    throw bpfError(Cmd.BTF_LOAD, errno, { object: "btf", field: attr.field });
  }

  /** Opens the BTF object with this id (vmlinux is usually id 1). */
  static fromId(id: number): BtfHandle {
    return new BtfHandle(new Fd(getFdById("btf", id)));
  }

  /** Wraps an fd, taking ownership. */
  static fromFd(fd: Fd | number): BtfHandle {
    return new BtfHandle(typeof fd === "number" ? new Fd(fd) : fd);
  }

  /** Opens the BTF object pinned at `path` (WrongObjectTypeError when something else is pinned there). */
  static openPinned(path: string): BtfHandle {
    const h = new BtfHandle(new Fd(openPinnedFd(path, "btf")));
    h.pinnedPath = path;
    return h;
  }

  override get label(): string {
    return "btf";
  }

  /** bpf_btf_info; `withData` also returns the raw BTF bytes. */
  info(withData = false): BtfInfo {
    return btfInfo(this.fd.value, withData, { object: "btf" });
  }
}
