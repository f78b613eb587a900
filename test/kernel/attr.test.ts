// The attribute and info layouts this layer encodes equal the running
// kernel's (its BTF, as bpftool dumps it), member by member.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { BtfLoad, GetId, InfoByFd, MapBatch, MapCreate, MapElem, ObjPin, ProgLoad, TestRun, ATTR_SIZE } from "../../src/kernel/attr.js";
import { bpftoolSkip, runBpftool } from "./support.js";

const skip = bpftoolSkip() || (existsSync("/sys/kernel/btf/vmlinux") ? false : "the kernel has no BTF");

interface Member {
  name: string;
  type: number;
  bitsOffset: number;
}
interface RawType {
  kind: string;
  name: string;
  size: number;
  members: Member[];
}

/** Parses `bpftool btf dump ... format raw` into types by id (structs/unions with members). */
function parseRaw(text: string): globalThis.Map<number, RawType> {
  const types = new globalThis.Map<number, RawType>();
  let current: RawType | undefined;
  for (const line of text.split("\n")) {
    const head = /^\[(\d+)\] (\w+) '([^']*)'(?: size=(\d+))?/.exec(line);
    if (head) {
      current = { kind: head[2]!, name: head[3] === "(anon)" ? "" : head[3]!, size: Number(head[4] ?? 0), members: [] };
      types.set(Number(head[1]), current);
      continue;
    }
    const member = /^\t'([^']*)' type_id=(\d+) bits_offset=(\d+)/.exec(line);
    if (member && current) current.members.push({ name: member[1] === "(anon)" ? "" : member[1]!, type: Number(member[2]), bitsOffset: Number(member[3]) });
  }
  return types;
}

/** Every named field reachable through anonymous members, with its byte offset. */
function flatten(types: globalThis.Map<number, RawType>, id: number, base = 0, prefix = "", out = new globalThis.Map<string, number>()) {
  const t = types.get(id)!;
  for (const m of t.members) {
    const off = base + m.bitsOffset / 8;
    const mt = types.get(m.type);
    if (m.name === "" && mt && (mt.kind === "STRUCT" || mt.kind === "UNION")) flatten(types, m.type, off, prefix, out);
    else if (!out.has(prefix + m.name)) out.set(prefix + m.name, off);
    if (m.name !== "" && mt && (mt.kind === "STRUCT" || mt.kind === "UNION") && mt.name === "") flatten(types, m.type, off, `${prefix}${m.name}.`, out);
  }
  return out;
}

test("union bpf_attr offsets equal the running kernel's", { skip }, () => {
  const types = parseRaw(runBpftool(["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw"]));
  const attrId = [...types.entries()].find(([, t]) => t.kind === "UNION" && t.name === "bpf_attr")![0];
  assert.equal(types.get(attrId)!.size, ATTR_SIZE);
  const fields = flatten(types, attrId);
  const check = (table: Record<string, number>, prefix = "") => {
    for (const [name, off] of Object.entries(table)) {
      if (name === "size") continue;
      const kernel = fields.get(prefix + name);
      if (kernel === undefined) continue; // a union alias the kernel spells differently
      assert.equal(off, kernel, `${prefix}${name}`);
    }
  };
  check(MapCreate);
  check(MapElem);
  check(MapBatch, "batch.");
  check(ProgLoad);
  check(ObjPin);
  check(TestRun, "test.");
  check(GetId);
  check(InfoByFd, "info.");
  check(BtfLoad);
  // Spot checks that the flattening found the command structs at all.
  assert.equal(fields.get("prog_btf_fd"), ProgLoad.prog_btf_fd);
  assert.equal(fields.get("test.ctx_out"), TestRun.ctx_out);
  assert.equal(fields.get("batch.elem_flags"), MapBatch.elem_flags);
});

test("bpf_{prog,map,btf}_info members sit where info.ts reads them", { skip }, () => {
  const types = parseRaw(runBpftool(["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw"]));
  const members = (name: string) => {
    const id = [...types.entries()].find(([, t]) => t.kind === "STRUCT" && t.name === name)![0];
    return flatten(types, id);
  };
  const prog = members("bpf_prog_info");
  const expectProg: Record<string, number> = { type: 0, id: 4, tag: 8, load_time: 40, map_ids: 56, name: 64, btf_id: 128, nr_func_info: 144, run_time_ns: 192, verified_insns: 216, attach_btf_id: 224 };
  for (const [k, off] of Object.entries(expectProg)) if (prog.has(k)) assert.equal(prog.get(k), off, `bpf_prog_info.${k}`);
  const map = members("bpf_map_info");
  const expectMap: Record<string, number> = { type: 0, id: 4, key_size: 8, value_size: 12, max_entries: 16, map_flags: 20, name: 24, btf_id: 64, map_extra: 80 };
  for (const [k, off] of Object.entries(expectMap)) if (map.has(k)) assert.equal(map.get(k), off, `bpf_map_info.${k}`);
  const btf = members("bpf_btf_info");
  const expectBtf: Record<string, number> = { btf: 0, btf_size: 8, id: 12, name: 16, name_len: 24, kernel_btf: 28 };
  for (const [k, off] of Object.entries(expectBtf)) if (btf.has(k)) assert.equal(btf.get(k), off, `bpf_btf_info.${k}`);
});
