// The uapi numbering lives in src/uapi.ts (pure, shared with obj/); helper
// names come from asm/'s table generated from the kernel's enum bpf_func_id.
export * from "../uapi.js";
export { HELPER_NAMES as helperNames } from "../asm/helpers.js";
