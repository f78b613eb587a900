// BTF kind probes: load a tiny hand-encoded blob using the kind; the kernel
// rejects kinds it does not know. The load pipeline sanitises object BTF with
// these answers before BTF_LOAD, as libbpf does.
import { CoreBpfError } from "../../errors.js";
import { BtfHandle } from "../btf-handle.js";
import { BtfBlob, BtfKind, type BtfKindName } from "./btf-blob.js";

/** BTF features beyond "the kind exists". */
export type BtfFeatureName = BtfKindName | "FUNC_GLOBAL" | "DATASEC_QMARK";

/** The blob that exercises `feature`. */
export function btfProbeBlob(feature: BtfFeatureName): Uint8Array {
  const b = new BtfBlob();
  const int = b.int("int", 4, 32, true);
  switch (feature) {
    case "INT":
      break;
    case "PTR":
      b.type("", BtfKind.PTR, 0, int);
      break;
    case "ARRAY":
      b.type("", BtfKind.ARRAY, 0, 0, [int, int, 4]);
      break;
    case "STRUCT":
      b.type("s", BtfKind.STRUCT, 1, 4, [b.str("a"), int, 0]);
      break;
    case "UNION":
      b.type("u", BtfKind.UNION, 1, 4, [b.str("a"), int, 0]);
      break;
    case "ENUM":
      b.type("e", BtfKind.ENUM, 1, 4, [b.str("A"), 1]);
      break;
    case "FWD":
      b.type("f", BtfKind.FWD, 0, 0);
      break;
    case "TYPEDEF":
      b.type("t", BtfKind.TYPEDEF, 0, int);
      break;
    case "VOLATILE":
      b.type("", BtfKind.VOLATILE, 0, int);
      break;
    case "CONST":
      b.type("", BtfKind.CONST, 0, int);
      break;
    case "RESTRICT": {
      const ptr = b.type("", BtfKind.PTR, 0, int);
      b.type("", BtfKind.RESTRICT, 0, ptr);
      break;
    }
    case "FUNC_PROTO":
      b.type("", BtfKind.FUNC_PROTO, 1, int, [b.str("x"), int]);
      break;
    case "FUNC":
    case "FUNC_GLOBAL": {
      const proto = b.type("", BtfKind.FUNC_PROTO, 0, int);
      b.type("f", BtfKind.FUNC, feature === "FUNC" ? 0 : 1, proto);
      break;
    }
    case "VAR":
    case "DATASEC":
    case "DATASEC_QMARK": {
      const v = b.type("v", BtfKind.VAR, 0, int, [0]);
      b.type(feature === "DATASEC_QMARK" ? ".data?.x" : ".data", BtfKind.DATASEC, 1, 4, [v, 0, 4]);
      break;
    }
    case "FLOAT":
      b.type("float", BtfKind.FLOAT, 0, 4);
      break;
    case "DECL_TAG": {
      const v = b.type("v", BtfKind.VAR, 0, int, [0]);
      b.type("tag", BtfKind.DECL_TAG, 0, v, [0xffffffff]);
      break;
    }
    case "TYPE_TAG": {
      const tag = b.type("tag", BtfKind.TYPE_TAG, 0, int);
      b.type("", BtfKind.PTR, 0, tag);
      break;
    }
    case "ENUM64":
      b.type("e", BtfKind.ENUM64, 1, 8, [b.str("A"), 1, 0]);
      break;
  }
  return b.bytes();
}

const cache = new globalThis.Map<BtfFeatureName, boolean>();

/** Whether the kernel's BTF loader accepts `feature` (probed once per process). */
export function probeBtfFeature(feature: BtfFeatureName): boolean {
  const hit = cache.get(feature);
  if (hit !== undefined) return hit;
  let ok: boolean;
  try {
    BtfHandle.load(btfProbeBlob(feature), { logSize: 4096 }).close();
    ok = true;
  } catch (err) {
    if (!(err instanceof CoreBpfError)) throw err;
    ok = false;
  }
  cache.set(feature, ok);
  return ok;
}
