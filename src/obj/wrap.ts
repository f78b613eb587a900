// Errors of the lower layers (ELF, BTF, instructions) surface from parseObject
// as ObjectErrors that keep their code, place, hint and cause.
import { type CoreBpfError, type ErrorWhere, ObjectError } from "../errors.js";

/** The message without the " (hint)" suffix CoreBpfError appends. */
function bareMessage(e: CoreBpfError): string {
  const suffix = e.hint === undefined ? "" : ` (${e.hint})`;
  return suffix !== "" && e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
}

/** An ObjectError for `e`, its message prefixed (e.g. "function 'f': ") and its place completed by `where`. */
export function asObjectError(e: CoreBpfError, prefix = "", where: ErrorWhere = {}): ObjectError {
  return new ObjectError(e.code, prefix + bareMessage(e), { ...e.where, ...where, ...(e.hint === undefined ? {} : { hint: e.hint }), cause: e });
}
