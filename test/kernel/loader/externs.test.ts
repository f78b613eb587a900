// Externs resolved to the running kernel's values (externs.bpf.o writes
// them to globals in a test-run), compared with the kernel configuration and
// uname; the kconfig parser and kallsyms reader on their own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { release } from "node:os";
import { CoreBpfError } from "../../../src/errors.js";
import {
  hasBpfCookie,
  hasSyscallWrapper,
  kallsymsAddresses,
  loadObject,
  openObject,
  parseKconfigNumber,
  readKernelConfig,
  resolveKconfig,
  runningKernelVersion,
} from "../../../src/kernel/index.js";
import { kernelSkip } from "../support.js";
import { objectPath } from "./support.js";

const config = readKernelConfig();
const skip = kernelSkip || (config === null ? "no kernel configuration (/boot/config-$(uname -r) or /proc/config.gz)" : false);

function configValue(name: string): string | null | undefined {
  return config!.values.get(name);
}

test("kconfig externs equal the kernel configuration and uname", { skip }, async () => {
  using obj = await loadObject(objectPath("externs"));
  const hz = Number(configValue("CONFIG_HZ"));
  assert.equal(obj.program("read_kconfig").testRun({}).retval, hz);
  const k = obj.globals.get<Record<string, unknown>>("kconfig");
  const [maj, min, patch] = release().split(/[.-]/).map(Number);
  assert.equal(k["kernel_version"], runningKernelVersion());
  assert.equal(k["kernel_version"], (maj! << 16) + (min! << 8) + Math.min(patch!, 255));
  assert.equal(k["has_bpf_cookie"], hasBpfCookie() ? 1 : 0);
  assert.equal(k["has_syscall_wrapper"], hasSyscallWrapper() ? 1 : 0);
  const tri = (name: string) => ({ y: 1, m: 2 })[configValue(name) as "y" | "m"] ?? 0;
  assert.equal(k["bpf_syscall"], tri("CONFIG_BPF_SYSCALL"));
  assert.equal(k["bpf_jit"], configValue("CONFIG_BPF_JIT") === "y" ? 1 : 0);
  assert.equal(k["net"], (configValue("CONFIG_NET") ?? "n").charCodeAt(0));
  assert.equal(k["kprobes"], configValue("CONFIG_KPROBES") === "y" ? 1 : 0);
  assert.equal(k["nr_cpus"], Number(configValue("CONFIG_NR_CPUS")));
  assert.equal(k["hz"], hz);
  assert.equal(k["physical_start"], BigInt(configValue("CONFIG_PHYSICAL_START") ?? "0"));
  assert.equal(k["localversion"], JSON.parse(configValue("CONFIG_LOCALVERSION") ?? '""'));
  for (const absent of ["absent_bool", "absent_tristate", "absent_string_first", "absent_int"]) assert.equal(k[absent], 0, absent);
});

test("ksyms: _stext from /proc/kallsyms, weak absent ones 0; kfuncs find the caller's task", { skip: kernelSkip }, async () => {
  using obj = await loadObject(objectPath("externs"));
  assert.equal(obj.program("read_ksyms").testRun({}).retval, 0);
  const ks = obj.globals.get<Record<string, unknown>>("ksyms");
  const stext = kallsymsAddresses(readFileSync("/proc/kallsyms", "utf8"), new Set(["_stext", "bpf_prog_fops"]));
  assert.equal(ks["stext"], stext.get("_stext")![0]);
  assert.equal(ks["prog_fops"], stext.get("bpf_prog_fops")?.[0] ?? 0n);
  assert.equal(ks["absent_is_null"], 1);
  assert.equal(obj.program("use_kfuncs").testRun({}).retval, 0);
  assert.equal(obj.globals.get("kfunc_tgid"), process.pid);
});

test("typed per-CPU ksyms: loads where kallsyms lists runqueues, else the verifier's ENOENT", { skip: kernelSkip }, async () => {
  const listed = kallsymsAddresses(readFileSync("/proc/kallsyms", "utf8"), new Set(["runqueues"])).has("runqueues");
  const opened = openObject(objectPath("externs"));
  opened.program("read_percpu_ksyms").autoload = true;
  if (listed) {
    using obj = await opened.load();
    assert.equal(obj.program("read_percpu_ksyms").testRun({}).retval, 0);
  } else {
    await assert.rejects(opened.load(), (e: unknown) => e instanceof CoreBpfError && e.code === "ENOENT" && /runqueues/.test(e.message));
  }
});

test("the kconfig extra option sets values before the kernel's configuration", { skip }, async () => {
  using obj = await loadObject(objectPath("externs"), { kconfig: "CONFIG_HZ=1000\nCONFIG_LOCALVERSION=\"-test\"\n# CONFIG_X is not set\n" });
  assert.equal(obj.program("read_kconfig").testRun({}).retval, 1000);
  assert.equal(obj.globals.get<Record<string, unknown>>("kconfig")["localversion"], "-test");
});

