// Instruction codec and disassembly text, table-driven over every opcode
// family in both byte orders, plus the ISA's rejections.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AsmError } from "../../src/errors.js";
import { type Insn, InsnBuffer, SLOT, decodeInsns, encodeInsns, formatInsn, disassemble, checkInsn } from "../../src/asm/index.js";

const I = (code: number, dst: number, src: number, off: number, imm: number, imm64?: bigint): Insn =>
  imm64 === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, imm64 };

/** [instruction, little-endian bytes, disassembly] */
const cases: [Insn, string, string][] = [
  // ALU64 / ALU, immediate and register
  [I(0xb7, 1, 0, 0, 0), "b7 01 00 00 00 00 00 00", "(b7) r1 = 0"],
  [I(0xb4, 1, 0, 0, -1), "b4 01 00 00 ff ff ff ff", "(b4) w1 = -1"],
  [I(0x07, 2, 0, 0, -4), "07 02 00 00 fc ff ff ff", "(07) r2 += -4"],
  [I(0x0f, 0, 1, 0, 0), "0f 10 00 00 00 00 00 00", "(0f) r0 += r1"],
  [I(0x0c, 3, 4, 0, 0), "0c 43 00 00 00 00 00 00", "(0c) w3 += w4"],
  [I(0x17, 1, 0, 0, 5), "17 01 00 00 05 00 00 00", "(17) r1 -= 5"],
  [I(0x1f, 1, 2, 0, 0), "1f 21 00 00 00 00 00 00", "(1f) r1 -= r2"],
  [I(0x27, 1, 0, 0, 3), "27 01 00 00 03 00 00 00", "(27) r1 *= 3"],
  [I(0x2c, 1, 2, 0, 0), "2c 21 00 00 00 00 00 00", "(2c) w1 *= w2"],
  [I(0x37, 1, 0, 0, 10), "37 01 00 00 0a 00 00 00", "(37) r1 /= 10"],
  [I(0x3f, 1, 2, 0, 0), "3f 21 00 00 00 00 00 00", "(3f) r1 /= r2"],
  [I(0x3f, 1, 2, 1, 0), "3f 21 01 00 00 00 00 00", "(3f) r1 s/= r2"],
  [I(0x34, 1, 0, 1, -3), "34 01 01 00 fd ff ff ff", "(34) w1 s/= -3"],
  [I(0x97, 1, 0, 0, 7), "97 01 00 00 07 00 00 00", "(97) r1 %= 7"],
  [I(0x9f, 1, 2, 1, 0), "9f 21 01 00 00 00 00 00", "(9f) r1 s%= r2"],
  [I(0x94, 1, 0, 1, 7), "94 01 01 00 07 00 00 00", "(94) w1 s%= 7"],
  [I(0x47, 1, 0, 0, 0x10), "47 01 00 00 10 00 00 00", "(47) r1 |= 16"],
  [I(0x4c, 1, 2, 0, 0), "4c 21 00 00 00 00 00 00", "(4c) w1 |= w2"],
  [I(0x57, 1, 0, 0, 0xff), "57 01 00 00 ff 00 00 00", "(57) r1 &= 255"],
  [I(0x67, 0, 0, 0, 3), "67 00 00 00 03 00 00 00", "(67) r0 <<= 3"],
  [I(0x6f, 0, 1, 0, 0), "6f 10 00 00 00 00 00 00", "(6f) r0 <<= r1"],
  [I(0x77, 0, 0, 0, 32), "77 00 00 00 20 00 00 00", "(77) r0 >>= 32"],
  [I(0x7c, 0, 1, 0, 0), "7c 10 00 00 00 00 00 00", "(7c) w0 >>= w1"],
  [I(0x87, 5, 0, 0, 0), "87 05 00 00 00 00 00 00", "(87) r5 = -r5"],
  [I(0x84, 5, 0, 0, 0), "84 05 00 00 00 00 00 00", "(84) w5 = -w5"],
  [I(0xa7, 1, 0, 0, 1), "a7 01 00 00 01 00 00 00", "(a7) r1 ^= 1"],
  [I(0xac, 0, 0, 0, 0), "ac 00 00 00 00 00 00 00", "(ac) w0 ^= w0"],
  [I(0xbf, 2, 10, 0, 0), "bf a2 00 00 00 00 00 00", "(bf) r2 = r10"],
  [I(0xbc, 1, 1, 0, 0), "bc 11 00 00 00 00 00 00", "(bc) w1 = w1"],
  [I(0xbf, 1, 7, 8, 0), "bf 71 08 00 00 00 00 00", "(bf) r1 = (s8)r7"],
  [I(0xbf, 1, 7, 16, 0), "bf 71 10 00 00 00 00 00", "(bf) r1 = (s16)r7"],
  [I(0xbf, 1, 7, 32, 0), "bf 71 20 00 00 00 00 00", "(bf) r1 = (s32)r7"],
  [I(0xbc, 1, 7, 8, 0), "bc 71 08 00 00 00 00 00", "(bc) w1 = (s8)w7"],
  [I(0xbc, 1, 7, 16, 0), "bc 71 10 00 00 00 00 00", "(bc) w1 = (s16)w7"],
  [I(0xbf, 1, 2, 1, 0x10000), "bf 21 01 00 00 00 01 00", "(bf) r1 = addr_space_cast(r2, 1, 0)"],
  [I(0xc7, 1, 0, 0, 60), "c7 01 00 00 3c 00 00 00", "(c7) r1 s>>= 60"],
  [I(0xcc, 1, 2, 0, 0), "cc 21 00 00 00 00 00 00", "(cc) w1 s>>= w2"],
  // byte swaps
  [I(0xd4, 1, 0, 0, 16), "d4 01 00 00 10 00 00 00", "(d4) r1 = le16 r1"],
  [I(0xdc, 1, 0, 0, 32), "dc 01 00 00 20 00 00 00", "(dc) r1 = be32 r1"],
  [I(0xdc, 1, 0, 0, 64), "dc 01 00 00 40 00 00 00", "(dc) r1 = be64 r1"],
  [I(0xd7, 4, 0, 0, 16), "d7 04 00 00 10 00 00 00", "(d7) r4 = bswap16 r4"],
  [I(0xd7, 1, 0, 0, 64), "d7 01 00 00 40 00 00 00", "(d7) r1 = bswap64 r1"],
  // loads and stores
  [I(0x61, 0, 2, 0, 0), "61 20 00 00 00 00 00 00", "(61) r0 = *(u32 *)(r2 +0)"],
  [I(0x69, 0, 1, 12, 0), "69 10 0c 00 00 00 00 00", "(69) r0 = *(u16 *)(r1 +12)"],
  [I(0x71, 3, 1, -1, 0), "71 13 ff ff 00 00 00 00", "(71) r3 = *(u8 *)(r1 -1)"],
  [I(0x79, 6, 10, -32, 0), "79 a6 e0 ff 00 00 00 00", "(79) r6 = *(u64 *)(r10 -32)"],
  [I(0x81, 2, 2, 0, 0), "81 22 00 00 00 00 00 00", "(81) r2 = *(s32 *)(r2 +0)"],
  [I(0x89, 5, 5, 2, 0), "89 55 02 00 00 00 00 00", "(89) r5 = *(s16 *)(r5 +2)"],
  [I(0x91, 5, 3, 0, 0), "91 35 00 00 00 00 00 00", "(91) r5 = *(s8 *)(r3 +0)"],
  [I(0x62, 10, 0, -4, 7), "62 0a fc ff 07 00 00 00", "(62) *(u32 *)(r10 -4) = 7"],
  [I(0x6a, 1, 0, 2, -1), "6a 01 02 00 ff ff ff ff", "(6a) *(u16 *)(r1 +2) = -1"],
  [I(0x72, 1, 0, 0, 255), "72 01 00 00 ff 00 00 00", "(72) *(u8 *)(r1 +0) = 255"],
  [I(0x7a, 10, 0, -8, 0), "7a 0a f8 ff 00 00 00 00", "(7a) *(u64 *)(r10 -8) = 0"],
  [I(0x63, 10, 1, -4, 0), "63 1a fc ff 00 00 00 00", "(63) *(u32 *)(r10 -4) = r1"],
  [I(0x6b, 1, 2, 6, 0), "6b 21 06 00 00 00 00 00", "(6b) *(u16 *)(r1 +6) = r2"],
  [I(0x73, 1, 2, 1, 0), "73 21 01 00 00 00 00 00", "(73) *(u8 *)(r1 +1) = r2"],
  [I(0x7b, 10, 1, -8, 0), "7b 1a f8 ff 00 00 00 00", "(7b) *(u64 *)(r10 -8) = r1"],
  // atomics
  [I(0xdb, 0, 1, 0, 0x00), "db 10 00 00 00 00 00 00", "(db) lock *(u64 *)(r0 +0) += r1"],
  [I(0xc3, 0, 1, 4, 0x40), "c3 10 04 00 40 00 00 00", "(c3) lock *(u32 *)(r0 +4) |= r1"],
  [I(0xdb, 0, 1, 0, 0x50), "db 10 00 00 50 00 00 00", "(db) lock *(u64 *)(r0 +0) &= r1"],
  [I(0xdb, 0, 1, 0, 0xa0), "db 10 00 00 a0 00 00 00", "(db) lock *(u64 *)(r0 +0) ^= r1"],
  [I(0xdb, 0, 1, 8, 0x01), "db 10 08 00 01 00 00 00", "(db) r1 = atomic64_fetch_add((u64 *)(r0 +8), r1)"],
  [I(0xc3, 0, 1, 0, 0x41), "c3 10 00 00 41 00 00 00", "(c3) r1 = atomic_fetch_or((u32 *)(r0 +0), r1)"],
  [I(0xdb, 0, 1, 0, 0x51), "db 10 00 00 51 00 00 00", "(db) r1 = atomic64_fetch_and((u64 *)(r0 +0), r1)"],
  [I(0xdb, 0, 1, 0, 0xa1), "db 10 00 00 a1 00 00 00", "(db) r1 = atomic64_fetch_xor((u64 *)(r0 +0), r1)"],
  [I(0xdb, 2, 3, 0, 0xe1), "db 32 00 00 e1 00 00 00", "(db) r3 = atomic64_xchg((u64 *)(r2 +0), r3)"],
  [I(0xc3, 2, 3, -4, 0xf1), "c3 32 fc ff f1 00 00 00", "(c3) r0 = atomic_cmpxchg((u32 *)(r2 -4), r0, r3)"],
  [I(0xd3, 1, 2, 0, 0x100), "d3 21 00 00 00 01 00 00", "(d3) r1 = load_acquire((u8 *)(r2 +0))"],
  [I(0xcb, 1, 2, 2, 0x110), "cb 21 02 00 10 01 00 00", "(cb) store_release((u16 *)(r1 +2), r2)"],
  // legacy packet loads
  [I(0x30, 0, 0, 0, 23), "30 00 00 00 17 00 00 00", "(30) r0 = *(u8 *)skb[23]"],
  [I(0x28, 0, 0, 0, 36), "28 00 00 00 24 00 00 00", "(28) r0 = *(u16 *)skb[36]"],
  [I(0x20, 0, 0, 0, 26), "20 00 00 00 1a 00 00 00", "(20) r0 = *(u32 *)skb[26]"],
  [I(0x40, 0, 6, 0, 4), "40 60 00 00 04 00 00 00", "(40) r0 = *(u32 *)skb[r6 + 4]"],
  [I(0x50, 0, 7, 0, -2), "50 70 00 00 fe ff ff ff", "(50) r0 = *(u8 *)skb[r7 + -2]"],
  // ldimm64, every pseudo kind
  [I(0x18, 1, 0, 0, -1, 0xffffffffffffffffn), "18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff", "(18) r1 = 0xffffffffffffffff"],
  [I(0x18, 2, 0, 0, 0x5678, 0x123400005678n), "18 02 00 00 78 56 00 00 00 00 00 00 34 12 00 00", "(18) r2 = 0x123400005678"],
  [I(0x18, 1, 1, 0, 26, 26n), "18 11 00 00 1a 00 00 00 00 00 00 00 00 00 00 00", "(18) r1 = map[id:26]"],
  [I(0x18, 1, 2, 0, 28, 0x80000001cn), "18 21 00 00 1c 00 00 00 00 00 00 00 08 00 00 00", "(18) r1 = map[id:28][0]+8"],
  [I(0x18, 3, 3, 0, 1234, 1234n), "18 33 00 00 d2 04 00 00 00 00 00 00 00 00 00 00", "(18) r3 = 0x4d2"],
  [I(0x18, 2, 4, 0, 27, 27n), "18 42 00 00 1b 00 00 00 00 00 00 00 00 00 00 00", "(18) r2 = subprog[+27]"],
  [I(0x18, 1, 5, 0, 2, 2n), "18 51 00 00 02 00 00 00 00 00 00 00 00 00 00 00", "(18) r1 = 0x2"],
  [I(0x18, 1, 6, 0, 0, 0x1000000000n), "18 61 00 00 00 00 00 00 00 00 00 00 10 00 00 00", "(18) r1 = map[idx:0]+16"],
  // jumps
  [I(0x05, 0, 0, 3, 0), "05 00 03 00 00 00 00 00", "(05) goto pc+3"],
  [I(0x05, 0, 0, -6, 0), "05 00 fa ff 00 00 00 00", "(05) goto pc-6"],
  [I(0x06, 0, 0, 0, 40000), "06 00 00 00 40 9c 00 00", "(06) gotol pc+40000"],
  [I(0xe5, 0, 0, 5, 0), "e5 00 05 00 00 00 00 00", "(e5) may_goto pc+5"],
  [I(0x15, 0, 0, 2, 0), "15 00 02 00 00 00 00 00", "(15) if r0 == 0x0 goto pc+2"],
  [I(0x1d, 1, 2, -1, 0), "1d 21 ff ff 00 00 00 00", "(1d) if r1 == r2 goto pc-1"],
  [I(0x25, 11, 0, 4, 1), "25 0b 04 00 01 00 00 00", "(25) if r11 > 0x1 goto pc+4"],
  [I(0x35, 0, 0, 3, 1), "35 00 03 00 01 00 00 00", "(35) if r0 >= 0x1 goto pc+3"],
  [I(0x45, 1, 0, 1, 8), "45 01 01 00 08 00 00 00", "(45) if r1 & 0x8 goto pc+1"],
  [I(0x55, 1, 0, 1, -1), "55 01 01 00 ff ff ff ff", "(55) if r1 != 0xffffffff goto pc+1"],
  [I(0x65, 1, 0, 1, 5), "65 01 01 00 05 00 00 00", "(65) if r1 s> 0x5 goto pc+1"],
  [I(0x75, 0, 0, 2, 0), "75 00 02 00 00 00 00 00", "(75) if r0 s>= 0x0 goto pc+2"],
  [I(0xa5, 1, 0, 1, 5), "a5 01 01 00 05 00 00 00", "(a5) if r1 < 0x5 goto pc+1"],
  [I(0xbd, 1, 2, 1, 0), "bd 21 01 00 00 00 00 00", "(bd) if r1 <= r2 goto pc+1"],
  [I(0xc5, 1, 0, 1, 0), "c5 01 01 00 00 00 00 00", "(c5) if r1 s< 0x0 goto pc+1"],
  [I(0xdd, 1, 2, 1, 0), "dd 21 01 00 00 00 00 00", "(dd) if r1 s<= r2 goto pc+1"],
  [I(0x16, 11, 0, 1, 0), "16 0b 01 00 00 00 00 00", "(16) if w11 == 0x0 goto pc+1"],
  [I(0x26, 1, 0, 4, 1), "26 01 04 00 01 00 00 00", "(26) if w1 > 0x1 goto pc+4"],
  [I(0x3e, 1, 2, 4, 0), "3e 21 04 00 00 00 00 00", "(3e) if w1 >= w2 goto pc+4"],
  [I(0x66, 1, 0, 2, 40), "66 01 02 00 28 00 00 00", "(66) if w1 s> 0x28 goto pc+2"],
  [I(0xce, 1, 2, 2, 0), "ce 21 02 00 00 00 00 00", "(ce) if w1 s< w2 goto pc+2"],
  // calls and exit
  [I(0x85, 0, 0, 0, 1), "85 00 00 00 01 00 00 00", "(85) call bpf_map_lookup_elem#1"],
  [I(0x85, 0, 0, 0, 12), "85 00 00 00 0c 00 00 00", "(85) call bpf_tail_call#12"],
  [I(0x85, 0, 0, 0, 100000), "85 00 00 00 a0 86 01 00", "(85) call unknown#100000"],
  [I(0x85, 0, 1, 0, 5), "85 10 00 00 05 00 00 00", "(85) call pc+5"],
  [I(0x85, 0, 1, 0, -9), "85 10 00 00 f7 ff ff ff", "(85) call pc-9"],
  [I(0x85, 0, 2, 0, 71000), "85 20 00 00 58 15 01 00", "(85) call kernel-function#71000"],
  [I(0x85, 0, 2, 1, -1), "85 20 01 00 ff ff ff ff", "(85) call kernel-function#-1"],
  [I(0x95, 0, 0, 0, 0), "95 00 00 00 00 00 00 00", "(95) exit"],
];

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(" ");
const unhex = (s: string) => Uint8Array.from(s.split(" ").map((x) => Number.parseInt(x, 16)));

