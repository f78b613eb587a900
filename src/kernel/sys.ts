// The one system-call chokepoint of corebpf. koffi binds libc once; every
// other file of the project reaches the kernel through the functions here.
//
// Calling style (measured in bench/maps.bench.ts): koffi's fastest path is a
// prototype whose parameters are all integers (no pointer types, no output
// parameters), so pointers travel as plain numbers (user-space addresses fit in
// 2^53) into memory allocated here, never as JS typed arrays.
import koffi from "koffi";
import { endianness } from "node:os";
import { arch } from "node:process";
import { CoreBpfError } from "../errors.js";

/** glibc by its soname; elsewhere (musl) the C library already linked into node. */
function loadLibc(): ReturnType<typeof koffi.load> {
  try {
    return koffi.load("libc.so.6");
  } catch {
    return koffi.load(null);
  }
}

const libc = loadLibc();

/** System call numbers of this architecture (only the ones corebpf issues). */
interface SyscallNumbers {
  bpf: number;
  perfEventOpen: number;
  pidfdOpen: number;
}

const numbersByArch: Record<string, SyscallNumbers> = {
  x64: { bpf: 321, perfEventOpen: 298, pidfdOpen: 434 },
  arm64: { bpf: 280, perfEventOpen: 241, pidfdOpen: 434 },
  riscv64: { bpf: 280, perfEventOpen: 241, pidfdOpen: 434 },
  loong64: { bpf: 280, perfEventOpen: 241, pidfdOpen: 434 },
  ppc64: { bpf: 361, perfEventOpen: 319, pidfdOpen: 434 },
  s390x: { bpf: 351, perfEventOpen: 331, pidfdOpen: 434 },
  ia32: { bpf: 357, perfEventOpen: 336, pidfdOpen: 434 },
  arm: { bpf: 386, perfEventOpen: 364, pidfdOpen: 434 },
};

const known = numbersByArch[arch];
/** bpf()'s syscall number, or -1 on an unknown architecture (the call then fails with ENOSYS). */
export const SYS_BPF = known?.bpf ?? -1;
/** Syscall numbers for this process's architecture; throws on an unknown one when used. */
export const SYS: SyscallNumbers = known ?? {
  get bpf(): number {
    throw new CoreBpfError("UNSUPPORTED_ARCH", `no bpf() syscall number known for architecture ${arch}`);
  },
  get perfEventOpen(): number {
    throw new CoreBpfError("UNSUPPORTED_ARCH", `no perf_event_open() syscall number known for architecture ${arch}`);
  },
  get pidfdOpen(): number {
    throw new CoreBpfError("UNSUPPORTED_ARCH", `no pidfd_open() syscall number known for architecture ${arch}`);
  },
};

// The libc table. Integer-only prototypes keep koffi on its fast call path.
// syscall(2) is variadic in C; on the Linux ABIs koffi supports, integer
// arguments of a variadic call travel in the same registers as fixed ones, and
// glibc's syscall() is a register shuffle, so a fixed prototype is exact.
const fns = {
  syscall: libc.func("long syscall(long nr, long a1, uintptr_t a2, uintptr_t a3)") as (nr: number, a1: number, a2: number, a3: number) => number,
  syscall6: libc.func("long syscall(long nr, long a1, long a2, long a3, long a4, long a5)") as (
    nr: number,
    a1: number,
    a2: number,
    a3: number,
    a4: number,
    a5: number,
  ) => number,
  close: libc.func("int close(int fd)") as (fd: number) => number,
  mmap: libc.func("intptr_t mmap(uintptr_t addr, size_t length, int prot, int flags, int fd, int64_t offset)") as (
    addr: number,
    length: number,
    prot: number,
    flags: number,
    fd: number,
    offset: number,
  ) => number,
  munmap: libc.func("int munmap(uintptr_t addr, size_t length)") as (addr: number, length: number) => number,
  ioctl: libc.func("int ioctl(int fd, unsigned long request, uintptr_t arg)") as (fd: number, request: number, arg: number) => number,
  read: libc.func("intptr_t read(int fd, uintptr_t buf, size_t count)") as (fd: number, buf: number, count: number) => number,
  fcntl: libc.func("int fcntl(int fd, int cmd, long arg)") as (fd: number, cmd: number, arg: number) => number,
  getpagesize: libc.func("int getpagesize()") as () => number,
  clockGettime: libc.func("int clock_gettime(int clock, uintptr_t ts)") as (clock: number, ts: number) => number,
  mount: libc.func("int mount(const char *source, const char *target, const char *fstype, unsigned long flags, uintptr_t data)") as (
    source: string,
    target: string,
    fstype: string,
    flags: number,
    data: number,
  ) => number,
};

