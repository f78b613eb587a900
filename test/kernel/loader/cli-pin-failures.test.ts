// `corebpf prog load|loadall` that cannot pin leaves nothing behind: pin paths
// are checked before the object is loaded (a typed error, nothing created),
// and a failure while pinning removes every pin and directory the command
// made. Each case: no pins, no directories, no programs or maps of the
// object still loaded, no fds left open in this process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad } from "../../../src/cli/prog-load.js";
import { CoreBpfError } from "../../../src/errors.js";
import { BPFFS_DEFAULT, Map as BpfMap, ensureBpffs, openObject } from "../../../src/kernel/index.js";
import { cliPath } from "../../support/paths.js";
import { kernelSkip, openFdCount } from "../support.js";
import { kernelIds, kernelNames, leftovers, objectPath } from "./support.js";

const ctx = { json: false, pretty: false, debug: false, baseBtf: undefined };

interface Dirs {
  /** A fresh directory on /sys/fs/bpf holding only `mapPin`. */
  root: string;
  mapPin: string;
  /** A fresh directory on a disk file system. */
  disk: string;
}

function withDirs(fn: (d: Dirs) => Promise<void>): () => Promise<void> {
  return async () => {
    ensureBpffs(BPFFS_DEFAULT);
    const root = mkdtempSync(join(BPFFS_DEFAULT, "corebpf-pinfail-"));
    const disk = mkdtempSync(join(tmpdir(), "corebpf-pinfail-"));
    try {
      using map = BpfMap.create({ type: "array", name: "pinfail", keySize: 4, valueSize: 4, maxEntries: 1 });
      map.pin(join(root, "mappin"));
      // A first load opens what the loader keeps for the process (kernel BTF...), before fds are counted.
      await runLoad(true, [objectPath("minimal"), join(root, "warm")], ctx);
      rmSync(join(root, "warm"), { recursive: true });
      await fn({ root, mapPin: join(root, "mappin"), disk });
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(disk, { recursive: true, force: true });
    }
  };
}

/** Runs `prog load|loadall args`, expecting a CoreBpfError with `code`, then checks that nothing is left. */
async function failsCleanly(d: Dirs, object: string, all: boolean, args: string[], code: string): Promise<CoreBpfError> {
  const before = kernelIds();
  const fds = openFdCount();
  const diskBefore = readdirSync(d.disk);
  let caught: unknown;
  try {
    await runLoad(all, [objectPath(object), ...args], ctx);
  } catch (err) {
    caught = err;
  }
  const what = `${all ? "loadall" : "load"} ${object} ${args.join(" ")}`;
  assert.ok(caught instanceof CoreBpfError, `${what}: ${String(caught)}`);
  assert.equal(caught.code, code, `${what}: ${caught.message}`);
  assert.deepEqual(readdirSync(d.root), ["mappin"], what);
  assert.deepEqual(readdirSync(d.disk), diskBefore, what);
  assert.deepEqual(await leftovers(before, kernelNames(openObject(objectPath(object)).spec)), [], what);
  assert.equal(openFdCount(), fds, what);
  return caught;
}

test(
  "loadall into an existing map pin: NOT_A_DIRECTORY with a hint, before loading",
  { skip: kernelSkip },
  withDirs(async (d) => {
    const err = await failsCleanly(d, "minimal", true, [d.mapPin], "NOT_A_DIRECTORY");
    assert.match(err.message, /mappin is a pin, not a directory/);
    assert.match(err.hint ?? "", /rm .*mappin/);
    await failsCleanly(d, "minimal", true, [join(d.mapPin, "below")], "NOT_A_DIRECTORY");
    await failsCleanly(d, "minimal", true, [join(d.root, "p"), "pinmaps", join(d.mapPin, "maps")], "NOT_A_DIRECTORY");
    // The command line reports it (no stack trace from mkdir).
    const r = spawnSync(process.execPath, [cliPath, "prog", "loadall", objectPath("minimal"), d.mapPin], { encoding: "utf8" });
    assert.equal(r.status, 255);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^Error: cannot pin in \S+mappin: \S+mappin is a pin, not a directory \(choose a path that is not taken, or remove that pin: rm \S+mappin\)\n$/);
  }),
);