/** The big-endian form of little-endian slots: register nibbles swapped, off and imm reversed. */
function toBigEndian(le: Uint8Array): Uint8Array {
  const be = new Uint8Array(le.length);
  for (let at = 0; at < le.length; at += 8) {
    be[at] = le[at]!;
    be[at + 1] = ((le[at + 1]! & 0xf) << 4) | (le[at + 1]! >> 4);
    be.set(le.slice(at + 2, at + 4).reverse(), at + 2);
    be.set(le.slice(at + 4, at + 8).reverse(), at + 4);
  }
  return be;
}

for (const [insn, bytes, text] of cases) {
  test(`codec: ${text}`, () => {
    const le = unhex(bytes);
    const be = toBigEndian(le);
    // r11 (the kernel's internal AX register) is only legal in translated programs.
    const valid = insn.dst <= 10;
    for (const [order, expected] of [[true, le], [false, be]] as const) {
      const encoded = encodeInsns([insn], order);
      assert.equal(hex(encoded.bytes), hex(expected), `encode (${order ? "LE" : "BE"})`);
      const decoded = valid ? decodeInsns(expected, { littleEndian: order }) : encoded;
      assert.deepEqual(decoded.insn(0), insn, `decode (${order ? "LE" : "BE"})`);
      assert.equal(formatInsn(decoded, 0), text);
      assert.equal(decoded.slotKind(0), insn.code === 0x18 ? SLOT.LDIMM64 : SLOT.SINGLE);
      if (insn.code === 0x18) assert.equal(decoded.slotKind(1), SLOT.LDIMM64_SECOND);
    }
    if (valid) checkInsn(insn);
  });
}

