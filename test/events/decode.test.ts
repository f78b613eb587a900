// btfDecoder: every BTF shape a record can have, checked against bytes laid
// out by hand (C layout rules, host byte order), and random records that must
// decode or fail with RECORD_TOO_SHORT only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BtfBuilder, BtfKind, IntEncoding, type Btf } from "../../src/btf/index.js";
import { BtfError, CoreBpfError } from "../../src/errors.js";
import { btfDecoder, findRecordType } from "../../src/events/index.js";

const LE = true; // the layouts below are written for little-endian hosts
const leSkip = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? false : "big-endian host";

function eventBtf(): Btf {
  const b = new BtfBuilder();
  const int = b.addInt("int", 4, IntEncoding.SIGNED);
  const uint = b.addInt("unsigned int", 4);
  const s64 = b.addInt("long long", 8, IntEncoding.SIGNED);
  const char = b.addInt("char", 1, IntEncoding.SIGNED);
  const uchar = b.addInt("unsigned char", 1);
  const u8 = b.addTypedef("u8", b.addTypedef("__u8", uchar));
  const short = b.addInt("short", 2, IntEncoding.SIGNED);
  const ushort = b.addInt("unsigned short", 2);
  const bool = b.addInt("_Bool", 1, IntEncoding.BOOL);
  const float = b.addFloat("float", 4);
  const double = b.addFloat("double", 8);
  const state = b.addEnum("state", [
    { name: "IDLE", value: 0 },
    { name: "RUNNING", value: 1 },
    { name: "DEAD", value: 7 },
  ]);
  const pair = b.addStruct("pair", 4, [
    { name: "a", type: short, bitOffset: 0 },
    { name: "b", type: ushort, bitOffset: 16 },
  ]);
  const anon = b.addUnion("", 4, [
    { name: "x", type: uint, bitOffset: 0 },
    { name: "f", type: float, bitOffset: 0 },
  ]);
  const inner = b.addArray(int, int, 3);
  const matrix = b.addArray(inner, int, 2);
  const comm = b.addArray(b.addConst(char), int, 16);
  const addr = b.addArray(u8, int, 4);
  const tail = b.addArray(char, int, 0);
  const ptr = b.addPtr(0);
  b.addStruct("event", 96, [
    { name: "pid", type: int, bitOffset: 0 },
    { name: "uid", type: b.addVolatile(uint), bitOffset: 32 },
    { name: "delta", type: s64, bitOffset: 64 },
    { name: "comm", type: comm, bitOffset: 128 },
    { name: "addr", type: addr, bitOffset: 256 },
    { name: "st", type: state, bitOffset: 288 },
    { name: "ok", type: bool, bitOffset: 320 },
    { name: "pair", type: pair, bitOffset: 336 },
    { name: "", type: anon, bitOffset: 384 },
    { name: "flags", type: uint, bitOffset: 416, bitfieldSize: 3 },
    { name: "mode", type: int, bitOffset: 419, bitfieldSize: 5 },
    { name: "matrix", type: matrix, bitOffset: 448 },
    { name: "ptr", type: ptr, bitOffset: 640 },
    { name: "d", type: double, bitOffset: 704 },
    { name: "tail", type: tail, bitOffset: 768 },
  ]);
  b.addTypedef("event_t", b.typeCount - 1);
  return b.build();
}

/** The record above, at `at` inside a larger buffer, with `tailText` after it. */
function eventBytes(at: number, tailText: string): { view: DataView; size: number } {
  const tail = new TextEncoder().encode(tailText);
  const size = 96 + tail.length;
  const buf = new Uint8Array(at + size + 16).fill(0xee);
  buf.fill(0, at, at + size);
  const v = new DataView(buf.buffer);
  v.setInt32(at + 0, -42, LE);
  v.setUint32(at + 4, 4000000000, LE);
  v.setBigInt64(at + 8, -5n, LE);
  buf.set(new TextEncoder().encode("bash\0junk"), at + 16);
  buf.set([10, 0, 0, 1], at + 32);
  v.setUint32(at + 36, 7, LE);
  v.setUint8(at + 40, 1);
  v.setInt16(at + 42, -2, LE);
  v.setUint16(at + 44, 65535, LE);
  v.setFloat32(at + 48, 1.5, LE);
  v.setUint32(at + 52, 0b10110_101, LE); // flags = 5 (3 bits), mode = 0b10110 = -10 (5 bits, signed)
  for (let i = 0; i < 6; i++) v.setInt32(at + 56 + 4 * i, i * 10 - 20, LE);
  v.setBigUint64(at + 80, 0xffff888012345678n, LE);
  v.setFloat64(at + 88, -0.25, LE);
  buf.set(tail, at + 96);
  return { view: v, size };
}

