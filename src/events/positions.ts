// Index of the low / high 32-bit word of a native 64-bit counter in an Int32Array.
import { LE } from "../kernel/sys.js";

export const LO_WORD = LE ? 0 : 1;
export const HI_WORD = LE ? 1 : 0;