/** [name, little-endian bytes, expected insn index in the error] */
const invalid: [string, string, number][] = [
  ["unknown alu op 0xe0", "e7 01 00 00 00 00 00 00", 0],
  ["alu immediate with src set", "07 21 00 00 01 00 00 00", 0],
  ["alu register with imm set", "0f 21 00 00 01 00 00 00", 0],
  ["mov with bad off", "bf 21 07 00 00 00 00 00", 0],
  ["32-bit movsx from s32", "bc 21 20 00 00 00 00 00", 0],
  ["sdiv with off 2", "3f 21 02 00 00 00 00 00", 0],
  ["neg from register", "8f 21 00 00 00 00 00 00", 0],
  ["neg with imm", "87 01 00 00 01 00 00 00", 0],
  ["byte swap width 8", "d4 01 00 00 08 00 00 00", 0],
  ["bswap register form", "df 01 00 00 10 00 00 00", 0],
  ["register r12", "bf c1 00 00 00 00 00 00", 0],
  ["ldx with imm", "61 21 00 00 01 00 00 00", 0],
  ["ldsx 64-bit", "99 21 00 00 00 00 00 00", 0],
  ["ldx atomic mode", "c1 21 00 00 00 00 00 00", 0],
  ["st with src", "62 21 00 00 00 00 00 00", 0],
  ["st atomic", "c2 01 00 00 00 00 00 00", 0],
  ["stx with imm", "63 21 00 00 01 00 00 00", 0],
  ["atomic op 0x10", "db 21 00 00 10 00 00 00", 0],
  ["atomic add on u8", "d3 21 00 00 00 00 00 00", 0],
  ["ld imm 32-bit", "00 01 00 00 00 00 00 00", 0],
  ["ld abs with dst", "30 01 00 00 17 00 00 00", 0],
  ["ld abs 64-bit", "38 00 00 00 17 00 00 00", 0],
  ["ld mem mode", "60 00 00 00 00 00 00 00", 0],
  ["ldimm64 src 7", "18 71 00 00 00 00 00 00 00 00 00 00 00 00 00 00", 0],
  ["ldimm64 with off", "18 01 01 00 00 00 00 00 00 00 00 00 00 00 00 00", 0],
  ["ldimm64 truncated", "b7 00 00 00 00 00 00 00 18 01 00 00 00 00 00 00", 1],
  ["ldimm64 second slot with code", "18 01 00 00 00 00 00 00 95 00 00 00 00 00 00 00", 1],
  ["ldimm64 second slot with registers", "18 01 00 00 00 00 00 00 00 01 00 00 00 00 00 00", 1],
  ["ja with imm", "05 00 01 00 01 00 00 00", 0],
  ["gotol with off", "06 00 01 00 01 00 00 00", 0],
  ["ja from register", "0d 00 01 00 00 00 00 00", 0],
  ["jump immediate with src", "15 10 01 00 00 00 00 00", 0],
  ["jump register with imm", "1d 21 01 00 01 00 00 00", 0],
  ["jump op 0xf0", "f5 00 01 00 00 00 00 00", 0],
  ["call with dst", "85 01 00 00 01 00 00 00", 0],
  ["call src 3", "85 30 00 00 01 00 00 00", 0],
  ["helper call with off", "85 00 01 00 01 00 00 00", 0],
  ["jmp32 call", "86 00 00 00 01 00 00 00", 0],
  ["exit with imm", "95 00 00 00 01 00 00 00", 0],
  ["jmp32 exit", "96 00 00 00 00 00 00 00", 0],
  ["may_goto with src", "e5 10 01 00 00 00 00 00", 0],
  ["partial instruction", "b7 01 00 00 00 00 00 00 95 00", 1],
];

