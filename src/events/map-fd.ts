// A consumer's own descriptor for the map it reads (a duplicate, so its
// lifetime is independent of the caller's Map object and libuv never sees the
// same fd number twice), with the map's shape checked.
import { CoreBpfError } from "../errors.js";
import { errnoName } from "../kernel/errno.js";
import { Fd, type FdLike, fdOf } from "../kernel/fd.js";
import { mapTypeName } from "../kernel/flags.js";
import { mapInfo, type MapInfo } from "../kernel/info.js";
import { lastErrno, rawFcntl } from "../kernel/sys.js";

const F_DUPFD_CLOEXEC = 1030;

export interface OwnedMap {
  readonly fd: Fd;
  readonly info: MapInfo;
  close(): void;
}

/** Duplicates `map`'s fd and checks that it is a map of `type`. */
export function openMapFd(map: FdLike, type: number, what: string): OwnedMap {
  const raw = rawFcntl(fdOf(map), F_DUPFD_CLOEXEC, 0);
  if (raw < 0) {
    const errno = errnoName(lastErrno());
    throw new CoreBpfError(errno, `${what}: cannot duplicate the map's fd (${errno})`);
  }
  const fd = new Fd(raw);
  try {
    const info = mapInfo(raw, { object: what });
    if (info.type !== type) {
      throw new CoreBpfError("WRONG_MAP_TYPE", `${what}: map '${info.name}' is a ${mapTypeName(info.type) ?? info.type} map, not ${mapTypeName(type)}`, {
        hint: `create it with type "${mapTypeName(type)}"`,
      });
    }
    return { fd, info, close: () => fd.close() };
  } catch (err) {
    fd.close();
    throw err;
  }
}
