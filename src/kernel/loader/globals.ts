// Typed access to an object's global variables (.data, .rodata, .bss and
// their custom .data.* / .rodata.* / .bss.* sections, and __arena variables
// of .addr_space.1), by name, through codecs generated from BTF. Before load
// the values live in the initial images the maps will be created from; after
// load they live in the maps (mmap where the map is mmapable, lookup/update
// elsewhere) and in the arena; .rodata is read-only once loaded.
import { CoreBpfError } from "../../errors.js";
import { ARENA_SECTION, MapType, type MapSpec, type ObjectSpec } from "../../obj/index.js";
import { type BtfCodec, btfCodec } from "../typed/btf-codec.js";

/** One global variable. */
export interface GlobalVariable {
  readonly name: string;
  /** ".data", ".rodata.bar", ..., ".addr_space.1" (__arena variables, in the arena map) */
  readonly section: string;
  /** Index of its map in the object's maps. */
  readonly mapIndex: number;
  readonly offset: number;
  readonly size: number;
  /** BTF id of its type in the object's BTF. */
  readonly typeId: number;
  readonly readOnly: boolean;
}

/** Where the bytes of each global data map are. */
export interface GlobalStorage {
  read(mapIndex: number, offset: number, size: number): Uint8Array;
  write(mapIndex: number, offset: number, bytes: Uint8Array): void;
  /** Whether writes are refused (frozen .rodata after load). */
  readOnly(mapIndex: number): boolean;
}

const KINDS = new Set(["data", "rodata", "bss"]);

/** The object's arena map with __arena variables. */
const holdsArenaData = (m: MapSpec): boolean => m.type === MapType.ARENA && m.data !== undefined;

export class Globals {
  readonly variables: readonly GlobalVariable[];
  readonly #obj: ObjectSpec;
  readonly #storage: GlobalStorage;
  readonly #codecs = new Map<number, BtfCodec>();

  constructor(obj: ObjectSpec, storage: GlobalStorage) {
    this.#obj = obj;
    this.#storage = storage;
    const vars: GlobalVariable[] = [];
    obj.maps.forEach((m, mapIndex) => {
      if (!KINDS.has(m.kind) && !holdsArenaData(m)) return;
      const section = KINDS.has(m.kind) ? m.section : ARENA_SECTION;
      for (const v of m.variables) {
        vars.push({ name: v.name, section, mapIndex, offset: v.offset, size: v.size, typeId: v.typeId, readOnly: m.kind === "rodata" });
      }
    });
    this.variables = vars;
  }

  /** The variable named `name` (in `section` when several sections have one of that name). */
  variable(name: string, section?: string): GlobalVariable {
    const hits = this.variables.filter((v) => v.name === name && (section === undefined || v.section === section));
    if (hits.length === 1) return hits[0]!;
    if (hits.length > 1) {
      throw new CoreBpfError("AMBIGUOUS_GLOBAL", `global '${name}' exists in ${hits.map((h) => h.section).join(", ")}`, { hint: "name the section too" });
    }
    const names = [...new Set(this.variables.map((v) => v.name))];
    throw new CoreBpfError("NO_SUCH_GLOBAL", `the object has no global variable '${name}'${section === undefined ? "" : ` in ${section}`}`, {
      hint: names.length > 0 ? `its globals: ${names.join(", ")}` : "the object has no global variables",
    });
  }

  #codec(v: GlobalVariable): BtfCodec {
    let c = this.#codecs.get(v.typeId);
    if (c === undefined) {
      if (this.#obj.btf === undefined) throw new CoreBpfError("NO_BTF", "typed global access needs the object's BTF", { hint: "use raw() for bytes" });
      c = btfCodec(this.#obj.btf, v.typeId);
      this.#codecs.set(v.typeId, c);
    }
    return c;
  }

  /** The variable's value, decoded from BTF. */
  get<T = unknown>(name: string, section?: string): T {
    const v = this.variable(name, section);
    return this.#codec(v).decode(this.#storage.read(v.mapIndex, v.offset, v.size)) as T;
  }

  /** Sets the variable (structs: only the members given change). */
  set(name: string, value: unknown, section?: string): void {
    const v = this.variable(name, section);
    this.#checkWritable(v);
    const bytes = this.#storage.read(v.mapIndex, v.offset, v.size);
    this.#codec(v).write(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, value);
    this.#storage.write(v.mapIndex, v.offset, bytes);
  }

  /** The variable's bytes. */
  raw(name: string, section?: string): Uint8Array {
    const v = this.variable(name, section);
    return this.#storage.read(v.mapIndex, v.offset, v.size);
  }

  /** Overwrites the variable's bytes. */
  setRaw(name: string, bytes: Uint8Array, section?: string): void {
    const v = this.variable(name, section);
    this.#checkWritable(v);
    if (bytes.length !== v.size) throw new CoreBpfError("BAD_VALUE", `global '${name}' is ${v.size} bytes, got ${bytes.length}`);
    this.#storage.write(v.mapIndex, v.offset, bytes);
  }

  /** Sets several variables: `{ name: value }`. */
  assign(values: Record<string, unknown>): void {
    for (const [k, v] of Object.entries(values)) this.set(k, v);
  }

  /** Every variable's value (of one section, or all), by name. */
  toObject(section?: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const v of this.variables) {
      if (section !== undefined && v.section !== section) continue;
      if (!(v.name in out)) out[v.name] = this.#codec(v).decode(this.#storage.read(v.mapIndex, v.offset, v.size));
    }
    return out;
  }

  #checkWritable(v: GlobalVariable): void {
    if (this.#storage.readOnly(v.mapIndex)) {
      throw new CoreBpfError("READ_ONLY", `global '${v.name}' (${v.section}) is read-only once the object is loaded`, {
        hint: "set .rodata values before load()",
      });
    }
  }
}

/** Storage over the initial images of the maps (before load). */
export function initialImages(obj: ObjectSpec): { images: (Uint8Array | undefined)[]; storage: GlobalStorage } {
  const images = obj.maps.map((m) => {
    if (holdsArenaData(m)) return m.data!.slice();
    if (!KINDS.has(m.kind) && m.kind !== "kconfig") return undefined;
    const out = new Uint8Array(m.valueSize);
    if (m.data !== undefined) out.set(m.data.subarray(0, m.valueSize));
    return out;
  });
  const image = (i: number): Uint8Array => {
    const b = images[i];
    if (b === undefined) throw new CoreBpfError("NO_SUCH_GLOBAL", `map #${i} holds no global data`);
    return b;
  };
  return {
    images,
    storage: {
      read: (i, offset, size) => image(i).slice(offset, offset + size),
      write: (i, offset, bytes) => image(i).set(bytes, offset),
      readOnly: () => false,
    },
  };
}
