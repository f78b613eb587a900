// The public shapes of a parsed ELF64 file: plain read-only records.

/** One section header with its name resolved and its bytes as a subarray of the file. */
export interface ElfSection {
  /** Index in the section header table (0 is the null section). */
  readonly index: number;
  readonly name: string;
  /** sh_type (see SHT). */
  readonly type: number;
  /** sh_flags (see SHF). */
  readonly flags: number;
  readonly addr: number;
  /** File offset of the data (meaningless for SHT_NOBITS). */
  readonly offset: number;
  /** Size in bytes; for SHT_NOBITS the size in memory (no bytes in the file). */
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
  /** The section's bytes (a view into the file, not a copy); empty for SHT_NOBITS and SHT_NULL. */
  readonly data: Uint8Array;
}

/** One program header (segment); BPF relocatable objects have none. */
export interface ElfProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

/** One symbol of the symbol table. */
export interface ElfSymbol {
  /** Index in the symbol table (0 is the null symbol). */
  readonly index: number;
  readonly name: string;
  /** st_value: an offset into its section for relocatable objects. */
  readonly value: number;
  readonly size: number;
  /** Binding (see STB): local, global, weak. */
  readonly bind: number;
  /** Type (see STT): notype, object, func, section, file. */
  readonly type: number;
  /** Visibility (see STV). */
  readonly visibility: number;
  /**
   * Section index with SHN_XINDEX already resolved: a real section index, or
   * SHN.UNDEF (0), SHN.ABS, SHN.COMMON.
   */
  readonly sectionIndex: number;
}

/** One REL or RELA entry. */
export interface ElfRelocation {
  /** r_offset: byte offset into the target section. */
  readonly offset: number;
  /** Index into the symbol table named by the relocation section's sh_link. */
  readonly symbolIndex: number;
  /** r_type (see R_BPF). */
  readonly type: number;
  /** r_addend for RELA (signed, exact up to 2^53); 0 for REL (the addend is then in the patched bytes). */
  readonly addend: number;
  /** The REL/RELA section this entry comes from. */
  readonly section: ElfSection;
  /** Index of the entry inside its relocation section. */
  readonly entry: number;
}
