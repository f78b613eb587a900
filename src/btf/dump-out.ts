// The byte buffer the dumps print into. One workspace holds the BTF string
// bytes, a stash of reusable snippets and the output, so that names and
// snippets are copied with copyWithin (native, nothing allocated) instead of
// byte loops: a dump runs once per process, mostly before the JIT has
// optimised it, so fewer, larger operations matter more than tight loops.
// Full chunks go to a sink in a few large pieces.
import { concatBytes } from "../bytes.js";
import { BtfError } from "../errors.js";

/**
 * Receives the output in order. The chunk is only valid during the call (the
 * buffer is reused): write it out or copy it.
 */
export type ChunkSink = (chunk: Uint8Array) => void;

/** Bytes a dump gathers before handing them to the sink (a few writes for a kernel's 2.8 MB header). */
export const DEFAULT_CHUNK_BYTES = 1 << 19;
/** Output past which a dump stops (absurd sizes in corrupt BTF ask for gigabytes of padding). */
export const DEFAULT_MAX_OUTPUT_BYTES = 1 << 30;

const TABS = 13; // libbpf indents at most 13 levels

export interface ByteWriterOptions {
  /** Bytes (a string section) that `cstr` and `copy` address by index; copied into the workspace. */
  source?: Uint8Array;
  /** Room for stashed snippets (default 512 KiB; a kernel's declarator templates take about 330 KiB); `stash` fails softly once full. */
  stashBytes?: number;
  chunkBytes?: number;
  maxBytes?: number;
}

export class ByteWriter {
  /** [source | stash | output]; `pos` is the next output byte. */
  ws: Uint8Array;
  pos: number;
  /** Where the output starts in `ws`. */
  outBase: number;
  /** Bytes handed to the sink so far. */
  flushed = 0;
  readonly #sourceLength: number;
  #stashEnd: number;
  readonly #sink: ChunkSink;
  /** Output gathered before it goes to the sink. */
  readonly chunkBytes: number;
  readonly #maxBytes: number;

  constructor(sink: ChunkSink, options: ByteWriterOptions = {}) {
    const source = options.source ?? new Uint8Array(0);
    this.#sink = sink;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.#sourceLength = source.length;
    this.#stashEnd = source.length;
    this.outBase = source.length + (options.stashBytes ?? 1 << 19);
    this.ws = new Uint8Array(this.outBase + this.chunkBytes + 65536);
    this.ws.set(source);
    this.pos = this.outBase;
  }

  /** Makes room for `n` more output bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.ws.length) this.#grow(n);
  }

  #grow(n: number): void {
    const next = new Uint8Array(Math.max(this.ws.length * 2, this.pos + n + 65536));
    next.set(this.ws.subarray(0, this.pos));
    this.ws = next;
  }

  /** Hands the output to the sink once it holds a chunk's worth (safe at any point: nothing is patched later). */
  maybeFlush(): void {
    if (this.pos - this.outBase >= this.chunkBytes) this.flush();
  }

  flush(): void {
    const n = this.pos - this.outBase;
    if (n === 0) return;
    this.#sink(this.ws.subarray(this.outBase, this.pos));
    this.flushed += n;
    this.flushes++;
    this.pos = this.outBase;
    if (this.flushed > this.#maxBytes) {
      throw new BtfError("BTF_DUMP_TOO_LARGE", `dump output exceeds ${this.#maxBytes} bytes`, {
        hint: "a type's size or offsets are absurd (corrupt BTF?); raise maxOutputBytes if the output is really this large",
      });
    }
  }

  /** How many times the output was handed over (positions into it are stale once this changes). */
  flushes = 0;

  /** An ASCII literal. */
  ascii(s: string): void {
    const n = s.length;
    if (this.pos + n > this.ws.length) this.#grow(n);
    const ws = this.ws;
    let pos = this.pos;
    for (let i = 0; i < n; i++) ws[pos++] = s.charCodeAt(i);
    this.pos = pos;
  }

  byte(c: number): void {
    if (this.pos + 1 > this.ws.length) this.#grow(1);
    this.ws[this.pos++] = c;
  }

  /** Two bytes. */
  byte2(a: number, b: number): void {
    if (this.pos + 2 > this.ws.length) this.#grow(2);
    const ws = this.ws;
    ws[this.pos] = a;
    ws[this.pos + 1] = b;
    this.pos += 2;
  }

  /** Three bytes. */
  byte3(a: number, b: number, c: number): void {
    if (this.pos + 3 > this.ws.length) this.#grow(3);
    const ws = this.ws;
    ws[this.pos] = a;
    ws[this.pos + 1] = b;
    ws[this.pos + 2] = c;
    this.pos += 3;
  }

