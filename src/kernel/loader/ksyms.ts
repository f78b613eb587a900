// .ksyms externs (libbpf's bpf_object__resolve_externs, ksym half): untyped
// ones get their address from /proc/kallsyms, typed variables and kfuncs
// their BTF id in vmlinux or a module (checked for a compatible type); a
// module's BTF fd goes to the program's fd_array for kfunc calls. Weak ones
// left unresolved read as 0 (kfunc calls to them are poisoned later).
import { readFileSync } from "node:fs";
import { type Btf, BtfKind, skipModifiers } from "../../btf/index.js";
import { typesAreCompat } from "../../core/compat.js";
import { CoreBpfError } from "../../errors.js";
import type { ExternSpec } from "../../obj/index.js";
import type { KernelBtfs } from "./kernel-btfs.js";

/** What one ksym extern resolved to. */
export interface KsymValue {
  /** Resolved (false: weak and absent, reads as 0). */
  set: boolean;
  /** Untyped: the kallsyms address. */
  addr: bigint;
  /** Typed: BTF id in the kernel or module BTF. */
  btfId: number;
  /** Typed: the module BTF's fd (0 for vmlinux), for ldimm64's second immediate. */
  btfObjFd: number;
  /** kfunc calls: index of the module BTF fd in fd_array (0 for vmlinux). */
  fdIndex: number;
}

const UNSET: KsymValue = { set: false, addr: 0n, btfId: 0, btfObjFd: 0, fdIndex: 0 };

function ksymError(ext: ExternSpec, message: string, hint: string): CoreBpfError {
  return new CoreBpfError("EXTERN_KSYM", `extern (ksym) '${ext.name}': ${message}`, { typeId: ext.btfId, hint });
}

/** Addresses of the wanted names in kallsyms text ("addr type name [module]" lines). */
export function kallsymsAddresses(text: string, wanted: ReadonlySet<string>): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const s1 = text.indexOf(" ", start);
    if (s1 > start && s1 + 3 < end && text[s1 + 2] === " ") {
      const nameStart = s1 + 3;
      let nameEnd = nameStart;
      while (nameEnd < end && text[nameEnd] !== " " && text[nameEnd] !== "\t") nameEnd++;
      let name = text.slice(nameStart, nameEnd);
      // LTO-renamed data symbols: "name.llvm.123" stands for "name".
      const llvm = name.indexOf(".llvm.");
      if (llvm > 0 && text[s1 + 1] === "d") name = name.slice(0, llvm);
      if (wanted.has(name)) {
        const addr = BigInt("0x" + text.slice(start, s1));
        const list = out.get(name);
        if (list === undefined) out.set(name, [addr]);
        else if (!list.includes(addr)) list.push(addr);
      }
    }
    start = end + 1;
  }
  return out;
}

/** The reservation libbpf makes: fd_array index 0 stands for vmlinux. */
export class FdArray {
  readonly fds: number[] = [];
  readonly #index = new Map<number, number>();

  indexOf(fd: number): number {
    let i = this.#index.get(fd);
    if (i === undefined) {
      if (this.fds.length === 0) this.fds.push(0);
      if (this.fds.length >= 0x7fff) throw new CoreBpfError("E2BIG", "too many module BTFs for a kfunc call's 16-bit fd_array index");
      i = this.fds.length;
      this.fds.push(fd);
      this.#index.set(fd, i);
    }
    return i;
  }
}

export interface KsymOptions {
  /** /proc/kallsyms text, read when an untyped ksym needs it (default: the file, with lookups cached per process). */
  kallsyms?: () => string;
}

// Addresses found in /proc/kallsyms by name. Symbols of the core kernel do not
// move while it runs; a name not cached yet makes the file be read again.
const kallsymsCache = new Map<string, bigint[]>();

function cachedKallsyms(names: ReadonlySet<string>): Map<string, bigint[]> {
  const missing = [...names].filter((n) => !kallsymsCache.has(n));
  let found: Map<string, bigint[]> | undefined;
  if (missing.length > 0) {
    found = kallsymsAddresses(readFileSync("/proc/kallsyms", "utf8"), new Set(missing));
    // Unprivileged readers see zero addresses: cache nothing from such a read.
    const zeroed = [...found.values()].some((list) => list.every((a) => a === 0n));
    if (!zeroed) for (const n of missing) kallsymsCache.set(n, found.get(n) ?? []);
  }
  const out = new Map<string, bigint[]>();
  for (const n of names) {
    const list = kallsymsCache.get(n) ?? found?.get(n) ?? [];
    if (list.length > 0) out.set(n, list);
  }
  return out;
}

