// BTF codecs on types built with the encoder (pure), then typed maps of a
// loaded object: struct keys and values, per-CPU values, batches and async
// iteration, and kernel maps typed from the BTF the kernel keeps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { BtfBuilder, IntEncoding } from "../../src/btf/index.js";
import { CoreBpfError } from "../../src/errors.js";
import { Map as BpfMap, btfCodec, loadObject, possibleCpuCount, readBits, withKernelBtfCodecs, writeBits } from "../../src/kernel/index.js";
import { kernelSkip } from "./support.js";
import { objectPath } from "./loader/support.js";

function buildTypes() {
  const b = new BtfBuilder();
  const u8 = b.addInt("unsigned char", 1);
  const char = b.addInt("char", 1, IntEncoding.SIGNED);
  const u16 = b.addInt("unsigned short", 2);
  const i32 = b.addInt("int", 4, IntEncoding.SIGNED);
  const u32 = b.addInt("unsigned int", 4);
  const u64 = b.addInt("unsigned long long", 8);
  const i64 = b.addInt("long long", 8, IntEncoding.SIGNED);
  const bool = b.addInt("_Bool", 1, IntEncoding.BOOL);
  const dbl = b.addFloat("double", 8);
  const color = b.addEnum("color", [
    { name: "RED", value: 1 },
    { name: "GREEN", value: 2 },
  ]);
  const big = b.addEnum64("big", [{ name: "HUGE", value: 1n << 40n }]);
  const name16 = b.addArray(char, u32, 16);
  const ports = b.addArray(u16, u32, 3);
  const ptr = b.addPtr(u32);
  const inner = b.addStruct("", 8, [
    { name: "lo", type: u32, bitOffset: 0 },
    { name: "hi", type: u32, bitOffset: 32 },
  ]);
  const anon = b.addUnion("", 8, [
    { name: "whole", type: u64, bitOffset: 0 },
    { name: "", type: inner, bitOffset: 0 },
  ]);
  const flags = b.addStruct("flags", 4, [
    { name: "a", type: u32, bitOffset: 0, bitfieldSize: 3 },
    { name: "b", type: i32, bitOffset: 3, bitfieldSize: 5 },
    { name: "c", type: u32, bitOffset: 8, bitfieldSize: 24 },
  ]);
  const rec = b.addStruct("rec", 96, [
    { name: "id", type: u32, bitOffset: 0 },
    { name: "delta", type: i64, bitOffset: 64 },
    { name: "count", type: u64, bitOffset: 128 },
    { name: "name", type: name16, bitOffset: 192 },
    { name: "ports", type: ports, bitOffset: 320 },
    { name: "color", type: color, bitOffset: 384 },
    { name: "ok", type: bool, bitOffset: 416 },
    { name: "tiny", type: u8, bitOffset: 424 },
    { name: "ratio", type: dbl, bitOffset: 448 },
    { name: "", type: anon, bitOffset: 512 },
    { name: "where", type: ptr, bitOffset: 576 },
    { name: "f", type: flags, bitOffset: 640 },
    { name: "big", type: big, bitOffset: 704 },
  ]);
  return { btf: b.build(), rec, flags, color };
}

test("a struct round-trips through its codec: ints, bigints, strings, arrays, enums, bool, float, anonymous union, pointer, bitfields", () => {
  const { btf, rec } = buildTypes();
  const codec = btfCodec<Record<string, unknown>>(btf, rec);
  assert.equal(codec.size, 96);
  const value = {
    id: 7,
    delta: -5n,
    count: 1n << 60n,
    name: "corebpf",
    ports: [22, 80, 443],
    color: "GREEN",
    ok: true,
    tiny: 255,
    ratio: 0.5,
    whole: 0x1122334455667788n,
    where: 0xffff888800001000n,
    f: { a: 5, b: -3, c: 0xabcdef },
    big: "HUGE",
  };
  const bytes = codec.encode(value);
  const back = codec.decode(bytes);
  assert.deepEqual(back, { ...value, lo: 0x55667788, hi: 0x11223344 });
  // Unknown enum values read as numbers; enums accept numbers; members left out stay zero.
  const partial = codec.decode(codec.encode({ color: 9 }));
  assert.equal(partial["color"], 9);
  assert.equal(partial["name"], "");
  assert.equal(partial["delta"], 0n);
});

