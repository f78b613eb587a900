// corebpf/elf: a strict ELF64 reader for both byte orders (pure).
export { parseElf, ElfFile } from "./file.js";
export type { ElfSection, ElfSymbol, ElfRelocation, ElfProgramHeader } from "./types.js";
export { ET, EM, SHT, SHF, SHN, STB, STT, STV, R_BPF, ELF64 } from "./constants.js";
