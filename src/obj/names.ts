// Names libbpf derives: the object's name from its file name, and the kernel
// names of global data maps (object name prefix + section name, 15 chars).

/** The kernel's BPF_OBJ_NAME_LEN: 15 characters and a NUL. */
export const OBJ_NAME_LEN = 16;

/**
 * libbpf's object name for a path: the base name cut to 15 characters, then
 * cut at its first '.' ("minimal.bpf.o" → "minimal").
 */
export function objectNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1).slice(0, OBJ_NAME_LEN - 1);
  const dot = base.indexOf(".");
  return dot < 0 ? base : base.slice(0, dot);
}

/**
 * The name libbpf gives the map of a global data section: as much of the
 * object name as fits before the section name (which keeps at least 7
 * characters of room, so ".bss" still leaves only 8 for the object), no
 * prefix for custom ".data.x"/".rodata.x" sections, 15 characters at most,
 * characters other than [A-Za-z0-9_.] replaced by '_'.
 */
export function internalMapName(objectName: string, section: string): string {
  const suffixLen = Math.min(Math.max(7, section.length), OBJ_NAME_LEN - 1);
  const prefixLen = section.indexOf(".", 1) >= 0 ? 0 : Math.min(OBJ_NAME_LEN - suffixLen - 1, objectName.length);
  const name = (objectName.slice(0, prefixLen) + section.slice(0, suffixLen)).slice(0, OBJ_NAME_LEN - 1);
  return name.replace(/[^A-Za-z0-9_.]/g, "_");
}
