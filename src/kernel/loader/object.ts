// Opening and loading objects, in libbpf's two steps: openObject() parses
// the file and gives the settings one may change before load (globals,
// autoload, program types, map sizes and pins); load() turns it into a live
// BpfObject. loadObject() does both.
import { join } from "node:path";
import { CoreBpfError } from "../../errors.js";
import { Pinning, objectNameFromPath, parseObject, type ObjectSpec } from "../../obj/index.js";
import { BPFFS_DEFAULT } from "../bpffs.js";
import { BpfObject } from "./bpf-object.js";
import { Globals, initialImages } from "./globals.js";
import { loadParts } from "./load.js";
import { readInputFile } from "../input-file.js";
import { type LoadOptions, type MapSettings, type OpenOptions, type ProgramSettings, unknownName } from "./settings.js";

/** An object parsed and not yet loaded: adjust, then load(). */
export class OpenedObject {
  readonly spec: ObjectSpec;
  /** The file it was read from, if any. */
  readonly path: string | undefined;
  /** Settings of each program, in object order. */
  readonly programs: readonly ProgramSettings[];
  /** Settings of each map, in object order. */
  readonly maps: readonly MapSettings[];
  /** Initial values of the global variables, settable until load. */
  readonly globals: Globals;
  readonly #images: (Uint8Array | undefined)[];
  #state: "open" | "loading" | "loaded" = "open";

  /** @internal use openObject() */
  constructor(spec: ObjectSpec, path: string | undefined) {
    this.spec = spec;
    this.path = path;
    this.programs = spec.programs.map((p) => ({
      name: p.name,
      spec: p,
      autoload: p.autoload,
      type: p.type,
      expectedAttachType: p.expectedAttachType,
      flags: p.progFlags,
      attachTarget: p.attachTarget,
      logLevel: 0,
    }));
    this.maps = spec.maps.map((m) => ({
      name: m.name,
      spec: m,
      autocreate: m.autocreate,
      maxEntries: m.maxEntries,
      pinPath: m.pinning === Pinning.BY_NAME ? sanitizePinPath(join(BPFFS_DEFAULT, m.name)) : undefined,
    }));
    const { images, storage } = initialImages(spec);
    this.#images = images;
    this.globals = new Globals(spec, storage);
  }

  /** A program's settings by name. */
  program(name: string): ProgramSettings {
    const p = this.programs.find((x) => x.name === name);
    if (p === undefined) throw unknownName("program", name, this.programs.map((x) => x.name));
    return p;
  }

  /** A map's settings by name (or a global data map by section name). */
  map(name: string): MapSettings {
    const m = this.maps.find((x) => x.name === name) ?? this.maps.find((x) => x.spec === this.spec.map(name));
    if (m === undefined) throw unknownName("map", name, this.maps.map((x) => x.name));
    return m;
  }

  /** Loads the object into the kernel; on failure nothing it created is left behind. */
  async load(options: LoadOptions = {}): Promise<BpfObject> {
    if (this.#state !== "open") throw new CoreBpfError("ALREADY_LOADED", "this opened object was already loaded", { hint: "open the file again to load another copy" });
    this.#state = "loading";
    try {
      this.#apply(options);
      const parts = await loadParts({ obj: this.spec, programs: this.programs, maps: this.maps, images: this.#images, options });
      this.#state = "loaded";
      return new BpfObject(this.spec, parts);
    } catch (err) {
      this.#state = "open";
      throw err;
    }
  }

  #apply(options: LoadOptions): void {
    for (const [name, on] of Object.entries(options.autoload ?? {})) this.program(name).autoload = on;
    if (options.globals !== undefined) this.globals.assign(options.globals);
    if (options.logLevel !== undefined) for (const p of this.programs) p.logLevel = Math.max(p.logLevel, options.logLevel);
    if (options.pinRoot !== undefined) {
      for (const m of this.maps) if (m.spec.pinning === Pinning.BY_NAME) m.pinPath = sanitizePinPath(join(options.pinRoot, m.name));
    }
  }
}

/** bpffs refuses '.' in names: libbpf turns every '.' of a map pin path into '_'. */
export function sanitizePinPath(path: string): string {
  return path.replaceAll(".", "_");
}

/** Parses a BPF object (a path or its bytes) for loading. */
export function openObject(source: string | Uint8Array, options: OpenOptions = {}): OpenedObject {
  const path = typeof source === "string" ? source : undefined;
  const bytes = typeof source === "string" ? readInputFile(source) : source;
  const name = options.name ?? (path === undefined ? "" : objectNameFromPath(path));
  const spec = parseObject(bytes, {
    name,
    ...(options.relaxedMaps === undefined ? {} : { relaxedMaps: options.relaxedMaps }),
    ...(options.allowUnknownSections === undefined ? {} : { allowUnknownSections: options.allowUnknownSections }),
  });
  return new OpenedObject(spec, path);
}

/** Opens and loads a BPF object in one step. */
export async function loadObject(source: string | Uint8Array, options: LoadOptions & OpenOptions = {}): Promise<BpfObject> {
  return openObject(source, options).load(options);
}
