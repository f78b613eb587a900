// A loaded object: its maps (typed through the object's BTF where the map
// has key/value types), programs, global variables, arena and BTF, owned
// together. close() (or `using`) releases the global-data and arena
// mappings, then every fd.
import { CoreBpfError } from "../../errors.js";
import type { ObjectSpec, ProgramSpec } from "../../obj/index.js";
import type { BtfHandle } from "../btf-handle.js";
import type { Map as BpfMap } from "../map.js";
import type { MapMemory } from "../map-memory.js";
import { MapFlags } from "../flags.js";
import type { Program } from "../program.js";
import { btfMapCodecs } from "../typed/typed-map.js";
import type { LoadedArena } from "./arena.js";
import { Globals, type GlobalStorage } from "./globals.js";
import type { LoadedParts } from "./load.js";
import { unknownName } from "./settings.js";

/** Global data read and written in the live maps: through mmap where mappable, else by lookup/update; __arena variables in the arena. */
class LiveGlobals implements GlobalStorage {
  readonly #maps: readonly (BpfMap | undefined)[];
  readonly #kinds: readonly string[];
  readonly #arena: LoadedArena | undefined;
  readonly #memory = new Map<number, MapMemory>();
  readonly #zero = new Uint8Array(4);

  constructor(maps: readonly (BpfMap | undefined)[], kinds: readonly string[], arena: LoadedArena | undefined) {
    this.#maps = maps;
    this.#kinds = kinds;
    this.#arena = arena;
  }

