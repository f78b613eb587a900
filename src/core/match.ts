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
 * the spec while the search goes on. Members that are neither anonymous nor
 * the name looked for are skipped through a per-type name table (libbpf
 * visits them one by one, with no lasting effect).
 */
function matchMember(localBtf: Btf, acc: Accessor, tbtf: Btf, targetId: number, spec: Spec, next: { id: number }): number {
  targetId = skip(tbtf, targetId);
  if (targetId < 0) return -EINVAL;
  if (!isComposite(tbtf.kind(targetId))) return 0;
  const localName = acc.name!;
  const table = memberTable(tbtf, targetId);
  const named = table.byName.get(localName) ?? Infinity;
  if (tbtf.vlen(targetId) === 0) return 0;
  // libbpf checks the path length before visiting each member; it only grows
  // when a search below leaves a stale entry, so checking there is the same.
  if (spec.raw.length === MAX_SPEC_LEN) return -E2BIG;
  for (const i of table.anonymous) {
    if (i > named) break;
    const bitOffset = memberBitOffset(tbtf, targetId, i);
    spec.bitOffset = addBits(spec.bitOffset, bitOffset);
    spec.raw.push(i);
    const found = matchMember(localBtf, acc, tbtf, tbtf.memberType(targetId, i), spec, next);
    if (found !== 0) return found;
    spec.bitOffset = (spec.bitOffset - bitOffset + 2 ** 32) % 2 ** 32;
    spec.raw.pop();
    if (i + 1 < tbtf.vlen(targetId) && spec.raw.length === MAX_SPEC_LEN) return -E2BIG;
  }
  if (named === Infinity) return 0;
  spec.bitOffset = addBits(spec.bitOffset, memberBitOffset(tbtf, targetId, named));
  spec.raw.push(named);
  const memberType = tbtf.memberType(targetId, named);
  spec.accessors.push({ typeId: targetId, idx: named, name: localName });
  next.id = memberType;
  const found = fieldsAreCompat(localBtf, localBtf.memberType(acc.typeId, acc.idx), tbtf, memberType);
  if (found === 0) spec.accessors.pop();
  return found;
}

/** A composite's members by name (first index of each) and its anonymous members' indexes. */
interface MemberTable {
  byName: Map<string, number>;
  anonymous: number[];
}

const memberTables = new WeakMap<Btf, Map<number, MemberTable>>();

function memberTable(btf: Btf, id: number): MemberTable {
  let tables = memberTables.get(btf);
  if (tables === undefined) memberTables.set(btf, (tables = new Map()));
  let table = tables.get(id);
  if (table === undefined) {
    table = { byName: new Map(), anonymous: [] };
    const n = btf.vlen(id);
    for (let i = 0; i < n; i++) {
      const nameOff = btf.dataWord(id, i * 3);
      const name = nameOff === 0 ? "" : btf.string(nameOff);
      if (name === "") table.anonymous.push(i);
      else if (!table.byName.has(name)) table.byName.set(name, i);
    }
    tables.set(id, table);
  }
  return table;
}
