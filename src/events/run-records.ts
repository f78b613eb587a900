// How `corebpf run` turns a ring buffer or perf buffer record into a value
// without being told its type: among the object's own BTF structs (and
// typedefs of structs), those whose size fits the record length, ranked by
// name (`<map>_event`, the map's singular, `event`, `data_t`...). Kernel types
// are never a record's: those CO-RE relocations reach, and those the
// kernel's BTF defines with the same name and size (vmlinux.h brings many into
// an object's BTF, while a record struct used only through a pointer from
// bpf_ringbuf_reserve() may be absent: then hex beats a wrong guess). One
// choice per (stream, record length), made on the first record of that length.
import type { Btf } from "../btf/btf.js";
import { BtfKind } from "../btf/kinds.js";
import { skipModifiers } from "../btf/resolve.js";
import { children } from "../btf/traverse.js";
import type { Decoder } from "./consumer.js";
import { btfDecoder, findRecordType, structLayout } from "./decode.js";

/** How a record's length relates to its type's size. */
export type RecordFit =
  /** Ring buffer: the length is the size given to the producer. */
  | "exact"
  /** Perf buffer: the kernel pads raw samples so that (4 + length) is a multiple of 8. */
  | "padded";

/** The type chosen for records of one length. */
export interface RecordTypeChoice {
  readonly id: number;
  /** "struct event", "data_t"... */
  readonly name: string;
  /** How it was chosen: given by the user, or by size (and name). */
  readonly by: "user" | "size";
  /** Other types that fit as well and scored as high. */
  readonly alternatives: readonly string[];
}

function fits(btf: Btf, id: number, length: number, fit: RecordFit): boolean {
  const { fixed, flexible } = structLayout(btf, id);
  if (fixed === 0) return false;
  if (flexible) return fixed <= length;
  return fit === "exact" ? fixed === length : fixed <= length && length - fixed < 8;
}

/** The names a record type of `map` is likely to have, best first. */
export function preferredRecordNames(map: string): string[] {
  const singular = map.endsWith("s") ? map.slice(0, -1) : map;
  const names = [`${map}_event`, `${singular}_event`, singular, map, `${singular}_t`, "event", "event_t", "data_t", "data", "record", "sample"];
  return [...new Set(names)];
}

function nameScore(name: string, preferred: readonly string[]): number {
  const i = preferred.indexOf(name);
  if (i >= 0) return 100 - i;
  return /event|sample|record|data/i.test(name) ? 20 : 0;
}

/**
 * Kernel types of an object: those its CO-RE relocations are rooted at and
 * every type they reach (vmlinux.h brings in what task_struct points to). The
 * object's own structs are reached from none of them.
 */
export function kernelTypeIds(btf: Btf, programs: readonly { readonly coreRelocations: readonly { readonly typeId: number }[] }[]): Set<number> {
  const seen = new Set<number>();
  const stack: number[] = [];
  for (const p of programs) for (const r of p.coreRelocations) stack.push(r.typeId);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === 0 || seen.has(id) || !btf.isOwn(id)) continue;
    seen.add(id);
    stack.push(...children(btf.type(id)));
  }
  return seen;
}

/** What is known not to be a record type. */
export interface RecordTypeExclusions {
  /** Type ids (kernelTypeIds()). */
  readonly ids?: ReadonlySet<number>;
  /** Whether the kernel defines a struct of this name and size. */
  readonly kernelStruct?: (name: string, size: number) => boolean;
}

/** The object's type for records of `length` bytes from `map`, or undefined when no struct fits. */
export function chooseRecordType(btf: Btf, map: string, length: number, fit: RecordFit, exclude: RecordTypeExclusions = {}): RecordTypeChoice | undefined {
  const preferred = preferredRecordNames(map);
  let best: { id: number; name: string; score: number }[] = [];
  for (let id = btf.startId; id < btf.typeCount; id++) {
    const kind = btf.kind(id);
    let target = id;
    let name: string;
    if (kind === BtfKind.STRUCT) {
      name = btf.name(id);
      if (name === "") continue; // anonymous: map definitions, members; a record type has a name or a typedef
    }
    else if (kind === BtfKind.TYPEDEF) {
      target = skipModifiers(btf, id);
      if (btf.kind(target) !== BtfKind.STRUCT || btf.name(target) !== "") continue; // named structs are candidates themselves
      name = btf.name(id);
    } else continue;
    if (exclude.ids?.has(id) || exclude.ids?.has(target) || !fits(btf, target, length, fit)) continue;
    if (exclude.kernelStruct?.(name, btf.sizeOrType(target)) === true) continue;
    const score = nameScore(name, preferred);
    const shown = kind === BtfKind.STRUCT ? `struct ${name}` : name;
    if (best.length === 0 || score > best[0]!.score) best = [{ id, name: shown, score }];
    else if (score === best[0]!.score) best.push({ id, name: shown, score });
  }
  const first = best[0];
  if (first === undefined) return undefined;
  return { id: first.id, name: first.name, by: "size", alternatives: best.slice(1).map((b) => b.name) };
}

/** A user's "struct foo" / "foo" / type id, resolved in `btf`. */
export function namedRecordType(btf: Btf, type: string): RecordTypeChoice {
  const id = /^\d+$/.test(type) ? Number(type) : findRecordType(btf, type);
  btf.type(id); // throws for a bad id
  return { id, name: type, by: "user", alternatives: [] };
}

/** Per stream: the decoder for each record length seen, chosen once. */
export class RecordTypes {
  readonly #btf: Btf | undefined;
  readonly #map: string;
  readonly #fit: RecordFit;
  readonly #exclude: RecordTypeExclusions;
  readonly #user: RecordTypeChoice | undefined;
  readonly #byLength = new Map<number, { choice: RecordTypeChoice; decode: Decoder<Record<string, unknown>> } | null>();

  constructor(btf: Btf | undefined, map: string, fit: RecordFit, exclude: RecordTypeExclusions, userType: string | undefined) {
    this.#btf = btf;
    this.#map = map;
    this.#fit = fit;
    this.#exclude = exclude;
    this.#user = btf !== undefined && userType !== undefined ? namedRecordType(btf, userType) : undefined;
  }

  /** The choice and decoder for records of `length` bytes, or null (shown as hex). */
  lookup(length: number): { choice: RecordTypeChoice; decode: Decoder<Record<string, unknown>> } | null {
    let entry = this.#byLength.get(length);
    if (entry !== undefined) return entry;
    entry = null;
    const btf = this.#btf;
    if (btf !== undefined) {
      const choice = this.#user ?? chooseRecordType(btf, this.#map, length, this.#fit, this.#exclude);
      if (choice !== undefined) {
        try {
          entry = { choice, decode: btfDecoder<Record<string, unknown>>(btf, choice.id) };
        } catch {
          entry = null; // a type the decoder cannot handle: hex
        }
      }
    }
    this.#byLength.set(length, entry);
    return entry;
  }
}
