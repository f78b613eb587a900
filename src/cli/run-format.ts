// Output of `corebpf run`: plain lines with aligned columns (BCC style: a
// header of upper-case field names per stream and record type, then one line
// per record), or NDJSON (one object per line, fields in a fixed order, 64-bit
// integers as exact JSON numbers).
import type { Btf } from "../btf/btf.js";
import { BtfKind, IntEncoding } from "../btf/kinds.js";
import { skipModifiers } from "../btf/resolve.js";
import type { ArrayType, CompositeType } from "../btf/types.js";
import type { EventStream, RunEvent, RunLost } from "../events/run-object.js";
import type { Map as BpfMap } from "../kernel/map.js";

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += HEX[b];
  return s;
}

/** JSON text of a decoded value: bigints as exact numbers, byte arrays as hex strings. */
export function jsonValue(v: unknown): string {
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return v ? "true" : "false";
    case "object": {
      if (v === null) return "null";
      if (v instanceof Uint8Array) return `"${hex(v)}"`;
      if (Array.isArray(v)) return `[${v.map(jsonValue).join(",")}]`;
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v)) parts.push(`${JSON.stringify(k)}:${jsonValue(x)}`);
      return `{${parts.join(",")}}`;
    }
    default:
      return "null";
  }
}

/** One NDJSON line of fields in the given order (values already JSON text). */
export function ndjson(fields: readonly (readonly [string, string])[]): string {
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}\n`;
}

export function eventJson(e: RunEvent): string {
  const fields: [string, string][] = [
    ["type", '"event"'],
    ["map", JSON.stringify(e.stream.map)],
  ];
  if (e.stream.kind === "perf") fields.push(["cpu", String(e.cpu)]);
  fields.push(["size", String(e.size)]);
  if (e.value !== undefined) {
    fields.push(["record_type", JSON.stringify(e.recordType!.name)], ["data", jsonValue(e.value)]);
  } else fields.push(["record_type", "null"], ["hex", `"${hex(e.bytes!)}"`]);
  return ndjson(fields);
}

export function lostJson(l: RunLost): string {
  return ndjson([
    ["type", '"lost"'],
    ["map", JSON.stringify(l.stream.map)],
    ["cpu", String(l.cpu)],
    ["count", String(l.count)],
  ]);
}

/** Column widths of a struct's fields as the decoder lists them (anonymous members lifted); 0: no padding. */
function fieldWidths(btf: Btf, id: number, out: Map<string, number>): void {
  const t = btf.type(skipModifiers(btf, id));
  if (t.kind !== BtfKind.STRUCT && t.kind !== BtfKind.UNION) return;
  for (const m of (t as CompositeType).members) {
    const mid = skipModifiers(btf, m.type);
    const mt = btf.type(mid);
    if (m.name === "") {
      fieldWidths(btf, mid, out);
      continue;
    }
    let width = 0;
    if (mt.kind === BtfKind.INT || mt.kind === BtfKind.ENUM || mt.kind === BtfKind.ENUM64) width = mt.size <= 2 ? 5 : mt.size <= 4 ? 7 : 12;
    else if (mt.kind === BtfKind.ARRAY) {
      const a = mt as ArrayType;
      const elem = btf.type(skipModifiers(btf, a.type));
      if (elem.kind === BtfKind.INT && elem.size === 1 && (elem.name === "char" || (elem.encoding & IntEncoding.CHAR) !== 0)) width = Math.min(Math.max(a.nelems - 1, 1), 24);
    }
    out.set(m.name, Math.max(width, width > 0 ? m.name.length : 0));
  }
}

function plainValue(v: unknown): string {
  if (typeof v === "string") return v === "" ? "-" : v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  return jsonValue(v);
}

/** Plain lines: a header when a stream's record type first appears, then aligned columns. */
export class PlainPrinter {
  readonly #btf: Btf | undefined;
  readonly #mapWidth: number;
  readonly #layouts = new Map<string, { names: string[]; widths: number[] }>();

  constructor(btf: Btf | undefined, streams: readonly EventStream[]) {
    this.#btf = btf;
    this.#mapWidth = streams.length > 1 ? Math.max(3, ...streams.map((s) => s.map.length)) : 0;
  }

  #prefix(map: string): string {
    return this.#mapWidth > 0 ? map.padEnd(this.#mapWidth) + " " : "";
  }

  #row(prefix: string, cells: readonly string[], widths: readonly number[]): string {
    const last = cells.length - 1;
    return prefix + cells.map((c, i) => (i === last ? c : c.padEnd(widths[i]!))).join(" ") + "\n";
  }

  /** The lines for one event (a header first when its stream and type are new). */
  event(e: RunEvent): string {
    const map = e.stream.map;
    if (e.value === undefined) return `${this.#prefix(map)}${e.size} bytes: ${hex(e.bytes!)}\n`;
    const key = `${map}\0${e.recordType!.id}`;
    let out = "";
    let layout = this.#layouts.get(key);
    if (layout === undefined) {
      const widths = new Map<string, number>();
      if (this.#btf !== undefined) fieldWidths(this.#btf, e.recordType!.id, widths);
      const names = Object.keys(e.value);
      layout = { names, widths: names.map((n) => widths.get(n) ?? Math.max(n.length, 8)) };
      this.#layouts.set(key, layout);
      out += this.#row(this.#prefix("MAP"), layout.names.map((n) => n.toUpperCase()), layout.widths);
    }
    const values = e.value;
    return out + this.#row(this.#prefix(map), layout.names.map((n) => plainValue(values[n])), layout.widths);
  }

  lost(l: RunLost): string {
    return `${this.#prefix(l.stream.map)}# lost ${l.count} sample${l.count === 1 ? "" : "s"} on CPU ${l.cpu}\n`;
  }
}

/** A map's entries as JSON, keys and values typed through BTF where the map has types (else hex). */
export function mapEntriesJson(map: BpfMap<unknown, unknown>): { entries: string; error: string | undefined } {
  const parts: string[] = [];
  try {
    if (map.perCpu) {
      for (const [k, vs] of map.entriesPerCpu()) parts.push(`{"key":${jsonValue(k)},"values":${jsonValue(vs)}}`);
    } else for (const [k, v] of map.entries()) parts.push(`{"key":${jsonValue(k)},"value":${jsonValue(v)}}`);
    return { entries: `[${parts.join(",")}]`, error: undefined };
  } catch (err) {
    return { entries: `[${parts.join(",")}]`, error: (err as Error).message };
  }
}
