// corebpf/kernel: the only layer that makes system calls. Live kernel objects
// (Map, Program, BtfHandle) own their fds; feature probes answer what the
// running kernel supports.
export { Fd, fdOf, type FdLike } from "./fd.js";
export { Map, BpfMap, type MapSpec, type MapCodecs } from "./map.js";
export { MapMemory } from "./map-memory.js";
export { mapArena, arenaLength } from "./arena.js";
export { type BatchOptions } from "./map-batch.js";
export { Program, bindMap, type ProgramSpec, type ProgramLoadOptions } from "./program.js";
export { type TestRunOptions, type TestRunResult } from "./test-run.js";
export { BtfHandle, type BtfLoadOptions } from "./btf-handle.js";
export { type Codec, bytesCodec, u8Codec, u16Codec, u32Codec, u64Codec, i32Codec, i64Codec } from "./codec.js";
export {
  MapType,
  ProgType,
  AttachType,
  LinkType,
  Cmd,
  mapTypeNames,
  progTypeNames,
  attachTypeNames,
  linkTypeNames,
  commandNames,
  helperNames,
} from "./uapi.js";
export {
  UpdateFlags,
  MapFlags,
  ProgFlags,
  TestRunFlags,
  FileFlags,
  type MapTypeName,
  type ProgTypeName,
  type AttachTypeName,
  mapTypeOf,
  progTypeOf,
  attachTypeOf,
  mapTypeName,
  progTypeName,
  isPerCpuMapType,
} from "./flags.js";
export {
  programInfo,
  mapInfo,
  btfInfo,
  linkInfo,
  type ProgramInfo,
  type ProgramInfoOptions,
  type MapInfo,
  type BtfInfo,
  type LinkInfo,
} from "./info.js";
export { ids, getNextId, getFdById, tryGetFdById, objPin, objGet, objGetInfoByFd, enableStats, bpfCall, bpfTry, cString, type IdKind } from "./bpf.js";
export { attr, ATTR_SIZE, OBJ_NAME_LEN } from "./attr.js";
export { bpfError, commandName, privilegeAdvice, type ErrorContext } from "./bpf-error.js";
export { Errno, errnoName, errnoMessage, errnoNumber } from "./errno.js";
export { readFdinfo, parseFdinfo } from "./fdinfo.js";
export { possibleCpus, possibleCpuCount, onlineCpus, parseCpuList } from "./cpus.js";
export { BPFFS_DEFAULT, BPF_FS_MAGIC, bpffsMounts, ensureBpffs, isOnBpffs, checkPinDirectory, makePinDirectory, preparePinPath, openPinnedFd, fdObjectKind, pinnedObjects } from "./bpffs.js";
export { readKernelConfig, parseKernelConfig, kernelConfigPaths, type KernelConfig } from "./kconfig.js";
export { runningKernelVersion, kernelVersionCode, versionCodeFrom, parseVersionCode, type UnameInfo } from "./version.js";
export { hasBpfPrivilege, effectiveCapabilities, hasCapability, missingBpfCapabilities, unprivilegedBpfDisabled, Capability } from "./privileges.js";
export {
  NativeBuffer,
  Scratch,
  SYS,
  LE,
  lastErrno,
  rawBpf,
  rawSyscall,
  rawClose,
  rawMmap,
  rawMunmap,
  rawIoctl,
  rawRead,
  rawFcntl,
  rawSocket,
  rawSocketpair,
  rawBind,
  rawSetsockopt,
  rawSendto,
  rawRecv,
  rawWrite,
  rawOpen,
  rawSetns,
  ifNameToIndex,
  ifIndexToName,
  pageSize,
  clockGettime,
  Clock,
  Prot,
  MapMode,
  setU64,
  getU64,
} from "./sys.js";
export { encodeInsns, mov64Imm, mov64Reg, alu64Imm, alu64Reg, jmpImm, jmp32Imm, ja32, callHelper, exit, ldxMem, stxMem, stMem, ldImm64, Op, PSEUDO_MAP_FD, type Insn } from "./insns.js";
export { supports, features, type Features } from "./features/index.js";
export { probeProgType, progTypePlan } from "./features/prog-types.js";
export { probeMapType } from "./features/map-types.js";
export { probeHelper, helperIdOf, helpersProbeable, type HelperVerdict } from "./features/helpers.js";
export { probeBtfFeature, btfProbeBlob, type BtfFeatureName } from "./features/btf-kinds.js";
export { probeMisc, miscFeatureNames, type MiscFeatureName } from "./features/misc.js";
export { BtfBlob, BtfKind, localStorageBtf, type BtfKindName } from "./features/btf-blob.js";
export { logLines, verifierError, lastInstructionIndex } from "./verifier-log.js";
export { bpfSysctls, readProcfsNumber, procfsMounted } from "./sysctl.js";
export { btfTypeName } from "./btf-names.js";
export { MAX_STREAM_INPUT, readInputFile } from "./input-file.js";

// BTF files: raw, compressed or ELF; the running kernel and its modules.
export {
  KERNEL_BTF_DIR,
  MAX_DECOMPRESSED_BYTES,
  decodeBtfInput,
  decompressXz,
  detectBtfInput,
  kernelBtf,
  kernelBtfBytes,
  kernelModuleBtf,
  kernelModuleNames,
  readBtfFile,
  readBtfFileSync,
  type BtfFileOptions,
  type BtfInputFormat,
} from "./btf-files.js";

// Loading objects, and maps typed by BTF.
export * from "./loader/index.js";
export { btfCodec, readBits, writeBits, type BtfCodec } from "./typed/btf-codec.js";
export { btfMapCodecs, withKernelBtfCodecs, kernelObjectBtf } from "./typed/typed-map.js";

// Attach: links and every way of attaching a program (tracepoints, kprobes,
// uprobes, USDT, perf events, BTF tracing, XDP, tc, cgroups, sockets, netns,
// section names). attach/index.ts lists the names one by one.
export * from "./attach/index.js";
export { usdtNotes, type UsdtNote } from "./usdt-notes.js";
export { ensureTracefs, findTracefs, tracepointId, DynamicEvent } from "./tracefs.js";
export { resolveFunction, functionFileOffset, resolveBinaryPath, addressToFileOffset, type ResolvedSymbol } from "./elf-symbols.js";
export { NetlinkSocket, NetlinkMessage } from "./netlink.js";
