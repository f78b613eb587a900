// The ELF reader against llvm-readelf on every committed object: sections,
// symbols and relocations must agree field for field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ET, SHN, STT, parseElf } from "../../src/elf/index.js";
import { repoRoot } from "../support/paths.js";
import { committedObjects, comparablePairs, readObject } from "./objects.js";

const READELF = "llvm-readelf-19";
const probe = spawnSync(READELF, ["--version"]);
const skip = probe.error !== undefined ? `${READELF} is not installed` : false;

const sectionRe = /^\s*\[\s*(\d+)\] (.*?) +([A-Z_]+|0x[0-9a-f]+) +([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) (.{3}) +(\d+) +(\d+) +(\d+)$/;
const symbolRe = /^\s*(\d+): ([0-9a-f]{16}) +(\d+) (\w+) +(\w+) +(\w+) +(\w+) ?(.*)$/;
const relocHeadRe = /^Relocation section '(.+)' at offset 0x[0-9a-f]+ contains (\d+) entries:$/;
const relocRe = /^([0-9a-f]{16})  ([0-9a-f]{16}) (\S+) +(?:([0-9a-f]{16}) (.*))?$/;

for (const rel of committedObjects) {
  test(`${rel}: sections, symbols and relocations match llvm-readelf`, { skip }, () => {
    const elf = parseElf(readObject(rel));
    const text = spawnSync(READELF, ["-S", "-s", "-r", "--wide", join(repoRoot, rel)], { encoding: "utf8" }).stdout;
    const lines = text.split("\n");
    const symbols = elf.symbols();

    let sectionsSeen = 0;
    let symbolsSeen = 0;
    let relocsSeen = 0;
    let relocSection: string | undefined;
    let relocIndex = 0;
    for (const line of lines) {
      if (line.startsWith("Symbol table")) relocSection = undefined;
      const head = relocHeadRe.exec(line);
      if (head !== null) {
        relocSection = head[1]!;
        relocIndex = 0;
        const s = elf.sectionByName(relocSection)!;
        assert.equal(elf.relocations(s.info).filter((r) => r.section === s).length, Number(head[2]), `${relocSection} entry count`);
        continue;
      }
      const sec = sectionRe.exec(line);
      if (sec !== null) {
        const s = elf.sections[Number(sec[1])]!;
        assert.equal(s.name, sec[2]!.trim(), `section ${sec[1]} name`);
        assert.equal(s.offset, Number.parseInt(sec[5]!, 16), `${s.name} offset`);
        assert.equal(s.size, Number.parseInt(sec[6]!, 16), `${s.name} size`);
        assert.equal(s.entsize, Number.parseInt(sec[7]!, 16), `${s.name} entsize`);
        assert.equal(s.link, Number(sec[9]), `${s.name} link`);
        assert.equal(s.info, Number(sec[10]), `${s.name} info`);
        assert.equal(s.addralign, Number(sec[11]), `${s.name} align`);
        sectionsSeen++;
        continue;
      }
      const sym = symbolRe.exec(line);
      if (sym !== null && relocSection === undefined) {
        const s = symbols[Number(sym[1])]!;
        assert.equal(s.value, Number.parseInt(sym[2]!, 16), `symbol ${s.index} value`);
        assert.equal(s.size, Number(sym[3]), `symbol ${s.index} size`);
        assert.equal(["NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE"][s.type], sym[4], `symbol ${s.index} type`);
        assert.equal(["LOCAL", "GLOBAL", "WEAK"][s.bind], sym[5], `symbol ${s.index} bind`);
        assert.equal(["DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED"][s.visibility], sym[6], `symbol ${s.index} visibility`);
        const ndx = s.sectionIndex === SHN.UNDEF ? "UND" : s.sectionIndex === SHN.ABS ? "ABS" : s.sectionIndex === SHN.COMMON ? "COM" : String(s.sectionIndex);
        assert.equal(ndx, sym[7], `symbol ${s.index} section`);
        const shown = s.type === STT.SECTION ? elf.sections[s.sectionIndex]!.name : s.name;
        assert.equal(shown, sym[8], `symbol ${s.index} name`);
        symbolsSeen++;
        continue;
      }
      const r = relocSection === undefined ? null : relocRe.exec(line);
      if (r !== null && relocSection !== undefined) {
        const s = elf.sectionByName(relocSection)!;
        const entry = elf.relocations(s.info).filter((x) => x.section === s)[relocIndex++]!;
        assert.equal(entry.offset, Number.parseInt(r[1]!, 16), `${relocSection} offset`);
        const info = BigInt("0x" + r[2]!);
        assert.equal(BigInt(entry.symbolIndex), info >> 32n, `${relocSection} symbol`);
        assert.equal(BigInt(entry.type), info & 0xffffffffn, `${relocSection} type`);
        relocsSeen++;
      }
    }
    assert.equal(sectionsSeen, elf.sections.length, "every section listed");
    assert.equal(symbolsSeen, symbols.length, "every symbol listed");
    const total = elf.sections.reduce((n, s) => n + (s.type === 9 || s.type === 4 ? s.data.length / s.entsize : 0), 0);
    assert.equal(relocsSeen, total, "every relocation listed");
  });
}

test("little- and big-endian builds of each source parse to the same model", () => {
  for (const [le, be] of comparablePairs()) {
    const a = parseElf(readObject(le));
    const b = parseElf(readObject(be));
    assert.equal(a.littleEndian, true);
    assert.equal(b.littleEndian, false);
    const shape = (e: typeof a) => ({
      sections: e.sections.map((s) => [s.name, s.type, s.flags, s.size, s.link, s.info, s.entsize]),
      symbols: e.symbols().map((s) => ({ ...s })),
      relocs: e.sections.map((s) => e.relocations(s).map((r) => [r.offset, r.symbolIndex, r.type, r.addend])),
    });
    const sa = shape(a);
    const sb = shape(b);
    assert.deepEqual(sb.sections, sa.sections, `${le} vs ${be}: sections`);
    assert.deepEqual(sb.symbols, sa.symbols, `${le} vs ${be}: symbols`);
    assert.deepEqual(sb.relocs, sa.relocs, `${le} vs ${be}: relocations`);
  }
});

test("executables and shared libraries of this machine parse, with their symbol tables (uprobe targets)", () => {
  for (const path of ["/bin/true", process.execPath]) {
    const elf = parseElf(new Uint8Array(readFileSync(path)));
    assert.notEqual(elf.type, ET.REL);
    assert.ok(elf.dynamicSymbols().length > 0, `${path} has dynamic symbols`);
    elf.symbols();
    assert.ok(elf.sectionByName(".text"), `${path} has .text`);
  }
});