/** errno of the last libc call made through this table (read at once after a failure). */
export function lastErrno(): number {
  return koffi.errno() as number;
}

/** The koffi binding of syscall(2) with four integer arguments, for the map hot path. */
export const syscall4: (nr: number, a1: number, a2: number, a3: number) => number = fns.syscall;

/** bpf(cmd, attr, size): the fd/0 result, or -1 with errno set (read it with lastErrno()). */
export function rawBpf(cmd: number, attrAddress: number, size: number): number {
  return fns.syscall(SYS.bpf, cmd, attrAddress, size);
}

/** A system call with up to 5 integer arguments; -1 with errno on failure. */
export function rawSyscall(nr: number, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
  return fns.syscall6(nr, a1, a2, a3, a4, a5);
}

/** close(2); returns 0 or -1 (errno). */
export function rawClose(fd: number): number {
  return fns.close(fd);
}

export const Prot = { READ: 1, WRITE: 2 } as const;
export const MapMode = { SHARED: 0x01, PRIVATE: 0x02, FIXED: 0x10, ANONYMOUS: 0x20, FIXED_NOREPLACE: 0x100000 } as const;

let pageSizeValue: number | undefined;
/** The system page size. */
export function pageSize(): number {
  return (pageSizeValue ??= fns.getpagesize());
}

/** mmap(2); returns the address, or -1 (errno). */
export function rawMmap(length: number, prot: number, flags: number, fd: number, offset: number): number {
  return fns.mmap(0, length, prot, flags, fd, offset);
}

/** mmap(2) at a fixed address (MAP_FIXED replaces what is mapped there). */
export function rawMmapAt(address: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
  return fns.mmap(address, length, prot, flags | MapMode.FIXED, fd, offset);
}

/**
 * mmap(2) exactly at `address` without replacing anything (MAP_FIXED_NOREPLACE):
 * -1 (EEXIST) when something is mapped there. Kernels before 4.17 take the
 * address as a hint, so callers check the address returned.
 */
export function rawMmapNoReplace(address: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
  return fns.mmap(address, length, prot, flags | MapMode.FIXED_NOREPLACE, fd, offset);
}

/** munmap(2). */
export function rawMunmap(address: number, length: number): number {
  return fns.munmap(address, length);
}

/** ioctl(2) with an integer or address argument. */
export function rawIoctl(fd: number, request: number, arg: number): number {
  return fns.ioctl(fd, request, arg);
}

/** read(2) into native memory. */
export function rawRead(fd: number, address: number, count: number): number {
  return fns.read(fd, address, count);
}

/** fcntl(2) with an integer argument. */
export function rawFcntl(fd: number, cmd: number, arg: number): number {
  return fns.fcntl(fd, cmd, arg);
}

/** mount(2) without data. */
export function rawMount(source: string, target: string, fstype: string, flags: number): number {
  return fns.mount(source, target, fstype, flags, 0);
}

export const Clock = { REALTIME: 0, MONOTONIC: 1, BOOTTIME: 7 } as const;

/** clock_gettime(2) as [seconds, nanoseconds]. */
export function clockGettime(clock: number): [number, number] {
  const ts = scratchTimespec();
  if (fns.clockGettime(clock, ts.address) !== 0) throw new CoreBpfError("CLOCK", `clock_gettime(${clock}) failed (errno ${lastErrno()})`);
  return [Number(ts.view.getBigInt64(0, LE)), Number(ts.view.getBigInt64(8, LE))];
}

let timespec: NativeBuffer | undefined;
function scratchTimespec(): NativeBuffer {
  return (timespec ??= NativeBuffer.alloc(16));
}

const leaked = new FinalizationRegistry<bigint>((ptr) => koffi.free(ptr));

/**
 * Memory outside the JS heap, at a fixed address the kernel can be given
 * (attr buffers, keys, values, logs). `bytes`/`view` alias it; free() releases
 * it (also done at garbage collection if forgotten).
 */
export class NativeBuffer {
  readonly address: number;
  readonly length: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  #ptr: bigint | undefined;

