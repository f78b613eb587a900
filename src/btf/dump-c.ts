// BTF as a C header, byte for byte what bpftool 7.1 prints with
// `btf dump file F format c` (libbpf 1.1's btf_dump). Rules, as observed:
//
// - Every type id is visited in order. Visiting orders the type: the named
//   definitions it needs by value are queued first (depth first), types
//   reached through a pointer only when they are anonymous, typedefs through a
//   pointer only when what they name is itself "strong". The queue is then
//   emitted; a named struct met while emitting, before its definition, gets a
//   forward declaration `struct x;`; a typedef met while its target is being
//   emitted is emitted early.
// - Anonymous structs, unions and enums are written inline where used;
//   anonymous enums nobody refers to are written at top level.
// - Struct, union and enum tags share one namespace, typedef names and
//   enumerators another; a repeated name gets `___N` (N = its occurrence).
// - Layout is recreated with bitfields, `type: N;` padding fillers (`long:
//   0;` to force alignment) and `__attribute__((packed))` when a member is
//   off its natural alignment or the size is not a multiple of the alignment.
//
// The output goes to a ByteWriter in large chunks; names are copied from the
// string bytes; no type object is materialised.
import { BtfError } from "../errors.js";
import type { Btf } from "./btf.js";
import { CLayout, guessPointerSize } from "./dump-c-layout.js";
import { CWriter, FWD_EMITTED, isModifier } from "./dump-c-decl.js";
import { ByteWriter, collectingSink, type ChunkSink } from "./dump-out.js";
import { REC_DATA, REC_INFO, REC_SIZE_TYPE, TypeWords } from "./dump-words.js";
import { BtfKind as K } from "./kinds.js";

export interface CDumpOptions {
  /** bpftool's vmlinux.h wrapper: include guard and preserve_access_index pragmas (default true). */
  header?: boolean;
  /** Dump these types and what they depend on, instead of every type. */
  rootIds?: readonly number[];
  /** Output bytes gathered before each call of the sink (default 512 KiB). */
  chunkBytes?: number;
  /** Stop with a BtfError past this many output bytes (default 1 GiB): a guard against absurd padding. */
  maxOutputBytes?: number;
}

const PREAMBLE =
  "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n" +
  "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n" +
  "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n" +
  "#endif\n\n";
const POSTAMBLE = "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n";

/** Writes `btf` as C to `sink` (see ChunkSink: chunks are only valid during the call). */
export function dumpC(btf: Btf, sink: ChunkSink, options: CDumpOptions = {}): void {
  new CDumper(btf, sink, options).run(options.rootIds);
}

/** `btf` as C, in one string. */
export function formatC(btf: Btf, options: CDumpOptions = {}): string {
  const out = collectingSink();
  dumpC(btf, out.sink, options);
  return out.text();
}

// Ordering and emission states (libbpf's NOT_ORDERED/ORDERING/ORDERED, NOT_EMITTED/EMITTING/EMITTED).
const NOT_DONE = 0;
const IN_PROGRESS = 1;
const DONE = 2;


// Where a record's type references are, by kind (for markReferenced): the first
// at word REF_FIRST of the record, every REF_STRIDE words, REF_FIXED of them plus
// REF_PER_ELEMENT per vlen element; DECLARES is 1 for kinds that order to a C
// declaration (INT, FLOAT, FUNC, VAR, DATASEC and DECL_TAG never do).
const REF_FIRST = new Uint8Array(32);
const REF_STRIDE = new Uint8Array(32).fill(1);
const REF_FIXED = new Uint8Array(32);
const REF_PER_ELEMENT = new Uint8Array(32);
const DECLARES = new Uint8Array(32);
for (const k of [K.PTR, K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.FUNC, K.VAR, K.DECL_TAG, K.TYPE_TAG]) {
  REF_FIRST[k] = REC_SIZE_TYPE;
  REF_FIXED[k] = 1;
}
REF_FIRST[K.ARRAY] = REC_DATA;
REF_FIXED[K.ARRAY] = 2; // element and index types
for (const [k, first, stride] of [[K.STRUCT, REC_DATA + 1, 3], [K.UNION, REC_DATA + 1, 3], [K.FUNC_PROTO, REC_DATA + 1, 2], [K.DATASEC, REC_DATA, 3]] as const) {
  REF_FIRST[k] = first;
  REF_STRIDE[k] = stride;
  REF_PER_ELEMENT[k] = 1;
}
for (const k of [K.PTR, K.ARRAY, K.STRUCT, K.UNION, K.ENUM, K.FWD, K.TYPEDEF, K.VOLATILE, K.CONST, K.RESTRICT, K.FUNC_PROTO, K.TYPE_TAG, K.ENUM64]) {
  DECLARES[k] = 1;
}

