// Target BTFs built with the BTF encoder for the CO-RE tests and goldens. Each
// is a variation of bpf/test/core_target.bpf.c's types (the targets of
// core_local, core_cpuv4 and core_errors); scripts/gen-core-goldens.sh writes
// them to test/core/data/<name>.btf so that libbpf can be given the same bytes,
// and test/core/goldens.test.ts checks the files still equal these builders.
import { Btf, BtfBuilder, type MemberSpec } from "../../../src/btf/index.js";

/** Type ids of the basic types every variant starts with. */
interface Basics {
  b: BtfBuilder;
  char: number;
  short: number;
  int: number;
  uint: number;
  long: number;
  ulong: number;
  u8: number;
  u16: number;
  u64: number;
  s64: number;
  arrayIndex: number;
}

function basics(): Basics {
  const b = new BtfBuilder();
  const char = b.addInt("char", 1, 1);
  const short = b.addInt("short", 2, 1);
  const int = b.addInt("int", 4, 1);
  const uint = b.addInt("unsigned int", 4);
  const long = b.addInt("long", 8, 1);
  const ulong = b.addInt("unsigned long", 8);
  const u8 = b.addInt("unsigned char", 1);
  const u16 = b.addInt("unsigned short", 2);
  const u64 = b.addInt("unsigned long long", 8);
  const s64 = b.addInt("long long", 8, 1);
  return { b, char, short, int, uint, long, ulong, u8, u16, u64, s64, arrayIndex: uint };
}

/** Members at byte offsets: [name, type, byteOffset, bitfieldBits?, bitOffsetWithinByte?]. */
type M = [name: string, type: number, byteOffset: number, bits?: number, extraBits?: number];

function members(list: readonly M[]): MemberSpec[] {
  return list.map(([name, type, at, bits, extra]) => ({ name, type, bitOffset: at * 8 + (extra ?? 0), ...(bits ? { bitfieldSize: bits } : {}) }));
}

function struct(b: BtfBuilder, name: string, size: number, list: readonly M[]): number {
  return b.addStruct(name, size, members(list));
}

/** Options of the core_target-like family. */
interface Variant {
  /** Leave out every type but struct ct_marker. */
  markerOnly?: boolean;
  /** ct_moved as two flavors: "same" offsets (narrowing, no error) or "different" (ambiguity). */
  movedFlavors?: "same" | "different";
  /** ct_resized.counter a signed 64-bit int (a load resize that libbpf poisons). */
  signedCounter?: boolean;
  /** ct_resized.small a u32 (LDX H -> W). */
  widerSmall?: boolean;
  /** ct_moved.a at 40000 (ERANGE on the LDX of core_direct). */
  farA?: boolean;
  /** ct_bits.level a bitfield that no 8-byte load can hold (E2BIG). */
  straddlingBits?: boolean;
  /** Enumerators with negative and >= 2^31 values (sign-extension rules). */
  oddEnums?: boolean;
  /**
   * ct_moved.a preceded by an anonymous struct holding an incompatible member
   * also named a: libbpf's member search leaves that member's offset in the
   * path and the real a's offset comes out 4 bytes too far.
   */
  stalePath?: boolean;
  /** Leave struct ct_far out (core_subprogs' unused far_reader is then poisoned, not ERANGE). */
  noFar?: boolean;
}

