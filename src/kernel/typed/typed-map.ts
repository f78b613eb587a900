// Typed maps: the key/value codecs a map's BTF types give, for maps of a
// loaded object (the object's BTF) or any map in the kernel (the BTF object
// the kernel keeps for it, fetched by id).
import { Btf } from "../../btf/index.js";
import { CoreBpfError } from "../../errors.js";
import { getFdById } from "../bpf.js";
import { Fd } from "../fd.js";
import { btfInfo } from "../info.js";
import type { Map as BpfMap, MapCodecs } from "../map.js";
import { btfCodec } from "./btf-codec.js";

/** Codecs for BTF key/value type ids (0: that side stays bytes). */
export function btfMapCodecs(btf: Btf | undefined, keyTypeId: number, valueTypeId: number): MapCodecs<unknown, unknown> {
  if (btf === undefined) return {};
  const out: MapCodecs<unknown, unknown> = {};
  if (keyTypeId !== 0) out.key = btfCodec(btf, keyTypeId);
  if (valueTypeId !== 0) out.value = btfCodec(btf, valueTypeId);
  return out;
}

/** The BTF the kernel holds for a map or program (split over vmlinux when it is a module's). */
export function kernelObjectBtf(btfId: number): Btf {
  using fd = new Fd(getFdById("btf", btfId));
  const info = btfInfo(fd.value, true);
  if (info.data === undefined) throw new CoreBpfError("NO_BTF", `BTF object ${btfId} returned no data`);
  return Btf.parse(info.data);
}

/**
 * The same map (same fd) with codecs from the BTF types the kernel recorded
 * for it; bytes on the sides it has no type for.
 */
export function withKernelBtfCodecs(map: BpfMap): BpfMap<unknown, unknown> {
  const info = map.info();
  if (info.btfId === 0 || (info.btfKeyTypeId === 0 && info.btfValueTypeId === 0)) return map as BpfMap<unknown, unknown>;
  return map.withCodecs(btfMapCodecs(kernelObjectBtf(info.btfId), info.btfKeyTypeId, info.btfValueTypeId));
}
