// BTF as bpftool 7.1 lists it (`btf dump file F`, the default "raw" format),
// in plain text or in its JSON (-j, -p): one entry per own type of the Btf
// (a split Btf lists its own types, not its base's), byte for byte.
import { BtfError } from "../errors.js";
import type { Btf } from "./btf.js";
import { JsonWriter } from "./dump-json.js";
import { ByteWriter, collectingSink, type ChunkSink } from "./dump-out.js";
import { REC_DATA, REC_INFO, REC_SIZE_TYPE, TypeWords } from "./dump-words.js";
import { BtfKind as K, MAX_KNOWN_KIND, kindName } from "./kinds.js";

export interface RawDumpOptions {
  /** bpftool's JSON instead of text. */
  json?: boolean;
  /** Indented JSON (bpftool -p). */
  pretty?: boolean;
  /** List these ids instead of every own type. */
  rootIds?: readonly number[];
  /** Output bytes gathered before each call of the sink (default 512 KiB). */
  chunkBytes?: number;
}

/** Writes the listing of `btf` to `sink` (chunks are only valid during the call). */
export function dumpRaw(btf: Btf, sink: ChunkSink, options: RawDumpOptions = {}): void {
  const t = new TypeWords(btf);
  const out = new ByteWriter(sink, { source: t.str, stashBytes: 0, ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }) });
  for (const id of options.rootIds ?? []) {
    if (!(Number.isInteger(id) && id >= 0 && id < btf.typeCount)) {
      throw new BtfError("BTF_NO_TYPE", `no type with id ${id} (valid ids are 0..${btf.typeCount - 1})`, { typeId: id });
    }
  }
  const ids = options.rootIds ?? range(btf.startId, btf.typeCount);
  if (options.json || options.pretty) new JsonListing(t, out, options.pretty ?? false).run(ids);
  else new TextListing(t, out).run(ids);
  out.flush();
}

/** The listing of `btf` in one string. */
export function formatRaw(btf: Btf, options: RawDumpOptions = {}): string {
  const out = collectingSink();
  dumpRaw(btf, out.sink, options);
  return out.text();
}

function* range(from: number, to: number): Generator<number> {
  for (let id = from; id < to; id++) yield id;
}

// bpftool's names for kinds (kind 0 and unknown kinds print as UNKNOWN).
const KIND_NAMES = Array.from({ length: MAX_KNOWN_KIND + 1 }, (_, k) => (k === 0 ? "UNKNOWN" : kindName(k)));
const kindString = (kind: number): string => KIND_NAMES[kind] ?? "UNKNOWN";
const INT_ENCODINGS: Record<number, string> = { 0: "(none)", 1: "SIGNED", 2: "CHAR", 4: "BOOL" };
const LINKAGES = ["static", "global", "extern"];
const linkage = (n: number): string => LINKAGES[n] ?? "(unknown)";

/** What both listings read from a record. */
abstract class Listing {
  protected readonly t: TypeWords;
  protected readonly w: Uint32Array;
  protected readonly out: ByteWriter;

  constructor(t: TypeWords, out: ByteWriter) {
    this.t = t;
    this.w = t.words;
    this.out = out;
  }

  /** [start, end) of the name at a string offset in the writer's workspace; end -1 when the offset is invalid. */
  protected nameRange(off: number): [number, number] {
    const str = this.t.str;
    if (off >= str.length) return [0, -1];
    let end = str.indexOf(0, off);
    if (end < 0) end = str.length;
    return [off, end];
  }
}

class TextListing extends Listing {
  run(ids: Iterable<number>): void {
    for (const id of ids) {
      this.type(id);
      this.out.maybeFlush();
    }
  }

  /** `'name'`, `'(anon)'` or `'(invalid)'`. */
  private quoted(off: number): void {
    const out = this.out;
    out.byte(0x27);
    if (off === 0) out.ascii("(anon)");
    else {
      const [start, end] = this.nameRange(off);
      if (end < 0) out.ascii("(invalid)");
      else out.copy(start, end);
    }
    out.byte(0x27);
  }

  private field(label: string, value: number): void {
    this.out.ascii(label);
    this.out.uint(value);
  }

