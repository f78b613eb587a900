// BTF from files: raw BTF, gzip and xz compressed BTF, ELF files carrying a
// .BTF section, the running kernel's /sys/kernel/btf/vmlinux and its modules'
// split BTF. The decoding itself is the pure btf/ layer's; this file only
// reads and unpacks bytes.
import { closeSync, fstatSync, openSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Btf, btfSectionFromElf } from "../btf/index.js";
import { concatBytes } from "../bytes.js";
import { BtfError, CoreBpfError } from "../errors.js";
import { readInputFile } from "./input-file.js";
import { SharedMapping } from "./shared-mapping.js";

/** Where the running kernel publishes its BTF (vmlinux and one file per module). */
export const KERNEL_BTF_DIR = "/sys/kernel/btf";

/**
 * Compressed inputs may not unpack to more than this (a decompression bomb
 * stops here). A kernel's BTF is 5-10 MiB; a compressed vmlinux ELF with
 * DWARF can be larger: pass maxDecompressedBytes.
 */
export const MAX_DECOMPRESSED_BYTES = 256 * 2 ** 20;

export type BtfInputFormat = "btf" | "gzip" | "xz" | "elf";

export interface BtfFileOptions {
  /** Base BTF for split BTF: a Btf, or a path to read it from. */
  base?: Btf | string;
  /** Cap on decompressed size (default MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes?: number;
}

/** What a blob is, by its magic bytes; undefined when none matches. */
export function detectBtfInput(bytes: Uint8Array): BtfInputFormat | undefined {
  const b = (i: number) => bytes[i] ?? -1;
  if ((b(0) === 0x9f && b(1) === 0xeb) || (b(0) === 0xeb && b(1) === 0x9f)) return "btf";
  if (b(0) === 0x1f && b(1) === 0x8b) return "gzip";
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return "xz";
  if (b(0) === 0x7f && b(1) === 0x45 && b(2) === 0x4c && b(3) === 0x46) return "elf";
  return undefined;
}

/** Reads a BTF file of any supported format (raw, gzip, xz, ELF). */
export async function readBtfFile(path: string, options: BtfFileOptions = {}): Promise<Btf> {
  const bytes = readInputFile(path);
  const base = await resolveBase(options.base, true);
  return decodeBtfInput(bytes, { ...options, base: base as Btf | undefined, file: path });
}

/** Like readBtfFile, without xz (whose decoder is asynchronous). */
export function readBtfFileSync(path: string, options: BtfFileOptions = {}): Btf {
  const base = resolveBase(options.base, false) as Btf | undefined;
  return withFile(path, () => parse(unpackSync(readInputFile(path), path, options.maxDecompressedBytes), base));
}

/** Decodes bytes of any supported format into a Btf. */
export async function decodeBtfInput(bytes: Uint8Array, options: { base?: Btf; file?: string; maxDecompressedBytes?: number } = {}): Promise<Btf> {
  const { file, base, maxDecompressedBytes } = options;
  return withFileAsync(file, async () => {
    let raw = bytes;
    if (detectBtfInput(raw) === "xz") raw = await decompressXz(raw, maxDecompressedBytes);
    return parse(unpackSync(raw, file, maxDecompressedBytes), base);
  });
}

/** The running kernel's BTF (/sys/kernel/btf/vmlinux), opened once per process. */
export function kernelBtf(): Btf {
  cachedKernelBtf ??= withFile(KERNEL_VMLINUX_BTF, () => Btf.parse(kernelBtfBytes()));
  return cachedKernelBtf;
}

const KERNEL_VMLINUX_BTF = `${KERNEL_BTF_DIR}/vmlinux`;

/**
 * The bytes of /sys/kernel/btf/vmlinux: mapped read-only where the kernel
 * allows it (Linux 6.16+), which spares copying ~6 MiB through some 1,300
 * page-sized reads (about 4 ms); else read. Never write to them: a write to
 * the read-only mapping kills the process (copy with slice() first).
 */
export function kernelBtfBytes(): Uint8Array {
  const path = KERNEL_VMLINUX_BTF;
  try {
    const fd = openSync(path, "r");
    try {
      const size = fstatSync(fd).size;
      if (size > 0) return new Uint8Array(SharedMapping.map(fd, size, { writable: false, private: true, what: path }).buffer);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Older kernels refuse the mapping: read it instead.
  }
  return readInputFile(path, "the kernel has no BTF (CONFIG_DEBUG_INFO_BTF=n?) or sysfs is not mounted");
}
let cachedKernelBtf: Btf | undefined;

/** Names of the loaded modules that publish BTF (/sys/kernel/btf/<module>). */
export function kernelModuleNames(): string[] {
  try {
    return readdirSync(KERNEL_BTF_DIR)
      .filter((n) => n !== "vmlinux")
      .sort();
  } catch {
    return [];
  }
}

/** A loaded module's split BTF over the kernel's (ids continue after vmlinux's). */
export function kernelModuleBtf(module: string): Btf {
  if (module.includes("/") || module === "vmlinux" || module === "" || module.startsWith(".")) {
    throw new BtfError("BTF_BAD_ARGUMENT", `'${module}' is not a module name`);
  }
  const path = `${KERNEL_BTF_DIR}/${module}`;
  const base = kernelBtf();
  return withFile(path, () => Btf.parse(readInputFile(path, `module '${module}' is not loaded or has no BTF`), { base }));
}

/** Decompresses an xz stream (xz-embedded compiled to WebAssembly: no native build). */
export async function decompressXz(bytes: Uint8Array, maxBytes = MAX_DECOMPRESSED_BYTES): Promise<Uint8Array> {
  // Loaded on first use: the wasm decoder costs start-up time nobody else should pay.
  const xz = (await import("xz-decompress")) as typeof import("xz-decompress") & { default?: typeof import("xz-decompress") };
  const XzReadableStream = xz.XzReadableStream ?? xz.default!.XzReadableStream;
  const input = new Blob([bytes]).stream();
  const reader = new XzReadableStream(input).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw tooLarge("xz", maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof CoreBpfError) throw err;
    throw new BtfError("BTF_BAD_COMPRESSION", `xz data is corrupt: ${(err as Error).message}`, { cause: err });
  }
  return concatBytes(chunks);
}

function parse(bytes: Uint8Array, base: Btf | undefined): Btf {
  return Btf.parse(bytes, base === undefined ? {} : { base });
}

/** Unwraps gzip and ELF layers (bounded: a compressed ELF at most). */
function unpackSync(bytes: Uint8Array, file: string | undefined, maxBytes = MAX_DECOMPRESSED_BYTES): Uint8Array {
  for (let layer = 0; layer < 3; layer++) {
    const format = detectBtfInput(bytes);
    if (format === "gzip") bytes = gunzip(bytes, maxBytes);
    else if (format === "elf") return btfSectionFromElf(bytes, file);
    else if (format === "xz") {
      throw new BtfError("BTF_XZ_ASYNC", "xz-compressed BTF needs the asynchronous reader", { hint: "use readBtfFile or decodeBtfInput" });
    } else return bytes; // raw BTF, or not BTF at all: Btf.parse says which
  }
  return bytes;
}

function gunzip(bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    const out = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    if (err instanceof RangeError) throw tooLarge("gzip", maxBytes);
    throw new BtfError("BTF_BAD_COMPRESSION", `gzip data is corrupt: ${(err as Error).message}`, { cause: err });
  }
}

