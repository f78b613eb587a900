// Reading a file a user named (a BPF object, BTF): a typed error that names
// the file and says why, and bounded memory. A regular file is read whole;
// anything else (a pipe, /dev/stdin, a character device such as /dev/zero,
// which never ends) is read up to a cap.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { concatBytes } from "../bytes.js";
import { CoreBpfError } from "../errors.js";
import { errnoMessage } from "./errno.js";

/** The most read from an input that is not a regular file. */
export const MAX_STREAM_INPUT = 256 * 2 ** 20;

/** The largest regular file read (a vmlinux with DWARF is some hundreds of MiB; a disk image is not an input). */
export const MAX_FILE_INPUT = 2 ** 30;

/** The bytes of `path`; throws a CoreBpfError coded by errno (ENOENT, EISDIR...) or INPUT_TOO_LARGE. */
export function readInputFile(path: string, hint?: string): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw inputError(path, err, hint);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new CoreBpfError("EISDIR", `cannot read ${path}: ${errnoMessage(21)}`, { file: path, hint: "name a file" });
    if (!stat.isFile()) return readStream(fd, path);
    if (stat.size > MAX_FILE_INPUT) {
      throw new CoreBpfError("INPUT_TOO_LARGE", `${path} is ${stat.size} bytes, more than the ${MAX_FILE_INPUT / 2 ** 20} MiB an input may be`, {
        file: path,
        hint: "name a BPF object, a BTF file or an ELF with a .BTF section",
      });
    }
    return readWhole(fd, stat.size);
  } catch (err) {
    throw err instanceof CoreBpfError ? err : inputError(path, err, hint);
  } finally {
    closeSync(fd);
  }
}

function readWhole(fd: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const n = readSync(fd, out, at, size - at, null);
    if (n === 0) return out.subarray(0, at); // the file shrank while being read
    at += n;
  }
  return out;
}

function readStream(fd: number, path: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(1 << 20);
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > MAX_STREAM_INPUT) {
      throw new CoreBpfError("INPUT_TOO_LARGE", `${path} is not a regular file and gave more than ${MAX_STREAM_INPUT / 2 ** 20} MiB`, {
        file: path,
        hint: "name a regular file (a .bpf.o, a BTF file or an ELF)",
      });
    }
  }
  return concatBytes(chunks);
}

function inputError(path: string, err: unknown, hint: string | undefined): CoreBpfError {
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? "EIO";
  const text = typeof e.errno === "number" ? errnoMessage(-e.errno) : e.message;
  return new CoreBpfError(code, `cannot read ${path}: ${text}`, { file: path, cause: err, ...(hint === undefined ? {} : { hint }) });
}
