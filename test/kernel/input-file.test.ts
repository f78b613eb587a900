// Files a user names: read whole when regular, bounded when not (a pipe, a
// character device that never ends), typed errors naming the file otherwise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreBpfError } from "../../src/errors.js";
import { MAX_FILE_INPUT, MAX_STREAM_INPUT, readInputFile } from "../../src/kernel/input-file.js";

const openFds = () => readdirSync("/proc/self/fd").length;
const fails = (code: string, file: string) => (err: unknown) => err instanceof CoreBpfError && err.code === code && err.where.file === file;

test("a regular file is read whole; missing files and directories are typed errors naming the path", () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-input-"));
  try {
    const fds = openFds();
    const path = join(dir, "data");
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => i * 7);
    writeFileSync(path, bytes);
    assert.deepEqual(readInputFile(path), bytes);
    const missing = join(dir, "missing.o");
    assert.throws(() => readInputFile(missing, "build it first"), fails("ENOENT", missing));
    assert.throws(() => readInputFile(missing, "build it first"), /cannot read .*missing\.o: No such file or directory \(build it first\)/);
    assert.throws(() => readInputFile(dir), fails("EISDIR", dir));
    assert.equal(openFds(), fds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`a character device that never ends stops at ${MAX_STREAM_INPUT / 2 ** 20} MiB with INPUT_TOO_LARGE, leaking no fd`, () => {
  const fds = openFds();
  assert.throws(() => readInputFile("/dev/zero"), fails("INPUT_TOO_LARGE", "/dev/zero"));
  assert.equal(openFds(), fds);
});

test("a pipe is read to its end", async () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-input-"));
  try {
    const fifo = join(dir, "fifo");
    const mk = spawn("mkfifo", [fifo]);
    await new Promise((r) => mk.on("exit", r));
    const writer = spawn("sh", ["-c", `head -c 3000000 /dev/zero | tr '\\0' 'a' > ${fifo}`]);
    const bytes = readInputFile(fifo);
    assert.equal(bytes.length, 3_000_000);
    assert.ok(bytes.every((b) => b === 0x61));
    await new Promise((r) => writer.on("exit", r));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a regular file larger than any input (a disk image, say) is refused before anything is allocated", () => {
  const dir = mkdtempSync(join(tmpdir(), "corebpf-input-"));
  try {
    const path = join(dir, "disk.img");
    writeFileSync(path, "");
    truncateSync(path, MAX_FILE_INPUT + 1); // sparse: no disk space used
    assert.throws(() => readInputFile(path), fails("INPUT_TOO_LARGE", path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
