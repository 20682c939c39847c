/**
 * The one error class of ampsim, with a stable string `code`, and the
 * assertion helpers that catch our own bugs.
 *
 * Operating errors (bad input, corrupt archives, full AMPs) are `AmpsimError`s:
 * callers catch them and react to `code`. Assertions are plain `Error`s that
 * say "assertion failed": they are bugs in ampsim and stay on in production.
 */

/** Every error code ampsim throws. A new code only where a caller would react to it specifically. */
export const ERROR_CODES = {
  BAD_CONFIG: "an impossible configuration: AMP count, hash bits, hash map, clusters, streams, options",
  BAD_ARGUMENT: "an argument of the wrong shape or value passed to an API call",
  SQL_SYNTAX: "SQL text that does not parse; the message gives line, column and what was expected",
  BAD_DDL: "a definition that parses but is invalid (unknown PI column, SET with no PI, reserved name …)",
  NO_SUCH_DATABASE: "a database that does not exist",
  NO_SUCH_TABLE: "a table that does not exist",
  NO_SUCH_COLUMN: "a column that the table does not have",
  NO_SUCH_INDEX: "a secondary index that the table does not have",
  DATABASE_EXISTS: "CREATE DATABASE of a database that exists",
  TABLE_EXISTS: "CREATE TABLE (or a migration) onto a table that exists",
  INDEX_EXISTS: "CREATE INDEX of an index that exists",
  TYPE_MISMATCH: "a value or Arrow column whose type does not fit the column",
  VALUE_OUT_OF_RANGE: "a value of the right type that does not fit (integer range, decimal precision, string length)",
  NULL_VIOLATION: "NULL in a NOT NULL column",
  DUPLICATE_KEY: "a second row with the same unique primary index or USI value",
  DUPLICATE_ROW: "a duplicate row in a SET table",
  NO_SPACE: "an AMP would exceed its permanent space (permBytesPerAmp)",
  ARCHIVE_CORRUPT: "an archive stream or file that is truncated, reordered, damaged or foreign",
  VERIFY_FAILED: "a migrated table whose rows differ from the source's",
  MEDIUM_FAILED: "a transfer medium that broke (pipe closed, socket reset, file unreadable)",
  STORAGE_CORRUPT: "a damaged or missing file of a durable engine; the message names the file",
  STORAGE_FAILED: "a durable engine could not write its files (disk full, no permission, a path that is not a directory); the statement did not commit",
  STORAGE_CONFLICT: "a statement on a durable engine whose directory another Engine has changed since; reopen it with Engine.open",
  CHECKPOINT_MISMATCH: "a resumed migration whose plan, source definitions or progress differ from its checkpoint",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What an error is about; every field optional, named in the message too. */
export interface ErrorDetails {
  readonly table?: string;
  readonly column?: string;
  readonly amp?: number;
  readonly stream?: number;
  readonly batch?: number;
  readonly file?: string;
  readonly value?: unknown;
  readonly row?: number;
  readonly line?: number;
  readonly position?: number;
  readonly [key: string]: unknown;
}

/**
 * The error every operating failure of ampsim throws.
 *
 * @example
 * try { engine.insert("main.orders", rows) }
 * catch (error) { if (error instanceof AmpsimError && error.code === "DUPLICATE_KEY") … }
 */
export class AmpsimError extends Error {
  override readonly name = "AmpsimError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
    this.details = Object.freeze({ ...details });
  }
}

/** An AmpsimError's message without its "CODE: " prefix: the text to wrap in a message of another error. */
export function errorText(error: AmpsimError): string {
  return error.message.startsWith(`${error.code}: `) ? error.message.slice(error.code.length + 2) : error.message;
}

/** True when `error` is an AmpsimError, optionally with the given code. */
export function isAmpsimError(error: unknown, code?: ErrorCode): error is AmpsimError {
  return error instanceof AmpsimError && (code === undefined || error.code === code);
}

/** Asserts an invariant of ampsim itself; a failure is a bug, never bad input. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

/** Exhaustiveness check for `switch` over a closed union. */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`assertion failed: unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Renders a value for an error message: strings quoted, bigint plain, long values cut. */
export function showValue(value: unknown): string {
  let text: string;
  if (value === null) text = "NULL";
  else if (value === undefined) text = "undefined";
  else if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "bigint") text = value.toString();
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  else if (typeof value === "object") {
    try { text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)); }
    catch { text = String(value); }
  } else text = String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * `code` (BAD_CONFIG for constructors and options objects) for an option name that `where` does
 * not know: a misspelled `amp: 6` must not quietly build a 4-AMP system. Suggests the nearest name.
 *
 * @example
 * checkOptionNames({ amp: 6 }, ["amps", "hashBits"], "Engine options") // throws: … no option amp (did you mean amps?) …
 */
export function checkOptionNames(options: object, known: readonly string[], where: string, code: ErrorCode = "BAD_CONFIG"): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const near = known.find((k) => k.toLowerCase() === name.toLowerCase() || k.startsWith(name) || name.startsWith(k));
    throw new AmpsimError(code, `${where} has no option ${name}${near ? ` (did you mean ${near}?)` : ""}; its options: ${known.join(", ")}`, { option: name });
  }
}
