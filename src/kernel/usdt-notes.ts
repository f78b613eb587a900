// USDT probes (SystemTap SDT notes, .note.stapsdt) of an executable or
// library: each probe site's file offset, its semaphore's file offset and the
// argument specification string the compiler wrote.
import { CoreBpfError } from "../errors.js";
import { SHT, type ElfFile } from "../elf/index.js";
import { addressToFileOffset } from "./elf-symbols.js";

const NT_STAPSDT = 3;
const utf8 = new TextDecoder();

/** One USDT probe site. */
export interface UsdtNote {
  provider: string;
  name: string;
  /** Address of the probe's nop, prelink-adjusted. */
  address: number;
  /** Where it lies in the file: what the uprobe attaches at. */
  fileOffset: number;
  /** Address of the semaphore (0: none). */
  semaphore: number;
  /** File offset of the semaphore (the uprobe's reference counter offset), 0 when none. */
  semaphoreOffset: number;
  /** The argument specifications ("-4@%edi 8@-16(%rbp)"). */
  args: string;
}

/** Rounds up to 4 without 32-bit overflow (sizes come from the file). */
const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** Every USDT note of the file, in file order. */
export function usdtNotes(elf: ElfFile, file = "the ELF file"): UsdtNote[] {
  const section = elf.sectionByName(".note.stapsdt");
  if (section === undefined || section.type !== SHT.NOTE) return [];
  // Prelinked files moved .stapsdt.base; the note's recorded base tells by how much.
  const baseSection = elf.sectionByName(".stapsdt.base");
  const data = section.data;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = elf.littleEndian;
  const out: UsdtNote[] = [];
  let at = 0;
  const bad = (why: string): never => {
    throw new CoreBpfError("USDT_BAD_NOTE", `${file}: .note.stapsdt at offset ${at}: ${why}`, { file, section: ".note.stapsdt", offset: section.offset + at });
  };
  while (at + 12 <= data.length) {
    const namesz = v.getUint32(at, le);
    const descsz = v.getUint32(at + 4, le);
    const type = v.getUint32(at + 8, le);
    const nameAt = at + 12;
    const descAt = nameAt + align4(namesz);
    const next = descAt + align4(descsz);
    if (next > data.length || next <= at) bad(`note of ${namesz}+${descsz} bytes overruns the section`);
    const owner = utf8.decode(data.subarray(nameAt, nameAt + Math.max(0, namesz - 1)));
    if (type === NT_STAPSDT && owner === "stapsdt") {
      if (descsz < 24) bad(`descriptor of ${descsz} bytes is too short`);
      const pc = Number(v.getBigUint64(descAt, le));
      const base = Number(v.getBigUint64(descAt + 8, le));
      const sem = Number(v.getBigUint64(descAt + 16, le));
      const strings = utf8.decode(data.subarray(descAt + 24, descAt + descsz)).split("\0");
      if (strings.length < 3) bad("provider, name and arguments are missing");
      const shift = baseSection !== undefined && base !== 0 ? baseSection.addr - base : 0;
      const address = pc + shift;
      const semaphore = sem === 0 ? 0 : sem + shift;
      const where = `USDT ${strings[0]}:${strings[1]} of ${file}`;
      out.push({
        provider: strings[0]!,
        name: strings[1]!,
        address,
        fileOffset: addressToFileOffset(elf, address, where),
        semaphore,
        semaphoreOffset: semaphore === 0 ? 0 : addressToFileOffset(elf, semaphore, `semaphore of ${where}`),
        args: strings[2]!,
      });
    }
    at = next;
  }
  return out;
}
