// USDT: a uprobe on every site of a SystemTap SDT probe, with the probe's
// semaphore raised by the kernel while attached. Argument fetching through
// libbpf's usdt.bpf.h (spec maps, cookies) belongs to the object loader.
import { CoreBpfError } from "../../errors.js";
import { readElfFile, resolveBinaryPath } from "../elf-symbols.js";
import { type FdLike } from "../fd.js";
import { usdtNotes, type UsdtNote } from "../usdt-notes.js";
import { type AttachmentGroup, buildGroup } from "./group.js";
import { type Link } from "./link.js";
import { type PerfEventAttachment } from "./perf-event.js";
import { type ProbeMode } from "./probe-event.js";
import { attachUprobe } from "./uprobe.js";

export interface UsdtOptions {
  /** Only this process (default: every process running the file). */
  pid?: number;
  /** bpf_cookie for every site, or per site (by index into the sites). */
  cookie?: bigint | number | ((site: UsdtNote, index: number) => bigint | number);
  probe?: ProbeMode;
}

/** The sites of USDT probe `provider:name` in a file (a bare library name resolved as for uprobes). */
export function usdtSites(path: string, provider: string, name: string, pid?: number): { path: string; sites: UsdtNote[] } {
  const file = resolveBinaryPath(path, pid);
  const sites = usdtNotes(readElfFile(file), file).filter((n) => n.provider === provider && n.name === name);
  return { path: file, sites };
}

/** Attaches a kprobe-type program to every site of USDT probe `provider:name` of `path`. */
export function attachUsdt(program: FdLike, path: string, provider: string, name: string, options: UsdtOptions = {}): AttachmentGroup<Link | PerfEventAttachment> {
  const { path: file, sites } = usdtSites(path, provider, name, options.pid);
  if (sites.length === 0) {
    throw new CoreBpfError("USDT_NOT_FOUND", `no USDT probe ${provider}:${name} in ${file}`, { file, hint: "readelf -n lists the stapsdt notes" });
  }
  return buildGroup("usdt", sites.length, (i) => {
    const site = sites[i]!;
    const cookie = typeof options.cookie === "function" ? options.cookie(site, i) : options.cookie;
    return attachUprobe(program, { path: file, offset: site.fileOffset }, {
      ...(options.pid === undefined ? {} : { pid: options.pid }),
      ...(site.semaphoreOffset ? { refCtrOffset: site.semaphoreOffset } : {}),
      ...(cookie === undefined ? {} : { cookie }),
      ...(options.probe === undefined ? {} : { probe: options.probe }),
    });
  });
}
