// The load pipeline (libbpf's bpf_object_load): CO-RE against the target
// BTF -> externs (.kconfig values, ksyms) -> object BTF fixed, sanitised and
// loaded -> maps (the arena mapped) -> instruction fix-ups -> PROG_LOAD ->
// prog array slots.
// Whatever was created is released again if any step fails.
import { basename } from "node:path";
import { Btf } from "../../btf/index.js";
import { type CoreTarget, type RelocatedPrograms, relocateObject } from "../../core/index.js";
import { CoreBpfError, NotSupportedError } from "../../errors.js";
import type { ObjectSpec } from "../../obj/index.js";
import { BtfHandle } from "../btf-handle.js";
import { readBtfFile } from "../btf-files.js";
import { readKernelConfig } from "../kconfig.js";
import type { Map as BpfMap } from "../map.js";
import type { Program } from "../program.js";
import { LE } from "../sys.js";
import { MapType } from "../uapi.js";
import { runningKernelVersion } from "../version.js";
import { type LoadedArena, mapNewArena, planArena } from "./arena.js";
import { FULL_BTF_SUPPORT, loadableObjectBtf } from "./btf-fixup.js";
import { btfSupport, hasBpfCookie, hasSyscallWrapper, kernelTakesBtf } from "./features.js";
import { applyLoadFixups } from "./insn-fixups.js";
import { resolveKconfig } from "./kconfig-values.js";
import { KernelBtfs } from "./kernel-btfs.js";
import { FdArray, resolveKsyms, type KsymValue } from "./ksyms.js";
import { createMaps } from "./maps.js";
import { loadPrograms } from "./programs.js";
import { LoadResources } from "./resources.js";
import type { LoadLog, LoadOptions, MapSettings, ProgramSettings } from "./settings.js";

/** What a successful load created; the caller owns all of it. */
export interface LoadedParts {
  btf: BtfHandle | undefined;
  /** By index in the object's maps. */
  maps: (BpfMap | undefined)[];
  /** By index in the object's programs. */
  programs: (Program | undefined)[];
  /** The expected attach type each loaded program was given (USDT may become uprobe_multi), by program index. */
  attachTypes: (number | undefined)[];
  relocated: RelocatedPrograms | undefined;
  /** The object's BTF with libbpf's fix-ups (DATASEC sizes and offsets) and nothing sanitised: what codecs read. */
  types: Btf | undefined;
  /** The object's arena, its mapping and where its __arena variables are (undefined without an arena). */
  arena: LoadedArena | undefined;
}

export interface LoadInput {
  obj: ObjectSpec;
  programs: readonly ProgramSettings[];
  maps: readonly MapSettings[];
  /** Initial images of the global data maps (by map index), as set before load. */
  images: readonly (Uint8Array | undefined)[];
  options: LoadOptions;
}

const quiet: LoadLog = () => {};

/** The CO-RE target the options name (the running kernel and its modules by default). */
export async function coreTarget(options: LoadOptions, kernel: KernelBtfs): Promise<CoreTarget> {
  const { btf, baseBtf } = options;
  if (btf === undefined && baseBtf === undefined) return { btf: kernel.vmlinux(), modules: kernel.coreModules };
  if (btf !== undefined && !(btf instanceof Btf) && typeof btf !== "string") return btf;
  const base = typeof baseBtf === "string" ? await readBtfFile(baseBtf) : baseBtf;
  if (btf === undefined) return { btf: base! };
  const main = typeof btf === "string" ? await readBtfFile(btf, base === undefined ? {} : { base }) : btf;
  if (base === undefined) return { btf: main };
  const name = typeof btf === "string" ? basename(btf).replace(/\.(btf|ko)(\.(gz|xz))?$/, "") : "module";
  return { btf: base, modules: [{ name, btf: main }] };
}

const hasCoreRecords = (obj: ObjectSpec): boolean => obj.btfExt?.coreRelos.some((s) => s.count > 0) ?? false;

function kconfigImage(obj: ObjectSpec, options: LoadOptions): { index: number; data: Uint8Array } | undefined {
  const index = obj.maps.findIndex((m) => m.kind === "kconfig");
  if (index < 0) return undefined;
  const { data } = resolveKconfig(obj.externs, obj.maps[index]!.valueSize, {
    virtual: { kernelVersion: runningKernelVersion, hasBpfCookie, hasSyscallWrapper },
    ...(options.kconfig === undefined ? {} : { extra: options.kconfig }),
    kernelConfig: () => readKernelConfig()?.values ?? null,
  });
  return { index, data };
}

/** The fixed object BTF (for codecs), and its kernel copy (sanitised), unless the kernel takes no BTF. */
function loadBtf(obj: ObjectSpec, options: LoadOptions, log: LoadLog): { types: Btf | undefined; handle: BtfHandle | undefined } {
  if (obj.btf === undefined) return { types: undefined, handle: undefined };
  const fixed = loadableObjectBtf(obj, FULL_BTF_SUPPORT);
  const types = Btf.parse(fixed);
  return { types, handle: loadKernelCopy(obj, fixed, options, log) };
}