  private type(id: number): void {
    const out = this.out;
    const w = this.w;
    const at = this.t.at[id]!;
    const info = w[at + REC_INFO]!;
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    const st = w[at + REC_SIZE_TYPE]!;
    const data = at + REC_DATA;
    out.byte(0x5b);
    out.uint(id);
    out.byte2(0x5d, 0x20);
    out.ascii(kindString(kind));
    out.byte(0x20);
    this.quoted(w[at]!);
    switch (kind) {
      case K.INT: {
        const v = w[data]!;
        this.field(" size=", st);
        this.field(" bits_offset=", (v >>> 16) & 0xff);
        this.field(" nr_bits=", v & 0xff);
        out.ascii(" encoding=");
        out.ascii(INT_ENCODINGS[(v >>> 24) & 0x0f] ?? "UNKN");
        break;
      }
      case K.PTR: case K.CONST: case K.VOLATILE: case K.RESTRICT: case K.TYPEDEF: case K.TYPE_TAG:
        this.field(" type_id=", st);
        break;
      case K.ARRAY:
        this.field(" type_id=", w[data]!);
        this.field(" index_type_id=", w[data + 1]!);
        this.field(" nr_elems=", w[data + 2]!);
        break;
      case K.STRUCT: case K.UNION: {
        const kflag = info >>> 31 === 1;
        this.field(" size=", st);
        this.field(" vlen=", vlen);
        for (let i = 0, m = data; i < vlen; i++, m += 3) {
          const raw = w[m + 2]!;
          out.byte2(10, 9);
          this.quoted(w[m]!);
          this.field(" type_id=", w[m + 1]!);
          this.field(" bits_offset=", kflag ? raw & 0xffffff : raw);
          if (kflag && raw >>> 24 !== 0) this.field(" bitfield_size=", raw >>> 24);
        }
        break;
      }
      case K.ENUM: case K.ENUM64: {
        const signed = info >>> 31 === 1;
        const is64 = kind === K.ENUM64;
        out.ascii(signed ? " encoding=SIGNED" : " encoding=UNSIGNED");
        this.field(" size=", st);
        this.field(" vlen=", vlen);
        for (let i = 0, e = data; i < vlen; i++, e += is64 ? 3 : 2) {
          out.byte2(10, 9);
          this.quoted(w[e]!);
          out.ascii(" val=");
          if (is64) {
            out.u64(w[e + 2]!, w[e + 1]!, signed);
            out.ascii(signed ? "LL" : "ULL");
          } else if (signed) out.int(w[e + 1]! | 0);
          else out.uint(w[e + 1]!);
        }
        break;
      }
      case K.FWD:
        out.ascii(info >>> 31 === 1 ? " fwd_kind=union" : " fwd_kind=struct");
        break;
      case K.FUNC:
        this.field(" type_id=", st);
        out.ascii(" linkage=");
        out.ascii(linkage(vlen));
        break;
      case K.FUNC_PROTO:
        this.field(" ret_type_id=", st);
        this.field(" vlen=", vlen);
        for (let i = 0, p = data; i < vlen; i++, p += 2) {
          out.byte2(10, 9);
          this.quoted(w[p]!);
          this.field(" type_id=", w[p + 1]!);
        }
        break;
      case K.VAR:
        this.field(" type_id=", st);
        out.ascii(", linkage=");
        out.ascii(linkage(w[data]!));
        break;
      case K.DATASEC:
        this.field(" size=", st);
        this.field(" vlen=", vlen);
        for (let i = 0, v = data; i < vlen; i++, v += 3) {
          const type = w[v]!;
          out.byte2(10, 9);
          this.field("type_id=", type);
          this.field(" offset=", w[v + 1]!);
          this.field(" size=", w[v + 2]!);
          if (type < this.t.count) {
            out.ascii(" (");
            out.ascii(kindString(this.t.kind(type)));
            out.byte(0x20);
            this.quoted(this.t.nameOff(type));
            out.byte(0x29);
          }
        }
        break;
      case K.FLOAT:
        this.field(" size=", st);
        break;
      case K.DECL_TAG:
        this.field(" type_id=", st);
        out.ascii(" component_idx=");
        out.int(w[data]! | 0);
        break;
      default:
        break;
    }
    out.byte(10);
  }
}

class JsonListing extends Listing {
  private readonly json: JsonWriter;

  constructor(t: TypeWords, out: ByteWriter, pretty: boolean) {
    super(t, out);
    this.json = new JsonWriter(out, pretty);
  }

  run(ids: Iterable<number>): void {
    const json = this.json;
    json.startObject();
    json.name("types");
    json.startArray();
    for (const id of ids) {
      this.type(id);
      this.out.maybeFlush();
    }
    json.endArray();
    json.endObject();
    json.finish();
  }