  /** The NUL-terminated source string at index `at` (the rest of the source when unterminated). */
  cstr(at: number): void {
    if (at >= this.#sourceLength) return;
    let end = this.ws.indexOf(0, at);
    if (end < 0 || end > this.#sourceLength) end = this.#sourceLength;
    if (this.pos + end - at > this.ws.length) this.#grow(end - at);
    this.ws.copyWithin(this.pos, at, end);
    this.pos += end - at;
  }

  /** Whether the source string at `at` is empty. */
  emptyAt(at: number): boolean {
    return at >= this.#sourceLength || this.ws[at] === 0;
  }

  /** ws[start, end) (source or stash bytes) appended to the output. */
  copy(start: number, end: number): void {
    const n = end - start;
    if (this.pos + n > this.ws.length) this.#grow(n);
    this.ws.copyWithin(this.pos, start, end);
    this.pos += n;
  }

  /** ws[a, b), ws[c, d) and ws[e, f) appended: a declaration from its template and name. */
  copy3(a: number, b: number, c: number, d: number, e: number, f: number): void {
    const n = b - a + d - c + f - e;
    if (this.pos + n > this.ws.length) this.#grow(n);
    const ws = this.ws;
    let pos = this.pos;
    ws.copyWithin(pos, a, b);
    pos += b - a;
    ws.copyWithin(pos, c, d);
    pos += d - c;
    ws.copyWithin(pos, e, f);
    this.pos = pos + f - e;
  }

  /**
   * Keeps output bytes [a, b) followed by [c, d) in the stash; returns where
   * they start in `ws`, or -1 when the stash is full.
   */
  stash(a: number, b: number, c: number, d: number): number {
    const start = this.#stashEnd;
    if (start + (b - a) + (d - c) > this.outBase) return -1;
    this.ws.copyWithin(start, a, b);
    this.ws.copyWithin(start + (b - a), c, d);
    this.#stashEnd += b - a + d - c;
    return start;
  }

  /** One past the last stashed byte. */
  get stashEnd(): number {
    return this.#stashEnd;
  }

  /** Keeps `bytes` in the stash (growing it, which flushes the output); returns where they start in `ws`. */
  stashBytes(bytes: Uint8Array): number {
    if (this.#stashEnd + bytes.length > this.outBase) this.#growStash(bytes.length);
    const start = this.#stashEnd;
    this.ws.set(bytes, start);
    this.#stashEnd += bytes.length;
    return start;
  }

  #growStash(n: number): void {
    this.flush();
    const stash = Math.max(2 * (this.outBase - this.#sourceLength), this.#stashEnd - this.#sourceLength + n);
    const outBase = this.#sourceLength + stash;
    const next = new Uint8Array(outBase + this.ws.length - this.outBase);
    next.set(this.ws.subarray(0, this.#stashEnd));
    this.ws = next;
    this.outBase = outBase;
    this.pos = outBase;
  }

  /** bytes[start, end) of another array. */
  raw(bytes: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.pos + n > this.ws.length) this.#grow(n);
    this.ws.set(bytes.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** A newline then `lvl` tabs (at most 13, libbpf's indentation cap). */
  newline(lvl: number): void {
    const n = lvl > TABS ? TABS : lvl;
    if (this.pos + n + 1 > this.ws.length) this.#grow(n + 1);
    const ws = this.ws;
    let pos = this.pos;
    ws[pos++] = 10;
    for (let i = 0; i < n; i++) ws[pos++] = 9;
    this.pos = pos;
  }

  /** A non-negative integer below 2^53, in decimal. */
  uint(n: number): void {
    if (this.pos + 16 > this.ws.length) this.#grow(16);
    const ws = this.ws;
    if (n < 10) {
      ws[this.pos++] = 48 + n;
      return;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let pos = this.pos + digits;
    this.pos = pos;
    for (let x = n; x > 0; x = Math.floor(x / 10)) ws[--pos] = 48 + (x % 10);
  }

  /** An integer (|n| < 2^53), in decimal. */
  int(n: number): void {
    if (n < 0) {
      this.byte(45);
      this.uint(-n);
    } else this.uint(n);
  }

  /** A 64-bit value given as two u32 halves, unsigned or two's complement signed. */
  u64(hi: number, lo: number, signed: boolean): void {
    if (hi === 0) return this.uint(lo);
    if (!signed || hi < 0x80000000) {
      if (hi < 0x200000) return this.uint(hi * 0x100000000 + lo);
      return this.ascii(((BigInt(hi) << 32n) | BigInt(lo)).toString());
    }
    this.ascii(BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString());
  }
}

/** A sink that gathers everything; `text()` decodes it (tests and small dumps). */
export function collectingSink(): { sink: ChunkSink; bytes(): Uint8Array; text(): string } {
  const chunks: Uint8Array[] = [];
  const bytes = (): Uint8Array => concatBytes(chunks);
  return {
    sink: (chunk) => void chunks.push(chunk.slice()),
    bytes,
    text: () => new TextDecoder().decode(bytes()),
  };
}
