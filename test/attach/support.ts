// Shared by the attach tests: counting programs, kernel link counts, and the
// throw-away network namespaces and cgroups the tests attach to.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  Map,
  Program,
  PSEUDO_MAP_FD,
  type AttachType,
  callHelper,
  encodeInsns,
  exit,
  ids,
  jmpImm,
  ldImm64,
  mov64Imm,
  mov64Reg,
  alu64Imm,
  stMem,
  Op,
  u32Codec,
  u64Codec,
  type ProgTypeName,
} from "../../src/kernel/index.js";
import { kernelSkip } from "../kernel/support.js";

export { kernelSkip, openFdCount, bpftoolSkip, runBpftool, sameAsBpftool, showStyles } from "../kernel/support.js";

/** An array map of one u64 counter. */
export function counterMap(name = "counter"): Map<number, bigint> {
  return Map.create({ type: "array", name, keySize: 4, valueSize: 8, maxEntries: 1 }, { key: u32Codec, value: u64Codec });
}

/** The counter's value. */
export function count(map: Map<number, bigint>): bigint {
  return map.get(0) ?? 0n;
}

/** BPF_STX | BPF_ATOMIC | BPF_DW with imm BPF_ADD: lock *(u64 *)(dst + off) += src. */
const atomicAdd64 = (dst: number, src: number, off: number) => ({ code: 0xdb, dst, src, off, imm: 0 });

/** Instructions that add 1 to the counter at key 0 of `map`, then return `ret`. */
export function counterInsns(map: Map<number, bigint>, ret: number): Uint8Array {
  return encodeInsns([
    stMem(Op.W, 10, -4, 0),
    mov64Reg(2, 10),
    alu64Imm(Op.ADD, 2, -4),
    ldImm64(1, map.fd.value, PSEUDO_MAP_FD),
    callHelper(1), // bpf_map_lookup_elem
    jmpImm(Op.JEQ, 0, 0, 2),
    mov64Imm(1, 1),
    atomicAdd64(0, 1, 0),
    mov64Imm(0, ret),
    exit(),
  ]);
}

/** A program of `type` counting its runs in `map` and returning `ret`. */
export function counterProgram(type: ProgTypeName | number, map: Map<number, bigint>, options: { ret?: number; expectedAttachType?: AttachType | number; name?: string; attachBtfId?: number } = {}): Program {
  const spec = {
    type,
    name: options.name ?? "counter",
    insns: counterInsns(map, options.ret ?? 0),
    ...(options.expectedAttachType === undefined ? {} : { expectedAttachType: options.expectedAttachType }),
    ...(options.attachBtfId === undefined ? {} : { attachBtfId: options.attachBtfId }),
  };
  return Program.load(spec);
}

/** Polls `cond` until it holds or `ms` pass; returns whether it held. */
export async function waitFor(cond: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await sleep(20);
  }
}

/** Ids of the links the kernel holds now. */
export function linkIds(): Set<number> {
  return new Set(ids("link"));
}

/** Polls until no link of `created` exists (the kernel frees links after an RCU grace period). */
export async function linksGone(before: Set<number>): Promise<number[]> {
  let extra: number[] = [];
  for (let i = 0; i < 100; i++) {
    extra = [...linkIds()].filter((id) => !before.has(id));
    if (extra.length === 0) return [];
    await sleep(50);
  }
  return extra;
}

/** Runs `command` and waits (a process that execs: execve tracepoints fire). */
export function run(command: string, args: readonly string[]): void {
  spawnSync(command, args, { stdio: "ignore" });
}

let toolCache: globalThis.Map<string, boolean> | undefined;
/** Whether a command is on PATH. */
export function hasTool(name: string): boolean {
  toolCache ??= new globalThis.Map();
  let ok = toolCache.get(name);
  if (ok === undefined) {
    ok = spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
    toolCache.set(name, ok);
  }
  return ok;
}

/**
 * Two network namespaces joined by a veth pair: veth-a (10.<n>.0.1) in the
 * sender's namespace, veth-b (10.<n>.0.2) in the receiver's. Traffic between
 * them crosses the pair (inside one namespace it would go through lo).
 */
export interface TestNetns extends Disposable {
  name: string;
  /** /run/netns/NAME-b, the receiver's namespace (holding veth-b), for withNetns() and netns options. */
  path: string;
  /** /run/netns/NAME-a, the sender's namespace (holding veth-a). */
  pathA: string;
  a: string;
  b: string;
  addrA: string;
  addrB: string;
  /** Runs a shell command in the sender's namespace (or the receiver's). */
  exec(script: string, side?: "a" | "b"): void;
}

let netnsCounter = 0;

