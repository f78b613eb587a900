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
import { NameCounter, stringIs } from "./dump-names.js";
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
// Per-type flags.
const FWD_EMITTED = 1;
const NAME_RESOLVED = 4;
const RENAMED = 8;

/** Longest declarator chain (pointer to pointer to ...) before calling it a loop. */
const MAX_CHAIN = 1 << 16;

/** Types GCC refers to without defining them (Arm SIMD), given a definition before first use. */
const MISSING_BASE_TYPES: ReadonlyArray<readonly [string, string]> = [
  ["__Poly8_t", "unsigned char"],
  ["__Poly16_t", "unsigned short"],
  ["__Poly64_t", "unsigned long long"],
  ["__Poly128_t", "unsigned __int128"],
];

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

/** Whether a kind continues a declarator chain (the type it refers to is written around the name). */
function chains(kind: number): boolean {
  return kind === K.PTR || kind === K.CONST || kind === K.VOLATILE || kind === K.RESTRICT || kind === K.TYPE_TAG || kind === K.FUNC_PROTO;
}

function isModifier(kind: number): boolean {
  return kind === K.VOLATILE || kind === K.CONST || kind === K.RESTRICT || kind === K.TYPE_TAG;
}

class CDumper {
  private readonly t: TypeWords;
  private readonly w: Uint32Array;
  private readonly at: Uint32Array;
  private readonly count: number;
  private readonly out: ByteWriter;
  private readonly layout: CLayout;
  private readonly header: boolean;
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly flags: Uint8Array;
  /** 1 where some type refers to the id (a FUNC_PROTO's return type aside). */
  private readonly referenced: Uint8Array;
  private readonly strLen: number;
  /** Ids dumpAll must visit (markReferenced leaves out kinds that declare nothing). */
  private readonly candidates: Uint32Array;
  private candidateCount = 0;
  /** The id dumpAll is at: skipped ids below it count as visited (ordered). */
  private cursor = 0;
  /** Names given a ___N suffix (flag RENAMED): where they were stashed in the writer's workspace. */
  private readonly renamed = new Map<number, readonly [start: number, end: number]>();
  /** Struct/union/enum tags seen (and INT names, as libbpf counts them), with their count. */
  private readonly typeNames: NameCounter;
  /** Typedef names and enumerators seen, with their count. */
  private readonly identNames: NameCounter;
  private queue = new Uint32Array(64);
  private queueLen = 0;
  private stack = new Uint32Array(256);
  private sp = 0;
  /** Nesting of declarations being rendered (the parameters of a function pointer are nested). */
  private depth = 0;
  // Declarator templates by type id: the text before the name at ws[tplStart - 1, +prefix),
  // after it at [+prefix, +prefix+suffix), with tplLengths = prefix | suffix << 16;
  // tplStart 0 = not rendered yet, -1 = not reusable.
  private readonly tplStart: Int32Array;
  private readonly tplLengths: Int32Array;
  private recording = false;
  private inlineDefinition = false;
  private namePos = -1;
  private nameEnd = -1;

