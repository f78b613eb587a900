// The object BTF as libbpf sends it to the kernel: the open-time fix-ups
// (extern DATASECs .ksyms/.kconfig laid out, DATASEC sizes and variable
// offsets from the ELF, hidden globals static, secinfos sorted), the
// load-time one (hidden subprograms' FUNCs static), then the sanitising of
// kinds the running kernel does not know. Pure: the features are passed in.
import { BtfKind, FuncLinkage, VarLinkage } from "../../btf/index.js";
import type { ObjectSpec } from "../../obj/index.js";
import { BtfEditor } from "./btf-edit.js";

/** What the kernel's BTF loader accepts (libbpf's FEAT_BTF_* probes). */
export interface BtfSupport {
  func: boolean;
  funcGlobal: boolean;
  datasec: boolean;
  qmarkDatasec: boolean;
  float: boolean;
  declTag: boolean;
  typeTag: boolean;
  enum64: boolean;
}

/** Everything supported: no sanitising. */
export const FULL_BTF_SUPPORT: BtfSupport = { func: true, funcGlobal: true, datasec: true, qmarkDatasec: true, float: true, declTag: true, typeTag: true, enum64: true };

/** The object's BTF ready for BTF_LOAD. */
export function loadableObjectBtf(obj: ObjectSpec, support: BtfSupport = FULL_BTF_SUPPORT): Uint8Array {
  const btf = obj.btf;
  if (btf === undefined) throw new Error("loadableObjectBtf: the object has no BTF");
  const ed = new BtfEditor(btf);
  const dummyKsym = addDummyKsymVar(ed);
  layOutKsyms(ed, obj, dummyKsym);
  layOutKconfig(ed, obj);
  applyDatasecLayouts(ed, obj);
  markHiddenSubprogramsStatic(ed, obj);
  sanitize(ed, support);
  return ed.bytes();
}

function datasecNamed(ed: BtfEditor, name: string): number | undefined {
  return ed.source.find(name, BtfKind.DATASEC);
}

/** The first INT of 32 bits (libbpf's find_int_btf_id), 0 when none. */
function int32Id(ed: BtfEditor): number {
  for (let id = 1; id < ed.source.typeCount; id++) {
    if (ed.kind(id) === BtfKind.INT && (ed.word(id, 0) & 0xff) === 32) return id;
  }
  return 0;
}

/** libbpf adds VAR dummy_ksym (int) when .ksyms holds a FUNC: it stands in for kfuncs in the DATASEC. */
function addDummyKsymVar(ed: BtfEditor): number {
  const sec = datasecNamed(ed, ".ksyms");
  if (sec === undefined) return 0;
  const n = ed.vlen(sec);
  let hasFunc = false;
  for (let i = 0; i < n; i++) if (ed.kind(ed.word(sec, i * 3)) === BtfKind.FUNC) hasFunc = true;
  if (!hasFunc) return 0;
  return ed.addType("dummy_ksym", BtfKind.VAR, 0, int32Id(ed), [VarLinkage.GLOBAL_ALLOCATED]);
}

/** Every .ksyms member becomes a 4-byte allocated int (FUNCs: the dummy VAR), offsets 0, 4, 8... */
function layOutKsyms(ed: BtfEditor, obj: ObjectSpec, dummy: number): void {
  const sec = datasecNamed(ed, ".ksyms");
  if (sec === undefined || !obj.externs.some((e) => e.kind === "ksym")) return;
  const intId = int32Id(ed);
  const n = ed.vlen(sec);
  const dummyName = dummy === 0 ? 0 : ed.addString("dummy_ksym");
  for (let i = 0; i < n; i++) {
    const vt = ed.word(sec, i * 3);
    if (ed.kind(vt) === BtfKind.FUNC) {
      const proto = ed.sizeOrType(vt);
      const params = ed.vlen(proto);
      for (let j = 0; j < params; j++) {
        if (ed.word(proto, j * 2 + 1) !== 0 && ed.word(proto, j * 2) === 0) ed.setWord(proto, j * 2, dummyName);
      }
      ed.setWord(sec, i * 3, dummy);
      ed.setVlen(vt, FuncLinkage.GLOBAL);
    } else {
      ed.setWord(vt, 0, VarLinkage.GLOBAL_ALLOCATED);
      ed.setSizeOrType(vt, intId);
    }
    ed.setWord(sec, i * 3 + 1, i * 4);
    ed.setWord(sec, i * 3 + 2, 4);
  }
  ed.setSizeOrType(sec, n * 4);
}

/** .kconfig members at their offsets in the .kconfig map, allocated; size the map's. */
function layOutKconfig(ed: BtfEditor, obj: ObjectSpec): void {
  const sec = datasecNamed(ed, ".kconfig");
  if (sec === undefined) return;
  const byName = new Map(obj.externs.flatMap((e) => (e.kconfig === undefined ? [] : [[e.name, e.kconfig] as const])));
  let size = 0;
  for (const k of byName.values()) size = Math.max(size, k.offset + k.size);
  ed.setSizeOrType(sec, size);
  const n = ed.vlen(sec);
  const entries: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const vt = ed.word(sec, i * 3);
    const k = byName.get(ed.source.name(vt));
    if (ed.kind(vt) === BtfKind.VAR) ed.setWord(vt, 0, VarLinkage.GLOBAL_ALLOCATED);
    entries.push([vt, k?.offset ?? ed.word(sec, i * 3 + 1), ed.word(sec, i * 3 + 2)]);
  }
  entries.sort((a, b) => a[1] - b[1]);
  entries.forEach(([t, off, sz], i) => {
    ed.setWord(sec, i * 3, t);
    ed.setWord(sec, i * 3 + 1, off);
    ed.setWord(sec, i * 3 + 2, sz);
  });
}

