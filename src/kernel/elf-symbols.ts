// Function symbols of executables and shared libraries resolved to the file
// offsets uprobes take, and library names resolved to paths (by process maps
// or the usual library directories).
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, delimiter, join } from "node:path";
import { arch } from "node:process";
import { CoreBpfError } from "../errors.js";
import { ET, SHN, STB, STT, parseElf, type ElfFile, type ElfSymbol } from "../elf/index.js";

/** STT_GNU_IFUNC: an indirect function (its value is the resolver's). */
const STT_GNU_IFUNC = 10;
const PT_LOAD = 1;

/** A function symbol and where its code lies in the file. */
export interface ResolvedSymbol {
  name: string;
  /** st_value (a virtual address in executables and libraries). */
  address: number;
  size: number;
  /** Offset of the code in the file: what uprobes attach at. */
  fileOffset: number;
  /** Whether it is an indirect function (the offset is then its resolver's). */
  ifunc: boolean;
}

/** The file offset of a virtual address, through the PT_LOAD segment holding it (or its section). */
export function addressToFileOffset(elf: ElfFile, address: number, what = `address 0x${address.toString(16)}`): number {
  for (const ph of elf.programHeaders) {
    if (ph.type === PT_LOAD && address >= ph.vaddr && address < ph.vaddr + ph.filesz) return address - ph.vaddr + ph.offset;
  }
  for (const s of elf.sections) {
    if (s.index !== 0 && s.addr !== 0 && address >= s.addr && address < s.addr + s.size) return address - s.addr + s.offset;
  }
  throw new CoreBpfError("ELF_ADDRESS", `${what} lies in no loadable segment of the file`, { hint: "the symbol table or the file is inconsistent" });
}

function baseName(symbolName: string): string {
  const at = symbolName.indexOf("@");
  return at < 0 ? symbolName : symbolName.slice(0, at);
}

/**
 * Finds function `name` in the symbol table, then the dynamic symbol table
 * (versioned names "name@VER" match too), and returns its file offset.
 * Several definitions at different addresses are an error naming them.
 */
export function resolveFunction(elf: ElfFile, name: string, file = "the ELF file"): ResolvedSymbol {
  if (elf.type !== ET.EXEC && elf.type !== ET.DYN) {
    throw new CoreBpfError("ELF_NOT_EXECUTABLE", `${file} is not an executable or shared library (e_type ${elf.type})`, { file });
  }
  const matches = (s: ElfSymbol) =>
    (s.type === STT.FUNC || s.type === STT_GNU_IFUNC) && s.sectionIndex !== SHN.UNDEF && s.value !== 0 && (s.name === name || baseName(s.name) === name);
  let found = elf.symbols().filter(matches);
  if (found.length === 0) found = elf.dynamicSymbols().filter(matches);
  if (found.length === 0) {
    throw new CoreBpfError("SYMBOL_NOT_FOUND", `no function '${name}' in ${file}`, {
      file,
      hint: elf.symbols().length === 0 ? "the file is stripped and does not export it; give an offset instead (PATH:0xOFFSET)" : "check the name (nm -D / nm on the file); C++ names are mangled",
    });
  }
  // Global definitions win over weak ones, as the dynamic linker does.
  const strong = found.filter((s) => s.bind === STB.GLOBAL);
  const best = strong.length > 0 ? strong : found.filter((s) => s.bind === STB.WEAK).length > 0 ? found.filter((s) => s.bind === STB.WEAK) : found;
  const addresses = [...new Set(best.map((s) => s.value))];
  if (addresses.length > 1) {
    throw new CoreBpfError("SYMBOL_AMBIGUOUS", `function '${name}' is defined ${addresses.length} times in ${file} (at ${addresses.map((a) => "0x" + a.toString(16)).join(", ")})`, {
      file,
      hint: "attach by file offset instead (PATH:0xOFFSET)",
    });
  }
  const sym = best[0]!;
  return {
    name,
    address: sym.value,
    size: sym.size,
    fileOffset: addressToFileOffset(elf, sym.value, `function '${name}' of ${file}`),
    ifunc: sym.type === STT_GNU_IFUNC,
  };
}

interface CachedElf {
  mtimeMs: number;
  size: number;
  elf: ElfFile;
}
const elfCache = new globalThis.Map<string, CachedElf>();
const CACHE_FILE_LIMIT = 32 << 20;

/** Parses the ELF file at `path`, reusing the last parse while the file is unchanged. */
export function readElfFile(path: string): ElfFile {
  const st = statSync(path);
  const hit = elfCache.get(path);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.elf;
  const elf = parseElf(new Uint8Array(readFileSync(path)));
  // Keep small files (libraries, most executables); huge ones (node itself) are re-read when asked again.
  if (st.size <= CACHE_FILE_LIMIT) {
    if (elfCache.size >= 16) elfCache.clear();
    elfCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, elf });
  }
  return elf;
}

/** The file offset of function `name` in the executable or library at `path`. */
export function functionFileOffset(path: string, name: string): ResolvedSymbol {
  return resolveFunction(readElfFile(path), name, path);
}

/** The multiarch tuple Debian-style distributions put libraries under. */
function multiarch(): string | undefined {
  return { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu", riscv64: "riscv64-linux-gnu", s390x: "s390x-linux-gnu", ppc64: "powerpc64le-linux-gnu", loong64: "loongarch64-linux-gnu" }[arch as string];
}

/** Directories searched for a library named without a path. */
export function librarySearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env["LD_LIBRARY_PATH"] ?? "").split(delimiter).filter(Boolean);
  const tuple = multiarch();
  if (tuple) dirs.push(`/lib/${tuple}`, `/usr/lib/${tuple}`);
  dirs.push("/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib");
  return dirs;
}

/** Whether the mapped file `path` is the library called `name` ("libc", "libc.so", "libc.so.6"). */
function libraryMatches(path: string, name: string): boolean {
  const file = basename(path);
  return file === name || file.startsWith(name + ".") || file.startsWith(name + "-");
}

/** Paths of the files mapped executable by process `pid` (/proc/PID/maps). */
export function mappedFiles(pid: number): string[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, "utf8");
  } catch (err) {
    throw new CoreBpfError("ESRCH", `cannot read the mappings of process ${pid}`, { hint: "no such process, or not allowed to trace it", cause: err });
  }
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const path = fields.slice(5).join(" ");
    if (fields[1]?.includes("x") && path.startsWith("/") && !out.includes(path)) out.push(path);
  }
  return out;
}

/**
 * The file a uprobe target names: an absolute or relative path as is; a bare
 * name ("libc.so.6", "libc", "bash") among the files process `pid` maps, else
 * in the library directories (names with ".so") or on PATH.
 */
export function resolveBinaryPath(target: string, pid?: number): string {
  if (target.includes("/")) {
    if (!existsSync(target)) throw new CoreBpfError("ENOENT", `uprobe target '${target}' does not exist`, { file: target });
    return target;
  }
  if (pid !== undefined && pid > 0) {
    const mapped = mappedFiles(pid).filter((p) => libraryMatches(p, target));
    const path = mapped[0];
    if (path !== undefined) return existsSync(path) ? path : `/proc/${pid}/root${path}`;
  }
  const dirs = target.includes(".so") ? librarySearchPath() : (process.env["PATH"] ?? "").split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const path = join(dir, target);
    if (existsSync(path)) return path;
  }
  throw new CoreBpfError("ENOENT", `cannot find '${target}'${pid !== undefined ? ` among the files process ${pid} maps or` : ""} in ${target.includes(".so") ? "the library directories" : "PATH"}`, {
    hint: "give the full path",
  });
}