  /** `"<sizeLabel>": size, "vlen": vlen, "<list>": [` */
  private listStart(sizeLabel: string, size: number, vlen: number, list: string): void {
    this.json.uint(sizeLabel, size);
    this.json.uint("vlen", vlen);
    this.json.name(list);
    this.json.startArray();
  }

  /** `"label": "name"`, "(anon)" or "(invalid)". */
  private nameField(label: string, off: number): void {
    if (off === 0) return this.json.string(label, "(anon)");
    const [start, end] = this.nameRange(off);
    if (end < 0) this.json.string(label, "(invalid)");
    else this.json.bytes(label, start, end);
  }

  private type(id: number): void {
    const json = this.json;
    const w = this.w;
    const at = this.t.at[id]!;
    const info = w[at + REC_INFO]!;
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    const st = w[at + REC_SIZE_TYPE]!;
    const data = at + REC_DATA;
    json.startObject();
    json.uint("id", id);
    json.string("kind", kindString(kind));
    this.nameField("name", w[at]!);
    switch (kind) {
      case K.INT: {
        const v = w[data]!;
        json.uint("size", st);
        json.uint("bits_offset", (v >>> 16) & 0xff);
        json.uint("nr_bits", v & 0xff);
        json.string("encoding", INT_ENCODINGS[(v >>> 24) & 0x0f] ?? "UNKN");
        break;
      }
      case K.PTR: case K.CONST: case K.VOLATILE: case K.RESTRICT: case K.TYPEDEF: case K.TYPE_TAG:
        json.uint("type_id", st);
        break;
      case K.ARRAY:
        json.uint("type_id", w[data]!);
        json.uint("index_type_id", w[data + 1]!);
        json.uint("nr_elems", w[data + 2]!);
        break;
      case K.STRUCT: case K.UNION: {
        const kflag = info >>> 31 === 1;
        this.listStart("size", st, vlen, "members");
        for (let i = 0, m = data; i < vlen; i++, m += 3) {
          const raw = w[m + 2]!;
          json.startObject();
          this.nameField("name", w[m]!);
          json.uint("type_id", w[m + 1]!);
          json.uint("bits_offset", kflag ? raw & 0xffffff : raw);
          if (kflag && raw >>> 24 !== 0) json.uint("bitfield_size", raw >>> 24);
          json.endObject();
        }
        json.endArray();
        break;
      }
      case K.ENUM: case K.ENUM64: {
        const signed = info >>> 31 === 1;
        const is64 = kind === K.ENUM64;
        json.string("encoding", signed ? "SIGNED" : "UNSIGNED");
        this.listStart("size", st, vlen, "values");
        for (let i = 0, e = data; i < vlen; i++, e += is64 ? 3 : 2) {
          json.startObject();
          this.nameField("name", w[e]!);
          if (is64) json.u64("val", w[e + 2]!, w[e + 1]!, signed);
          else if (signed) json.int("val", w[e + 1]! | 0);
          else {
            // bpftool widens the (signed) 32-bit value to 64 bits before printing it unsigned.
            const v = w[e + 1]!;
            json.u64("val", v >= 0x80000000 ? 0xffffffff : 0, v, false);
          }
          json.endObject();
        }
        json.endArray();
        break;
      }
      case K.FWD:
        json.string("fwd_kind", info >>> 31 === 1 ? "union" : "struct");
        break;
      case K.FUNC:
        json.uint("type_id", st);
        json.string("linkage", linkage(vlen));
        break;
      case K.FUNC_PROTO:
        this.listStart("ret_type_id", st, vlen, "params");
        for (let i = 0, p = data; i < vlen; i++, p += 2) {
          json.startObject();
          this.nameField("name", w[p]!);
          json.uint("type_id", w[p + 1]!);
          json.endObject();
        }
        json.endArray();
        break;
      case K.VAR:
        json.uint("type_id", st);
        json.string("linkage", linkage(w[data]!));
        break;
      case K.DATASEC:
        this.listStart("size", st, vlen, "vars");
        for (let i = 0, v = data; i < vlen; i++, v += 3) {
          json.startObject();
          json.uint("type_id", w[v]!);
          json.uint("offset", w[v + 1]!);
          json.uint("size", w[v + 2]!);
          json.endObject();
        }
        json.endArray();
        break;
      case K.FLOAT:
        json.uint("size", st);
        break;
      case K.DECL_TAG:
        json.uint("type_id", st);
        json.int("component_idx", w[data]! | 0);
        break;
      default:
        break;
    }
    json.endObject();
  }
}
