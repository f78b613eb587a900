// Every map type the uapi knows: created, used the way user space can use it,
// and closed. Types the running kernel lacks are skipped with the probe's verdict.
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import {
  BtfHandle,
  Map,
  MapFlags,
  MapType,
  Program,
  SYS,
  UpdateFlags,
  localStorageBtf,
  mapTypeNames,
  pageSize,
  possibleCpuCount,
  probeMapType,
  rawClose,
  rawSyscall,
  u32Codec,
  u64Codec,
  type MapSpec,
} from "../../src/kernel/index.js";
import { kernelSkip, returnProgram } from "./support.js";

const u32 = (n: number) => u32Codec.encode(n);

function withLocalStorage(spec: Omit<MapSpec, "btf" | "btfKeyTypeId" | "btfValueTypeId">, use: (m: Map) => void): void {
  const local = localStorageBtf();
  using btf = BtfHandle.load(local.blob);
  using m = Map.create({ ...spec, btf, btfKeyTypeId: local.keyTypeId, btfValueTypeId: local.valueTypeId });
  use(m);
}

/** The cgroup v2 mount point (cgroup2 may sit below /sys/fs/cgroup on hybrid systems). */
function cgroup2Mount(): string | undefined {
  for (const line of readFileSync("/proc/self/mounts", "utf8").split("\n")) {
    const [, target, fstype] = line.split(" ");
    if (fstype === "cgroup2" && target) return target;
  }
  return undefined;
}

function withCgroupFd(use: (fd: number) => void): void {
  const mount = cgroup2Mount();
  assert.ok(mount, "no cgroup2 mount");
  const fd = openSync(mount, "r");
  try {
    use(fd);
  } finally {
    closeSync(fd);
  }
}

