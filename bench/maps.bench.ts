// Map lookup and update per operation (hash and array maps): corebpf's
// Map.getInto/Map.set on byte keys vs a C program issuing the same bpf()
// syscalls (compiled here with gcc, plain syscall(2)). Also compares koffi
// calling styles for the raw syscall, which is how sys.ts's style was chosen.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import koffi from "koffi";
import { Map, NativeBuffer, SYS, attr, hasBpfPrivilege, rawBpf, setU64 } from "../src/kernel/index.js";
import { median } from "./support.js";

const OPS = 400_000;
const ROUNDS = 5;

const cSource = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e9 + t.tv_nsec; }

static int create(int type) {
  union bpf_attr a; memset(&a, 0, sizeof a);
  a.map_type = type; a.key_size = 4; a.value_size = 8; a.max_entries = 1024;
  return syscall(__NR_bpf, BPF_MAP_CREATE, &a, 20);
}

/* One op: bpf(cmd) with the same 32-byte attr corebpf passes. */
static double run(int fd, int cmd, long n) {
  uint32_t key = 7; uint64_t value = 42;
  union bpf_attr a; memset(&a, 0, sizeof a);
  a.map_fd = fd; a.key = (uint64_t)(uintptr_t)&key; a.value = (uint64_t)(uintptr_t)&value; a.flags = 0;
  if (syscall(__NR_bpf, BPF_MAP_UPDATE_ELEM, &a, 32)) { perror("update"); exit(1); }
  double t = now();
  for (long i = 0; i < n; i++) if (syscall(__NR_bpf, cmd, &a, 32)) { perror("op"); exit(1); }
  return (now() - t) / n;
}

/* The same loop, called once through koffi inside the Node process. */
double run_in_process(int fd, int cmd, long n) { return run(fd, cmd, n); }

int main(int argc, char **argv) {
  long n = atol(argv[1]);
  int hash = create(BPF_MAP_TYPE_HASH), array = create(BPF_MAP_TYPE_ARRAY);
  if (hash < 0 || array < 0) { perror("create"); return 1; }
  printf("{\"hash_lookup\":%.1f,", run(hash, BPF_MAP_LOOKUP_ELEM, n));
  printf("\"hash_update\":%.1f,", run(hash, BPF_MAP_UPDATE_ELEM, n));
  printf("\"array_lookup\":%.1f,", run(array, BPF_MAP_LOOKUP_ELEM, n));
  printf("\"array_update\":%.1f}\n", run(array, BPF_MAP_UPDATE_ELEM, n));
  return 0;
}
`;

type Figures = Record<"hash_lookup" | "hash_update" | "array_lookup" | "array_update", number>;

function timeOps(n: number, op: () => void): number {
  for (let i = 0; i < 20_000; i++) op();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) op();
  return Number(process.hrtime.bigint() - t) / n;
}

/** The C loop run inside this process (one FFI call per loop): the syscall's cost here. */
function cInProcess(lib: string, n: number): Figures {
  const runLoop = koffi.load(lib).func("double run_in_process(int fd, int cmd, long n)") as (fd: number, cmd: number, n: number) => number;
  const figures = {} as Figures;
  for (const type of ["hash", "array"] as const) {
    using m = Map.create({ type, keySize: 4, valueSize: 8, maxEntries: 1024 });
    figures[`${type}_lookup`] = runLoop(m.fd.value, 1, n);
    figures[`${type}_update`] = runLoop(m.fd.value, 2, n);
  }
  return figures;
}

function corebpf(n: number): Figures {
  const key = new Uint8Array([7, 0, 0, 0]);
  const value = new Uint8Array([42, 0, 0, 0, 0, 0, 0, 0]);
  const out = new Uint8Array(8);
  const figures = {} as Figures;
  for (const type of ["hash", "array"] as const) {
    using m = Map.create({ type, keySize: 4, valueSize: 8, maxEntries: 1024 });
    m.set(key, value);
    figures[`${type}_lookup`] = timeOps(n, () => {
      m.getInto(key, out);
    });
    figures[`${type}_update`] = timeOps(n, () => m.set(key, value));
  }
  return figures;
}

/** Raw lookups through three koffi calling styles (no Map wrapper). */
function koffiStyles(n: number): Record<string, number> {
  const libc = koffi.load("libc.so.6");
  const pointerStyle = libc.func("long syscall(long nr, long cmd, void *attr, unsigned long size)") as (a: number, b: number, c: unknown, d: number) => number;
  using m = Map.create({ type: "array", keySize: 4, valueSize: 8, maxEntries: 1 });
  using kv = NativeBuffer.alloc(16);
  attr.begin(32);
  attr.view.setUint32(0, m.fd.value, true);
  setU64(attr.view, 8, kv.address);
  setU64(attr.view, 16, kv.address + 8);
  const attrBigint = BigInt(attr.address);
  const attrCopy = attr.buf.bytes.slice(0, 32);
  return {
    "integer prototype, address as number (used)": timeOps(n, () => rawBpf(1, attr.address, 32)),
    "void* prototype, address as BigInt": timeOps(n, () => pointerStyle(SYS.bpf, 1, attrBigint, 32)),
    "void* prototype, attr as Uint8Array": timeOps(n, () => pointerStyle(SYS.bpf, 1, attrCopy, 32)),
  };
}

export async function run(): Promise<void> {
  if (!hasBpfPrivilege()) {
    console.log("skipped: needs root or CAP_BPF");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "corebpf-bench-"));
  try {
    writeFileSync(join(dir, "maps.c"), cSource);
    try {
      execFileSync("gcc", ["-O2", "-o", join(dir, "maps"), join(dir, "maps.c")], { stdio: "pipe" });
      execFileSync("gcc", ["-O2", "-shared", "-fPIC", "-o", join(dir, "libmaps.so"), join(dir, "maps.c")], { stdio: "pipe" });
    } catch (err) {
      console.log(`skipped: gcc failed (${String(err)})`);
      return;
    }
    const js: Figures[] = [];
    const c: Figures[] = [];
    const inProcess: Figures[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      c.push(JSON.parse(execFileSync(join(dir, "maps"), [String(OPS)], { encoding: "utf8" })) as Figures);
      js.push(corebpf(OPS));
      inProcess.push(cInProcess(join(dir, "libmaps.so"), OPS));
    }
    console.log(`${OPS} ops x ${ROUNDS} rounds (median), ns/op; C = the C program; C-in-node = the same C loop called once inside this process`);
    console.log("operation        corebpf        C    ratio   C-in-node");
    for (const k of Object.keys(c[0]!) as (keyof Figures)[]) {
      const a = median(js.map((f) => f[k]));
      const b = median(c.map((f) => f[k]));
      const d = median(inProcess.map((f) => f[k]));
      console.log(`${k.padEnd(14)} ${a.toFixed(0).padStart(9)} ${b.toFixed(0).padStart(8)}  ${(a / b).toFixed(2).padStart(6)}x  ${d.toFixed(0).padStart(9)}`);
    }
    console.log("\nkoffi calling styles, raw array lookup (no Map wrapper), ns/op:");
    for (const [style, ns] of Object.entries(koffiStyles(OPS))) console.log(`  ${ns.toFixed(0).padStart(6)}  ${style}`);
    const abs = koffi.load("libc.so.6").func("int abs(int)") as (x: number) => number;
    console.log(`  ${timeOps(OPS, () => abs(-1)).toFixed(0).padStart(6)}  a call to libc abs() (koffi's own cost per call)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