test("kconfig values: types, ranges, strings, weak defaults, unknown virtual externs (pure)", () => {
  const spec = openObject(objectPath("externs")).spec;
  const size = spec.maps.find((m) => m.kind === "kconfig")!.valueSize;
  const virtual = { kernelVersion: () => 0x060c00, hasBpfCookie: () => true, hasSyscallWrapper: () => false };
  const base = "CONFIG_BPF_SYSCALL=m\nCONFIG_BPF_JIT=n\nCONFIG_NET=m\nCONFIG_HZ=0x64\nCONFIG_NR_CPUS=64\nCONFIG_PHYSICAL_START=0x1000000\nCONFIG_LOCALVERSION=\"abcdefghijklmnopqrstuvwxyz\"\n";
  const r = resolveKconfig(spec.externs, size, { virtual, kernelConfig: () => new Map(), extra: base });
  assert.deepEqual(r.unresolved.sort(), ["CONFIG_COREBPF_ABSENT_BOOL", "CONFIG_COREBPF_ABSENT_INT", "CONFIG_COREBPF_ABSENT_STRING", "CONFIG_COREBPF_ABSENT_TRISTATE", "CONFIG_KPROBES"]);
  const v = new DataView(r.data.buffer);
  const at = (name: string) => spec.externs.find((e) => e.name === name)!.kconfig!.offset;
  assert.equal(v.getUint32(at("LINUX_KERNEL_VERSION"), true), 0x060c00);
  assert.equal(v.getUint8(at("LINUX_HAS_BPF_COOKIE")), 1);
  assert.equal(v.getUint32(at("CONFIG_BPF_SYSCALL"), true), 2);
  assert.equal(v.getUint8(at("CONFIG_NET")), "m".charCodeAt(0));
  assert.equal(v.getInt32(at("CONFIG_HZ"), true), 100);
  const lv = r.data.subarray(at("CONFIG_LOCALVERSION"), at("CONFIG_LOCALVERSION") + 16);
  assert.equal(new TextDecoder().decode(lv.subarray(0, lv.indexOf(0))), "abcdefghijklmno"); // truncated to 15 + NUL
  // The first value of a name wins, so put the bad one first.
  const bad = (extra: string, re: RegExp) =>
    assert.throws(() => resolveKconfig(spec.externs, size, { virtual, kernelConfig: () => new Map(), extra: extra + base }), (e: unknown) => e instanceof CoreBpfError && re.test(e.message));
  bad("CONFIG_BPF_JIT=m\n", /value 'm' implies tristate or char type/);
  bad("CONFIG_NR_CPUS=70000\n", /doesn't fit in 2 bytes/);
  bad("CONFIG_HZ=\"x\"\n", /implies char array type/);
  bad("CONFIG_HZ=12abc\n", /isn't a valid integer/);
  bad("CONFIG_LOCALVERSION=5\n", /implies integer type/);
  assert.throws(
    () => resolveKconfig(spec.externs, size, { virtual, kernelConfig: () => null }),
    (e: unknown) => e instanceof CoreBpfError && /failed to open system Kconfig/.test(e.message),
  );
  assert.throws(
    () => resolveKconfig(spec.externs, size, { virtual, kernelConfig: () => new Map() }),
    (e: unknown) => e instanceof CoreBpfError && e.code === "EXTERN_UNRESOLVED" && /strong/.test(e.message),
  );
});

test("kconfig numbers parse like strtoull(…, 0)", () => {
  assert.equal(parseKconfigNumber("250"), 250n);
  assert.equal(parseKconfigNumber("0x1000000"), 0x1000000n);
  assert.equal(parseKconfigNumber("010"), 8n);
  assert.equal(parseKconfigNumber("0"), 0n);
  assert.equal(parseKconfigNumber("-1"), 0xffffffffffffffffn);
  assert.equal(parseKconfigNumber("12x"), undefined);
  assert.equal(parseKconfigNumber(""), undefined);
  assert.equal(parseKconfigNumber("0x10000000000000000"), undefined);
});

test("kallsyms lines: names, LTO .llvm. suffixes on data symbols, module columns, duplicates", () => {
  const text = "ffffffff81000000 T _stext\nffffffff82000000 d counter.llvm.123\nffffffffc0000000 t modfn\t[mymod]\nffffffff81000010 t dup\nffffffff81000020 t dup\n";
  const got = kallsymsAddresses(text, new Set(["_stext", "counter", "modfn", "dup", "absent"]));
  assert.deepEqual(Object.fromEntries(got), {
    _stext: [0xffffffff81000000n],
    counter: [0xffffffff82000000n],
    modfn: [0xffffffffc0000000n],
    dup: [0xffffffff81000010n, 0xffffffff81000020n],
  });
});