for (const [name, bytes, index] of invalid) {
  test(`rejects: ${name}`, () => {
    const le = unhex(bytes);
    for (const [order, input] of [[true, le], [false, le.length % 8 === 0 ? toBigEndian(le) : le]] as const) {
      assert.throws(
        () => decodeInsns(input, { littleEndian: order, section: "xdp", baseOffset: 64 }),
        (err: unknown) => {
          assert.ok(err instanceof AsmError, String(err));
          assert.equal(err.code, "ASM_INVALID_INSN");
          assert.equal(err.where.insn, index);
          assert.equal(err.where.offset, 64 + index * 8);
          assert.equal(err.where.section, "xdp");
          assert.match(err.message, new RegExp(`^insn ${index} \\(byte offset ${64 + index * 8}\\)`));
          return true;
        },
      );
    }
  });
}

test("InsnBuffer setters patch in place, in both byte orders", () => {
  for (const le of [true, false]) {
    const buf = encodeInsns([I(0x18, 1, 0, 0, 0, 0n), I(0x85, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0)], le).clone();
    buf.setSrc(0, 2);
    buf.setImm64(0, 0x0000000800000005n);
    buf.set(2, I(0x85, 0, 1, 0, -3));
    buf.setImm(3, 0);
    assert.equal(disassemble(buf), "   0: (18) r1 = map[id:5][0]+8\n   2: (85) call pc-3\n   3: (95) exit\n");
    assert.deepEqual([...buf.starts()], [0, 2, 3]);
    assert.equal(buf.length, 4);
  }
});

