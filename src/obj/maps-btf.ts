// BTF-defined maps (SEC(".maps")): each VAR of the .maps DATASEC is a struct
// whose members encode the attributes (libbpf's parse_btf_map_def):
// `__uint(name, N)` is `int (*name)[N]`, `__type(key, T)` is `T *key`,
// `__ulong(name, N)` an enum with one value N, `__array(values, struct inner)`
// a zero-length array of pointers (to the inner map's definition, or to a
// function prototype for prog arrays).
import { ObjectError } from "../errors.js";
import { type Btf, BtfKind, VarLinkage, kindName, resolveSize, skipModifiers } from "../btf/index.js";
import type { DatasecLayout, MapSpec, MapSlot } from "./types.js";
import { MapType, Pinning } from "./uapi.js";

/** A map definition as parsed, before it becomes a MapSpec. */
interface MapDef {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  mapExtra: bigint;
  pinning: number;
  keyTypeId: number;
  valueTypeId: number;
  inner: MapDef | undefined;
}

export const isMapInMap = (type: number): boolean => type === MapType.ARRAY_OF_MAPS || type === MapType.HASH_OF_MAPS;

function fail(map: string, message: string, typeId?: number): never {
  throw new ObjectError("OBJ_BAD_MAP", `map '${map}': ${message}`, {
    section: ".maps",
    ...(typeId === undefined ? {} : { typeId }),
    hint: "define maps with the libbpf macros: __uint(type, ...), __uint(max_entries, ...), __type(key, ...), __type(value, ...)",
  });
}

/** `int (*name)[N]` → N. */
function intField(btf: Btf, map: string, member: string, typeId: number): number {
  const ptr = skipModifiers(btf, typeId);
  if (btf.kind(ptr) !== BtfKind.PTR) fail(map, `attribute '${member}': expected PTR, got ${kindName(btf.kind(ptr))}`, ptr);
  const arr = btf.sizeOrType(ptr);
  if (btf.kind(arr) !== BtfKind.ARRAY) fail(map, `attribute '${member}': expected ARRAY, got ${kindName(btf.kind(arr))}`, arr);
  return btf.dataWord(arr, 2);
}

/** `__ulong(name, N)`: an int field, or an ENUM/ENUM64 with exactly one value. */
function longField(btf: Btf, map: string, member: string, typeId: number): bigint {
  const t = skipModifiers(btf, typeId);
  const kind = btf.kind(t);
  if (kind === BtfKind.PTR) return BigInt(intField(btf, map, member, typeId));
  if (kind !== BtfKind.ENUM && kind !== BtfKind.ENUM64) fail(map, `attribute '${member}': expected ENUM or ENUM64, got ${kindName(kind)}`, t);
  if (btf.vlen(t) !== 1) fail(map, `attribute '${member}': invalid __ulong (the enum has ${btf.vlen(t)} values)`, t);
  // libbpf reads an ENUM's value as s32 into a u64 (sign extension).
  if (kind === BtfKind.ENUM) return BigInt.asUintN(64, BigInt(btf.dataWord(t, 1) | 0));
  return (BigInt(btf.dataWord(t, 2)) << 32n) | BigInt(btf.dataWord(t, 1));
}

/** `T *name` → [size of T, T's id]. */
function pointee(btf: Btf, map: string, member: string, typeId: number): [number, number] {
  if (btf.kind(typeId) !== BtfKind.PTR) fail(map, `${member} spec is not PTR: ${kindName(btf.kind(typeId))}`, typeId);
  const target = btf.sizeOrType(typeId);
  let size: number;
  try {
    size = resolveSize(btf, target);
  } catch (err) {
    throw new ObjectError("OBJ_BAD_MAP", `map '${map}': can't determine ${member} size for type [${target}]`, { section: ".maps", typeId: target, cause: err, hint: "key and value types must have a size" });
  }
  return [size, target];
}

function parseDef(btf: Btf, map: string, defId: number, strict: boolean, outer: boolean): MapDef {
  const def: MapDef = { type: 0, keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, numaNode: 0, mapExtra: 0n, pinning: 0, keyTypeId: 0, valueTypeId: 0, inner: undefined };
  const n = btf.vlen(defId);
  const sized = (what: "key" | "value", size: number): void => {
    const key = what === "key" ? "keySize" : "valueSize";
    if (def[key] !== 0 && def[key] !== size) fail(map, `conflicting ${what} size ${def[key]} != ${size}`, defId);
    def[key] = size;
  };
  for (let i = 0; i < n; i++) {
    const name = btf.memberName(defId, i);
    const type = btf.memberType(defId, i);
    switch (name) {
      case "type":
        def.type = intField(btf, map, name, type);
        break;
      case "max_entries":
        def.maxEntries = intField(btf, map, name, type);
        break;
      case "map_flags":
        def.flags = intField(btf, map, name, type);
        break;
      case "numa_node":
        def.numaNode = intField(btf, map, name, type);
        break;
      case "key_size":
        sized("key", intField(btf, map, name, type));
        break;
      case "value_size":
        sized("value", intField(btf, map, name, type));
        break;
      case "key":
      case "value": {
        const [size, id] = pointee(btf, map, name, type);
        sized(name, size);
        if (name === "key") def.keyTypeId = id;
        else def.valueTypeId = id;
        break;
      }
      case "values":
        def.inner = parseValues(btf, map, def, defId, i, type, strict, outer);
        break;
      case "pinning": {
        if (!outer) fail(map, "an inner map definition can't be pinned", defId);
        const v = intField(btf, map, name, type);
        if (v !== Pinning.NONE && v !== Pinning.BY_NAME) fail(map, `invalid pinning value ${v} (LIBBPF_PIN_NONE 0 or LIBBPF_PIN_BY_NAME 1)`, defId);
        def.pinning = v;
        break;
      }
      case "map_extra":
        def.mapExtra = longField(btf, map, name, type);
        break;
      default:
        if (strict) fail(map, `unknown field '${name}'`, defId);
    }
  }
  if (def.type === MapType.UNSPEC) fail(map, "map type isn't specified", defId);
  return def;
}