test("struct records decode to plain objects: ints, bigints, strings, bytes, enums, bitfields, unions, arrays, pointers, floats, flexible tail", { skip: leSkip }, () => {
  const btf = eventBtf();
  const decode = btfDecoder(btf, "struct event");
  const { view, size } = eventBytes(24, "héllo");
  const ev = decode(view, 24, size);
  assert.deepEqual(ev, {
    pid: -42,
    uid: 4000000000,
    delta: -5n,
    comm: "bash",
    addr: new Uint8Array([10, 0, 0, 1]),
    st: "DEAD",
    ok: true,
    pair: { a: -2, b: 65535 },
    x: 0x3fc00000,
    f: 1.5,
    flags: 5,
    mode: -10,
    matrix: [
      [-20, -10, 0],
      [10, 20, 30],
    ],
    ptr: 0xffff888012345678n,
    d: -0.25,
    tail: "héllo",
  });
  // The same through the typedef, by id; numbers for enums, bytes for chars.
  const raw = btfDecoder(btf, findRecordType(btf, "event_t"), { enums: "number", strings: false })(view, 24, size) as Record<string, unknown>;
  assert.equal(raw["st"], 7);
  assert.deepEqual(raw["comm"], new Uint8Array([98, 97, 115, 104, 0, 106, 117, 110, 107, 0, 0, 0, 0, 0, 0, 0]));
  // Unknown enum values stay numbers; copies do not alias the record.
  view.setUint32(24 + 36, 99, LE);
  const again = decode(view, 24, size) as { st: unknown; addr: Uint8Array };
  assert.equal(again.st, 99);
  view.setUint8(24 + 32, 77);
  assert.equal(again.addr[0], 10);
});

test("short records, unknown names and types without a value are typed errors", () => {
  const btf = eventBtf();
  const decode = btfDecoder(btf, "event");
  const { view } = eventBytes(0, "");
  assert.throws(
    () => decode(view, 0, 95),
    (e: unknown) => e instanceof CoreBpfError && e.code === "RECORD_TOO_SHORT" && /95 bytes.*96/.test(e.message),
  );
  assert.throws(() => btfDecoder(btf, "struct nope"), (e: unknown) => e instanceof BtfError && e.code === "BTF_TYPE_NOT_FOUND");
  const b = new BtfBuilder();
  const proto = b.addFuncProto(0, []);
  b.addStruct("bad", 8, [{ name: "fn", type: proto, bitOffset: 0 }]);
  assert.throws(() => btfDecoder(b.build(), "struct bad"), (e: unknown) => e instanceof BtfError && e.code === "DECODER_UNSUPPORTED");
});

test("scalar records, enum64, 128-bit integers and legacy int bitfields", { skip: leSkip }, () => {
  const b = new BtfBuilder();
  const u32 = b.addInt("u32", 4);
  const e64 = b.addEnum64("big", [{ name: "HUGE", value: 1n << 40n }], { size: 8 });
  const i128 = b.addInt("__int128", 16, IntEncoding.SIGNED);
  const legacy = b.add({ kind: BtfKind.INT, name: "int", size: 4, encoding: IntEncoding.SIGNED, bitOffset: 4, bits: 4 });
  const s = b.addStruct("s", 32, [
    { name: "e", type: e64, bitOffset: 0 },
    { name: "wide", type: i128, bitOffset: 64 },
    { name: "nib", type: legacy, bitOffset: 192 },
  ]);
  const btf = b.build();
  const bytes = new Uint8Array(32);
  const v = new DataView(bytes.buffer);
  v.setBigUint64(0, 1n << 40n, LE);
  v.setBigUint64(8, 0xffffffffffffffffn, LE);
  v.setBigUint64(16, 0xffffffffffffffffn, LE);
  v.setUint8(24, 0xf0); // bits 4..7 = 0b1111 = -1
  assert.deepEqual(btfDecoder(btf, s)(v, 0, 32), { e: "HUGE", wide: -1n, nib: -1 });
  assert.equal(btfDecoder(btf, u32)(new DataView(new Uint8Array([1, 2, 3, 4]).buffer), 0, 4), 0x04030201);
});

test("random records decode without errors; shorter ones fail with RECORD_TOO_SHORT only", () => {
  const btf = eventBtf();
  const decode = btfDecoder(btf, "struct event");
  let seed = 0x9e3779b9;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  for (let i = 0; i < 2000; i++) {
    const size = Math.floor(rand() * 160);
    const bytes = new Uint8Array(size + 8).map(() => Math.floor(rand() * 256));
    const view = new DataView(bytes.buffer);
    const started = performance.now();
    try {
      const ev = decode(view, 8, size) as Record<string, unknown>;
      assert.equal(typeof ev["pid"], "number");
    } catch (err) {
      assert.ok(err instanceof CoreBpfError && err.code === "RECORD_TOO_SHORT", String(err));
    }
    assert.ok(performance.now() - started < 50, "bounded time per record");
  }
});