test("codec errors name the member and what was expected", () => {
  const { btf, rec } = buildTypes();
  const codec = btfCodec(btf, rec);
  const bad = (v: unknown, re: RegExp) => assert.throws(() => codec.encode(v), (e: unknown) => e instanceof CoreBpfError && e.code === "BAD_VALUE" && re.test(e.message));
  bad({ nope: 1 }, /no member 'nope'/);
  bad({ color: "BLUE" }, /color: 'BLUE' is not an enumerator \(RED, GREEN\)/);
  bad({ name: "x".repeat(17) }, /name: 17 bytes do not fit in char\[16\]/);
  bad({ ports: [1, 2, 3, 4] }, /ports: more than 3 elements/);
  bad({ f: { a: "x" } }, /f\.a: expected an integer/);
  bad(5, /expected an object/);
});

test("bit access in both byte orders", () => {
  const buf = new Uint8Array(8);
  const v = new DataView(buf.buffer);
  writeBits(v, 3, 13, 0x1abcn, true);
  assert.equal(readBits(v, 3, 13, false, true), 0x1abcn);
  assert.equal(readBits(v, 3, 13, true, true), BigInt.asIntN(13, 0x1abcn));
  writeBits(v, 20, 40, 0xfedcba9876n, false);
  assert.equal(readBits(v, 20, 40, false, false), 0xfedcba9876n);
  assert.equal(readBits(v, 3, 13, false, true) !== undefined, true);
});

test("maps.bpf.o: typed hash (struct key and value), per-CPU values, batches, async iteration", { skip: kernelSkip }, async () => {
  const pinRoot = `/sys/fs/bpf/corebpf-typed-${process.pid}`;
  using obj = await loadObject(objectPath("maps"), { pinRoot });
  try {
    const flows = obj.map<Record<string, unknown>, Record<string, unknown>>("flows");
    const key = { saddr: 0x0a000001, daddr: 0x0a000002, sport: 1234, dport: 80, proto: 6 };
    flows.set(key, { packets: 3n, bytes: 180n });
    assert.deepEqual(flows.get(key), { packets: 3n, bytes: 180n });
    assert.deepEqual([...flows.keys()], [{ ...key, pad: [0, 0, 0] }]);
    const entries: unknown[] = [];
    for await (const e of flows) entries.push(e);
    assert.equal(entries.length, 1);
    flows.updateBatch([
      [{ ...key, sport: 1 }, { packets: 1n, bytes: 1n }],
      [{ ...key, sport: 2 }, { packets: 2n, bytes: 2n }],
    ]);
    assert.equal(flows.lookupBatch().length, 3);
    assert.equal(flows.deleteBatch([{ ...key, sport: 1 }]), 1);

    const pcpu = obj.map<number, bigint>("pcpu_hash");
    pcpu.setPerCpu(5, 9n);
    assert.deepEqual(pcpu.getPerCpu(5), new Array(possibleCpuCount()).fill(9n));

    // A map given by sizes only stays bytes.
    const counters = obj.map("counters");
    assert.ok(counters.get(new Uint8Array(4)) instanceof Uint8Array);

    // The same map opened by id, typed from the kernel's copy of the BTF.
    using byId = BpfMap.fromId(flows.info().id);
    const typed = withKernelBtfCodecs(byId);
    assert.deepEqual(typed.get(key), { packets: 3n, bytes: 180n });
  } finally {
    rmSync(pinRoot, { recursive: true, force: true });
  }
});
