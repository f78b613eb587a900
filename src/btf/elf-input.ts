// BTF carried by an ELF file: a vmlinux or a .bpf.o keeps it in its `.BTF` section.
import { BtfError, ElfError } from "../errors.js";
import { parseElf } from "../elf/index.js";

/** The bytes of the `.BTF` section of an ELF file. */
export function btfSectionFromElf(bytes: Uint8Array, file?: string): Uint8Array {
  let section;
  try {
    section = parseElf(bytes).sectionByName(".BTF");
  } catch (err) {
    if (!(err instanceof ElfError)) throw err;
    throw new BtfError("BTF_BAD_ELF", `cannot read the ELF file carrying BTF: ${err.message}`, { ...err.where, ...(file === undefined ? {} : { file }), cause: err });
  }
  if (section === undefined || section.data.length === 0) {
    throw new BtfError("BTF_NO_ELF_SECTION", "the ELF file has no .BTF section", {
      ...(file === undefined ? {} : { file }),
      hint: "build it with debug info (clang -g for BPF objects; CONFIG_DEBUG_INFO_BTF=y for a kernel)",
    });
  }
  return section.data;
}
