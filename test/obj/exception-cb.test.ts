// Exception callbacks (`__exception_cb(f)`, a "exception_callback:f" decl tag
// on a program's FUNC): libbpf appends the callback after everything the
// program reaches. No committed object uses them, so these tests add the tag
// to subprogs.bpf.o's BTF and rebuild the ELF around it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Btf, BtfBuilder, BtfKind } from "../../src/btf/index.js";
import { SHT, parseElf } from "../../src/elf/index.js";
import { parseObject } from "../../src/obj/index.js";
import { buildElf } from "../elf/builder.js";
import { objectError, readObject } from "./support.js";

/** subprogs.bpf.o with decl tags `exception_callback:<cb>` on the FUNCs of `programs`. */
function withTag(program: string, callback: string): Uint8Array {
  const original = readObject("bpf/test/subprogs.bpf.o");
  const elf = parseElf(original);
  const btf = Btf.parse(elf.sectionByName(".BTF")!.data);
  const b = BtfBuilder.from(btf);
  b.addDeclTag(`exception_callback:${callback}`, btf.find(program, BtfKind.FUNC)!);
  const btfBytes = b.encode();
  // Rebuild with every section in place (indexes kept: symbols and relocations refer to them).
  return buildElf(
    elf.sections.slice(1).map((s) => ({
      name: s.name,
      type: s.type,
      data: s.name === ".BTF" ? btfBytes : s.data,
      ...(s.type === SHT.NOBITS ? { size: s.size } : {}),
      link: s.link,
      info: s.info,
      entsize: s.entsize,
      flags: s.flags,
    })),
  );
}

test("an exception callback is appended after the subprograms the program reaches", () => {
  const obj = parseObject(withTag("calls_loop", "global_add"), { name: "subprogs" });
  const p = obj.program("calls_loop")!;
  assert.deepEqual(p.functions.map((f) => f.name), ["calls_loop", "add_index", "square", "global_add"]);
  const cb = p.functions[3]!;
  assert.equal(p.insns.length, cb.start + cb.length);
  assert.deepEqual(p.funcInfo.map((f) => f.insn), p.functions.map((f) => f.start));
  // Other programs are untouched.
  assert.deepEqual(obj.program("calls_nested")!.functions.map((f) => f.name), ["calls_nested", "sum_squares", "square", "global_add"]);
});

test("a callback the program already reaches is not appended twice", () => {
  const obj = parseObject(withTag("calls_nested", "global_add"), { name: "subprogs" });
  assert.deepEqual(obj.program("calls_nested")!.functions.map((f) => f.name), ["calls_nested", "sum_squares", "square", "global_add"]);
});

test("exception callbacks must be global functions, applied to global programs", () => {
  assert.equal(objectError(() => parseObject(withTag("calls_loop", "square"))).code, "OBJ_BAD_EXCEPTION_CB");
  assert.match(objectError(() => parseObject(withTag("calls_loop", "no_such_function"))).message, /cannot find exception callback 'no_such_function'/);
  assert.match(objectError(() => parseObject(withTag("square", "global_add"))).message, /not applied to a global function/);
});
