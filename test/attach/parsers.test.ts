// Property and fuzz tests of the attach layer's parsers: netlink messages and
// attributes, USDT notes, section names, probe targets, mount tables. Bad
// input gives a CoreBpfError (or "not understood"), never another exception.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CoreBpfError } from "../../src/errors.js";
import { SHT, parseElf } from "../../src/elf/index.js";
import { NetlinkMessage, parseAttributes, parseError, parseMessages, NLA_F_NESTED } from "../../src/kernel/netlink.js";
import { usdtNotes } from "../../src/kernel/usdt-notes.js";
import { tracefsMounts } from "../../src/kernel/tracefs.js";
import { parseKprobeTarget, parseSection, parseUprobeTarget, sectionDefinitions } from "../../src/kernel/attach/index.js";
import { prng } from "../btf/fixtures.js";
import { buildElf } from "../elf/builder.js";

function expectTyped(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CoreBpfError, `${what}: ${String(err)}`);
  }
}

test("netlink messages round-trip: header, attributes, nesting", () => {
  const rand = prng(7);
  for (let n = 0; n < 300; n++) {
    const msg = new NetlinkMessage(16 + (n % 30), 0x5).header(Uint8Array.from({ length: 4 * (n % 5) }, () => Math.floor(rand() * 256)));
    const expected = new globalThis.Map<number, Uint8Array>();
    const count = Math.floor(rand() * 6);
    for (let i = 0; i < count; i++) {
      const type = 1 + i;
      const data = Uint8Array.from({ length: Math.floor(rand() * 13) }, () => Math.floor(rand() * 256));
      msg.attr(type, data);
      expected.set(type, data);
    }
    msg.begin(99).u32(1, n).string(2, `x${n}`).end();
    const bytes = msg.encode(1000 + n).slice();
    const [m] = parseMessages(bytes);
    assert.ok(m);
    assert.equal(m.type, 16 + (n % 30));
    assert.equal(m.seq, 1000 + n);
    const attrs = parseAttributes(m.payload, 4 * (n % 5));
    for (const [t, d] of expected) assert.deepEqual([...attrs.get(t)!], [...d]);
    const nested = parseAttributes(attrs.get(99)!);
    assert.equal(new DataView(nested.get(1)!.buffer, nested.get(1)!.byteOffset).getUint32(0, true), n);
    assert.equal(new TextDecoder().decode(nested.get(2)!.subarray(0, -1)), `x${n}`);
    // The nested flag is masked off the type.
    assert.ok(!attrs.has(99 | NLA_F_NESTED));
  }
});

test("netlink parsers: random bytes give messages or a CoreBpfError, never a crash", () => {
  const rand = prng(11);
  for (let n = 0; n < 3000; n++) {
    const bytes = Uint8Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
    if (n % 3 === 0 && bytes.length >= 4) new DataView(bytes.buffer).setUint32(0, Math.min(bytes.length, 16 + Math.floor(rand() * 64)), true);
    expectTyped(() => {
      for (const m of parseMessages(bytes)) {
        parseAttributes(m.payload, Math.floor(rand() * 24));
        parseError({ ...m, flags: m.flags | 0x200 });
      }
    }, "netlink");
    parseAttributes(bytes, Math.floor(rand() * 8));
  }
});

test("an extended ack's message is read from the TLVs after the capped request", () => {
  const msg = new NetlinkMessage(2, 0x300).header(new Uint8Array([0xea, 0xff, 0xff, 0xff])).header(new Uint8Array(16)).string(1, "XDP program already attached").u32(2, 40);
  const [m] = parseMessages(msg.encode(5).slice());
  const e = parseError(m!);
  assert.equal(e.error, -22);
  assert.equal(e.extack, "XDP program already attached");
  assert.equal(e.offset, 40);
});

/** A .note.stapsdt note (64-bit) for one probe. */
function stapsdtNote(pc: bigint, base: bigint, sem: bigint, strings: string): Uint8Array {
  const text = new TextEncoder().encode(strings);
  const descsz = 24 + text.length;
  const out = new Uint8Array(12 + 8 + ((descsz + 3) & ~3));
  const v = new DataView(out.buffer);
  v.setUint32(0, 8, true);
  v.setUint32(4, descsz, true);
  v.setUint32(8, 3, true);
  out.set(new TextEncoder().encode("stapsdt\0"), 12);
  v.setBigUint64(20, pc, true);
  v.setBigUint64(28, base, true);
  v.setBigUint64(36, sem, true);
  out.set(text, 44);
  return out;
}

test("USDT notes: mutated notes give notes or a CoreBpfError", () => {
  const rand = prng(23);
  const note = stapsdtNote(0x1000n, 0n, 0n, "prov\0name\0-4@%edi\0");
  for (let n = 0; n < 1500; n++) {
    const data = note.slice();
    const flips = Math.floor(rand() * 4);
    for (let i = 0; i < flips; i++) data[Math.floor(rand() * data.length)] = Math.floor(rand() * 256);
    const cut = n % 5 === 0 ? data.subarray(0, Math.floor(rand() * data.length)) : data;
    const bytes = buildElf([{ name: ".note.stapsdt", type: SHT.NOTE, data: cut }]);
    new DataView(bytes.buffer).setUint16(16, 3, true); // ET_DYN
    expectTyped(() => usdtNotes(parseElf(bytes), "fuzz"), `case ${n}`);
  }
});

test("section names: random strings are understood or not, never an exception", () => {
  const rand = prng(31);
  const alphabet = "abcdefghijklmnopqrstuvwxyz_./:+0123456789";
  for (let n = 0; n < 3000; n++) {
    const prefix = rand() < 0.6 ? sectionDefinitions[Math.floor(rand() * sectionDefinitions.length)]!.replace("+", "") : "";
    let s = prefix;
    const extra = Math.floor(rand() * 12);
    for (let i = 0; i < extra; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const info = parseSection(s);
    if (info) {
      assert.equal(info.section, s);
      assert.ok(info.autoAttach !== undefined || info.needs !== "none", s);
    }
    expectTyped(() => parseUprobeTarget(s), s);
    expectTyped(() => parseKprobeTarget(s), s);
  }
  for (const def of sectionDefinitions) assert.ok(parseSection(def.replace("+", "")), def);
});

test("tracefs is found in mount tables, through debugfs too", () => {
  const text = [
    "sysfs /sys sysfs rw 0 0",
    "tracefs /sys/kernel/tracing tracefs rw 0 0",
    "debugfs /sys/kernel/debug debugfs rw 0 0",
    "tracefs /mnt/with\\040space tracefs rw 0 0",
    "garbage",
    "",
  ].join("\n");
  assert.deepEqual(tracefsMounts(text), ["/sys/kernel/tracing", "/sys/kernel/debug/tracing", "/mnt/with space"]);
});