function coreTargetLike(v: Variant): Btf {
  const t = basics();
  const { b } = t;
  const marker = struct(b, "ct_marker", 4, [["version", t.int, 0]]);
  if (v.markerOnly) return b.build();

  if (v.movedFlavors !== undefined) {
    struct(b, "ct_moved___a", 24, [["c", t.char, 0], ["pad", t.long, 8], ["b", t.int, 16], ["a", t.int, 20]]);
    const aAt = v.movedFlavors === "same" ? 20 : 4;
    const bAt = v.movedFlavors === "same" ? 16 : 0;
    struct(b, "ct_moved___b", 24, [["b", t.int, bAt], ["a", t.int, aAt], ["c", t.char, 0], ["other", t.long, 8]]);
  } else if (v.stalePath) {
    const decoy = b.addStruct("", 8, members([["pad", t.int, 0], ["a", marker, 4]]));
    struct(b, "ct_moved", 32, [["", decoy, 0], ["c", t.char, 8], ["b", t.int, 16], ["a", t.int, 20]]);
  } else if (v.farA) {
    const pad = b.addArray(t.char, t.arrayIndex, 40000);
    struct(b, "ct_moved", 40008, [["c", t.char, 0], ["pad", pad, 1], ["b", t.int, 16], ["a", t.int, 40004]]);
  } else {
    struct(b, "ct_moved", 24, [["c", t.char, 0], ["pad", t.long, 8], ["b", t.int, 16], ["a", t.int, 20]]);
  }
  struct(b, "ct_state", 8, [["flags", t.int, 0], ["__state", t.uint, 4]]);
  struct(b, "ct_legacy", 8, [["state", t.long, 0]]);
  struct(b, "ct_removed", 4, [["kept", t.int, 0]]);
  struct(b, "ct_resized", 16, [
    ["counter", v.signedCounter ? t.s64 : t.u64, 0],
    ["small", v.widerSmall ? t.uint : t.u8, 8],
  ]);
  if (v.straddlingBits) {
    // level: 12 bits starting at bit 60 of an 8-byte unit: no single load holds it.
    struct(b, "ct_bits", 16, [["flags", t.uint, 0, 4], ["level", t.long, 7, 12, 4], ["rest", t.uint, 12, 16]]);
  } else {
    struct(b, "ct_bits", 4, [["flags", t.uint, 0, 4], ["level", t.int, 0, 12, 4], ["rest", t.uint, 2, 16]]);
  }
  struct(b, "ct_unbits", 8, [["mode", t.u8, 0], ["count", t.int, 4]]);
  const row = b.addArray(t.s64, t.arrayIndex, 4);
  const grid = b.addArray(row, t.arrayIndex, 3);
  const one = b.addArray(t.int, t.arrayIndex, 2);
  const items = b.addArray(t.int, t.arrayIndex, 0);
  struct(b, "ct_arrays", 120, [["pad", t.long, 0], ["grid", grid, 8], ["one", one, 104], ["nitems", t.int, 112], ["items", items, 116]]);
  const innerUnion = b.addUnion("", 8, members([["as_long", t.long, 0], ["as_int", t.int, 0]]));
  const outer = b.addStruct("", 8, members([["", innerUnion, 0]]));
  const hilo = b.addStruct("", 4, members([["hi", t.short, 0], ["lo", t.short, 2]]));
  struct(b, "ct_nested", 16, [["", outer, 0], ["id", t.int, 8], ["", hilo, 12]]);
  const nodePtr = b.addPtr(b.typeCount + 1); // to ct_node, added next
  struct(b, "ct_node", 24, [["next", nodePtr, 0], ["pad", t.long, 8], ["value", t.int, 16]]);
  if (v.oddEnums) {
    b.addEnum("ct_color", [{ name: "CT_RED", value: -10 }, { name: "CT_GREEN", value: 20 }, { name: "CT_BLUE", value: -30 }], { signed: true });
    b.addEnum("ct_big", [{ name: "CT_BIG_LARGE", value: 0x80000000 }, { name: "CT_BIG_SMALL", value: 0xffffffff }], { signed: false });
  } else {
    b.addEnum("ct_color", [{ name: "CT_RED", value: 10 }, { name: "CT_GREEN", value: 20 }, { name: "CT_BLUE", value: 30 }]);
    b.addEnum64("ct_big", [{ name: "CT_BIG_LARGE", value: 0x200000000n }, { name: "CT_BIG_SMALL", value: 7n }]);
  }
  b.addEnum("ct_narrow", [{ name: "CT_NARROW_A", value: 5 }, { name: "CT_NARROW_B", value: 6 }]);
  b.addTypedef("ct_word_t", t.u64);
  const charPtr = b.addPtr(t.char);
  struct(b, "ct_match_ok", 24, [["extra", t.long, 0], ["name", charPtr, 8], ["id", t.int, 16]]);
  struct(b, "ct_match_sign", 4, [["id", t.int, 0]]);
  struct(b, "ct_match_missing", 4, [["id", t.int, 0]]);
  b.addEnum("ct_match_enum", [{ name: "CT_ME_ONE", value: 100 }, { name: "CT_ME_TWO", value: 200 }, { name: "CT_ME_THREE", value: 300 }]);
  struct(b, "ct_loose", 8, [["other", t.long, 0]]);
  struct(b, "ct_amb___one", 4, [["x", t.int, 0]]);
  struct(b, "ct_amb___two", 16, [["pad", t.long, 0], ["x", t.int, 8]]);
  if (!v.noFar) {
    const far = b.addArray(t.char, t.arrayIndex, 40000);
    struct(b, "ct_far", 40004, [["pad", far, 0], ["x", t.int, 40000]]);
  }
  return b.build();
}

/** The built targets, by file name (test/core/data/<name>.btf). */
export const builtTargets: Record<string, { about: string; build: () => Btf }> = {
  "ct-built": { about: "core_target's types, built with the BTF encoder", build: () => coreTargetLike({}) },
  "ct-no-far": { about: "core_target's types without struct ct_far (core_subprogs relocates)", build: () => coreTargetLike({ noFar: true }) },
  "ct-marker-only": { about: "only struct ct_marker: every other relocation finds no candidate", build: () => coreTargetLike({ markerOnly: true }) },
  "ct-flavors-same": { about: "ct_moved as two flavors with the same offsets: both kept, no ambiguity", build: () => coreTargetLike({ movedFlavors: "same" }) },
  "ct-flavors-ambiguous": { about: "ct_moved as two flavors with different offsets: ambiguity", build: () => coreTargetLike({ movedFlavors: "different" }) },
  "ct-resized-signed": {
    about: "ct_resized.counter a signed u64 (load resize poisoned), small a u32 (LDX H -> W)",
    build: () => coreTargetLike({ signedCounter: true, widerSmall: true }),
  },
  "ct-stale-path": { about: "an anonymous struct with an incompatible 'a' before ct_moved.a (libbpf's stale path offset)", build: () => coreTargetLike({ stalePath: true }) },
  "ct-far": { about: "ct_moved.a at offset 40004: ERANGE on core_direct's LDX", build: () => coreTargetLike({ farA: true }) },
  "ct-straddling-bits": { about: "ct_bits.level a bitfield no 8-byte load holds: E2BIG", build: () => coreTargetLike({ straddlingBits: true }) },
  "ct-odd-enums": { about: "negative and >= 2^31 enumerators (ENUM values sign-extended to 64 bits)", build: () => coreTargetLike({ oddEnums: true }) },
};