test("disassemble prints func signatures, source lines (trimmed), linum and opcodes like bpftool", () => {
  const buf = encodeInsns([I(0xb4, 1, 0, 0, 0), I(0x18, 1, 1, 0, 26, 26n), I(0x95, 0, 0, 0, 0)]);
  const text = disassemble(buf, {
    funcs: [{ insnOff: 0, signature: "int f(struct __sk_buff * skb)" }],
    lines: [
      { insnOff: 0, line: "\tint f(struct __sk_buff *skb)", file: "f.c", lineNum: 3, lineCol: 0 },
      { insnOff: 0, line: "duplicate for the same insn", file: "f.c", lineNum: 3, lineCol: 1 },
      { insnOff: 3, line: "return 0;", file: "f.c", lineNum: 5, lineCol: 2 },
    ],
    linum: true,
    opcodes: true,
  });
  assert.equal(
    text,
    [
      "int f(struct __sk_buff * skb):",
      "; int f(struct __sk_buff *skb) [file:f.c line_num:3 line_col:0]",
      "   0: (b4) w1 = 0",
      "       b4 01 00 00 00 00 00 00",
      "   1: (18) r1 = map[id:26]",
      "       18 11 00 00 1a 00 00 00 00 00 00 00 00 00 00 00",
      "; return 0; [file:f.c line_num:5 line_col:2]",
      "   3: (95) exit",
      "       95 00 00 00 00 00 00 00",
      "",
    ].join("\n"),
  );
});

