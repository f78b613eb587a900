// The one error family of corebpf. Every error says what went wrong (message),
// where (structured fields), and what to do (hint). Pure: no Node imports.

/** Where an error happened; every field is optional and machine-readable. */
export interface ErrorWhere {
  /** File the input came from, when known. */
  file?: string;
  /** ELF section name. */
  section?: string;
  /** Byte offset into the input (BTF blob, ELF file, section). */
  offset?: number;
  /** BTF type id. */
  typeId?: number;
  /** Program (function) name. */
  program?: string;
  /** Instruction index inside a program. */
  insn?: number;
  /** Relocation index inside a program or section. */
  relo?: number;
  /** Source line (from line_info), e.g. "execsnoop.bpf.c:42: e->pid = pid;". */
  line?: string;
}

export interface ErrorOptions extends ErrorWhere {
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

export class CoreBpfError extends Error {
  /** Stable identifier, e.g. "BTF_TRUNCATED", "EPERM", "VERIFIER". */
  readonly code: string;
  readonly hint: string | undefined;
  readonly where: ErrorWhere;

  constructor(code: string, message: string, options: ErrorOptions = {}) {
    const { hint, cause, ...where } = options;
    super(hint ? `${message} (${hint})` : message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.hint = hint;
    this.where = where;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Malformed or unsupported BTF (the offset is into the BTF blob). */
export class BtfError extends CoreBpfError {}

/** Malformed ELF file. */
export class ElfError extends CoreBpfError {}

/** Malformed or unsupported BPF instruction stream. */
export class AsmError extends CoreBpfError {}

/** A BPF object file that cannot be modelled (sections, maps, programs, BTF.ext). */
export class ObjectError extends CoreBpfError {}

/** A CO-RE relocation that cannot be applied. */
export class RelocationError extends CoreBpfError {}

/** A system call failed; `errno` is the symbolic name (e.g. "EPERM"). */
export class SyscallError extends CoreBpfError {
  readonly errno: string;
  readonly errnoNumber: number;
  constructor(errno: string, errnoNumber: number, message: string, options: ErrorOptions = {}) {
    super(errno, message, options);
    this.errno = errno;
    this.errnoNumber = errnoNumber;
  }
}

/** The caller lacks the privilege (EPERM/EACCES) for a BPF operation. */
export class PermissionError extends SyscallError {}

/** The verifier rejected a program; `log` keeps every line of its log. */
export class VerifierError extends SyscallError {
  readonly log: readonly string[];
  constructor(errno: string, errnoNumber: number, message: string, log: readonly string[], options: ErrorOptions = {}) {
    super(errno, errnoNumber, message, options);
    this.log = log;
  }
}

/** The running kernel lacks a feature; `feature` names it. Kernel tests skip on this. */
export class NotSupportedError extends CoreBpfError {
  readonly feature: string;
  constructor(feature: string, message: string, options: ErrorOptions = {}) {
    super("NOT_SUPPORTED", message, options);
    this.feature = feature;
  }
}

/** Bad command-line usage. */
export class UsageError extends CoreBpfError {
  constructor(message: string, options: ErrorOptions = {}) {
    super("USAGE", message, options);
  }
}

/** What a pin or fd holds, and what the caller asked for ("prog", "map", "link", "btf"). */
export interface ObjectTypeMismatch {
  /** The pin's path. */
  path: string;
  /** The kind found there ("unknown" when it could not be told). */
  actual: string;
  expected: string;
}

/** A pin holds another kind of BPF object than the one asked for (a map opened as a program...). */
export class WrongObjectTypeError extends CoreBpfError implements ObjectTypeMismatch {
  readonly path: string;
  readonly actual: string;
  readonly expected: string;
  constructor(what: ObjectTypeMismatch, message?: string, options: ErrorOptions = {}) {
    super("WRONG_OBJECT_TYPE", message ?? `pinned '${what.path}': incorrect object type: ${what.actual} (expected a ${what.expected})`, { file: what.path, ...options });
    this.path = what.path;
    this.actual = what.actual;
    this.expected = what.expected;
  }
}
