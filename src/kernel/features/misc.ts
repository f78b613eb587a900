// Miscellaneous kernel features: bpftool's "misc" section (instruction limit,
// bounded loops, ISA v2/v3/v4) and loader-relevant ones libbpf also checks.
import { CoreBpfError } from "../../errors.js";
import { AttachType, MapType, ProgType, helperNames } from "../uapi.js";
import { alu64Imm, callHelper, exit, ja32, jmp32Imm, jmpImm, ldImm64, mov64Imm, mov64Reg, Op, stMem, type Insn } from "../insns.js";
import { createMapFd } from "../map-create.js";
import { MapFlags } from "../flags.js";
import { rawClose } from "../sys.js";
import { probeLoad } from "./probe-load.js";

/** Features this module can probe. */
export type MiscFeatureName =
  | "large_insn_limit"
  | "bounded_loops"
  | "v2_isa_extension"
  | "v3_isa_extension"
  | "v4_isa_extension"
  | "prog_name"
  | "global_data"
  | "array_mmap"
  | "exp_attach_type"
  | "probe_read_kernel";

const BPF_MAXINSNS = 4096;
const PSEUDO_MAP_VALUE = 2;

function socketFilter(insns: ReadonlyArray<Insn | readonly Insn[]>): boolean {
  return probeLoad(ProgType.SOCKET_FILTER, insns).ok;
}

function withArrayMap(flags: number, use: (fd: number) => boolean): boolean {
  let fd: number;
  try {
    fd = createMapFd({ type: MapType.ARRAY, keySize: 4, valueSize: 32, maxEntries: 1, flags });
  } catch (err) {
    if (err instanceof CoreBpfError) return false;
    throw err;
  }
  try {
    return use(fd);
  } finally {
    rawClose(fd);
  }
}

const probes: Record<MiscFeatureName, () => boolean> = {
  large_insn_limit: () => {
    const insns: Insn[] = [];
    for (let i = 0; i < BPF_MAXINSNS; i++) insns.push(mov64Imm(0, 1));
    insns.push(exit());
    return socketFilter(insns);
  },
  bounded_loops: () => socketFilter([mov64Imm(0, 10), alu64Imm(Op.SUB, 0, 1), jmpImm(Op.JNE, 0, 0, -2), exit()]),
  v2_isa_extension: () => socketFilter([mov64Imm(0, 0), jmpImm(Op.JLT, 0, 0, 1), mov64Imm(0, 1), exit()]),
  v3_isa_extension: () => socketFilter([mov64Imm(0, 0), jmp32Imm(Op.JLT, 0, 0, 1), mov64Imm(0, 1), exit()]),
  v4_isa_extension: () => socketFilter([mov64Imm(0, 0), jmp32Imm(Op.JEQ, 0, 1, 1), ja32(1), mov64Imm(0, 1), exit()]),
  prog_name: () => probeLoad(ProgType.SOCKET_FILTER, [mov64Imm(0, 0), exit()], { name: "probe" }).ok,
  // A program reading a map value through ld_imm64 BPF_PSEUDO_MAP_VALUE (.data/.bss/.rodata).
  global_data: () =>
    withArrayMap(0, (fd) =>
      socketFilter([ldImm64(1, fd, PSEUDO_MAP_VALUE), stMem(Op.DW, 1, 0, 42), mov64Imm(0, 0), exit()]),
    ),
  array_mmap: () => withArrayMap(MapFlags.MMAPABLE, () => true),
  exp_attach_type: () =>
    probeLoad(ProgType.CGROUP_SOCK, [mov64Imm(0, 1), exit()], { expectedAttachType: AttachType.CGROUP_INET_SOCK_CREATE }).ok,
  probe_read_kernel: () => {
    const id = helperNames.indexOf("bpf_probe_read_kernel");
    // r1 = fp - 8; r2 = 8; r3 = 0; call probe_read_kernel; exit
    return probeLoad(ProgType.TRACEPOINT, [mov64Reg(1, 10), alu64Imm(Op.ADD, 1, -8), mov64Imm(2, 8), mov64Imm(3, 0), callHelper(id), exit()]).ok;
  },
};

const cache = new globalThis.Map<MiscFeatureName, boolean>();

/** Whether the kernel has `feature` (probed once per process). */
export function probeMisc(feature: MiscFeatureName): boolean {
  const hit = cache.get(feature);
  if (hit !== undefined) return hit;
  const probe = probes[feature];
  if (!probe) throw new CoreBpfError("BAD_ARGUMENT", `unknown feature '${feature}'`, { hint: `expected one of: ${Object.keys(probes).join(", ")}` });
  const ok = probe();
  cache.set(feature, ok);
  return ok;
}

/** The names of every misc feature. */
export const miscFeatureNames = Object.keys(probes) as MiscFeatureName[];