function parseValues(btf: Btf, map: string, def: MapDef, defId: number, index: number, type: number, strict: boolean, outer: boolean): MapDef | undefined {
  const mapInMap = isMapInMap(def.type);
  const progArray = def.type === MapType.PROG_ARRAY;
  const desc = mapInMap ? "map-in-map inner" : "prog-array value";
  if (!outer) fail(map, "multi-level inner maps are not supported", defId);
  if (index !== btf.vlen(defId) - 1) fail(map, "'values' member should be last", defId);
  if (!mapInMap && !progArray) fail(map, "only map-in-map and prog-array maps take 'values'", defId);
  if (def.valueSize !== 0 && def.valueSize !== 4) fail(map, `conflicting value size ${def.valueSize} != 4`, defId);
  def.valueSize = 4;
  if (btf.kind(type) !== BtfKind.ARRAY || btf.dataWord(type, 2) !== 0) fail(map, `${desc} spec is not a zero-sized array`, type);
  const ptr = skipModifiers(btf, btf.dataWord(type, 0));
  if (btf.kind(ptr) !== BtfKind.PTR) fail(map, `${desc} def is of unexpected kind ${kindName(btf.kind(ptr))}`, ptr);
  const target = skipModifiers(btf, btf.sizeOrType(ptr));
  if (progArray) {
    if (btf.kind(target) !== BtfKind.FUNC_PROTO) fail(map, `prog-array value def is of unexpected kind ${kindName(btf.kind(target))}`, target);
    return undefined;
  }
  if (btf.kind(target) !== BtfKind.STRUCT) fail(map, `map-in-map inner def is of unexpected kind ${kindName(btf.kind(target))}`, target);
  return parseDef(btf, `${map}.inner`, target, strict, false);
}

function toSpec(name: string, def: MapDef, sectionIndex: number, sectionOffset: number, varId: number, inner = false): MapSpec {
  return {
    name,
    kind: "btf",
    section: ".maps",
    sectionIndex,
    sectionOffset,
    type: def.type,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    flags: def.flags,
    numaNode: def.numaNode,
    mapExtra: def.mapExtra,
    pinning: def.pinning,
    keyTypeId: def.keyTypeId,
    valueTypeId: def.valueTypeId,
    varId,
    // An inner definition is a template for BPF_MAP_CREATE's inner_map_fd, never created for itself.
    ...(def.inner === undefined ? {} : { inner: toSpec(`${name}.inner`, def.inner, sectionIndex, 0, 0, true) }),
    slots: [] as MapSlot[],
    variables: [],
    autocreate: !inner,
  };
}

/** Maps of the .maps section, in the order of its (fixed) DATASEC. */
export function btfMaps(btf: Btf | undefined, layout: DatasecLayout | undefined, sectionIndex: number, sectionSize: number, strict: boolean): MapSpec[] {
  if (sectionIndex === 0) return [];
  if (btf === undefined) throw new ObjectError("OBJ_BAD_MAP", "section .maps needs BTF, and the object has no .BTF section", { section: ".maps", hint: "build with clang -g" });
  if (layout === undefined) throw new ObjectError("OBJ_BAD_MAP", "DATASEC '.maps' not found in BTF", { section: ".maps", hint: "the object's BTF does not describe its maps" });
  return layout.vars.map((v, i) => {
    const name = btf.kind(v.varId) === BtfKind.VAR ? btf.name(v.varId) : "";
    if (name === "") fail(`#${i}`, "empty name");
    if (v.offset + v.size > sectionSize) fail(name, `definition [${v.offset}, ${v.offset + v.size}) lies outside .maps (${sectionSize} bytes)`, v.varId);
    if (v.linkage !== VarLinkage.GLOBAL_ALLOCATED) fail(name, `unsupported map linkage ${v.linkage === VarLinkage.STATIC ? "static" : "extern"}`, v.varId);
    const defId = skipModifiers(btf, btf.sizeOrType(v.varId));
    if (btf.kind(defId) !== BtfKind.STRUCT) fail(name, `unexpected def kind ${kindName(btf.kind(defId))}`, defId);
    if (btf.sizeOrType(defId) > v.size) fail(name, "invalid def size", defId);
    return toSpec(name, parseDef(btf, name, defId, strict, true), sectionIndex, v.offset, v.varId);
  });
}
