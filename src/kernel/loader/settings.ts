// What a user may change between opening an object and loading it (libbpf's
// bpf_program__set_* / bpf_map__set_* before bpf_object__load), one record
// per program and per map, plus the options of the load itself.
import type { Btf } from "../../btf/index.js";
import type { CoreTarget } from "../../core/index.js";
import { CoreBpfError } from "../../errors.js";
import type { MapSpec, ProgramSpec } from "../../obj/index.js";
import type { FdLike } from "../fd.js";

/** Per-program settings, initialised from the object (SEC() name, `?` prefix). */
export interface ProgramSettings {
  readonly name: string;
  readonly spec: ProgramSpec;
  /** Load it (false for SEC("?...") programs until set). */
  autoload: boolean;
  /** Program type (from the section name; `corebpf prog load ... type` changes it). */
  type: number;
  expectedAttachType: number;
  /** prog_flags (BPF_F_SLEEPABLE, BPF_F_XDP_HAS_FRAGS from the section, more may be added). */
  flags: number;
  /** Attach target for BTF-attached programs (fentry/..., tp_btf, lsm, iter): the name after '/' by default. */
  attachTarget: string | undefined;
  /** Verifier log level of the first attempt (0: a log only on failure). */
  logLevel: number;
}

/** Per-map settings, initialised from the object. */
export interface MapSettings {
  readonly name: string;
  readonly spec: MapSpec;
  /** Create it (false for SEC("?.struct_ops") maps and inner-map templates). */
  autocreate: boolean;
  /** max_entries (ring buffers rounded up to a power-of-2 number of pages at load). */
  maxEntries: number;
  /** Pin path: pinned maps are reused when compatible, created and pinned otherwise. Default: `pinRoot/name` for LIBBPF_PIN_BY_NAME maps. */
  pinPath: string | undefined;
  /** An existing map to use instead of creating one (libbpf's bpf_map__reuse_fd): its fd is duplicated, the caller keeps theirs. */
  reuse?: FdLike;
}

/** Log hook: the loader reports what libbpf would print at these levels. */
export type LoadLog = (level: "debug" | "info" | "warn", message: string) => void;

export interface LoadOptions {
  /**
   * CO-RE target: a BTF file (raw, ELF, gzip or xz), a parsed Btf, or a
   * CoreTarget; default the running kernel's BTF with its modules. As with
   * libbpf's btf_custom_path, modules are not searched beside a custom file.
   */
  btf?: string | Btf | CoreTarget;
  /** Makes `btf` a module's split BTF over this base (the kernel). */
  baseBtf?: string | Btf;
  /** Directory of LIBBPF_PIN_BY_NAME pins (default /sys/fs/bpf). */
  pinRoot?: string;
  /** Initial values of global variables (.data, .rodata, .bss) by name. */
  globals?: Record<string, unknown>;
  /** Programs to load or skip, by name (others keep their section's default). */
  autoload?: Record<string, boolean>;
  /** Verifier log level of every program's first attempt. */
  logLevel?: number;
  /** "CONFIG_X=..." lines consulted before the kernel's configuration (libbpf's kconfig option). */
  kconfig?: string;
  /** Where the loader's messages go (default: nowhere). */
  log?: LoadLog;
  /**
   * Load USDT programs with expected_attach_type BPF_TRACE_UPROBE_MULTI where
   * the kernel has uprobe_multi links, as libbpf 1.8 does (default true); such
   * programs can then only be attached with uprobe_multi links.
   */
  usdtUprobeMulti?: boolean;
}

export interface OpenOptions {
  /** The object's name (prefix of global data map names); default from the file name, or "" for bytes. */
  name?: string;
  /** Ignore unknown attributes in map definitions. */
  relaxedMaps?: boolean;
  /** Accept programs in sections libbpf does not know (they must get a type before load). */
  allowUnknownSections?: boolean;
}

export function unknownName(kind: "program" | "map", name: string, known: readonly string[]): CoreBpfError {
  return new CoreBpfError(kind === "program" ? "NO_SUCH_PROGRAM" : "NO_SUCH_MAP", `the object has no ${kind} '${name}'`, {
    hint: known.length > 0 ? `its ${kind}s: ${known.join(", ")}` : `the object has no ${kind}s`,
  });
}
