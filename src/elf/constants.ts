// ELF64 constants used by the reader (System V gABI names, without the prefixes
// grouped into plain objects so that callers can print them).

/** e_type values. */
export const ET = { NONE: 0, REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;

/** e_machine values a BPF tool meets. */
export const EM = { NONE: 0, X86_64: 62, AARCH64: 183, BPF: 247 } as const;

/** sh_type values. */
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  SHLIB: 10,
  DYNSYM: 11,
  INIT_ARRAY: 14,
  FINI_ARRAY: 15,
  PREINIT_ARRAY: 16,
  GROUP: 17,
  SYMTAB_SHNDX: 18,
  LLVM_ADDRSIG: 0x6fff4c03,
} as const;

/** sh_flags bits. */
export const SHF = {
  WRITE: 0x1,
  ALLOC: 0x2,
  EXECINSTR: 0x4,
  MERGE: 0x10,
  STRINGS: 0x20,
  INFO_LINK: 0x40,
  GROUP: 0x200,
  TLS: 0x400,
  EXCLUDE: 0x80000000,
} as const;

/** Special section indexes (st_shndx, e_shstrndx). */
export const SHN = {
  UNDEF: 0,
  LORESERVE: 0xff00,
  ABS: 0xfff1,
  COMMON: 0xfff2,
  XINDEX: 0xffff,
} as const;

/** Symbol binding (high nibble of st_info). */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;

/** Symbol type (low nibble of st_info). */
export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4, COMMON: 5, TLS: 6 } as const;

/** Symbol visibility (low two bits of st_other). */
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

/** BPF relocation types (r_type), LLVM's llvm_reloc.rst. */
export const R_BPF = { NONE: 0, R_64_64: 1, R_64_ABS64: 2, R_64_ABS32: 3, R_64_NODYLD32: 4, R_64_32: 10 } as const;

/** Sizes of the fixed ELF64 records. */
export const ELF64 = { EHDR: 64, SHDR: 64, PHDR: 56, SYM: 24, REL: 16, RELA: 24 } as const;
