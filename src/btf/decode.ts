// Materialises one type record into the public model, validating what the
// opening pass left for later: every name offset, every referenced type id and
// the kind-specific fields.
import { BtfError } from "../errors.js";
import { BtfKind } from "./kinds.js";
import type { StringTable } from "./strings.js";
import type { BtfType, EnumValue, Enum64Value, Member, Param, VarSecinfo } from "./types.js";
import { TYPE_HEADER_SIZE, infoKind, infoKindFlag, infoVlen, unknownKindError } from "./wire.js";

/** What decoding a record needs from its Btf. */
export interface DecodeContext {
  readonly view: DataView;
  readonly littleEndian: boolean;
  readonly strings: StringTable;
  /** One past the largest valid type id (base included). */
  readonly typeCount: number;
}

function fail(id: number, at: number, code: string, message: string): never {
  throw new BtfError(code, `type [${id}]: ${message}`, { typeId: id, offset: at });
}

/** The string whose offset is stored at byte `at`. */
function str(ctx: DecodeContext, id: number, at: number): string {
  const nameOff = ctx.view.getUint32(at, ctx.littleEndian);
  if (nameOff === 0) return "";
  if (nameOff >= ctx.strings.length) fail(id, at, "BTF_BAD_STRING_OFFSET", `name offset ${nameOff} is outside the ${ctx.strings.length}-byte string section`);
  return ctx.strings.get(nameOff);
}

/** The type id stored at byte `at`, checked against the id range. */
function ref(ctx: DecodeContext, id: number, at: number): number {
  const t = ctx.view.getUint32(at, ctx.littleEndian);
  if (t >= ctx.typeCount) fail(id, at, "BTF_BAD_TYPE_ID", `refers to type id ${t}, but the largest id is ${ctx.typeCount - 1}`);
  return t;
}

/** Decodes the record of type `id` at byte `off` of the view (a view of the whole blob). */
export function decodeType(ctx: DecodeContext, id: number, off: number): BtfType {
  const { view, littleEndian: le } = ctx;
  const name = str(ctx, id, off);
  const info = view.getUint32(off + 4, le);
  const kind = infoKind(info);
  const vlen = infoVlen(info);
  const kindFlag = infoKindFlag(info);
  const sizeAt = off + 8;
  const data = off + TYPE_HEADER_SIZE;

  switch (kind) {
    case BtfKind.INT: {
      const raw = view.getUint32(data, le);
      if ((raw & 0xf000ff00) !== 0) fail(id, data, "BTF_BAD_TYPE", `INT data 0x${raw.toString(16)} has reserved bits set`);
      const bits = raw & 0xff;
      const bitOffset = (raw >>> 16) & 0xff;
      return { id, kind, name, size: view.getUint32(sizeAt, le), encoding: (raw >>> 24) & 0x0f, bitOffset, bits };
    }
    case BtfKind.PTR:
    case BtfKind.TYPEDEF:
    case BtfKind.VOLATILE:
    case BtfKind.CONST:
    case BtfKind.RESTRICT:
      return { id, kind, name, type: ref(ctx, id, sizeAt) };
    case BtfKind.TYPE_TAG:
      return { id, kind, name, type: ref(ctx, id, sizeAt), attribute: kindFlag };
    case BtfKind.ARRAY:
      return { id, kind, name, type: ref(ctx, id, data), indexType: ref(ctx, id, data + 4), nelems: view.getUint32(data + 8, le) };
    case BtfKind.STRUCT:
    case BtfKind.UNION: {
      const members: Member[] = new Array(vlen);
      for (let i = 0, at = data; i < vlen; i++, at += 12) {
        const raw = view.getUint32(at + 8, le);
        members[i] = {
          name: str(ctx, id, at),
          type: ref(ctx, id, at + 4),
          bitOffset: kindFlag ? raw & 0xffffff : raw,
          bitfieldSize: kindFlag ? raw >>> 24 : 0,
        };
      }
      return { id, kind, name, size: view.getUint32(sizeAt, le), kindFlag, members };
    }
    case BtfKind.ENUM: {
      const values: EnumValue[] = new Array(vlen);
      for (let i = 0, at = data; i < vlen; i++, at += 8) {
        values[i] = { name: str(ctx, id, at), value: kindFlag ? view.getInt32(at + 4, le) : view.getUint32(at + 4, le) };
      }
      return { id, kind, name, size: view.getUint32(sizeAt, le), signed: kindFlag, values };
    }
    case BtfKind.ENUM64: {
      const values: Enum64Value[] = new Array(vlen);
      for (let i = 0, at = data; i < vlen; i++, at += 12) {
        const v = (BigInt(view.getUint32(at + 8, le)) << 32n) | BigInt(view.getUint32(at + 4, le));
        values[i] = { name: str(ctx, id, at), value: kindFlag ? BigInt.asIntN(64, v) : v };
      }
      return { id, kind, name, size: view.getUint32(sizeAt, le), signed: kindFlag, values };
    }
    case BtfKind.FWD:
      return { id, kind, name, union: kindFlag };
    case BtfKind.FUNC:
      return { id, kind, name, type: ref(ctx, id, sizeAt), linkage: vlen };
    case BtfKind.FUNC_PROTO: {
      const params: Param[] = [];
      let variadic = false;
      for (let i = 0, at = data; i < vlen; i++, at += 8) {
        const type = ref(ctx, id, at + 4);
        if (type === 0) {
          if (i !== vlen - 1) fail(id, at, "BTF_BAD_TYPE", `parameter #${i} is void but not the last (varargs) one`);
          if (view.getUint32(at, le) !== 0) fail(id, at, "BTF_BAD_TYPE", `the varargs marker parameter has a name`);
          variadic = true;
          break;
        }
        params.push({ name: str(ctx, id, at), type });
      }
      return { id, kind, name, type: ref(ctx, id, sizeAt), params, variadic };
    }
    case BtfKind.VAR:
      return { id, kind, name, type: ref(ctx, id, sizeAt), linkage: view.getUint32(data, le) };
    case BtfKind.DATASEC: {
      const vars: VarSecinfo[] = new Array(vlen);
      for (let i = 0, at = data; i < vlen; i++, at += 12) {
        vars[i] = { type: ref(ctx, id, at), offset: view.getUint32(at + 4, le), size: view.getUint32(at + 8, le) };
      }
      return { id, kind, name, size: view.getUint32(sizeAt, le), vars };
    }
    case BtfKind.FLOAT:
      return { id, kind, name, size: view.getUint32(sizeAt, le) };
    case BtfKind.DECL_TAG: {
      const componentIdx = view.getInt32(data, le);
      if (componentIdx < -1) fail(id, data, "BTF_BAD_TYPE", `DECL_TAG component_idx ${componentIdx} is below -1`);
      return { id, kind, name, type: ref(ctx, id, sizeAt), componentIdx, attribute: kindFlag };
    }
    default:
      throw unknownKindError(kind, id, off);
  }
}