function loadKernelCopy(obj: ObjectSpec, fixed: Uint8Array, options: LoadOptions, log: LoadLog): BtfHandle | undefined {
  const mandatory = obj.maps.some((m) => m.kind === "struct_ops" && m.autocreate);
  if (!kernelTakesBtf()) {
    if (mandatory) throw new NotSupportedError("btf", "this kernel does not take BTF, which struct_ops maps need");
    return undefined;
  }
  const support = btfSupport();
  const bytes = Object.values(support).every(Boolean) ? fixed : loadableObjectBtf(obj, support);
  try {
    return BtfHandle.load(bytes, { logLevel: options.logLevel ? 1 : 0 });
  } catch (err) {
    if (mandatory || !(err instanceof CoreBpfError)) throw err;
    log("info", `Error loading .BTF into kernel: ${err.message}. BTF is optional, ignoring.`);
    return undefined;
  }
}

function fillProgArraySlots(obj: ObjectSpec, maps: readonly (BpfMap | undefined)[], programs: readonly (Program | undefined)[]): void {
  obj.maps.forEach((spec, i) => {
    const map = maps[i];
    if (map === undefined || spec.type !== MapType.PROG_ARRAY) return;
    for (const slot of spec.slots) {
      if (slot.program === undefined) continue;
      const prog = programs[obj.programs.findIndex((p) => p.name === slot.program)];
      if (prog === undefined) {
        throw new CoreBpfError("MAP_SLOT", `map '${spec.name}': slot [${slot.index}] names program '${slot.program}', which was not loaded`, {
          hint: `load '${slot.program}' too (autoload)`,
        });
      }
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, slot.index, LE);
      map.setFd(key, prog);
    }
  });
}

/** Runs the pipeline; on failure everything created is closed and unpinned before the error propagates. */
export async function loadParts(input: LoadInput): Promise<LoadedParts> {
  const { obj, options } = input;
  const log = options.log ?? quiet;
  if (obj.littleEndian !== LE) {
    throw new NotSupportedError("byte_order", `the object is ${obj.littleEndian ? "little" : "big"}-endian, this machine is not`, {
      hint: "load the object built for this machine's byte order (bpfel on x86 and arm64)",
    });
  }
  const autoload = new Set(input.programs.filter((s) => s.autoload).map((s) => s.name));
  const kernel = new KernelBtfs();
  const resources = new LoadResources();
  try {
    let relocated: RelocatedPrograms | undefined;
    if (hasCoreRecords(obj) && autoload.size > 0) {
      relocated = relocateObject(obj, await coreTarget(options, kernel), { programs: (p) => autoload.has(p.name) });
      if (relocated.error !== undefined) throw relocated.error;
    }
    const images = [...input.images];
    const kconfig = kconfigImage(obj, options);
    if (kconfig !== undefined) images[kconfig.index] = kconfig.data;
    const fdArray = new FdArray();
    const ksyms: (KsymValue | undefined)[] = obj.externs.some((e) => e.kind === "ksym") ? resolveKsyms(obj.btf!, obj.externs, kernel, fdArray) : [];

    const { types, handle: btf } = loadBtf(obj, options, log);
    if (btf !== undefined) resources.own(btf);
    const arena = planArena(obj, input.maps);
    const onCreated = (i: number, map: BpfMap): void => {
      if (arena?.index === i) arena.memory = resources.own(mapNewArena(map, obj.maps[i]!, images[i], arena.dataOffset));
    };
    const maps = createMaps({ specs: obj.maps, settings: input.maps, btf, initial: images, resources, log, onCreated });

    const byName = new Map(relocated?.programs.map((p) => [p.name, p.insns]) ?? []);
    const insns = input.programs.map((s) => {
      if (!s.autoload) return undefined;
      const copy = byName.get(s.name) ?? s.spec.insns.clone();
      applyLoadFixups(s.spec, copy, { maps, ksyms, arena });
      return copy;
    });
    const programs: (Program | undefined)[] = obj.programs.map(() => undefined);
    const attachTypes: (number | undefined)[] = obj.programs.map(() => undefined);
    loadPrograms({
      obj,
      settings: input.programs,
      insns,
      relocated,
      btf,
      kernel,
      fdArray: fdArray.fds,
      maps,
      usdtUprobeMulti: options.usdtUprobeMulti ?? true,
      onLoaded: (i, p, as) => {
        programs[i] = resources.own(p);
        attachTypes[i] = Number(as.expectedAttachType ?? 0);
      },
    });
    fillProgArraySlots(obj, maps, programs);
    resources.commit();
    return { btf, maps, programs, attachTypes, relocated, types, arena };
  } catch (err) {
    resources.release();
    throw err;
  } finally {
    kernel.close();
  }
}
