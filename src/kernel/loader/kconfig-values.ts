// .kconfig externs (libbpf's bpf_object__resolve_externs, kconfig half):
// CONFIG_* values from the kernel's build configuration, LINUX_* virtual ones
// from the loader, weak ones left zero. The values are written into the
// .kconfig map's initial bytes at each extern's offset, in host byte order.
import { CoreBpfError } from "../../errors.js";
import type { ExternSpec } from "../../obj/index.js";
import { LE } from "../sys.js";

export type KconfigExtern = ExternSpec & { kconfig: NonNullable<ExternSpec["kconfig"]> };

/** Values of the LINUX_* virtual externs libbpf knows. */
export interface VirtualKconfig {
  /** LINUX_KERNEL_VERSION (0: unknown, an error if an object uses it). */
  kernelVersion: () => number;
  hasBpfCookie: () => boolean;
  hasSyscallWrapper: () => boolean;
}

export interface KconfigSources {
  virtual: VirtualKconfig;
  /** Extra "CONFIG_X=y" lines applied first (libbpf's kconfig open option). */
  extra?: string;
  /** The kernel configuration (CONFIG_* name -> text after '='), read when needed; null when none is readable. */
  kernelConfig: () => ReadonlyMap<string, string | null> | null;
}

const TRISTATE = { n: 0, y: 1, m: 2 } as const;

function externError(ext: ExternSpec, message: string, hint?: string): CoreBpfError {
  return new CoreBpfError("EXTERN_KCONFIG", `extern (kcfg) '${ext.name}': ${message}`, { typeId: ext.btfId, ...(hint === undefined ? {} : { hint }) });
}

function inRange(ext: KconfigExtern, v: bigint): boolean {
  const bits = BigInt(ext.kconfig.size * 8);
  if (ext.kconfig.size === 8) return true;
  if (ext.kconfig.signed) return BigInt.asUintN(64, v + (1n << (bits - 1n))) < 1n << bits;
  return v >> bits === 0n;
}

function writeNumber(ext: KconfigExtern, data: DataView, value: bigint): void {
  const k = ext.kconfig;
  if (k.type !== "int" && k.type !== "char" && k.type !== "bool") {
    throw externError(ext, `value '${value}' implies integer, char, or boolean type`);
  }
  if (k.type === "bool" && value > 1n) throw externError(ext, `value '${value}' isn't boolean compatible`);
  if (!inRange(ext, value)) throw externError(ext, `value '${value}' doesn't fit in ${k.size} bytes`);
  const at = k.offset;
  switch (k.size) {
    case 1:
      data.setUint8(at, Number(value & 0xffn));
      break;
    case 2:
      data.setUint16(at, Number(value & 0xffffn), LE);
      break;
    case 4:
      data.setUint32(at, Number(value & 0xffffffffn), LE);
      break;
    case 8:
      data.setBigUint64(at, BigInt.asUintN(64, value), LE);
      break;
    default:
      throw externError(ext, `size ${k.size} is not an integer size`);
  }
}

function writeTristate(ext: KconfigExtern, data: DataView, value: "y" | "n" | "m"): void {
  switch (ext.kconfig.type) {
    case "bool":
      if (value === "m") throw externError(ext, `value '${value}' implies tristate or char type`);
      data.setUint8(ext.kconfig.offset, value === "y" ? 1 : 0);
      return;
    case "tristate":
      // enum libbpf_tristate: 4 bytes (ENUM) or 8 (ENUM64)
      if (ext.kconfig.size === 8) data.setBigUint64(ext.kconfig.offset, BigInt(TRISTATE[value]), LE);
      else data.setUint32(ext.kconfig.offset, TRISTATE[value], LE);
      return;
    case "char":
      data.setUint8(ext.kconfig.offset, value.charCodeAt(0));
      return;
    default:
      throw externError(ext, `value '${value}' implies bool, tristate, or char type`);
  }
}

function writeString(ext: KconfigExtern, bytes: Uint8Array, value: string): void {
  if (ext.kconfig.type !== "char_array") throw externError(ext, `value '${value}' implies char array type`);
  if (value.length < 2 || !value.endsWith('"')) throw externError(ext, `invalid string config '${value}'`);
  let raw = new TextEncoder().encode(value.slice(1, -1));
  // libbpf truncates a long string to size - 1 bytes (and warns).
  if (raw.length >= ext.kconfig.size) raw = raw.subarray(0, ext.kconfig.size - 1);
  bytes.set(raw, ext.kconfig.offset);
  bytes[ext.kconfig.offset + raw.length] = 0;
}