  /** The mapping of the arena's variables, and where they start in it. */
  #arenaData(): { mem: MapMemory; base: number } {
    const arena = this.#arena!;
    const mem = arena.memory;
    if (mem === undefined) {
      throw new CoreBpfError("ARENA_NOT_MAPPED", `${this.#map(arena.index).label}: the arena was reused, not created by this load, and is not mapped here`, {
        hint: "libbpf maps only the arenas it creates; map a reused arena yourself at its user address",
      });
    }
    return { mem, base: arena.dataOffset };
  }

  /** The mapping of an mmapable global data map (made once), or the arena's. */
  memory(i: number): MapMemory | undefined {
    if (this.#arena?.index === i) return this.#arenaData().mem;
    return this.#mem(i);
  }

  #map(i: number): BpfMap {
    const m = this.#maps[i];
    if (m === undefined) throw new CoreBpfError("MAP_NOT_CREATED", `global data map #${i} was not created`);
    return m;
  }

  #mem(i: number): MapMemory | undefined {
    const map = this.#map(i);
    if ((map.flags & MapFlags.MMAPABLE) === 0) return undefined;
    let mem = this.#memory.get(i);
    if (mem === undefined || mem.closed) {
      mem = map.mmap();
      this.#memory.set(i, mem);
    }
    return mem;
  }

  read(i: number, offset: number, size: number): Uint8Array {
    if (this.#arena?.index === i) {
      const { mem, base } = this.#arenaData();
      return mem.read(base + offset, size);
    }
    const mem = this.#mem(i);
    if (mem !== undefined) return mem.read(offset, size);
    const map = this.#map(i);
    const value = new Uint8Array(map.valueBytes);
    if (!map.getInto(this.#zero, value)) throw new CoreBpfError("ENOENT", `${map.label}: no value`);
    return value.slice(offset, offset + size);
  }

  write(i: number, offset: number, bytes: Uint8Array): void {
    if (this.#arena?.index === i) {
      const { mem, base } = this.#arenaData();
      return mem.write(base + offset, bytes);
    }
    const mem = this.#mem(i);
    if (mem !== undefined) return mem.write(offset, bytes);
    const map = this.#map(i);
    const value = new Uint8Array(map.valueBytes);
    map.getInto(this.#zero, value);
    value.set(bytes, offset);
    map.set(this.#zero, value.subarray(0, map.valueSize));
  }

  readOnly(i: number): boolean {
    return this.#kinds[i] === "rodata" || this.#kinds[i] === "kconfig";
  }

  close(): void {
    for (const mem of this.#memory.values()) mem.close();
    this.#memory.clear();
  }
}

/** A loaded program with what the attach layer needs: its section and how it was loaded. */
export interface LoadedProgram {
  readonly name: string;
  readonly program: Program;
  /** The object model's program: section name, attach target, SEC() table entry. */
  readonly spec: ProgramSpec;
  readonly type: number;
  /** expected_attach_type as loaded (USDT programs become BPF_TRACE_UPROBE_MULTI where the kernel has those links). */
  readonly expectedAttachType: number;
}

export class BpfObject {
  readonly spec: ObjectSpec;
  readonly name: string;
  /** The object's BTF in the kernel (undefined when the object has none or the kernel refused it). */
  readonly btf: BtfHandle | undefined;
  /** Created maps by name; values and keys decoded through BTF where the map has types. */
  readonly maps: ReadonlyMap<string, BpfMap<unknown, unknown>>;
  /** Loaded programs by name. */
  readonly programs: ReadonlyMap<string, Program>;
  /** Loaded programs in object order, with their section and load attributes. */
  readonly loaded: readonly LoadedProgram[];
  /** Global variables (.rodata read-only; __arena variables live in the arena). */
  readonly globals: Globals;
  /**
   * The object's arena (BPF_MAP_TYPE_ARENA) mapped in this process: all of its
   * pages, at the user address programs also use, so an arena pointer `p`
   * read from it is at offset `Number(p) - arena.address`. Undefined without
   * an arena, or when the arena was reused (pinned or given) rather than
   * created. Touching a page no program allocated allocates it (SIGSEGV for
   * an arena with BPF_F_SEGV_ON_FAULT). Released by close(); views kept
   * past close() read zeros, until an arena at the same fixed address
   * (map_extra) is loaded again: they then see that one's pages.
   */
  readonly arena: MapMemory | undefined;
  /** Where the __arena variables (.addr_space.1) start in the arena, in bytes. */
  readonly arenaDataOffset: number;
  readonly #parts: LoadedParts;
  readonly #storage: LiveGlobals;
  #closed = false;

  /** @internal made by OpenedObject.load() */
  constructor(spec: ObjectSpec, parts: LoadedParts) {
    this.spec = spec;
    this.name = spec.name;
    this.#parts = parts;
    this.btf = parts.btf;
    const maps = new Map<string, BpfMap<unknown, unknown>>();
    parts.maps.forEach((m, i) => {
      if (m === undefined) return;
      const s = spec.maps[i]!;
      maps.set(s.name, m.withCodecs(btfMapCodecs(parts.types, s.keyTypeId, s.valueTypeId)));
    });
    this.maps = maps;
    const programs = new Map<string, Program>();
    parts.programs.forEach((p, i) => {
      if (p !== undefined) programs.set(spec.programs[i]!.name, p);
    });
    this.programs = programs;
    this.loaded = parts.programs.flatMap((p, i) => {
      if (p === undefined) return [];
      const ps = spec.programs[i]!;
      return [{ name: ps.name, program: p, spec: ps, type: p.type, expectedAttachType: parts.attachTypes[i] ?? ps.expectedAttachType }];
    });
    this.#storage = new LiveGlobals(parts.maps, spec.maps.map((m) => m.kind), parts.arena);
    this.arena = parts.arena?.memory;
    this.arenaDataOffset = parts.arena?.dataOffset ?? 0;
    this.globals = new Globals(spec, this.#storage);
  }

  /** A map by name (or a global data map by section, ".rodata"), typed by BTF where it can be. */
  map<K = any, V = any>(name: string): BpfMap<K, V> {
    const m = this.maps.get(name) ?? this.maps.get(this.spec.map(name)?.name ?? "");
    if (m === undefined) throw unknownName("map", name, [...this.maps.keys()]);
    return m as BpfMap<K, V>;
  }

  /**
   * A map's memory in this process, by map name (or global data section
   * name): the arena's mapping, or a BPF_F_MMAPABLE array's (global data;
   * mapped on first use). Released by close().
   */
  memory(name: string): MapMemory {
    const spec = this.spec.map(name);
    const i = spec === undefined ? -1 : this.spec.maps.indexOf(spec);
    if (i < 0 || this.#parts.maps[i] === undefined) throw unknownName("map", name, [...this.maps.keys()]);
    const mem = this.#storage.memory(i);
    if (mem === undefined) {
      throw new CoreBpfError("NOT_MMAPABLE", `${this.#parts.maps[i]!.label} cannot be mapped in memory`, { hint: "only arenas and BPF_F_MMAPABLE arrays are" });
    }
    return mem;
  }

  /** A loaded program by name. */
  program(name: string): Program {
    const p = this.programs.get(name);
    if (p === undefined) throw unknownName("program", name, [...this.programs.keys()]);
    return p;
  }

  /** Pins every loaded program at dir/NAME (bpftool prog loadall). */
  pinPrograms(dir: string): string[] {
    const paths: string[] = [];
    for (const [name, p] of this.programs) {
      const path = `${dir}/${name}`;
      p.pin(path);
      paths.push(path);
    }
    return paths;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Releases the mappings, then the programs, maps and BTF (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#storage.close();
    this.arena?.close();
    for (const p of this.#parts.programs) p?.close();
    for (const m of this.#parts.maps) m?.close();
    this.#parts.btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
