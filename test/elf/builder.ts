// Test support: writes small ELF64 files from a list of sections, to craft
// inputs (extended section numbering, corrupt headers) that clang never emits.
export interface BuildSection {
  name: string;
  type: number;
  data?: Uint8Array;
  /** For SHT_NOBITS: the size in memory. */
  size?: number;
  link?: number;
  info?: number;
  entsize?: number;
  flags?: number;
}

export interface BuildOptions {
  littleEndian?: boolean;
  machine?: number;
  /** Store the section count and e_shstrndx in section 0 (SHN_XINDEX form). */
  extendedNumbering?: boolean;
}

/** Builds an ELF64 relocatable file: header, section data (8-aligned), .shstrtab last, then headers. */
export function buildElf(sections: BuildSection[], opts: BuildOptions = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const names: number[] = [0];
  const nameOffsets: number[] = [];
  const addName = (n: string) => {
    nameOffsets.push(names.length);
    for (const ch of new TextEncoder().encode(n)) names.push(ch);
    names.push(0);
  };
  for (const s of sections) addName(s.name);
  addName(".shstrtab");
  const all: BuildSection[] = [...sections, { name: ".shstrtab", type: 3, data: Uint8Array.from(names) }];
  let offset = 64;
  const offsets: number[] = [];
  for (const s of all) {
    offset = (offset + 7) & ~7;
    offsets.push(offset);
    if (s.type !== 8) offset += s.data?.length ?? 0;
  }
  const shoff = (offset + 7) & ~7;
  const shnum = all.length + 1;
  const out = new Uint8Array(shoff + shnum * 64);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1]);
  v.setUint16(16, 1, le);
  v.setUint16(18, opts.machine ?? 247, le);
  v.setUint32(20, 1, le);
  v.setBigUint64(40, BigInt(shoff), le);
  v.setUint16(52, 64, le);
  v.setUint16(58, 64, le);
  const shstrndx = all.length;
  if (opts.extendedNumbering) {
    v.setUint16(60, 0, le);
    v.setUint16(62, 0xffff, le);
    v.setBigUint64(shoff + 32, BigInt(shnum), le);
    v.setUint32(shoff + 40, shstrndx, le);
  } else {
    v.setUint16(60, shnum, le);
    v.setUint16(62, shstrndx, le);
  }
  all.forEach((s, k) => {
    const at = shoff + (k + 1) * 64;
    if (s.data !== undefined && s.type !== 8) out.set(s.data, offsets[k]!);
    v.setUint32(at, nameOffsets[k]!, le);
    v.setUint32(at + 4, s.type, le);
    v.setBigUint64(at + 8, BigInt(s.flags ?? 0), le);
    v.setBigUint64(at + 24, BigInt(offsets[k]!), le);
    v.setBigUint64(at + 32, BigInt(s.type === 8 ? (s.size ?? 0) : (s.data?.length ?? 0)), le);
    v.setUint32(at + 40, s.link ?? 0, le);
    v.setUint32(at + 44, s.info ?? 0, le);
    v.setBigUint64(at + 48, 8n, le);
    v.setBigUint64(at + 56, BigInt(s.entsize ?? 0), le);
  });
  return out;
}

/** Symbol table bytes from records (st_shndx as given, 0xffff for SHN_XINDEX). */
export function symtabBytes(syms: { name: number; info: number; shndx: number; value?: number; size?: number }[], le = true): Uint8Array {
  const out = new Uint8Array(syms.length * 24);
  const v = new DataView(out.buffer);
  syms.forEach((s, k) => {
    const at = k * 24;
    v.setUint32(at, s.name, le);
    v.setUint8(at + 4, s.info);
    v.setUint16(at + 6, s.shndx, le);
    v.setBigUint64(at + 8, BigInt(s.value ?? 0), le);
    v.setBigUint64(at + 16, BigInt(s.size ?? 0), le);
  });
  return out;
}

/** REL (16-byte) or RELA (24-byte) entries. */
export function relBytes(entries: { offset: number; sym: number; type: number; addend?: number }[], rela = false, le = true): Uint8Array {
  const size = rela ? 24 : 16;
  const out = new Uint8Array(entries.length * size);
  const v = new DataView(out.buffer);
  entries.forEach((e, k) => {
    v.setBigUint64(k * size, BigInt(e.offset), le);
    v.setBigUint64(k * size + 8, (BigInt(e.sym) << 32n) | BigInt(e.type), le);
    if (rela) v.setBigInt64(k * size + 16, BigInt(e.addend ?? 0), le);
  });
  return out;
}

/** A seeded PRNG (mulberry32): the same seed gives the same sequence on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
