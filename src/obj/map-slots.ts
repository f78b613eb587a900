// Initial slots of prog arrays and maps of maps: `.values = { [2] = &prog }`
// leaves a 64-bit relocation in .rel.maps at the slot's place inside the
// `values` member (libbpf's bpf_object__collect_map_relos).
import { ObjectError } from "../errors.js";
import { type Btf, skipModifiers } from "../btf/index.js";
import type { ElfRelocation, ElfSymbol } from "../elf/index.js";
import type { RawFunction } from "./functions.js";
import { isMapInMap } from "./maps-btf.js";
import type { MapSlot, MapSpec } from "./types.js";
import { MapType } from "./uapi.js";

/** BPF pointers are 8 bytes whatever the host. */
const PTR_SIZE = 8;

export function fillMapSlots(btf: Btf, maps: readonly MapSpec[], relocs: readonly ElfRelocation[], symbols: readonly ElfSymbol[], functions: readonly RawFunction[], defSizes: Map<MapSpec, number>): void {
  for (const rel of relocs) {
    const sym = symbols[rel.symbolIndex]!;
    const bad = (message: string, hint: string): never => {
      throw new ObjectError("OBJ_BAD_MAP_RELOCATION", `.rel.maps relocation ${rel.entry} (offset ${rel.offset}, symbol '${sym.name}'): ${message}`, {
        section: rel.section.name,
        offset: rel.section.offset + rel.entry * rel.section.entsize,
        relo: rel.entry,
        hint,
      });
    };
    const map = maps.find((m) => m.kind === "btf" && m.sectionOffset <= rel.offset && rel.offset + PTR_SIZE <= m.sectionOffset + defSizes.get(m)!);
    if (map === undefined) bad("no map definition holds it", "the relocation points outside every map of .maps");
    const mapInMap = isMapInMap(map!.type);
    const slot: { program?: string; map?: string } = {};
    if (mapInMap) {
      if (sym.sectionIndex !== map!.sectionIndex) bad(`'${sym.name}' isn't a BTF-defined map`, "inner maps must be maps of .maps");
      if (map!.type === MapType.HASH_OF_MAPS && map!.keySize !== 4) bad(`hash-of-maps '${map!.name}' should have key size 4`, "hash of maps slots are keyed by int");
      if (!maps.some((m) => m.name === sym.name)) bad(`'${sym.name}' isn't a valid map reference`, "the slot must name a map of this object");
      slot.map = sym.name;
    } else if (map!.type === MapType.PROG_ARRAY) {
      const prog = functions.find((f) => !f.subprogram && f.name === sym.name);
      if (prog === undefined) bad(`'${sym.name}' isn't a valid program reference`, "the slot must name a program of this object");
      if (prog!.sectionIndex !== sym.sectionIndex || prog!.offset * 8 !== sym.value) bad(`'${sym.name}' isn't an entry-point program`, "prog array slots hold programs, not subprograms");
      slot.program = sym.name;
    } else {
      bad(`map '${map!.name}' is neither a prog array nor a map of maps`, "only those maps take initial slots");
    }
    const defId = skipModifiers(btf, btf.sizeOrType(map!.varId));
    const members = btf.vlen(defId);
    if (members === 0 || btf.memberName(defId, members - 1) !== "values") bad(`map '${map!.name}' has no 'values' member`, "slots live in the last member, 'values'");
    const start = btf.memberBitOffset(defId, members - 1) / 8;
    const within = rel.offset - map!.sectionOffset - start;
    if (within < 0 || within % PTR_SIZE !== 0) bad(`offset is not a slot of '${map!.name}'.values`, "the relocation is misplaced");
    (map!.slots as MapSlot[]).push({ index: within / PTR_SIZE, ...slot });
  }
  // libbpf keeps one slot array per map: a later relocation for the same slot wins.
  for (const m of maps) {
    if (m.slots.length < 2) continue;
    const byIndex = new Map<number, MapSlot>();
    for (const s of m.slots) byIndex.set(s.index, s);
    (m.slots as MapSlot[]).splice(0, m.slots.length, ...[...byIndex.values()].sort((a, b) => a.index - b.index));
  }
}