test(
  "pin directories off bpffs are refused before loading, and not created",
  { skip: kernelSkip },
  withDirs(async (d) => {
    const err = await failsCleanly(d, "maps", true, [join(d.root, "a2q"), "pinmaps", join(d.disk, "x")], "NOT_BPFFS");
    assert.ok(err.message.includes(`${d.disk} is not on a BPF filesystem`), err.message);
    assert.ok(err.message.includes(join(d.disk, "x")), "names the pinmaps path");
    await failsCleanly(d, "maps", true, [join(d.disk, "y")], "NOT_BPFFS");
    await failsCleanly(d, "minimal", false, [join(d.disk, "z", "p")], "NOT_BPFFS");
    await failsCleanly(d, "minimal", false, [join(d.root, "p"), "pinmaps", join(d.disk, "m")], "NOT_BPFFS");
  }),
);

test(
  "pin paths already taken are refused before loading",
  { skip: kernelSkip },
  withDirs(async (d) => {
    const err = await failsCleanly(d, "minimal", false, [d.mapPin], "PIN_EXISTS");
    assert.match(err.hint ?? "", /rm /);
    // The pinmaps directory already holds a pin of one of the object's map names.
    const opened = openObject(objectPath("minimal"));
    const mapName = opened.maps.find((m) => m.autocreate && m.pinPath === undefined)!.name;
    using m = BpfMap.create({ type: "array", name: "pinfail", keySize: 4, valueSize: 4, maxEntries: 1 });
    const dir = mkdtempSync(join(d.root, "maps-"));
    try {
      m.pin(join(dir, mapName));
      const before = readdirSync(dir);
      await assert.rejects(runLoad(true, [objectPath("minimal"), join(d.root, "p"), "pinmaps", dir], ctx), (e: unknown) => e instanceof CoreBpfError && e.code === "PIN_EXISTS");
      assert.deepEqual(readdirSync(dir), before);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }),
);

test(
  "a failure while pinning removes the pins and directories made so far",
  { skip: kernelSkip },
  withDirs(async (d) => {
    // Programs go to root/c/MAP/, then the map MAP collides with that directory (EEXIST from BPF_OBJ_PIN).
    for (const object of ["minimal", "maps"]) {
      const opened = openObject(objectPath(object));
      const mapName = opened.maps.find((m) => m.autocreate && m.pinPath === undefined && !m.name.includes("."))!.name;
      const byName = opened.maps.filter((m) => m.pinPath !== undefined).map((m) => [m.pinPath!, existsSync(m.pinPath!)] as const);
      const err = await failsCleanly(d, object, true, [join(d.root, "c", mapName), "pinmaps", join(d.root, "c")], "EEXIST");
      assert.match(err.message, new RegExp(`map '${mapName}'`));
      // Pins by name that this load created are gone again; older ones stay.
      for (const [path, existed] of byName) assert.equal(existsSync(path), existed, path);
    }
  }),
);

test(
  "loadall of an object with a '?' program fails before loading and creates nothing",
  { skip: kernelSkip },
  withDirs(async (d) => {
    const err = await failsCleanly(d, "progs_trace", true, [join(d.root, "q")], "NOT_LOADED");
    assert.match(err.message, /can't pin program that wasn't loaded/);
  }),
);

function unshareSkip(): string | false {
  if (kernelSkip) return kernelSkip;
  return spawnSync("unshare", ["--mount", "true"]).status === 0 ? false : "unshare --mount is not available";
}

test("a failure while pinning also removes the maps this load pinned by name (fresh bpffs in a mount namespace)", { skip: unshareSkip() }, () => {
  // A private /sys/fs/bpf, so that maps.bpf.o's LIBBPF_PIN_BY_NAME map is created (not reused) by this load.
  const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} prog loadall ${JSON.stringify(objectPath("maps"))}`;
  const script = [
    "mount -t bpf bpf /sys/fs/bpf || exit 99",
    "ls -A /sys/fs/bpf",
    "echo ---",
    `${cli} /sys/fs/bpf/c/counters pinmaps /sys/fs/bpf/c 2>&1; echo "status $?"`,
    "ls -A /sys/fs/bpf",
    "echo ---",
    `${cli} /sys/fs/bpf/ok; echo "status $?"`,
    "ls -A /sys/fs/bpf",
  ].join("\n");
  const r = spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const [fresh, failed, succeeded] = r.stdout.split("---\n") as [string, string, string];
  assert.match(failed, /^Error: map 'counters': BPF_OBJ_PIN: File exists/);
  assert.match(failed, /status 255\n/);
  assert.equal(failed.slice(failed.indexOf("status 255\n") + 11), fresh, "the failed loadall left the bpffs as it found it");
  assert.match(succeeded, /^status 0\n/);
  assert.deepEqual(succeeded.split("\n").slice(1).filter(Boolean).sort(), [...fresh.split("\n").filter(Boolean), "lru_pinned", "ok"].sort(), "a successful loadall keeps the pin by name, as bpftool");
});