/** strtoull(value, 0) that must consume everything: decimal, 0x hex, 0 octal, a leading '-' wraps. */
export function parseKconfigNumber(value: string): bigint | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(value);
  if (!m) return undefined;
  const digits = m[2]!;
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith("0")) v = BigInt("0o" + digits.slice(1));
  else v = BigInt(digits);
  if (v > 0xffffffffffffffffn) return undefined;
  return BigInt.asUintN(64, m[1] === "-" ? -v : v);
}

/** One "CONFIG_X=value" setting applied to its extern, as libbpf's bpf_object__process_kconfig_line. */
function applySetting(ext: KconfigExtern, bytes: Uint8Array, view: DataView, value: string): void {
  const c = value[0];
  if (c === "y" || c === "n" || c === "m") return writeTristate(ext, view, c);
  if (c === '"') return writeString(ext, bytes, value);
  const num = parseKconfigNumber(value);
  if (num === undefined) throw externError(ext, `value '${value}' isn't a valid integer`);
  if (ext.kconfig.type !== "int" && ext.kconfig.type !== "char") throw externError(ext, `value '${value}' implies integer type`);
  writeNumber(ext, view, num);
}

/** Parses "CONFIG_X=value" lines (comments and "is not set" lines skipped) into a map. */
export function parseKconfigLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (!line.startsWith("CONFIG_")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new CoreBpfError("EXTERN_KCONFIG", `failed to parse '${line}': no separator`);
    if (eq === line.length - 1) throw new CoreBpfError("EXTERN_KCONFIG", `failed to parse '${line}': no value`);
    const name = line.slice(0, eq);
    if (!out.has(name)) out.set(name, line.slice(eq + 1));
  }
  return out;
}

/**
 * The .kconfig map's bytes (`size` long) with every resolvable extern set;
 * throws for a strong extern left unresolved, for values of the wrong type
 * and for unknown LINUX_* virtual externs.
 */
export function resolveKconfig(externs: readonly ExternSpec[], size: number, sources: KconfigSources): { data: Uint8Array; unresolved: string[] } {
  const data = new Uint8Array(size);
  const view = new DataView(data.buffer);
  const set = new Set<string>();
  const pending: KconfigExtern[] = [];
  for (const e of externs) {
    if (e.kconfig === undefined) continue;
    const ext = e as KconfigExtern;
    if (ext.name.startsWith("CONFIG_")) {
      pending.push(ext);
      continue;
    }
    let value: bigint;
    if (ext.name === "LINUX_KERNEL_VERSION") {
      const v = sources.virtual.kernelVersion();
      if (!v) throw externError(ext, "failed to get kernel version", "uname -r did not give a version");
      value = BigInt(v);
    } else if (ext.name === "LINUX_HAS_BPF_COOKIE") value = sources.virtual.hasBpfCookie() ? 1n : 0n;
    else if (ext.name === "LINUX_HAS_SYSCALL_WRAPPER") value = sources.virtual.hasSyscallWrapper() ? 1n : 0n;
    else if (!ext.name.startsWith("LINUX_") || !ext.weak) {
      throw externError(ext, "unrecognized virtual extern", "only CONFIG_* and the LINUX_* names libbpf defines come from the loader");
    } else continue; // an unknown weak LINUX_* extern reads as zero
    writeNumber(ext, view, value);
    set.add(ext.name);
  }
  const apply = (settings: ReadonlyMap<string, string | null>) => {
    for (const ext of pending) {
      if (set.has(ext.name)) continue;
      const value = settings.get(ext.name);
      if (value === undefined || value === null) continue;
      applySetting(ext, data, view, value);
      set.add(ext.name);
    }
  };
  if (pending.length > 0 && sources.extra !== undefined) apply(parseKconfigLines(sources.extra));
  if (pending.some((e) => !set.has(e.name))) {
    const config = sources.kernelConfig();
    if (config === null) {
      throw new CoreBpfError("EXTERN_KCONFIG", `failed to open system Kconfig for extern '${pending.find((e) => !set.has(e.name))!.name}'`, {
        hint: "neither /boot/config-$(uname -r) nor /proc/config.gz is readable; pass the configuration with the kconfig option",
      });
    }
    apply(config);
  }
  const unresolved: string[] = [];
  for (const e of externs) {
    if (e.kconfig === undefined || set.has(e.name)) continue;
    if (!e.weak) {
      throw new CoreBpfError("EXTERN_UNRESOLVED", `extern '${e.name}' (strong): not resolved`, {
        typeId: e.btfId,
        hint: "the kernel configuration does not set it; declare it __weak to default to zero",
      });
    }
    unresolved.push(e.name);
  }
  return { data, unresolved };
}
