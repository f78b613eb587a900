// How the C dump writes a type: names (with libbpf's ___N suffixes for
// repeats), forward declarations, struct/union/enum/typedef definitions with
// their layout, and declarators (`int (*name[4])(void)`), which are rendered
// once per type as a template around the name and copied afterwards. What is
// written when (ordering, forward declarations) is dump-c.ts's job.
import { BtfError } from "../errors.js";
import type { CLayout } from "./dump-c-layout.js";
import { NameCounter, stringIs } from "./dump-names.js";
import type { ByteWriter } from "./dump-out.js";
import { REC_DATA, REC_INFO, REC_SIZE_TYPE, type TypeWords } from "./dump-words.js";
import { BtfKind as K } from "./kinds.js";

// Per-type flags.
export const FWD_EMITTED = 1;
export const NAME_RESOLVED = 4;
export const RENAMED = 8;

/** Longest declarator chain (pointer to pointer to ...) before calling it a loop. */
const MAX_CHAIN = 1 << 16;

/** Types GCC refers to without defining them (Arm SIMD), given a definition before first use. */
const MISSING_BASE_TYPES: ReadonlyArray<readonly [string, string]> = [
  ["__Poly8_t", "unsigned char"],
  ["__Poly16_t", "unsigned short"],
  ["__Poly64_t", "unsigned long long"],
  ["__Poly128_t", "unsigned __int128"],
];

/** Whether a kind continues a declarator chain (the type it refers to is written around the name). */
function chains(kind: number): boolean {
  return kind === K.PTR || kind === K.CONST || kind === K.VOLATILE || kind === K.RESTRICT || kind === K.TYPE_TAG || kind === K.FUNC_PROTO;
}

export function isModifier(kind: number): boolean {
  return kind === K.VOLATILE || kind === K.CONST || kind === K.RESTRICT || kind === K.TYPE_TAG;
}

export class CWriter {
  protected readonly t: TypeWords;
  protected readonly w: Uint32Array;
  protected readonly at: Uint32Array;
  protected readonly count: number;
  protected readonly out: ByteWriter;
  protected readonly layout: CLayout;
  protected readonly flags: Uint8Array;
  protected readonly strLen: number;
  /** Names given a ___N suffix (flag RENAMED): where they were stashed in the writer's workspace. */
  protected readonly renamed = new Map<number, readonly [start: number, end: number]>();
  /** Struct/union/enum tags seen (and INT names, as libbpf counts them), with their count. */
  protected readonly typeNames: NameCounter;
  /** Typedef names and enumerators seen, with their count. */
  protected readonly identNames: NameCounter;
  protected stack = new Uint32Array(256);
  protected sp = 0;
  /** Nesting of declarations being rendered (the parameters of a function pointer are nested). */
  protected depth = 0;
  // Declarator templates by type id: the text before the name at ws[tplStart - 1, +prefix),
  // after it at [+prefix, +prefix+suffix), with tplLengths = prefix | suffix << 16;
  // tplStart 0 = not rendered yet, -1 = not reusable.
  protected readonly tplStart: Int32Array;
  protected readonly tplLengths: Int32Array;
  protected recording = false;
  protected inlineDefinition = false;
  protected namePos = -1;
  protected nameEnd = -1;

  constructor(t: TypeWords, out: ByteWriter, layout: CLayout) {
    this.t = t;
    this.w = t.words;
    this.at = t.at;
    this.count = t.count;
    this.out = out;
    this.layout = layout;
    this.flags = new Uint8Array(t.count);
    this.strLen = t.str.length;
    this.tplStart = new Int32Array(t.count);
    this.tplLengths = new Int32Array(t.count);
    this.typeNames = new NameCounter(t.str, 1 << 14);
    this.identNames = new NameCounter(t.str, 1 << 14);
  }

  // Record access.

  protected kind(id: number): number {
    return (this.w[this.at[id]! + REC_INFO]! >>> 24) & 0x7f;
  }

  protected vlen(id: number): number {
    return this.w[this.at[id]! + REC_INFO]! & 0xffffff;
  }

  protected nameOff(id: number): number {
    return this.w[this.at[id]!]!;
  }

  protected st(id: number): number {
    return this.w[this.at[id]! + REC_SIZE_TYPE]!;
  }

  /** Rejects a name offset outside the strings (libbpf would crash on it). */
  protected checkName(id: number, off: number): void {
    if (off >= this.strLen) throw new BtfError("BTF_BAD_STRING_OFFSET", `type [${id}]: name offset ${off} is outside the strings`, { typeId: id });
  }

  protected isBuiltinVaList(id: number): boolean {
    const off = this.nameOff(id);
    return off !== 0 && stringIs(this.t.str, off, "__builtin_va_list");
  }

  // Names.

  /** Resolves the name of `id` in `names` (once per type): its ___N suffix if it repeats one. */
  protected resolveName(id: number, names: NameCounter): void {
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
  protected writeName(id: number): void {
    const renamed = (this.flags[id]! & RENAMED) === 0 ? undefined : this.renamed.get(id);
    if (renamed !== undefined) this.out.copy(renamed[0], renamed[1]);
    else this.out.cstr(this.nameOff(id));
  }

  protected writeTypeName(id: number): void {
    this.resolveName(id, this.typeNames);
    this.writeName(id);
  }

  protected emitMissingAlias(id: number): void {
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

  protected emitStructFwd(id: number): void {
    this.out.ascii(this.kind(id) === K.STRUCT ? "struct" : "union");
    if (this.nameOff(id) !== 0) {
      this.out.byte(0x20);
      this.writeTypeName(id);
    }
  }

  protected emitFwdDef(id: number): void {
    this.out.ascii(this.w[this.at[id]! + REC_INFO]! >>> 31 === 1 ? "union " : "struct ");
    this.writeTypeName(id);
  }

  protected emitTypedefDef(id: number, lvl: number): void {
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
  protected nameEndOf(off: number): number {
    const str = this.t.str;
    if (off >= str.length) return off;
    const end = str.indexOf(0, off);
    return end < 0 ? str.length : end;
  }

  protected emitEnumDef(id: number, lvl: number): void {
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

  protected emitStructDef(id: number, lvl: number): void {
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
  protected emitTypeDecl(id: number, nameStart: number, nameEnd: number, lvl: number): void {
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
  protected recordTemplate(id: number, nameStart: number, nameEnd: number, lvl: number): void {
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
  protected renderSimpleDecl(id: number, nameStart: number, nameEnd: number): boolean {
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
  protected writeNamedType(id: number, kind: number): boolean {
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

  protected renderTypeDecl(id: number, nameStart: number, nameEnd: number, lvl: number): void {
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

  protected growStack(id: number): void {
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
  protected emitMods(base: number, cnt: number): number {
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
  protected dropMods(base: number, cnt: number): number {
    while (cnt > 0 && isModifier(this.kind(this.stack[base + cnt - 1]!))) cnt--;
    return cnt;
  }

  protected emitName(nameStart: number, nameEnd: number, lastWasPtr: boolean): void {
    const out = this.out;
    if (nameStart !== nameEnd && !lastWasPtr) out.byte(0x20);
    if (this.recording && this.depth === 1) this.namePos = out.pos;
    out.copy(nameStart, nameEnd);
    if (this.recording && this.depth === 1) this.nameEnd = out.pos;
  }

  /** The chain stack[base .. base+cnt) from its innermost type (the top) out to the name. */
  protected emitTypeChain(base: number, cnt: number, nameStart: number, nameEnd: number, lvl: number): void {
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

  protected emitParams(id: number, lvl: number): void {
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