function tooLarge(format: string, maxBytes: number): BtfError {
  return new BtfError("BTF_TOO_LARGE", `${format} data unpacks to more than ${maxBytes} bytes`, {
    hint: "raise maxDecompressedBytes if this really is BTF",
  });
}

async function resolveBase(base: Btf | string | undefined, async: true): Promise<Btf | undefined>;
function resolveBase(base: Btf | string | undefined, async: false): Btf | undefined;
function resolveBase(base: Btf | string | undefined, async: boolean): Btf | undefined | Promise<Btf | undefined> {
  if (typeof base !== "string") return async ? Promise.resolve(base) : base;
  return async ? readBtfFile(base) : readBtfFileSync(base);
}

/** Runs `fn`, prefixing a BtfError's message with the file it came from. */
function withFile<T>(file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw attachFile(err, file);
  }
}

async function withFileAsync<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw attachFile(err, file);
  }
}

function attachFile(err: unknown, file: string | undefined): unknown {
  if (file === undefined || !(err instanceof BtfError) || err.where.file !== undefined) return err;
  const message = err.hint === undefined ? err.message : err.message.slice(0, -(err.hint.length + 3));
  return new BtfError(err.code, `${file}: ${message}`, { ...err.where, file, ...(err.hint === undefined ? {} : { hint: err.hint }), cause: err });
}