/** Whether a test run that named its resources after `pid` is gone (killed before it could clean up). */
function deadRun(pid: string): boolean {
  return Number(pid) !== process.pid && !existsSync(`/proc/${pid}`);
}

/** Deletes namespaces left by killed test runs. */
function removeStaleNetns(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  for (const line of list.split("\n")) {
    const m = /^(corebpf-t(\d+)-\d+-[ab])/.exec(line);
    if (m && deadRun(m[2]!)) spawnSync("ip", ["netns", "del", m[1]!], { stdio: "ignore" });
  }
}

/** Makes the two namespaces and the pair, up and addressed; dispose deletes them (and the pair). */
export function makeNetns(): TestNetns {
  if (netnsCounter === 0) removeStaleNetns();
  const n = netnsCounter++;
  const name = `corebpf-t${process.pid}-${n}`;
  const subnet = `10.${200 + (n % 50)}.${process.pid % 250}`;
  const nsA = `${name}-a`;
  const nsB = `${name}-b`;
  const ns: TestNetns = {
    name,
    path: `/run/netns/${nsB}`,
    pathA: `/run/netns/${nsA}`,
    a: "veth-a",
    b: "veth-b",
    addrA: `${subnet}.1`,
    addrB: `${subnet}.2`,
    exec(script: string, side: "a" | "b" = "a") {
      execFileSync("ip", ["netns", "exec", side === "a" ? nsA : nsB, "bash", "-c", script], { stdio: ["ignore", "ignore", "pipe"], timeout: 10_000 });
    },
    [Symbol.dispose]() {
      spawnSync("ip", ["netns", "del", nsA], { stdio: "ignore" });
      spawnSync("ip", ["netns", "del", nsB], { stdio: "ignore" });
    },
  };
  // No IPv6 autoconfiguration chatter: only the packets a test sends cross the pair.
  const quiet = "{ echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; } 2>/dev/null || true";
  try {
    execFileSync("ip", ["netns", "add", nsA], { stdio: ["ignore", "ignore", "pipe"] });
    execFileSync("ip", ["netns", "add", nsB], { stdio: ["ignore", "ignore", "pipe"] });
    ns.exec(["ip link set lo up", quiet].join(" && "), "b");
    ns.exec(
      [
        "ip link set lo up",
        quiet,
        `ip link add veth-a type veth peer name veth-b netns ${nsB}`,
        `ip addr add ${ns.addrA}/24 dev veth-a`,
        "ip link set veth-a up",
      ].join(" && "),
    );
    ns.exec([`ip addr add ${ns.addrB}/24 dev veth-b`, "ip link set veth-b up"].join(" && "), "b");
  } catch (err) {
    ns[Symbol.dispose]();
    throw err;
  }
  return ns;
}

/** Sends `n` UDP datagrams from veth-a to veth-b (bash's /dev/udp in the sender's namespace). */
export function sendUdp(ns: TestNetns, n = 5, port = 9): void {
  ns.exec(`for i in $(seq ${n}); do echo ping > /dev/udp/${ns.addrB}/${port} || true; done`);
}

/** Why network tests cannot run, or false. */
export function netSkip(): string | false {
  if (kernelSkip) return kernelSkip;
  if (!hasTool("ip")) return "iproute2 (ip) is not installed";
  if (!hasTool("bash")) return "bash is not installed";
  return false;
}

/** The cgroup v2 mount point, or undefined. */
export function cgroup2Root(): string | undefined {
  const mounts = readFileSync("/proc/self/mounts", "utf8");
  for (const line of mounts.split("\n")) {
    const [, target, fstype] = line.split(" ");
    if (fstype === "cgroup2" && target) return target;
  }
  return undefined;
}

/** A cgroup v2 directory made for the test; dispose moves its processes out and removes it. */
export function makeCgroup(root: string): { path: string } & Disposable {
  for (const name of readdirSync(root)) {
    const m = /^corebpf-test-(\d+)-\d+$/.exec(name);
    if (m && deadRun(m[1]!)) removeCgroup(root, `${root}/${name}`);
  }
  const path = `${root}/corebpf-test-${process.pid}-${netnsCounter++}`;
  mkdirSync(path);
  return {
    path,
    [Symbol.dispose]() {
      removeCgroup(root, path);
    },
  };
}

/** Moves a test cgroup's processes to the root and removes it (best effort). */
function removeCgroup(root: string, path: string): void {
  if (!existsSync(path)) return;
  try {
    for (const pid of readFileSync(`${path}/cgroup.procs`, "utf8").split("\n").filter(Boolean)) {
      try {
        writeFileSync(`${root}/cgroup.procs`, pid);
      } catch {
        // the process exited meanwhile
      }
    }
    rmdirSync(path);
  } catch {
    // left for the next run's cleanup
  }
}

/** The error `fn` throws (fails the test if it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}
