// `corebpf prog show` and `corebpf map show` equal bpftool 7.1's output byte
// for byte for objects loaded here (plain, -j, -p, by id, pinned, -f, all).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { mapShowOutput } from "../../src/cli/map.js";
import { progShowOutput } from "../../src/cli/prog.js";
import { BtfBlob, BtfHandle, BtfKind, Fd, Map, MapFlags, Program, enableStats, ensureBpffs, u32Codec } from "../../src/kernel/index.js";
import { bpftoolSkip, packet, returnProgram, runBpftool, sameAsBpftool, showStyles } from "./support.js";

const skip = bpftoolSkip();
const styles = showStyles;

test("prog show and map show match bpftool for programs and maps of several kinds", { skip }, () => {
  const dir = `${ensureBpffs()}/corebpf-show-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  try {
    const b = new BtfBlob();
    const int = b.int("int", 4, 32, true);
    const proto = b.type("", BtfKind.FUNC_PROTO, 0, int);
    const fn = b.type("handle_a_long_program_name", BtfKind.FUNC, 1, proto);
    using btf = BtfHandle.load(b.bytes());
    const funcInfo = new Uint8Array(8);
    new DataView(funcInfo.buffer).setUint32(4, fn, true);

    using data = Map.create({ type: "array", name: "show.rodata", keySize: 4, valueSize: 4, maxEntries: 1, flags: MapFlags.MMAPABLE | MapFlags.RDONLY_PROG, btf, btfKeyTypeId: int, btfValueTypeId: int });
    data.freeze();
    using hash = Map.create({ type: "hash", name: "show_hash", keySize: 8, valueSize: 16, maxEntries: 128, flags: MapFlags.NO_PREALLOC });
    using tail = Map.create({ type: "prog_array", name: "show_tail", keySize: 4, valueSize: 4, maxEntries: 2 }, { key: u32Codec });
    using noname = Map.create({ type: "percpu_array", keySize: 4, valueSize: 8, maxEntries: 3 });
    using prog = Program.load({ type: "socket_filter", name: "handle_a_long_program_name", insns: returnProgram(1), btf, funcInfo, license: "GPL" });
    using xdp = Program.load({ type: "xdp", name: "show_xdp", insns: returnProgram(2), license: "Proprietary" });
    using anon = Program.load({ type: "sched_cls", insns: returnProgram(0) });
    tail.setFd(0, prog);
    {
      // run_time_ns/run_cnt appear in the header line once stats were collected.
      using stats = new Fd(enableStats());
      prog.testRun({ data: packet, repeat: 3 });
      assert.ok(!stats.closed);
    }
    xdp.pin(`${dir}/xdp`);
    hash.pin(`${dir}/hash`);

    for (const p of [prog, xdp, anon]) {
      const id = String(p.info().id);
      for (const s of styles) {
        sameAsBpftool(() => progShowOutput(["id", id], s.ctx), () => runBpftool([...s.flags, "prog", "show", "id", id]), `prog ${id} ${s.flags}`);
      }
    }
    for (const m of [data, hash, tail, noname]) {
      const id = String(m.info().id);
      for (const s of styles) {
        sameAsBpftool(() => mapShowOutput(["id", id], s.ctx), () => runBpftool([...s.flags, "map", "show", "id", id]), `map ${id} ${s.flags}`);
      }
    }
    for (const s of styles) {
      sameAsBpftool(() => progShowOutput(["pinned", `${dir}/xdp`], s.ctx), () => runBpftool([...s.flags, "prog", "show", "pinned", `${dir}/xdp`]), "prog pinned");
      sameAsBpftool(() => mapShowOutput(["pinned", `${dir}/hash`], { ...s.ctx, bpffs: true }), () => runBpftool([...s.flags, "-f", "map", "show", "pinned", `${dir}/hash`]), "map pinned -f");
      sameAsBpftool(() => progShowOutput([], { ...s.ctx, bpffs: true }), () => runBpftool([...s.flags, "-f", "prog", "show"]), "prog show -f (all)");
      // Not compared: `map show` of all maps. bpftool 7.1 reuses one bpf_map_info
      // across maps and kernels since 6.x copy the caller's struct in first, so
      // it prints the btf_id of an earlier map for maps without BTF.
      sameAsBpftool(() => progShowOutput(["name", "show_xdp"], s.ctx), () => runBpftool([...s.flags, "prog", "show", "name", "show_xdp"]), "prog by name");
      const tag = xdp.info().tag;
      sameAsBpftool(() => progShowOutput(["tag", tag], s.ctx), () => runBpftool([...s.flags, "prog", "show", "tag", tag]), "prog by tag");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
