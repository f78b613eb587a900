// tracefs found where mounted and mounted when absent: checked in a private
// mount namespace (unshare -m) where tracefs is unmounted first, so the
// machine's own mounts stay as they are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureTracefs, findTracefs, tracepointId } from "../../src/kernel/tracefs.js";
import { repoRoot } from "../support/paths.js";
import { hasTool, kernelSkip } from "./support.js";

const skip = kernelSkip || (!hasTool("unshare") ? "unshare (util-linux) is not installed" : false);

test("tracefs is mounted when absent (in a private mount namespace)", { skip }, () => {
  const module = join(repoRoot, "dist/src/kernel/tracefs.js");
  const script = `
    const { execFileSync } = await import("node:child_process");
    const t = await import(${JSON.stringify(module)});
    for (;;) { try { execFileSync("umount", ["-l", "/sys/kernel/tracing"], { stdio: "ignore" }); } catch { break; } }
    try { execFileSync("umount", ["-l", "/sys/kernel/debug"], { stdio: "ignore" }); } catch {}
    const before = t.findTracefs() ?? "none";
    const mounted = t.ensureTracefs();
    const id = t.tracepointId("sched", "sched_process_exec");
    console.log(JSON.stringify({ before, mounted, id, again: t.findTracefs() }));
  `;
  const r = spawnSync("unshare", ["--mount", "--propagation", "private", process.execPath, "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { before: string; mounted: string; id: number; again: string };
  assert.equal(out.before, "none");
  assert.equal(out.mounted, "/sys/kernel/tracing");
  assert.equal(out.again, "/sys/kernel/tracing");
  assert.ok(out.id > 0);
});

test("tracepoint ids come from tracefs; unknown ones say what exists", { skip: kernelSkip }, () => {
  ensureTracefs();
  assert.ok(findTracefs());
  assert.ok(tracepointId("sched", "sched_switch") > 0);
  assert.throws(() => tracepointId("sched", "no_such_event"), /no event 'no_such_event' in category 'sched'/);
  assert.throws(() => tracepointId("no_such_category", "x"), /no category 'no_such_category'/);
  assert.throws(() => tracepointId("../etc", "passwd"), /may only hold/);
});
