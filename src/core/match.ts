// Matching a local spec against one candidate target type (libbpf's
// bpf_core_spec_match): 1 with the target spec filled in, 0 when the candidate
// does not have the field / enumerator / compatible type, -errno on broken BTF.
import type { Btf } from "../btf/index.js";
import { BtfKind } from "../btf/index.js";
import { E2BIG, EINVAL, enumeratorNameOffset, isAnyEnum, isComposite, memberBitOffset, resolveSize, sameEssentialName, skip } from "./btf-ops.js";
import { fieldsAreCompat, typesAreCompat, typesMatch } from "./compat.js";
import { CoreKind, isEnumvalKind, isFieldKind, isTypeKind } from "./kinds.js";
import { type Accessor, type Spec, MAX_SPEC_LEN, addBits, bitsOf, isFlexArray } from "./spec.js";

/** Fills `target` (an empty spec rooted at the candidate) from `local`; 1, 0 or -errno. */
export function matchSpec(local: Spec, target: Spec): number {
  const tbtf = target.btf;
  let targetId = target.rootId;
  if (isTypeKind(local.kind)) {
    if (local.kind === CoreKind.TYPE_MATCHES) return typesMatch(local.btf, local.rootId, tbtf, targetId);
    return typesAreCompat(local.btf, local.rootId, tbtf, targetId);
  }

  if (isEnumvalKind(local.kind)) {
    targetId = skip(tbtf, targetId);
    if (targetId < 0 || !isAnyEnum(tbtf.kind(targetId))) return 0;
    const localName = local.accessors[0]!.name!;
    const n = tbtf.vlen(targetId);
    for (let i = 0; i < n; i++) {
      const name = tbtf.string(enumeratorNameOffset(tbtf, targetId, i));
      if (!sameEssentialName(localName, name)) continue;
      target.accessors.push({ typeId: targetId, idx: i, name });
      target.raw.push(i);
      return 1;
    }
    return 0;
  }

  if (!isFieldKind(local.kind)) return -EINVAL;

  const accessors = local.accessors;
  for (let i = 0; i < accessors.length; i++) {
    const acc = accessors[i]!;
    targetId = skip(tbtf, targetId);
    if (targetId < 0) return -EINVAL;
    if (acc.name !== undefined) {
      const next = { id: 0 };
      const matched = matchMember(local.btf, acc, tbtf, targetId, target, next);
      if (matched <= 0) return matched;
      targetId = next.id;
      continue;
    }
    if (i > 0) {
      if (tbtf.kind(targetId) !== BtfKind.ARRAY) return 0;
      const nelems = tbtf.dataWord(targetId, 2);
      const flex = isFlexArray(tbtf, target.accessors[i - 1]!, nelems);
      if (!flex && acc.idx >= nelems) return 0;
      targetId = skip(tbtf, tbtf.dataWord(targetId, 0));
      if (targetId < 0) return -EINVAL;
    }
    if (target.raw.length === MAX_SPEC_LEN) return -E2BIG;
    target.accessors.push({ typeId: targetId, idx: acc.idx, name: undefined });
    target.raw.push(acc.idx);
    const size = resolveSize(tbtf, targetId);
    if (size < 0) return size;
    target.bitOffset = addBits(target.bitOffset, bitsOf(acc.idx, size));
  }
  return 1;
}

/**
 * Finds the member the local accessor names in target composite `targetId`,
 * depth-first through anonymous members, extending the target spec as it goes
 * (bpf_core_match_member). The first member with the exact name decides: 1
 * when its type is compatible, else 0. Like libbpf, a name found incompatible
 * inside an anonymous member leaves that level's path entry and bit offset in
 * the spec while the search goes on.
 */
function matchMember(localBtf: Btf, acc: Accessor, tbtf: Btf, targetId: number, spec: Spec, next: { id: number }): number {
  targetId = skip(tbtf, targetId);
  if (targetId < 0) return -EINVAL;
  if (!isComposite(tbtf.kind(targetId))) return 0;
  const localName = acc.name!;
  const localMemberType = localBtf.memberType(acc.typeId, acc.idx);
  const n = tbtf.vlen(targetId);
  for (let i = 0; i < n; i++) {
    const bitOffset = memberBitOffset(tbtf, targetId, i);
    if (spec.raw.length === MAX_SPEC_LEN) return -E2BIG;
    spec.bitOffset = addBits(spec.bitOffset, bitOffset);
    spec.raw.push(i);
    const nameOff = tbtf.dataWord(targetId, i * 3);
    const name = nameOff === 0 ? "" : tbtf.string(nameOff);
    const memberType = tbtf.memberType(targetId, i);
    if (name === "") {
      const found = matchMember(localBtf, acc, tbtf, memberType, spec, next);
      if (found !== 0) return found;
    } else if (name === localName) {
      spec.accessors.push({ typeId: targetId, idx: i, name });
      next.id = memberType;
      const found = fieldsAreCompat(localBtf, localMemberType, tbtf, memberType);
      if (found === 0) spec.accessors.pop();
      return found;
    }
    spec.bitOffset = (spec.bitOffset - bitOffset + 2 ** 32) % 2 ** 32;
    spec.raw.pop();
  }
  return 0;
}
