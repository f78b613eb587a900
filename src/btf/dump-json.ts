// A JSON writer that prints exactly what bpftool's json_writer prints: compact,
// or "pretty" with four-space indents where opening brackets stay on the line
// of what precedes them (`"types": [{`, `},{`). Strings are escaped as it
// escapes them (quote, backslash and \b \f \n \r \t; other bytes go out raw).
import type { ByteWriter } from "./dump-out.js";

const NONE = 0;
const COMMA = 0x2c;

export class JsonWriter {
  readonly #out: ByteWriter;
  readonly #pretty: boolean;
  #depth = 0;
  /** The separator to print before the next element: none or a comma. */
  #sep = NONE;

  constructor(out: ByteWriter, pretty: boolean) {
    this.#out = out;
    this.#pretty = pretty;
  }

  #eor(): void {
    if (this.#sep !== NONE) this.#out.byte(this.#sep);
    this.#sep = COMMA;
  }

  #eol(): void {
    if (!this.#pretty) return;
    this.#out.byte(10);
    for (let i = 0; i < this.#depth; i++) this.#out.ascii("    ");
  }

  #begin(c: number): void {
    this.#eor();
    this.#out.byte(c);
    this.#depth++;
    this.#sep = NONE;
  }

  #end(c: number): void {
    this.#depth--;
    if (this.#sep !== NONE) this.#eol();
    this.#out.byte(c);
    this.#sep = COMMA;
  }

  startObject(): void {
    this.#begin(0x7b);
  }

  endObject(): void {
    this.#end(0x7d);
  }

  startArray(): void {
    this.#begin(0x5b);
  }

  endArray(): void {
    this.#end(0x5d);
  }

  /** A property name (ASCII). */
  name(name: string): void {
    this.#eor();
    this.#eol();
    this.#sep = NONE;
    this.#out.byte(0x22);
    this.#out.ascii(name);
    this.#out.ascii(this.#pretty ? '": ' : '":');
  }

  /** `"name": <unsigned>` */
  uint(name: string, value: number): void {
    this.name(name);
    this.#eor();
    this.#out.uint(value);
  }

  /** `"name": <signed>` */
  int(name: string, value: number): void {
    this.name(name);
    this.#eor();
    this.#out.int(value);
  }

  /** `"name": <64-bit value>` from u32 halves. */
  u64(name: string, hi: number, lo: number, signed: boolean): void {
    this.name(name);
    this.#eor();
    this.#out.u64(hi, lo, signed);
  }

  /** `"name": "<ASCII value>"` */
  string(name: string, value: string): void {
    this.name(name);
    this.#eor();
    this.#out.byte(0x22);
    this.#out.ascii(value);
    this.#out.byte(0x22);
  }

  /** `"name": "<bytes ws[start, end), escaped>"` */
  bytes(name: string, start: number, end: number): void {
    this.name(name);
    this.#eor();
    const out = this.#out;
    out.byte(0x22);
    let from = start;
    for (let i = start; i < end; i++) {
      const escaped = escapeOf(out.ws[i]!);
      if (escaped === undefined) continue;
      out.copy(from, i);
      out.ascii(escaped);
      from = i + 1;
    }
    out.copy(from, end);
    out.byte(0x22);
  }

  /** The newline bpftool prints when it closes its JSON writer. */
  finish(): void {
    this.#out.byte(10);
  }
}

function escapeOf(c: number): string | undefined {
  switch (c) {
    case 0x09: return "\\t";
    case 0x0a: return "\\n";
    case 0x0d: return "\\r";
    case 0x0c: return "\\f";
    case 0x08: return "\\b";
    case 0x5c: return "\\\\";
    case 0x22: return '\\"';
    default: return undefined;
  }
}