/**
 * Resolves every ksym extern; `result[i]` answers `externs[i]` (undefined
 * for kconfig externs). Throws for a strong extern that cannot be resolved.
 */
export function resolveKsyms(objBtf: Btf, externs: readonly ExternSpec[], kernel: KernelBtfs, fdArray: FdArray, options: KsymOptions = {}): (KsymValue | undefined)[] {
  const out: (KsymValue | undefined)[] = externs.map(() => undefined);
  const untyped = externs.flatMap((e, i) => (e.ksym !== undefined && e.ksym.typeId === 0 ? [i] : []));
  if (untyped.length > 0) {
    const names = new Set(untyped.map((i) => externs[i]!.name));
    const found = options.kallsyms === undefined ? cachedKallsyms(names) : kallsymsAddresses(options.kallsyms(), names);
    for (const i of untyped) {
      const ext = externs[i]!;
      if (ext.ksym!.func) continue; // libbpf takes only variables from kallsyms
      const addrs = found.get(ext.name);
      if (addrs === undefined) continue;
      if (addrs.length > 1) {
        throw ksymError(ext, `resolution is ambiguous: 0x${addrs[0]!.toString(16)} or 0x${addrs[1]!.toString(16)}`, "several kernel symbols have this name");
      }
      out[i] = { ...UNSET, set: true, addr: addrs[0]! };
    }
  }
  externs.forEach((ext, i) => {
    if (ext.ksym === undefined || ext.ksym.typeId === 0) return;
    out[i] = ext.ksym.func ? resolveKfunc(objBtf, ext, kernel, fdArray) : resolveTypedVar(objBtf, ext, kernel);
  });
  externs.forEach((ext, i) => {
    if (ext.ksym === undefined) return;
    const v = (out[i] ??= UNSET);
    if (!v.set && !ext.weak) {
      throw new CoreBpfError("EXTERN_UNRESOLVED", `extern '${ext.name}' (strong): not resolved`, {
        typeId: ext.btfId,
        hint: ext.ksym.typeId === 0 ? "/proc/kallsyms does not list it (data symbols need CONFIG_KALLSYMS_ALL; addresses need root)" : "no kernel or module BTF has it; declare it __weak if it is optional",
      });
    }
  });
  return out;
}

function resolveTypedVar(objBtf: Btf, ext: ExternSpec, kernel: KernelBtfs): KsymValue {
  // libbpf 1.8 looks typed variables up by their full name (kfuncs by the essential one).
  const hit = kernel.find(ext.name, BtfKind.VAR);
  if (hit === undefined) return UNSET;
  const target = skipModifiers(hit.btf, hit.btf.sizeOrType(hit.id));
  const local = skipModifiers(objBtf, ext.ksym!.typeId);
  if (typesAreCompat(objBtf, local, hit.btf, target) <= 0) {
    throw ksymError(ext, `incompatible types, expected [${local}] ${objBtf.name(local)}, but kernel has [${target}] ${hit.btf.name(target)}`, "declare the extern with the kernel's type");
  }
  return { set: true, addr: 0n, btfId: hit.id, btfObjFd: hit.module?.fd.value ?? 0, fdIndex: 0 };
}

function resolveKfunc(objBtf: Btf, ext: ExternSpec, kernel: KernelBtfs, fdArray: FdArray): KsymValue {
  const hit = kernel.find(ext.essentialName, BtfKind.FUNC);
  if (hit === undefined) return UNSET;
  const proto = hit.btf.sizeOrType(hit.id);
  if (typesAreCompat(objBtf, ext.ksym!.typeId, hit.btf, proto) <= 0) {
    if (ext.weak) return UNSET;
    throw ksymError(ext, `func_proto [${ext.ksym!.typeId}] incompatible with [${proto}]`, "declare the kfunc with the kernel's prototype");
  }
  const module = hit.module;
  return { set: true, addr: 0n, btfId: hit.id, btfObjFd: module?.fd.value ?? 0, fdIndex: module === undefined ? 0 : fdArray.indexOf(module.fd.value) };
}