/** The object model's DATASEC layouts: sizes, sorted secinfos, fixed offsets and linkage. */
function applyDatasecLayouts(ed: BtfEditor, obj: ObjectSpec): void {
  for (const layout of obj.datasecs.values()) {
    ed.setSizeOrType(layout.typeId, layout.size);
    layout.vars.forEach((v, i) => {
      ed.setWord(layout.typeId, i * 3, v.varId);
      ed.setWord(layout.typeId, i * 3 + 1, v.offset);
      ed.setWord(layout.typeId, i * 3 + 2, v.size);
      if (ed.kind(v.varId) === BtfKind.VAR) ed.setWord(v.varId, 0, v.linkage);
    });
  }
}

/** Hidden global subprograms get a static FUNC, so the verifier checks them in their callers' context. */
function markHiddenSubprogramsStatic(ed: BtfEditor, obj: ObjectSpec): void {
  for (const f of obj.functions) {
    if (!f.subprogram || !f.hidden) continue;
    for (let id = 1; id < ed.source.typeCount; id++) {
      if (ed.kind(id) !== BtfKind.FUNC || ed.vlen(id) !== FuncLinkage.GLOBAL || ed.source.name(id) !== f.name) continue;
      ed.setInfo(id, BtfKind.FUNC, FuncLinkage.STATIC);
      break;
    }
  }
}

/** libbpf's bpf_object__sanitize_btf: kinds the kernel rejects become ones it takes, record sizes kept. */
export function sanitize(ed: BtfEditor, s: BtfSupport): void {
  let enum64Placeholder = 0;
  const n = ed.typeCount; // appended types (dummy_ksym) too, as libbpf walks btf__type_cnt()
  for (let id = 1; id < n; id++) {
    const kind = ed.kind(id);
    if ((!s.datasec && kind === BtfKind.VAR) || (!s.declTag && kind === BtfKind.DECL_TAG)) {
      ed.setInfo(id, BtfKind.INT, 0);
      ed.setSizeOrType(id, 1);
      ed.setWord(id, 0, 8); // BTF_INT_ENC(0, 0, 8)
    } else if (!s.datasec && kind === BtfKind.DATASEC) {
      ed.rewriteString(ed.nameOff(id), (c) => (c === "." || c === "?" ? "_" : c));
      const vlen = ed.vlen(id);
      ed.setInfo(id, BtfKind.STRUCT, vlen);
      for (let j = 0; j < vlen; j++) {
        const type = ed.word(id, j * 3);
        const offset = ed.word(id, j * 3 + 1);
        ed.setWord(id, j * 3 + 2, offset * 8);
        ed.setWord(id, j * 3 + 1, type);
        ed.setWord(id, j * 3, ed.nameOff(type));
      }
    } else if (!s.qmarkDatasec && kind === BtfKind.DATASEC && ed.source.name(id).startsWith("?")) {
      let first = true;
      ed.rewriteString(ed.nameOff(id), (c) => {
        const out = first && c === "?" ? "_" : c;
        first = false;
        return out;
      });
    } else if (!s.func && kind === BtfKind.FUNC_PROTO) {
      ed.setInfo(id, BtfKind.ENUM, ed.vlen(id));
      ed.setSizeOrType(id, 4);
    } else if (!s.func && kind === BtfKind.FUNC) {
      ed.setInfo(id, BtfKind.TYPEDEF, 0);
    } else if (!s.funcGlobal && kind === BtfKind.FUNC) {
      ed.setInfo(id, BtfKind.FUNC, 0);
    } else if (!s.float && kind === BtfKind.FLOAT) {
      ed.setNameOff(id, 0);
      ed.setInfo(id, BtfKind.STRUCT, 0);
    } else if (!s.typeTag && kind === BtfKind.TYPE_TAG) {
      ed.setNameOff(id, 0);
      ed.setInfo(id, BtfKind.CONST, 0);
    } else if (!s.enum64 && kind === BtfKind.ENUM) {
      ed.clearKindFlag(id);
    } else if (!s.enum64 && kind === BtfKind.ENUM64) {
      if (enum64Placeholder === 0) enum64Placeholder = ed.addType("enum64_placeholder", BtfKind.INT, 0, 1, [8]);
      const vlen = ed.vlen(id);
      ed.setInfo(id, BtfKind.UNION, vlen);
      for (let j = 0; j < vlen; j++) {
        ed.setWord(id, j * 3 + 1, enum64Placeholder);
        ed.setWord(id, j * 3 + 2, 0);
      }
    }
  }
}
