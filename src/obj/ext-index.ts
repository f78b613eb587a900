// Which .BTF.ext records belong to which function. func_info and line_info go
// by libbpf's rule: in the first table section naming the function's ELF
// section, the run of records from the first one inside the function to the
// last one before its end. CO-RE records go one by one to the function that
// holds their instruction (records outside every function are dropped, as
// libbpf drops those of overridden weak functions).
import type { ElfFile } from "../elf/index.js";
import type { BtfExt, BtfExtSection, CoreReloSection, FuncInfoSection, LineInfoSection } from "./btf-ext.js";
import { type RawFunction, functionAt } from "./functions.js";

/** A run [start, end) of records of one table section. */
export interface RecordRun<S extends BtfExtSection> {
  readonly section: S;
  readonly start: number;
  readonly end: number;
}

export interface FunctionExt {
  readonly funcInfo: RecordRun<FuncInfoSection> | undefined;
  readonly lineInfo: RecordRun<LineInfoSection> | undefined;
  /** CO-RE records of the function: section and record index, in file order. */
  readonly core: { readonly section: CoreReloSection; readonly record: number }[];
}

function run<S extends BtfExtSection>(sections: readonly S[], index: (s: S) => number, f: RawFunction): RecordRun<S> | undefined {
  for (const s of sections) {
    if (index(s) !== f.sectionIndex) continue;
    let start = -1;
    let end = -1;
    for (let k = 0; k < s.count; k++) {
      const insn = s.insnOff[k]! / 8;
      if (insn < f.offset) continue;
      if (insn >= f.offset + f.length) break;
      if (start < 0) start = k;
      end = k + 1;
    }
    return start < 0 ? undefined : { section: s, start, end };
  }
  return undefined;
}

export function indexBtfExt(ext: BtfExt | undefined, elf: ElfFile, functions: readonly RawFunction[]): FunctionExt[] {
  const out: FunctionExt[] = functions.map(() => ({ funcInfo: undefined, lineInfo: undefined, core: [] }));
  if (ext === undefined) return out;
  const indexes = new Map<string, number>();
  const index = (s: BtfExtSection): number => {
    let i = indexes.get(s.name);
    if (i === undefined) indexes.set(s.name, (i = elf.sectionByName(s.name)?.index ?? 0));
    return i;
  };
  functions.forEach((f, fi) => {
    const slot = out[fi]!;
    out[fi] = { ...slot, funcInfo: run(ext.funcInfo, index, f), lineInfo: run(ext.lineInfo, index, f) };
  });
  for (const s of ext.coreRelos) {
    const sec = index(s);
    for (let k = 0; k < s.count; k++) {
      const fi = functionAt(functions, sec, s.insnOff[k]! / 8);
      if (fi < 0) continue;
      out[fi]!.core.push({ section: s, record: k });
    }
  }
  return out;
}
