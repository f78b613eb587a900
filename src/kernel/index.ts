// corebpf/kernel: the layer that touches the running system.
export {
  KERNEL_BTF_DIR,
  MAX_DECOMPRESSED_BYTES,
  decodeBtfInput,
  decompressXz,
  detectBtfInput,
  kernelBtf,
  kernelModuleBtf,
  kernelModuleNames,
  readBtfFile,
  readBtfFileSync,
  type BtfFileOptions,
  type BtfInputFormat,
} from "./btf-files.js";
