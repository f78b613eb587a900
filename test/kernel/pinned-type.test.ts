// Pins are type-checked when opened: a map pin opened as a program or link
// (and every other mismatch) is a WrongObjectTypeError naming the path, what
// is there and what was asked for, with the fd closed; the CLI's `pinned PATH`
// selectors fail with bpftool 7.1's message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readlinkSync, rmSync } from "node:fs";
import { WrongObjectTypeError } from "../../src/errors.js";
import { Link, attachRawTracepoint } from "../../src/kernel/attach/index.js";
import { BtfHandle, Map, Program, ensureBpffs, fdObjectKind, objGet, openPinnedFd, rawClose } from "../../src/kernel/index.js";
import { cliPath } from "../support/paths.js";
import { bpftoolSkip, kernelSkip, openFdCount, returnProgram } from "./support.js";

type Kind = "prog" | "map" | "link";

/** A program, a map and a link pinned in a fresh directory; removed by dispose. */
function pinTrio(): { dir: string; pin: Record<Kind, string> } & Disposable {
  const dir = `${ensureBpffs()}/corebpf-pintype-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  const pin = { prog: `${dir}/prog`, map: `${dir}/map`, link: `${dir}/link` };
  using prog = Program.load({ type: "raw_tracepoint", name: "pintype", insns: returnProgram(0) });
  using map = Map.create({ type: "hash", name: "pintype", keySize: 4, valueSize: 8, maxEntries: 4 });
  prog.pin(pin.prog);
  map.pin(pin.map);
  using link = attachRawTracepoint(prog, "sched_switch");
  link.pin(pin.link);
  return { dir, pin, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

const openers: Record<Kind, (path: string) => { close(): void }> = {
  prog: (p) => Program.openPinned(p),
  map: (p) => Map.openPinned(p),
  link: (p) => Link.openPinned(p),
};

test("the anon inode names the kind check reads from /proc/self/fd", { skip: kernelSkip }, () => {
  using trio = pinTrio();
  // A link fd reads "bpf_link" where it was created and "bpf-link" from a pin.
  const want: Record<Kind, string> = { prog: "anon_inode:bpf-prog", map: "anon_inode:bpf-map", link: "anon_inode:bpf-link" };
  for (const kind of ["prog", "map", "link"] as const) {
    const fd = objGet(trio.pin[kind]);
    try {
      assert.equal(readlinkSync(`/proc/self/fd/${fd}`), want[kind]);
      assert.equal(fdObjectKind(fd), kind);
    } finally {
      rawClose(fd);
    }
  }
});

test("openPinned of the wrong kind: a typed error, fd closed; the right kind opens", { skip: kernelSkip }, () => {
  using trio = pinTrio();
  const before = openFdCount();
  for (const actual of ["prog", "map", "link"] as const) {
    for (const expected of ["prog", "map", "link"] as const) {
      const path = trio.pin[actual];
      if (actual === expected) {
        openers[expected](path).close();
        continue;
      }
      assert.throws(
        () => openers[expected](path),
        (e: unknown) => {
          assert.ok(e instanceof WrongObjectTypeError, String(e));
          assert.equal(e.code, "WRONG_OBJECT_TYPE");
          assert.deepEqual([e.path, e.actual, e.expected, e.where.file], [path, actual, expected, path]);
          assert.ok(e.message.includes(path) && e.message.includes(`incorrect object type: ${actual}`) && e.message.includes(`expected a ${expected}`), e.message);
          assert.ok(e.hint?.includes(`open it as a ${actual}`));
          return true;
        },
        `${actual} pin opened as ${expected}`,
      );
      assert.throws(() => openPinnedFd(path, expected), WrongObjectTypeError);
    }
    assert.throws(() => BtfHandle.openPinned(trio.pin[actual]), (e: unknown) => e instanceof WrongObjectTypeError && e.expected === "btf");
  }
  assert.equal(openFdCount(), before);
});

// bpftool 7.1 ("Error: incorrect object type: prog", exit 255; `link detach` exits 1).
const cliCases: { verb: string[]; expected: Kind; extra?: string[] }[] = [
  { verb: ["prog", "show", "pinned"], expected: "prog" },
  { verb: ["map", "show", "pinned"], expected: "map" },
  { verb: ["map", "dump", "pinned"], expected: "map" },
  { verb: ["link", "show", "pinned"], expected: "link" },
  { verb: ["link", "detach", "pinned"], expected: "link" },
  { verb: ["link", "pin", "pinned"], expected: "link", extra: ["never-made"] },
];

test("CLI `pinned PATH` of the wrong kind: bpftool's stderr byte for byte, JSON error text", { skip: bpftoolSkip() }, () => {
  using trio = pinTrio();
  for (const c of cliCases) {
    for (const actual of ["prog", "map", "link"] as const) {
      if (actual === c.expected) continue;
      const args = [...c.verb, trio.pin[actual], ...(c.extra ?? []).map((x) => `${trio.dir}/${x}`)];
      const theirs = spawnSync("bpftool", args, { encoding: "utf8" });
      const ours = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8" });
      assert.equal(theirs.stderr, `Error: incorrect object type: ${actual}\n`, args.join(" "));
      assert.equal(ours.stderr, theirs.stderr, args.join(" "));
      assert.equal(ours.stdout, theirs.stdout);
      assert.notEqual(ours.status, 0);
      const theirsJson = JSON.parse(spawnSync("bpftool", ["-j", ...args], { encoding: "utf8" }).stdout) as { error: string };
      const oursJson = JSON.parse(spawnSync(process.execPath, [cliPath, "-j", ...args], { encoding: "utf8" }).stdout) as { error: string; code: string };
      assert.equal(oursJson.error, theirsJson.error);
      assert.equal(oursJson.code, "WRONG_OBJECT_TYPE");
    }
  }
  // The pins are intact and nothing was pinned by the refused `link pin`.
  for (const kind of ["prog", "map", "link"] as const) openers[kind](trio.pin[kind]).close();
  assert.throws(() => objGet(`${trio.dir}/never-made`));
});
