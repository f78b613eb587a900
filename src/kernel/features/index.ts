// What the running kernel supports, probed on first question and cached for
// the process. Other layers ask here instead of probing themselves.
import { type MapTypeName, type ProgTypeName } from "../flags.js";
import { type MapType, type ProgType } from "../uapi.js";
import { probeBtfFeature, type BtfFeatureName } from "./btf-kinds.js";
import { probeHelper } from "./helpers.js";
import { probeMapType } from "./map-types.js";
import { probeMisc, type MiscFeatureName } from "./misc.js";
import { probeProgType } from "./prog-types.js";

export interface Features {
  /** Programs of this type load. */
  progType(type: ProgType | ProgTypeName | number): boolean;
  /** Maps of this type can be created. */
  mapType(type: MapType | MapTypeName | number): boolean;
  /** Programs of `progType` may call `helper` (id or name); false where it cannot be told. */
  helper(progType: ProgType | ProgTypeName | number, helper: number | string): boolean;
  /** The BTF loader accepts this kind ("ENUM64", "FLOAT", "DECL_TAG", ...) or feature ("FUNC_GLOBAL"). */
  btfKind(kind: BtfFeatureName): boolean;
  /** Miscellaneous: "bounded_loops", "v3_isa_extension", "global_data", ... */
  misc(feature: MiscFeatureName): boolean;
}

/** The process-wide feature oracle. */
export const supports: Features = {
  progType: (type) => probeProgType(type),
  mapType: (type) => probeMapType(type),
  helper: (progType, helper) => probeHelper(progType, helper)?.supported ?? false,
  btfKind: (kind) => probeBtfFeature(kind),
  misc: (feature) => probeMisc(feature),
};

/** The feature oracle (the same object as `supports`). */
export function features(): Features {
  return supports;
}
