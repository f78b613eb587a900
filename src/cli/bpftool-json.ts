// A JSON writer that reproduces bpftool's json_writer byte for byte, plain
// (-j) and pretty (-p), so `corebpf ... -j` output can be diffed with bpftool's.

export class BpftoolJson {
  #out = "";
  #depth = 0;
  #sep = "";
  readonly #pretty: boolean;

  constructor(pretty: boolean) {
    this.#pretty = pretty;
  }

  #eol(): void {
    if (!this.#pretty) return;
    this.#out += "\n" + "    ".repeat(this.#depth);
  }

  #eor(): void {
    this.#out += this.#sep;
    this.#sep = ",";
  }

  #begin(c: string): void {
    this.#eor();
    this.#out += c;
    this.#depth++;
    this.#sep = "";
  }

  #end(c: string): void {
    this.#depth--;
    if (this.#sep !== "") this.#eol();
    this.#out += c;
    this.#sep = ",";
  }

  static quote(s: string): string {
    let q = '"';
    for (const ch of s) {
      switch (ch) {
        case "\t": q += "\\t"; break;
        case "\n": q += "\\n"; break;
        case "\r": q += "\\r"; break;
        case "\f": q += "\\f"; break;
        case "\b": q += "\\b"; break;
        case "\\": q += "\\\\"; break;
        case '"': q += '\\"'; break;
        default: q += ch;
      }
    }
    return q + '"';
  }

  name(name: string): this {
    this.#eor();
    this.#eol();
    this.#sep = "";
    this.#out += BpftoolJson.quote(name) + ":";
    if (this.#pretty) this.#out += " ";
    return this;
  }

  /** A raw value (number, true/false/null, or pre-quoted text). */
  raw(text: string): this {
    this.#eor();
    this.#out += text;
    return this;
  }

  string(s: string): this {
    return this.raw(BpftoolJson.quote(s));
  }
  uint(n: number | bigint): this {
    return this.raw(String(n));
  }
  int(n: number | bigint): this {
    return this.raw(String(n));
  }
  bool(b: boolean): this {
    return this.raw(b ? "true" : "false");
  }
  null(): this {
    return this.raw("null");
  }

  startObject(): this {
    this.#begin("{");
    return this;
  }
  endObject(): this {
    this.#end("}");
    return this;
  }
  startArray(): this {
    this.#begin("[");
    return this;
  }
  endArray(): this {
    this.#end("]");
    return this;
  }

  stringField(name: string, s: string): this {
    return this.name(name).string(s);
  }
  uintField(name: string, n: number | bigint): this {
    return this.name(name).uint(n);
  }
  intField(name: string, n: number | bigint): this {
    return this.name(name).int(n);
  }
  boolField(name: string, b: boolean): this {
    return this.name(name).bool(b);
  }
  nullField(name: string): this {
    return this.name(name).null();
  }

  /** Takes what was written so far (text printed between writer calls goes after it); the writer's state is kept. */
  flush(): string {
    const out = this.#out;
    this.#out = "";
    return out;
  }

  /** The document as bpftool ends it (jsonw_destroy adds a newline). */
  finish(): string {
    return this.#out + "\n";
  }
}