  private constructor(ptr: bigint, length: number) {
    this.#ptr = ptr;
    this.address = Number(ptr);
    this.length = length;
    const ab = koffi.view(ptr, length);
    this.bytes = new Uint8Array(ab);
    this.view = new DataView(ab);
    leaked.register(this, ptr, this);
  }

  /** Allocates `length` zeroed bytes (at least 8). */
  static alloc(length: number): NativeBuffer {
    if (!Number.isSafeInteger(length) || length < 0 || length > 0x7fffffff) {
      throw new CoreBpfError("BAD_ARGUMENT", `cannot allocate ${length} bytes of native memory`);
    }
    const size = Math.max(8, length);
    const ptr = koffi.alloc("uint8_t", size) as bigint;
    if (!ptr) throw new CoreBpfError("ENOMEM", `cannot allocate ${size} bytes of native memory`);
    const buf = new NativeBuffer(ptr, size);
    buf.bytes.fill(0);
    return buf;
  }

  /** Releases the memory; the views must not be used afterwards (idempotent). */
  free(): void {
    const ptr = this.#ptr;
    if (ptr === undefined) return;
    this.#ptr = undefined;
    leaked.unregister(this);
    koffi.free(ptr);
  }

  [Symbol.dispose](): void {
    this.free();
  }
}

/**
 * A growable native scratch area for one kind of transient data. ensure()
 * returns the current buffer, reallocated (contents lost) only when too small.
 */
export class Scratch {
  #buf: NativeBuffer;
  /** Incremented at each reallocation, so users can cache views into the buffer. */
  generation = 0;
  constructor(initial: number) {
    this.#buf = NativeBuffer.alloc(initial);
  }
  get current(): NativeBuffer {
    return this.#buf;
  }
  ensure(length: number): NativeBuffer {
    if (length <= this.#buf.length) return this.#buf;
    let size = this.#buf.length;
    while (size < length) size *= 2;
    this.#buf.free();
    this.#buf = NativeBuffer.alloc(size);
    this.generation++;
    return this.#buf;
  }
}

/** Whether the host (and so every kernel structure) is little-endian. */
export const LE = endianness() === "LE";
const LO = LE ? 0 : 4;
const HI = LE ? 4 : 0;

/** Writes a native-endian 64-bit address/number without allocating a BigInt. */
export function setU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset + LO, value >>> 0, LE);
  view.setUint32(offset + HI, Math.floor(value / 4294967296) >>> 0, LE);
}

/** Reads a native-endian 64-bit value as a number (exact below 2^53). */
export function getU64(view: DataView, offset: number): number {
  return view.getUint32(offset + LO, LE) + view.getUint32(offset + HI, LE) * 4294967296;
}

// ---- attach layer: sockets (netlink, socket filters), files, interfaces ----
// Integer-only prototypes (addresses as numbers) like the table above, except
// the interface-name lookups, which are not on any hot path.
const attachFns = {
  socket: libc.func("int socket(int domain, int type, int protocol)") as (domain: number, type: number, protocol: number) => number,
  socketpair: libc.func("int socketpair(int domain, int type, int protocol, uintptr_t sv)") as (domain: number, type: number, protocol: number, sv: number) => number,
  bind: libc.func("int bind(int fd, uintptr_t addr, uint32_t len)") as (fd: number, addr: number, len: number) => number,
  setsockopt: libc.func("int setsockopt(int fd, int level, int name, uintptr_t value, uint32_t len)") as (
    fd: number,
    level: number,
    name: number,
    value: number,
    len: number,
  ) => number,
  sendto: libc.func("intptr_t sendto(int fd, uintptr_t buf, size_t len, int flags, uintptr_t addr, uint32_t addrlen)") as (
    fd: number,
    buf: number,
    len: number,
    flags: number,
    addr: number,
    addrlen: number,
  ) => number,
  recv: libc.func("intptr_t recv(int fd, uintptr_t buf, size_t len, int flags)") as (fd: number, buf: number, len: number, flags: number) => number,
  write: libc.func("intptr_t write(int fd, uintptr_t buf, size_t count)") as (fd: number, buf: number, count: number) => number,
  open: libc.func("int open(const char *path, int flags, int mode)") as (path: string, flags: number, mode: number) => number,
  setns: libc.func("int setns(int fd, int nstype)") as (fd: number, nstype: number) => number,
  ifNameToIndex: libc.func("unsigned int if_nametoindex(const char *name)") as (name: string) => number,
  ifIndexToName: libc.func("uintptr_t if_indextoname(unsigned int index, uintptr_t buf)") as (index: number, buf: number) => number,
};

