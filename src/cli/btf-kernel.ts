// The kernel's BTF sources of `corebpf btf dump`: `id BTF_ID`, `prog PROG` and
// `map MAP [key | value | kv | all]`, read as bpftool 7.1 reads them: the BTF
// object's bytes by id (a program's or map's btf_id), a kernel module's BTF
// split over the running kernel's vmlinux unless -B names a base, and bpftool's
// messages when something is missing (a map or program without BTF asks for
// BTF id 0, which fails like any unknown id).
import { Btf } from "../btf/btf.js";
import { CoreBpfError, SyscallError, UsageError } from "../errors.js";
import { BtfHandle, Fd, errnoMessage, kernelBtf, mapInfo, programInfo } from "../kernel/index.js";
import type { CliContext } from "./args.js";
import { mapSelectSpec } from "./map.js";
import { progSelectSpec } from "./prog.js";
import { parseSelector, selectOneFd } from "./show-common.js";

const SYSFS_VMLINUX = "/sys/kernel/btf/vmlinux";

/** What a kernel source designates: a BTF id and, for maps, the root types to print (none: all). */
export interface KernelBtfSource {
  btfId: number;
  rootIds: number[] | undefined;
  /** How many of the dump's arguments the source took (the format options follow). */
  argsUsed: number;
}

/** bpftool's is_prefix: `word` is a prefix of `keyword` (an empty word is a prefix of all). */
const isPrefix = (word: string, keyword: string): boolean => keyword.startsWith(word);

/** strtoul(s, &end, 0) that must consume the whole string, as bpftool parses BTF ids. */
export function parseBtfId(text: string): number {
  const t = text.trimStart();
  let value: number;
  if (/^\+?0[xX][0-9a-fA-F]+$/.test(t)) value = parseInt(t.replace("+", ""), 16);
  else if (/^\+?0[0-7]*$/.test(t)) value = parseInt(t.replace("+", ""), 8);
  else if (/^\+?[1-9][0-9]*$/.test(t)) value = Number(t.replace("+", ""));
  else if (text === "") value = 0;
  else throw new UsageError(`can't parse ${text} as ID`);
  if (!(value <= 0xffffffff)) value = 0xffffffff; // strtoul saturates; the id is a __u32
  return value;
}

/** Parses `args` (starting with the source keyword, already matched to `kind`) and reads the ids it needs. */
export function kernelSource(kind: "id" | "prog" | "map", args: readonly string[]): KernelBtfSource {
  if (kind === "id") return { btfId: parseBtfId(args[1]!), rootIds: undefined, argsUsed: 2 };
  if (args.length < 3) throw new UsageError(`'${args[0]}' needs at least 2 arguments, ${args.length - 1} found`);
  const sel = parseSelector(args.slice(1, 3), kind === "prog")!;
  using fd = new Fd(kind === "prog" ? selectOneFd(progSelectSpec, sel) : selectOneFd(mapSelectSpec, sel));
  if (kind === "prog") {
    const info = failWith("can't get prog info", () => programInfo(fd.value));
    return { btfId: info.btfId, rootIds: undefined, argsUsed: 3 };
  }
  const info = failWith("can't get map info", () => mapInfo(fd.value));
  const word = args[3];
  const key = info.btfKeyTypeId;
  const value = info.btfValueTypeId;
  if (word !== undefined && isPrefix(word, "key")) return { btfId: info.btfId, rootIds: [key], argsUsed: 4 };
  if (word !== undefined && isPrefix(word, "value")) return { btfId: info.btfId, rootIds: [value], argsUsed: 4 };
  if (word !== undefined && isPrefix(word, "all")) return { btfId: info.btfId, rootIds: undefined, argsUsed: 4 };
  const used = word !== undefined && isPrefix(word, "kv") ? 4 : 3;
  return { btfId: info.btfId, rootIds: [key, value], argsUsed: used };
}

function failWith<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SyscallError) throw new CoreBpfError(err.code, `${prefix}: ${errnoMessage(err.errnoNumber)}`, { cause: err });
    throw err;
  }
}

/**
 * The BTF object `id` as bpftool's btf__load_from_kernel_by_id_split reads it:
 * over `base` (-B), else over the kernel's vmlinux when the object is a
 * module's (kernel BTF not named "vmlinux"), else on its own.
 */
export function loadKernelBtf(id: number, base: Btf | undefined, ctx: Pick<CliContext, "json">): Btf {
  if (base === undefined && isKernelModule(id, ctx)) {
    if (!ctx.json) {
      process.stderr.write(`Warning: valid base BTF was not specified with -B option, falling back to standard base BTF (${SYSFS_VMLINUX})\n`);
    }
    base = kernelBtf();
  }
  const what = `get btf by id (${id})`;
  const bytes = failWith(what, () => {
    using handle = BtfHandle.fromId(id);
    return handle.info(true).data ?? new Uint8Array(0);
  });
  try {
    return Btf.parse(bytes, base === undefined ? {} : { base });
  } catch (err) {
    if (!(err instanceof CoreBpfError)) throw err;
    const Class = err.constructor as new (code: string, message: string, options: object) => CoreBpfError;
    throw new Class(err.code, `${what}: ${err.message}`, { ...err.where, cause: err });
  }
}

/**
 * bpftool's btf_is_kernel_module, whose failure to open the id is reported
 * (on stderr, before the load's own error) and answers "no".
 */
function isKernelModule(id: number, ctx: Pick<CliContext, "json">): boolean {
  let step = `can't get BTF object by id (${id})`;
  try {
    using handle = BtfHandle.fromId(id);
    step = `can't get BTF (ID ${id}) object info`;
    const info = handle.info();
    return info.kernelBtf && info.name !== "vmlinux";
  } catch (err) {
    if (!(err instanceof SyscallError)) throw err;
    if (!ctx.json) process.stderr.write(`Error: ${step}: ${errnoMessage(err.errnoNumber)}\n`);
    return false;
  }
}