/** One case per map type: create, use, close (via `using`). */
const cases: Record<string, () => void> = {
  hash: () => {
    using m = Map.create({ type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 4 }, { key: u32Codec, value: u64Codec });
    m.set(1, 2n);
    assert.equal(m.get(1), 2n);
  },
  array: () => {
    using m = Map.create({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 }, { key: u32Codec, value: u32Codec });
    m.set(3, 9);
    assert.deepEqual([...m.values()], [0, 0, 0, 9]);
  },
  prog_array: () => {
    using m = Map.create({ type: MapType.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4 }, { key: u32Codec });
    using p = Program.load({ type: "socket_filter", insns: returnProgram(1) });
    m.setFd(2, p);
    assert.equal(m.getId(2), p.info().id);
    assert.equal(m.delete(2), true);
  },
  perf_event_array: () => {
    using m = Map.create({ type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: possibleCpuCount() }, { key: u32Codec });
    assert.equal(m.delete(0), false);
  },
  percpu_hash: () => {
    using m = Map.create({ type: MapType.PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 4 }, { key: u32Codec, value: u32Codec });
    m.setPerCpu(1, 7);
    assert.deepEqual(m.getPerCpu(1), new Array(possibleCpuCount()).fill(7));
  },
  percpu_array: () => {
    using m = Map.create({ type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 12, maxEntries: 1 }, { key: u32Codec });
    assert.equal(m.getPerCpu(0)!.length, possibleCpuCount());
  },
  stack_trace: () => {
    using m = Map.create({ type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * 127, maxEntries: 16 }, { key: u32Codec });
    assert.equal(m.has(0), false);
  },
  cgroup_array: () => {
    using m = Map.create({ type: MapType.CGROUP_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec });
    withCgroupFd((fd) => m.setFd(0, fd));
    assert.equal(m.delete(0), true);
  },
  lru_hash: () => {
    using m = Map.create({ type: MapType.LRU_HASH, keySize: 4, valueSize: 4, maxEntries: 64 }, { key: u32Codec, value: u32Codec });
    for (let i = 0; i < 200; i++) m.set(i, i);
    const n = [...m.keys()].length;
    assert.ok(n > 0 && n <= 64, `LRU holds ${n} entries`);
    assert.equal(m.get(199), 199);
  },
  lru_percpu_hash: () => {
    using m = Map.create({ type: MapType.LRU_PERCPU_HASH, keySize: 4, valueSize: 8, maxEntries: 8 }, { key: u32Codec, value: u64Codec });
    m.setPerCpu(1, 1n);
    assert.equal(m.getPerCpu(1)!.length, possibleCpuCount());
  },
  lpm_trie: () => {
    // key: u32 prefix length + IPv4 address
    const key = (prefix: number, a: number, b: number, c: number, d: number) => new Uint8Array([...u32(prefix), a, b, c, d]);
    using m = Map.create({ type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 16, flags: MapFlags.NO_PREALLOC }, { value: u32Codec });
    m.set(key(8, 10, 0, 0, 0), 8);
    m.set(key(16, 10, 1, 0, 0), 16);
    assert.equal(m.get(key(32, 10, 1, 2, 3)), 16);
    assert.equal(m.get(key(32, 10, 2, 2, 3)), 8);
    assert.equal(m.get(key(32, 11, 0, 0, 1)), undefined);
  },
  array_of_maps: () => {
    using inner = Map.create({ type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1 });
    using outer = Map.create({ type: MapType.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner }, { key: u32Codec });
    outer.setFd(1, inner);
    assert.equal(outer.getId(1), inner.info().id);
  },
  hash_of_maps: () => {
    using inner = Map.create({ type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 1 });
    using outer = Map.create({ type: MapType.HASH_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 2, innerMap: inner }, { key: u32Codec });
    outer.setFd(7, inner);
    assert.equal(outer.getId(7), inner.info().id);
    assert.deepEqual([...outer.keys()], [7]);
  },
  devmap: () => {
    using m = Map.create({ type: MapType.DEVMAP, keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec, value: u32Codec });
    m.set(0, 1); // ifindex 1: loopback
    assert.equal(m.get(0), 1);
  },
  devmap_hash: () => {
    using m = Map.create({ type: MapType.DEVMAP_HASH, keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec, value: u32Codec });
    m.set(5, 1);
    assert.equal(m.get(5), 1);
  },
  sockmap: () => {
    using m = Map.create({ type: MapType.SOCKMAP, keySize: 4, valueSize: 8, maxEntries: 2 }, { key: u32Codec });
    assert.equal(m.has(0), false);
  },
  cpumap: () => {
    using m = Map.create({ type: MapType.CPUMAP, keySize: 4, valueSize: 4, maxEntries: possibleCpuCount() }, { key: u32Codec, value: u32Codec });
    assert.equal(m.get(0), undefined);
  },
  xskmap: () => {
    using m = Map.create({ type: MapType.XSKMAP, keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec });
    m.delete(0); // an empty slot deletes without error
    assert.equal(m.info().typeName, "xskmap");
  },
  sockhash: () => {
    using m = Map.create({ type: MapType.SOCKHASH, keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec });
    assert.equal([...m.keys()].length, 0);
  },
  cgroup_storage: () => {
    using m = Map.create({ type: MapType.CGROUP_STORAGE, keySize: 16, valueSize: 8, maxEntries: 0 });
    assert.equal(m.info().typeName, "cgroup_storage");
  },
  reuseport_sockarray: () => {
    using m = Map.create({ type: MapType.REUSEPORT_SOCKARRAY, keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec });
    assert.equal(m.delete(0), false);
  },
  percpu_cgroup_storage: () => {
    using m = Map.create({ type: MapType.PERCPU_CGROUP_STORAGE, keySize: 16, valueSize: 8, maxEntries: 0 });
    assert.equal(m.perCpu, true);
  },
  queue: () => {
    using q = Map.create({ type: MapType.QUEUE, keySize: 0, valueSize: 4, maxEntries: 3 }, { value: u32Codec });
    q.push(1);
    q.push(2);
    q.push(3);
    q.push(4, UpdateFlags.EXIST); // full: overwrites the oldest
    assert.equal(q.peek(), 2);
    assert.deepEqual([q.pop(), q.pop(), q.pop(), q.pop()], [2, 3, 4, undefined]);
  },
  stack: () => {
    using s = Map.create({ type: MapType.STACK, keySize: 0, valueSize: 4, maxEntries: 3 }, { value: u32Codec });
    s.push(1);
    s.push(2);
    assert.deepEqual([s.pop(), s.pop(), s.pop()], [2, 1, undefined]);
  },
  sk_storage: () => withLocalStorage({ type: MapType.SK_STORAGE, keySize: 4, valueSize: 8, maxEntries: 0, flags: MapFlags.NO_PREALLOC }, (m) => assert.equal(m.info().typeName, "sk_storage")),
  struct_ops: () => assert.fail("not creatable without vmlinux BTF ids"),
  ringbuf: () => {
    using m = Map.create({ type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4 * pageSize() });
    assert.equal(m.info().maxEntries, 4 * pageSize());
  },
  inode_storage: () =>
    withLocalStorage({ type: MapType.INODE_STORAGE, keySize: 4, valueSize: 8, maxEntries: 0, flags: MapFlags.NO_PREALLOC }, (m) => assert.equal(m.info().typeName, "inode_storage")),
  task_storage: () =>
    withLocalStorage({ type: MapType.TASK_STORAGE, keySize: 4, valueSize: 8, maxEntries: 0, flags: MapFlags.NO_PREALLOC }, (m) => {
      const pidfd = rawSyscall(SYS.pidfdOpen, process.pid, 0);
      assert.ok(pidfd >= 0, "pidfd_open");
      try {
        const key = u32(pidfd);
        m.set(key, new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]));
        assert.deepEqual(m.get(key), new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]));
        assert.equal(m.delete(key), true);
      } finally {
        rawClose(pidfd);
      }
    }),
  bloom_filter: () => {
    using b = Map.create({ type: MapType.BLOOM_FILTER, keySize: 0, valueSize: 4, maxEntries: 100, mapExtra: 3 }, { value: u32Codec });
    for (let i = 0; i < 50; i += 2) b.push(i);
    for (let i = 0; i < 50; i += 2) assert.equal(b.mayContain(i), true);
    let falsePositives = 0;
    for (let i = 1000; i < 1100; i++) if (b.mayContain(i)) falsePositives++;
    assert.ok(falsePositives < 50);
  },
  user_ringbuf: () => {
    using m = Map.create({ type: MapType.USER_RINGBUF, keySize: 0, valueSize: 0, maxEntries: pageSize() });
    assert.equal(m.info().typeName, "user_ringbuf");
  },
  cgrp_storage: () =>
    withLocalStorage({ type: MapType.CGRP_STORAGE, keySize: 4, valueSize: 8, maxEntries: 0, flags: MapFlags.NO_PREALLOC }, (m) =>
      withCgroupFd((fd) => {
        // struct val { int cnt; struct bpf_spin_lock l; }: the kernel never copies the lock.
        m.set(u32(fd), new Uint8Array([3, 3, 3, 3, 0, 0, 0, 0]));
        assert.deepEqual(m.get(u32(fd)), new Uint8Array([3, 3, 3, 3, 0, 0, 0, 0]));
      }),
    ),
  arena: () => {
    using m = Map.create({ type: MapType.ARENA, keySize: 0, valueSize: 0, maxEntries: 1, flags: MapFlags.MMAPABLE });
    assert.equal(m.info().typeName, "arena");
  },
  insn_array: () => {
    using m = Map.create({ type: MapType.INSN_ARRAY, keySize: 4, valueSize: 16, maxEntries: 1 });
    assert.equal(m.info().typeName, "insn_array");
  },
  rhash: () => {
    using m = Map.create({ type: MapType.RHASH, keySize: 4, valueSize: 4, maxEntries: 4, flags: MapFlags.NO_PREALLOC }, { key: u32Codec, value: u32Codec });
    m.set(1, 1);
    assert.equal(m.get(1), 1);
  },
};

const cgroupTypes = new Set(["cgroup_array", "cgrp_storage"]);

const notCreatable: Record<string, string> = {
  struct_ops: "a struct_ops map needs a kernel struct_ops type id from vmlinux BTF (the load pipeline's job)",
};

test("every map type of the uapi has a case", () => {
  for (const name of mapTypeNames.slice(1)) assert.ok(name in cases, `no case for map type ${name}`);
});

for (const [index, name] of mapTypeNames.entries()) {
  if (index === 0) continue;
  const reason = kernelSkip || notCreatable[name] || (cgroupTypes.has(name) && !cgroup2Mount() ? "no cgroup2 mount" : false) || (probeMapType(index) ? false : `this kernel has no ${name} maps (probed)`);
  test(`map type ${name}: create, use, close`, { skip: reason }, () => {
    cases[name]!();
  });
}