/** socket(2); the fd or -1 (errno). */
export function rawSocket(domain: number, type: number, protocol: number): number {
  return attachFns.socket(domain, type, protocol);
}

/** socketpair(2) into `sv` (two ints of native memory); 0 or -1 (errno). */
export function rawSocketpair(domain: number, type: number, protocol: number, sv: number): number {
  return attachFns.socketpair(domain, type, protocol, sv);
}

/** bind(2) to the sockaddr at `addr`. */
export function rawBind(fd: number, addr: number, len: number): number {
  return attachFns.bind(fd, addr, len);
}

/** setsockopt(2) with the option value at `value`. */
export function rawSetsockopt(fd: number, level: number, name: number, value: number, len: number): number {
  return attachFns.setsockopt(fd, level, name, value, len);
}

/** sendto(2); bytes sent or -1 (errno). `addr` 0 sends to the connected peer. */
export function rawSendto(fd: number, buf: number, len: number, flags: number, addr: number, addrlen: number): number {
  return attachFns.sendto(fd, buf, len, flags, addr, addrlen);
}

/** recv(2); bytes received or -1 (errno). */
export function rawRecv(fd: number, buf: number, len: number, flags: number): number {
  return attachFns.recv(fd, buf, len, flags);
}

/** write(2) from native memory. */
export function rawWrite(fd: number, buf: number, count: number): number {
  return attachFns.write(fd, buf, count);
}

/** open(2); the fd or -1 (errno). */
export function rawOpen(path: string, flags: number, mode = 0): number {
  return attachFns.open(path, flags, mode);
}

/** setns(2) of the calling thread (the one running JavaScript). */
export function rawSetns(fd: number, nstype: number): number {
  return attachFns.setns(fd, nstype);
}

/** if_nametoindex(3) in this process's network namespace; 0 when there is no such interface. */
export function ifNameToIndex(name: string): number {
  return attachFns.ifNameToIndex(name);
}

/** if_indextoname(3) in this process's network namespace; undefined when there is no such interface. */
export function ifIndexToName(index: number): string | undefined {
  using buf = NativeBuffer.alloc(32);
  if (attachFns.ifIndexToName(index >>> 0, buf.address) === 0) return undefined;
  const end = buf.bytes.indexOf(0);
  return new TextDecoder().decode(buf.bytes.subarray(0, end < 0 ? 16 : end));
}

// ---- events: epoll for the fd watcher's worker fallback (src/events) ---------
// A table of its own, so that additions elsewhere in this file merge cleanly.
const epollFns = {
  create1: libc.func("int epoll_create1(int flags)") as (flags: number) => number,
  ctl: libc.func("int epoll_ctl(int epfd, int op, int fd, uintptr_t event)") as (epfd: number, op: number, fd: number, event: number) => number,
  wait: libc.func("int epoll_wait(int epfd, uintptr_t events, int maxevents, int timeout)") as (
    epfd: number,
    events: number,
    maxEvents: number,
    timeoutMs: number,
  ) => number,
};

export const Epoll = { CLOEXEC: 0x80000, CTL_ADD: 1, CTL_DEL: 2, CTL_MOD: 3, IN: 0x001, ERR: 0x008, HUP: 0x010, ONESHOT: 1 << 30 } as const;

/** sizeof(struct epoll_event): packed (12 bytes) on x86-64, 16 elsewhere; the u64 data sits at `EPOLL_EVENT_DATA`. */
export const EPOLL_EVENT_SIZE = arch === "x64" ? 12 : 16;
export const EPOLL_EVENT_DATA = arch === "x64" ? 4 : 8;

/** epoll_create1(2); the fd or -1 (errno). */
export function rawEpollCreate1(flags: number): number {
  return epollFns.create1(flags);
}

/** epoll_ctl(2) with a struct epoll_event at `event` (0 for CTL_DEL). */
export function rawEpollCtl(epfd: number, op: number, fd: number, event: number): number {
  return epollFns.ctl(epfd, op, fd, event);
}

/** epoll_wait(2) into `maxEvents` structs at `events`; the count, or -1 (errno). Blocks the calling thread up to `timeoutMs`. */
export function rawEpollWait(epfd: number, events: number, maxEvents: number, timeoutMs: number): number {
  return epollFns.wait(epfd, events, maxEvents, timeoutMs);
}