class CDumper extends CWriter {
  private readonly header: boolean;
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  /** 1 where some type refers to the id (a FUNC_PROTO's return type aside). */
  private readonly referenced: Uint8Array;
  /** Ids dumpAll must visit (markReferenced leaves out kinds that declare nothing). */
  private readonly candidates: Uint32Array;
  private candidateCount = 0;
  /** The id dumpAll is at: skipped ids below it count as visited (ordered). */
  private cursor = 0;
  private queue = new Uint32Array(64);
  private queueLen = 0;

  constructor(btf: Btf, sink: ChunkSink, options: CDumpOptions) {
    const t = new TypeWords(btf);
    const writerOptions = { source: t.str, ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }) };
    const out = new ByteWriter(sink, options.maxOutputBytes === undefined ? writerOptions : { ...writerOptions, maxBytes: options.maxOutputBytes });
    super(t, out, new CLayout(t, guessPointerSize(t)));
    const count = t.count;
    this.header = options.header ?? true;
    this.order = new Uint8Array(count);
    this.emit = new Uint8Array(count);
    this.referenced = new Uint8Array(count);
    this.candidates = new Uint32Array(count);
    this.order[0] = DONE; // void needs no definition
    this.emit[0] = DONE;
  }

  run(rootIds: readonly number[] | undefined): void {
    const out = this.out;
    try {
      if (this.header) out.ascii(PREAMBLE);
      this.markReferenced();
      if (rootIds === undefined) this.dumpAll();
      else for (const id of rootIds) this.dumpType(id);
      if (this.header) out.ascii(POSTAMBLE);
    } catch (err) {
      // What was produced stays produced (bpftool's buffered output is flushed at exit too).
      out.flush();
      if (err instanceof RangeError) {
        throw new BtfError("BTF_TOO_DEEP", "types nest or refer to each other too deeply to dump", {
          hint: "the BTF has a reference loop or an absurd nesting depth",
          cause: err,
        });
      }
      throw err;
    }
    out.flush();
  }

  /**
   * dumpType for every id. Kinds that order to nothing (INT, FLOAT, FUNC,
   * VAR, DATASEC, DECL_TAG: half of a kernel's types are FUNCs) were left out
   * of `candidates` by markReferenced: their visit would only have marked
   * them ordered, which orderType infers from `cursor` instead.
   */
  private dumpAll(): void {
    const order = this.order;
    const candidates = this.candidates;
    const out = this.out;
    for (let i = 0; i < this.candidateCount; i++) {
      const id = candidates[i]!;
      this.cursor = id;
      if (order[id] === DONE) continue;
      this.queueLen = 0;
      this.orderType(id, false);
      for (let q = 0; q < this.queueLen; q++) this.emitType(this.queue[q]!, 0);
      if (out.pos - out.outBase >= out.chunkBytes) out.flush();
    }
  }

  private dumpType(id: number): void {
    // Id 0 (void: a map key without BTF) dumps nothing, as in libbpf.
    if (!(Number.isInteger(id) && id >= 0 && id < this.count)) {
      throw new BtfError("BTF_NO_TYPE", `no type with id ${id} to dump (valid ids are 0..${this.count - 1})`, { typeId: id });
    }
    this.queueLen = 0;
    this.orderType(id, false);
    for (let i = 0; i < this.queueLen; i++) this.emitType(this.queue[i]!, 0);
    this.out.maybeFlush();
  }

  /**
   * One pass over every type reference: marks the referenced types (an
   * anonymous enum nobody refers to is dumped at top level) and rejects
   * references to missing types, which the walks below trust. Names are
   * checked where they are printed.
   */
  private markReferenced(): void {
    const w = this.w;
    const at = this.at;
    const count = this.count;
    const referenced = this.referenced;
    const candidates = this.candidates;
    let n = 0;
    let max = 0;
    // Table-driven (no branch per kind), so the loop's optimised code does not
    // deoptimise when a kind shows up late.
    for (let id = 1; id < count; id++) {
      const a = at[id]!;
      const info = w[a + REC_INFO]!;
      const kind = (info >>> 24) & 0x7f;
      const stride = REF_STRIDE[kind]!;
      const refs = REF_FIXED[kind]! + REF_PER_ELEMENT[kind]! * (info & 0xffffff);
      for (let e = a + REF_FIRST[kind]!, end = e + refs * stride; e < end; e += stride) {
        const t = w[e]!;
        referenced[t] = 1;
        if (t > max) max = t;
      }
      // A prototype's return type must exist but does not count as referenced (libbpf marks parameters only).
      const ret = kind === K.FUNC_PROTO ? w[a + REC_SIZE_TYPE]! : 0;
      if (ret > max) max = ret;
      candidates[n] = id;
      n += DECLARES[kind]!;
    }
    this.candidateCount = n;
    if (max >= count) this.danglingReference();
  }

  /** Finds and reports the first reference to a missing type (the fast pass only saw that one exists). */
  private danglingReference(): never {
    for (let id = 1; id < this.count; id++) {
      for (const target of this.t.references(id)) {
        if (target >= this.count) throw new BtfError("BTF_BAD_REFERENCE", `type [${id}] refers to type ${target}, which does not exist`, { typeId: id });
      }
    }
    throw new BtfError("BTF_BAD_REFERENCE", "a type refers to a type that does not exist");
  }

  private enqueue(id: number): void {
    if (this.queueLen === this.queue.length) {
      const next = new Uint32Array(this.queue.length * 2);
      next.set(this.queue);
      this.queue = next;
    }
    this.queue[this.queueLen++] = id;
  }

  /**
   * Queues the named definitions `id` needs (dependencies first). Returns 1
   * when `id` is "strong" (its definition is, or is about to be, complete), 0
   * when a forward declaration does.
   */
  private orderType(id: number, throughPtr: boolean): number {
    const state = this.order[id]!;
    if (state === DONE) return 1;
    const w = this.w;
    const at = this.at[id]!;
    const info = w[at + REC_INFO]!;
    const kind = (info >>> 24) & 0x7f;
    if (state === IN_PROGRESS) {
      if ((kind === K.STRUCT || kind === K.UNION) && throughPtr && w[at]! !== 0) return 0;
      throw new BtfError("BTF_TYPE_CYCLE", `unsatisfiable type cycle, id:[${id}]`, {
        typeId: id,
        hint: "a type contains itself by value, which C cannot express",
      });
    }
    switch (kind) {
      case K.INT:
      case K.FLOAT:
        // libbpf returns 0 on the first visit only; dumpAll's skipped visit (ids below the cursor) counts.
        this.order[id] = DONE;
        return id < this.cursor ? 1 : 0;
      case K.PTR: {
        const target = w[at + REC_SIZE_TYPE]!;
        const strong = this.order[target] === DONE ? 1 : this.orderType(target, true);
        this.order[id] = DONE;
        return strong;
      }
      case K.ARRAY: {
        const element = w[at + REC_DATA]!;
        return this.order[element] === DONE ? 1 : this.orderType(element, false);
      }
      case K.STRUCT:
      case K.UNION: {
        // Part of the definition only when embedded, or anonymous (so defined inline).
        const named = w[at]! !== 0;
        if (throughPtr && named) return 0;
        this.order[id] = IN_PROGRESS;
        const vlen = info & 0xffffff;
        const order = this.order;
        for (let i = 0, m = at + REC_DATA + 1; i < vlen; i++, m += 3) if (order[w[m]!] !== DONE) this.orderType(w[m]!, false);
        if (named) this.enqueue(id);
        this.order[id] = DONE;
        return 1;
      }
      case K.ENUM:
      case K.ENUM64:
      case K.FWD:
        if (w[at]! !== 0 || this.referenced[id] === 0) this.enqueue(id);
        this.order[id] = DONE;
        return 1;
      case K.TYPEDEF: {
        const target = w[at + REC_SIZE_TYPE]!;
        const strong = this.order[target] === DONE ? 1 : this.orderType(target, throughPtr);
        if (throughPtr && strong === 0) return 0;
        this.enqueue(id);
        this.order[id] = DONE;
        return 1;
      }
      case K.VOLATILE:
      case K.CONST:
      case K.RESTRICT:
      case K.TYPE_TAG: {
        const target = w[at + REC_SIZE_TYPE]!;
        return this.order[target] === DONE ? 1 : this.orderType(target, throughPtr);
      }
      case K.FUNC_PROTO: {
        const ret = w[at + REC_SIZE_TYPE]!;
        let strong = this.order[ret] === DONE ? 1 : this.orderType(ret, throughPtr);
        const vlen = info & 0xffffff;
        const order = this.order;
        for (let i = 0, p = at + REC_DATA + 1; i < vlen; i++, p += 2) {
          if (order[w[p]!] === DONE || this.orderType(w[p]!, throughPtr) > 0) strong = 1;
        }
        return strong;
      }
      default:
        // FUNC, VAR, DATASEC, DECL_TAG: nothing of C's to declare.
        this.order[id] = DONE;
        return id < this.cursor ? 1 : 0;
    }
  }

  /** Emits `id` (and what it needs); `contId` is the struct being defined around it, 0 at top level. */
  private emitType(id: number, contId: number): void {
    const state = this.emit[id]!;
    if (state === DONE) return;
    const w = this.w;
    const at = this.at[id]!;
    const kind = (w[at + REC_INFO]! >>> 24) & 0x7f;
    const out = this.out;
    if (state === IN_PROGRESS) {
      // Met again while being emitted: declare it ahead where C allows.
      if ((this.flags[id]! & FWD_EMITTED) !== 0) return;
      if (kind === K.STRUCT || kind === K.UNION) {
        if (id === contId || w[at]! === 0) return; // a self-reference needs nothing; anonymous loops cannot be declared
        this.emitStructFwd(id);
        out.byte3(0x3b, 10, 10);
        this.flags[id]! |= FWD_EMITTED;
      } else if (kind === K.TYPEDEF) {
        if (!this.isBuiltinVaList(id)) {
          this.emitTypedefDef(id, 0);
          out.byte3(0x3b, 10, 10);
        }
        this.flags[id]! |= FWD_EMITTED;
      }
      return;
    }
    switch (kind) {
      case K.INT:
        this.emitMissingAlias(id);
        this.emit[id] = DONE;
        break;
      case K.ENUM:
      case K.ENUM64:
        if (contId === 0) {
          this.emitEnumDef(id, 0);
          out.byte3(0x3b, 10, 10);
        }
        this.emit[id] = DONE;
        break;
      case K.PTR:
      case K.VOLATILE:
      case K.CONST:
      case K.RESTRICT:
      case K.TYPE_TAG:
        this.emitType(w[at + REC_SIZE_TYPE]!, contId);
        break;
      case K.ARRAY:
        this.emitType(w[at + REC_DATA]!, contId);
        break;
      case K.FWD:
        this.emitFwdDef(id);
        out.byte3(0x3b, 10, 10);
        this.emit[id] = DONE;
        break;
      case K.TYPEDEF:
        this.emit[id] = IN_PROGRESS;
        this.emitType(w[at + REC_SIZE_TYPE]!, id);
        // Someone may have needed the typedef as a forward declaration meanwhile.
        if ((this.flags[id]! & FWD_EMITTED) === 0 && !this.isBuiltinVaList(id)) {
          this.emitTypedefDef(id, 0);
          out.byte3(0x3b, 10, 10);
        }
        this.emit[id] = DONE;
        break;
      case K.STRUCT:
      case K.UNION: {
        this.emit[id] = IN_PROGRESS;
        const named = w[at]! !== 0;
        if (contId === 0 || !named) {
          // Members are written out: their types need declaring first.
          const inner = named ? id : contId;
          const vlen = w[at + REC_INFO]! & 0xffffff;
          const emit = this.emit;
          for (let i = 0, m = at + REC_DATA + 1; i < vlen; i++, m += 3) {
            const target = w[m]!;
            if (emit[target] === DONE) continue;
            const declared = this.declaredType(target);
            if (emit[declared] !== DONE) this.emitType(declared, inner);
            // A pointer (or modifier, array) chain to an emitted type has nothing left to emit, ever.
            else emit[target] = DONE;
          }
        } else if ((this.flags[id]! & FWD_EMITTED) === 0 && id !== contId) {
          this.emitStructFwd(id);
          out.byte3(0x3b, 10, 10);
          this.flags[id]! |= FWD_EMITTED;
        }
        if (contId === 0) {
          this.emitStructDef(id, 0);
          out.byte3(0x3b, 10, 10);
          this.emit[id] = DONE;
        } else {
          this.emit[id] = NOT_DONE;
        }
        break;
      }
      case K.FUNC_PROTO: {
        const emit = this.emit;
        const ret = w[at + REC_SIZE_TYPE]!;
        if (emit[ret] !== DONE) this.emitType(ret, contId);
        const vlen = w[at + REC_INFO]! & 0xffffff;
        for (let i = 0, p = at + REC_DATA + 1; i < vlen; i++, p += 2) if (emit[w[p]!] !== DONE) this.emitType(w[p]!, contId);
        break;
      }
      default:
        break;
    }
  }

  /**
   * The type a pointer, modifier, type tag or array chain leads to (emitType
   * passes through those unchanged); a long chain (a loop) stops early and is
   * left to emitType's recursion.
   */
  private declaredType(id: number): number {
    const w = this.w;
    for (let hops = 0; hops < 64; hops++) {
      const at = this.at[id]!;
      const kind = (w[at + REC_INFO]! >>> 24) & 0x7f;
      if (kind === K.ARRAY) id = w[at + REC_DATA]!;
      else if (kind === K.PTR || isModifier(kind)) id = w[at + REC_SIZE_TYPE]!;
      else break;
    }
    return id;
  }

}