test("disassembly hooks name maps, subprograms and kfuncs before loading", () => {
  const buf = encodeInsns([I(0x18, 1, 0, 0, 0, 0n), I(0x85, 0, 1, 0, 4), I(0x85, 0, 2, 0, -1), I(0x95, 0, 0, 0, 0)]);
  const text = disassemble(buf, {
    ldimm64Text: (_insn, i) => (i === 0 ? "map[counter]" : undefined),
    callName: (insn) => (insn.src === 1 ? "+4#handle_event" : insn.src === 2 ? "bpf_rcu_read_lock" : undefined),
  });
  assert.equal(text, "   0: (18) r1 = map[counter]\n   2: (85) call pc+4#handle_event\n   3: (85) call bpf_rcu_read_lock#-1\n   4: (95) exit\n");
});

test("instruction numbers past 999 keep bpftool's printf(\"% 4d\") spacing", () => {
  const insns = Array.from({ length: 1001 }, () => I(0xb7, 0, 0, 0, 0));
  const lines = disassemble(encodeInsns(insns)).split("\n");
  assert.equal(lines[999], " 999: (b7) r0 = 0");
  assert.equal(lines[1000], " 1000: (b7) r0 = 0");
});

test("InsnBuffer is exported for typed use", () => {
  assert.ok(encodeInsns([]) instanceof InsnBuffer);
  assert.equal(disassemble(new Uint8Array(0)), "");
});