  constructor(btf: Btf, sink: ChunkSink, options: CDumpOptions) {
    const t = new TypeWords(btf);
    const count = t.count;
    this.t = t;
    this.w = t.words;
    this.at = t.at;
    this.count = count;
    const writerOptions = { source: t.str, ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }) };
    this.out = new ByteWriter(sink, options.maxOutputBytes === undefined ? writerOptions : { ...writerOptions, maxBytes: options.maxOutputBytes });
    this.layout = new CLayout(t, guessPointerSize(t));
    this.header = options.header ?? true;
    this.order = new Uint8Array(count);
    this.emit = new Uint8Array(count);
    this.flags = new Uint8Array(count);
    this.referenced = new Uint8Array(count);
    this.candidates = new Uint32Array(count);
    this.strLen = t.str.length;
    this.tplStart = new Int32Array(count);
    this.tplLengths = new Int32Array(count);
    this.typeNames = new NameCounter(t.str, 1 << 14);
    this.identNames = new NameCounter(t.str, 1 << 14);
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
      for (let i = 0; i < this.queueLen; i++) this.emitType(this.queue[i]!, 0);
      if (out.pos - out.outBase >= out.chunkBytes) out.flush();
    }
  }

  private dumpType(id: number): void {
    if (!(id >= 1 && id < this.count)) {
      throw new BtfError("BTF_NO_TYPE", `no type with id ${id} to dump (valid ids are 1..${this.count - 1})`, { typeId: id });
    }
    this.queueLen = 0;
    this.orderType(id, false);
    for (let i = 0; i < this.queueLen; i++) this.emitType(this.queue[i]!, 0);
    this.out.maybeFlush();
  }

  // Record access.

  private kind(id: number): number {
    return (this.w[this.at[id]! + REC_INFO]! >>> 24) & 0x7f;
  }

  private vlen(id: number): number {
    return this.w[this.at[id]! + REC_INFO]! & 0xffffff;
  }

  private nameOff(id: number): number {
    return this.w[this.at[id]!]!;
  }

  private st(id: number): number {
    return this.w[this.at[id]! + REC_SIZE_TYPE]!;
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

  /** Rejects a name offset outside the strings (libbpf would crash on it). */
  private checkName(id: number, off: number): void {
    if (off >= this.strLen) throw new BtfError("BTF_BAD_STRING_OFFSET", `type [${id}]: name offset ${off} is outside the strings`, { typeId: id });
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

  private isBuiltinVaList(id: number): boolean {
    const off = this.nameOff(id);
    return off !== 0 && stringIs(this.t.str, off, "__builtin_va_list");
  }

  // Names.

  /** Resolves the name of `id` in `names` (once per type): its ___N suffix if it repeats one. */
  private resolveName(id: number, names: NameCounter): void {
    const flags = this.flags;
    if ((flags[id]! & NAME_RESOLVED) !== 0) return;
    flags[id]! |= NAME_RESOLVED;
    const off = this.nameOff(id);
    if (off === 0) return;
    const kind = this.kind(id);
    if (kind === K.FWD || (kind === K.ENUM && this.vlen(id) === 0)) return; // declarations never clash
    const dup = names.add(off, this.nameEndOf(off));
    if (dup > 1) {
      const start = this.out.stashBytes(suffixed(this.t.str, off, dup));
      this.renamed.set(id, [start, this.out.stashEnd]);
      flags[id]! |= RENAMED;
    }
  }

  /** Writes the (resolved) name of `id`. */
  private writeName(id: number): void {
    const renamed = (this.flags[id]! & RENAMED) === 0 ? undefined : this.renamed.get(id);
    if (renamed !== undefined) this.out.copy(renamed[0], renamed[1]);
    else this.out.cstr(this.nameOff(id));
  }

  private writeTypeName(id: number): void {
    this.resolveName(id, this.typeNames);
    this.writeName(id);
  }

  private emitMissingAlias(id: number): void {
    this.resolveName(id, this.typeNames);
    const off = this.nameOff(id);
    if (off === 0 || (this.flags[id]! & RENAMED) !== 0) return;
    for (const [name, alias] of MISSING_BASE_TYPES) {
      if (stringIs(this.t.str, off, name)) {
        this.out.ascii(`typedef ${alias} ${name};\n\n`);
        return;
      }
    }
  }

  // Definitions and forward declarations.

  private emitStructFwd(id: number): void {
    this.out.ascii(this.kind(id) === K.STRUCT ? "struct" : "union");
    if (this.nameOff(id) !== 0) {
      this.out.byte(0x20);
      this.writeTypeName(id);
    }
  }

  private emitFwdDef(id: number): void {
    this.out.ascii(this.w[this.at[id]! + REC_INFO]! >>> 31 === 1 ? "union " : "struct ");
    this.writeTypeName(id);
  }

  private emitTypedefDef(id: number, lvl: number): void {
    this.resolveName(id, this.identNames);
    const target = this.st(id);
    const renamed = (this.flags[id]! & RENAMED) === 0 ? undefined : this.renamed.get(id);
    if (target === 0 && renamed === undefined && stringIs(this.t.str, this.nameOff(id), "__gnuc_va_list")) {
      // Old GCCs describe __gnuc_va_list as a typedef of void.
      this.out.ascii("typedef __builtin_va_list __gnuc_va_list");
      return;
    }
    this.out.ascii("typedef ");
    if (renamed !== undefined) this.emitTypeDecl(target, renamed[0], renamed[1], lvl);
    else this.emitTypeDecl(target, this.nameOff(id), this.nameEndOf(this.nameOff(id)), lvl);
  }

  /** Where the source string at `off` ends. */
  private nameEndOf(off: number): number {
    const str = this.t.str;
    if (off >= str.length) return off;
    const end = str.indexOf(0, off);
    return end < 0 ? str.length : end;
  }

  private emitEnumDef(id: number, lvl: number): void {
    const out = this.out;
    const w = this.w;
    const at = this.at[id]!;
    const info = w[at + REC_INFO]!;
    out.ascii("enum");
    if (w[at]! !== 0) {
      out.byte(0x20);
      this.writeTypeName(id);
    }
    const vlen = info & 0xffffff;
    if (vlen === 0) return;
    out.byte2(0x20, 0x7b);
    const is64 = ((info >>> 24) & 0x7f) === K.ENUM64;
    const signed = info >>> 31 === 1;
    const stride = is64 ? 3 : 2;
    const str = this.t.str;
    const tabs = lvl + 1 > 13 ? 13 : lvl + 1;
    for (let i = 0, e = at + REC_DATA; i < vlen; i++, e += stride) {
      const nameOff = w[e]!;
      if (nameOff >= this.strLen) this.checkName(id, nameOff);
      let end = str.indexOf(0, nameOff);
      if (end < 0) end = str.length;
      const dup = this.identNames.add(nameOff, end);
      // `\n\tNAME = ` written in place; the value and suffix after it.
      const n = tabs + end - nameOff + 48;
      if (out.pos + n > out.ws.length) out.ensure(n);
      const ws = out.ws;
      let pos = out.pos;
      ws[pos++] = 10;
      for (let k = 0; k < tabs; k++) ws[pos++] = 9;
      ws.copyWithin(pos, nameOff, end);
      pos += end - nameOff;
      out.pos = pos;
      if (dup > 1) {
        out.ascii("___");
        out.uint(dup);
      }
      out.byte3(0x20, 0x3d, 0x20);
      if (is64) {
        out.u64(w[e + 2]!, w[e + 1]!, signed);
        out.ascii(signed ? "LL," : "ULL,");
      } else {
        const v = w[e + 1]!;
        if (signed) out.int(v | 0);
        else out.uint(v);
        out.ws[out.pos++] = 0x2c;
      }
    }
    out.newline(lvl);
    out.byte(0x7d);
  }

  private emitStructDef(id: number, lvl: number): void {
    const out = this.out;
    const layout = this.layout;
    const w = this.w;
    const at = this.at[id]!;
    const info = w[at + REC_INFO]!;
    const isStruct = ((info >>> 24) & 0x7f) === K.STRUCT;
    const size = w[at + REC_SIZE_TYPE]!;
    const kflag = info >>> 31 === 1;
    const vlen = info & 0xffffff;
    const align = layout.alignOf(id);
    const packed = isStruct && layout.isPacked(id);
    out.ascii(isStruct ? "struct" : "union");
    if (w[at]! !== 0) {
      out.byte(0x20);
      this.writeTypeName(id);
    }
    out.byte2(0x20, 0x7b);
    const str = this.t.str;
    const tplStart = this.tplStart;
    const tplLengths = this.tplLengths;
    const sizes = layout.sizes;
    const tabs = lvl + 1 > 13 ? 13 : lvl + 1;
    let off = 0;
    let prevBitfield = false;
    for (let i = 0, m = at + REC_DATA; i < vlen; i++, m += 3) {
      const nameOff = w[m]!;
      const type = w[m + 1]!;
      const raw = w[m + 2]!;
      if (nameOff >= this.strLen) this.checkName(id, nameOff);
      const bits = kflag ? raw >>> 24 : 0;
      const memberOff = kflag ? raw & 0xffffff : raw | 0;
      if (off < memberOff) layout.emitPadding(out, off, memberOff, packed ? 1 : layout.alignOf(type), prevBitfield && bits !== 0, lvl + 1);
      let end = str.indexOf(0, nameOff);
      if (end < 0) end = str.length;
      const tpl = tplStart[type]!;
      if (tpl > 0 && end !== nameOff) {
        // The common case, written in place: newline, tabs, template around the name, `;`.
        const lengths = tplLengths[type]!;
        const split = tpl - 1 + (lengths & 0xffff);
        const tail = split + (lengths >>> 16);
        const n = tabs + split - tpl + end - nameOff + tail - split + 24;
        if (out.pos + n > out.ws.length) out.ensure(n);
        const ws = out.ws;
        let pos = out.pos;
        ws[pos++] = 10;
        for (let k = 0; k < tabs; k++) ws[pos++] = 9;
        ws.copyWithin(pos, tpl - 1, split);
        pos += split - tpl + 1;
        ws.copyWithin(pos, nameOff, end);
        pos += end - nameOff;
        if (tail !== split) ws.copyWithin(pos, split, tail); // most templates end at the name
        out.pos = pos + tail - split;
      } else {
        out.newline(lvl + 1);
        this.emitTypeDecl(type, nameOff, end, lvl + 1);
      }
      if (bits !== 0) {
        out.byte2(0x3a, 0x20);
        out.uint(bits);
        off = (memberOff + bits) | 0;
        prevBitfield = true;
      } else {
        let bytes = sizes[type]! - 2;
        if (bytes === -2) bytes = layout.resolveSize(type);
        off = (memberOff + Math.imul(bytes < 0 ? 0 : bytes | 0, 8)) | 0;
        prevBitfield = false;
      }
      out.ws[out.pos++] = 0x3b;
    }
    if (isStruct) layout.emitPadding(out, off, Math.imul(size, 8), align, false, lvl + 1);
    if (vlen !== 0 || size !== 0) out.newline(lvl);
    out.byte(0x7d);
    if (packed) out.ascii(" __attribute__((packed))");
    out.maybeFlush();
  }

  // Declarators: a type seen from its name outwards (`int (*name[4])(void)`).

  /**
   * Writes a declaration of the name at ws[nameStart, nameEnd) with type `id`.
   * A type's declarator is the same text around any non-empty name (`struct x *`
   * NAME, `char ` NAME `[16]`, `int (*` NAME `)(void)`) unless it defines an
   * anonymous type inline, so it is rendered once and then copied.
   */
  private emitTypeDecl(id: number, nameStart: number, nameEnd: number, lvl: number): void {
    const tpl = this.tplStart[id]!;
    if (tpl > 0 && nameStart !== nameEnd) {
      const lengths = this.tplLengths[id]!;
      const split = tpl - 1 + (lengths & 0xffff);
      this.out.copy3(tpl - 1, split, nameStart, nameEnd, split, split + (lengths >>> 16));
      return;
    }
    if (tpl < 0 || nameStart === nameEnd || this.recording) return this.renderTypeDecl(id, nameStart, nameEnd, lvl);
    this.recordTemplate(id, nameStart, nameEnd, lvl);
  }

  /** Renders a declaration and keeps its text around the name as the type's template when it can. */
  private recordTemplate(id: number, nameStart: number, nameEnd: number, lvl: number): void {
    const out = this.out;
    const start = out.pos;
    const flushes = out.flushes;
    this.recording = true;
    this.inlineDefinition = false;
    this.namePos = -1;
    if (!this.renderSimpleDecl(id, nameStart, nameEnd)) this.renderTypeDecl(id, nameStart, nameEnd, lvl);
    this.recording = false;
    // Reusable unless it defined a type inline or the output moved under us (flushed).
    if (this.inlineDefinition || this.namePos < 0 || out.flushes !== flushes) {
      this.tplStart[id] = -1;
      return;
    }
    const prefix = this.namePos - start;
    const suffix = out.pos - this.nameEnd;
    const kept = prefix < 0x10000 && suffix < 0x8000 ? out.stash(start, this.namePos, this.nameEnd, out.pos) : -1;
    if (kept < 0) {
      this.tplStart[id] = -1;
      return;
    }
    this.tplStart[id] = kept + 1;
    this.tplLengths[id] = prefix | (suffix << 16);
  }

  /**
   * The common shapes, `T NAME` and `T *...*NAME` with T void or named (no
   * qualifiers, arrays or functions), written directly: the same bytes and
   * the same name resolutions as emitTypeChain, at a fraction of the cost.
   * Returns false, having written nothing, for any other shape.
   */
  private renderSimpleDecl(id: number, nameStart: number, nameEnd: number): boolean {
    const w = this.w;
    let base = id;
    let ptrs = 0;
    for (; base !== 0 && ptrs < 8; ptrs++) {
      const a = this.at[base]!;
      if (((w[a + REC_INFO]! >>> 24) & 0x7f) !== K.PTR) break;
      base = w[a + REC_SIZE_TYPE]!;
    }
    const out = this.out;
    if (base === 0) out.ascii("void");
    else if (!this.writeNamedType(base, this.kind(base))) return false;
    if (ptrs === 0) out.byte(0x20);
    else {
      out.byte(0x20);
      for (let i = 0; i < ptrs; i++) out.byte(0x2a);
    }
    this.namePos = out.pos;
    out.copy(nameStart, nameEnd);
    this.nameEnd = out.pos;
    return true;
  }

  /**
   * Writes a type that ends a declarator chain by its name (`int`, `u32`,
   * `struct x`, `enum e`, `union fwd`), resolving the name as libbpf does;
   * false, having written nothing, for anything else (anonymous types too).
   */
  private writeNamedType(id: number, kind: number): boolean {
    const out = this.out;
    const named = this.nameOff(id) !== 0;
    if (kind === K.INT || kind === K.FLOAT) out.cstr(this.nameOff(id));
    else if (kind === K.TYPEDEF) {
      this.resolveName(id, this.identNames);
      this.writeName(id);
    } else if ((kind === K.STRUCT || kind === K.UNION) && named) this.emitStructFwd(id);
    else if ((kind === K.ENUM || kind === K.ENUM64) && named) {
      out.ascii("enum ");
      this.writeTypeName(id);
    } else if (kind === K.FWD) this.emitFwdDef(id);
    else return false;
    return true;
  }

  private renderTypeDecl(id: number, nameStart: number, nameEnd: number, lvl: number): void {
    const start = this.sp;
    const w = this.w;
    for (;;) {
      if (this.sp === this.stack.length) this.growStack(id);
      this.stack[this.sp++] = id;
      if (id === 0) break;
      const at = this.at[id]!;
      const kind = (w[at + REC_INFO]! >>> 24) & 0x7f;
      if (chains(kind)) id = w[at + REC_SIZE_TYPE]!;
      else if (kind === K.ARRAY) id = w[at + REC_DATA]!;
      else break; // a named or defining type ends the chain
    }
    this.depth++;
    this.emitTypeChain(start, this.sp - start, nameStart, nameEnd, lvl);
    this.depth--;
    this.sp = start;
  }

  private growStack(id: number): void {
    if (this.stack.length >= MAX_CHAIN) {
      throw new BtfError("BTF_REF_LOOP", `type [${id}]: declarator chain longer than ${MAX_CHAIN} types`, {
        typeId: id,
        hint: "the BTF has a pointer or modifier loop",
      });
    }
    const next = new Uint32Array(this.stack.length * 2);
    next.set(this.stack);
    this.stack = next;
  }

  /** Writes const/volatile/restrict prefixes on top of the chain; returns the new chain length. */
  private emitMods(base: number, cnt: number): number {
    const out = this.out;
    while (cnt > 0) {
      const kind = this.kind(this.stack[base + cnt - 1]!);
      if (kind === K.VOLATILE) out.ascii("volatile ");
      else if (kind === K.CONST) out.ascii("const ");
      else if (kind === K.RESTRICT) out.ascii("restrict ");
      else break;
      cnt--;
    }
    return cnt;
  }

  /** Drops modifiers and type tags on top of the chain (meaningless on arrays and functions). */
  private dropMods(base: number, cnt: number): number {
    while (cnt > 0 && isModifier(this.kind(this.stack[base + cnt - 1]!))) cnt--;
    return cnt;
  }

  private emitName(nameStart: number, nameEnd: number, lastWasPtr: boolean): void {
    const out = this.out;
    if (nameStart !== nameEnd && !lastWasPtr) out.byte(0x20);
    if (this.recording && this.depth === 1) this.namePos = out.pos;
    out.copy(nameStart, nameEnd);
    if (this.recording && this.depth === 1) this.nameEnd = out.pos;
  }

  /** The chain stack[base .. base+cnt) from its innermost type (the top) out to the name. */
  private emitTypeChain(base: number, cnt: number, nameStart: number, nameEnd: number, lvl: number): void {
    const out = this.out;
    let lastWasPtr = true; // a lone pointer (`(*name)`) needs no space before `*`
    while (cnt > 0) {
      const id = this.stack[base + --cnt]!;
      if (id === 0) {
        cnt = this.emitMods(base, cnt);
        out.ascii("void");
        lastWasPtr = false;
        continue;
      }
      const kind = this.kind(id);
      switch (kind) {
        case K.INT:
        case K.FLOAT:
        case K.STRUCT:
        case K.UNION:
        case K.ENUM:
        case K.ENUM64:
        case K.FWD:
        case K.TYPEDEF:
          cnt = this.emitMods(base, cnt);
          if (!this.writeNamedType(id, kind)) {
            // Anonymous: defined inline.
            this.inlineDefinition = true;
            if (kind === K.STRUCT || kind === K.UNION) this.emitStructDef(id, lvl);
            else this.emitEnumDef(id, lvl);
          }
          break;
        case K.PTR:
          if (lastWasPtr) out.byte(0x2a);
          else out.byte2(0x20, 0x2a);
          break;
        case K.VOLATILE:
          out.ascii(" volatile");
          break;
        case K.CONST:
          out.ascii(" const");
          break;
        case K.RESTRICT:
          out.ascii(" restrict");
          break;
        case K.TYPE_TAG:
          cnt = this.emitMods(base, cnt);
          out.ascii(' __attribute__((btf_type_tag("');
          out.cstr(this.nameOff(id));
          out.ascii('")))');
          break;
        case K.ARRAY: {
          // Qualifiers of an array (GCC repeats the element's) are dropped.
          cnt = this.dropMods(base, cnt);
          const nelems = this.w[this.at[id]! + REC_DATA + 2]!;
          if (cnt === 0) {
            this.emitName(nameStart, nameEnd, lastWasPtr);
          } else {
            const multidim = this.kind(this.stack[base + cnt - 1]!) === K.ARRAY;
            if (nameStart !== nameEnd && !lastWasPtr) out.byte(0x20);
            if (!multidim) out.byte(0x28);
            this.emitTypeChain(base, cnt, nameStart, nameEnd, lvl);
            if (!multidim) out.byte(0x29);
          }
          out.byte(0x5b);
          out.uint(nelems);
          out.byte(0x5d);
          return;
        }
        case K.FUNC_PROTO: {
          // Qualifiers on a function (GCC's noreturn volatile) are dropped.
          cnt = this.dropMods(base, cnt);
          if (cnt > 0) {
            out.byte2(0x20, 0x28);
            this.emitTypeChain(base, cnt, nameStart, nameEnd, lvl);
            out.byte(0x29);
          } else {
            this.emitName(nameStart, nameEnd, lastWasPtr);
          }
          out.byte(0x28);
          this.emitParams(id, lvl);
          return;
        }
        default:
          return; // not a type C declares (FUNC, VAR, ...): nothing more is written, as by libbpf
      }
      lastWasPtr = kind === K.PTR;
    }
    this.emitName(nameStart, nameEnd, lastWasPtr);
  }

  private emitParams(id: number, lvl: number): void {
    const out = this.out;
    const w = this.w;
    const at = this.at[id]!;
    const vlen = w[at + REC_INFO]! & 0xffffff;
    if (vlen === 0 || (vlen === 1 && w[at + REC_DATA + 1] === 0)) {
      out.ascii("void)");
      return;
    }
    for (let i = 0, p = at + REC_DATA; i < vlen; i++, p += 2) {
      if (i > 0) out.byte2(0x2c, 0x20);
      const type = w[p + 1]!;
      if (i === vlen - 1 && type === 0) {
        out.ascii("...");
        break;
      }
      const nameOff = w[p]!;
      if (nameOff >= this.strLen) this.checkName(id, nameOff);
      this.emitTypeDecl(type, nameOff, this.nameEndOf(nameOff), lvl);
    }
    out.byte(0x29);
  }
}

/** `name___N` as bytes, cut at 255 bytes like libbpf's 256-byte buffer. */
function suffixed(str: Uint8Array, off: number, dup: number): Uint8Array {
  let end = str.indexOf(0, off);
  if (end < 0) end = str.length;
  const suffix = `___${dup}`;
  const out = new Uint8Array(Math.min(255, end - off + suffix.length));
  const nameLen = Math.min(out.length, end - off);
  out.set(str.subarray(off, off + nameLen));
  for (let i = nameLen; i < out.length; i++) out[i] = suffix.charCodeAt(i - nameLen);
  return out;
}
