/**
 * Columnar evaluation of simple predicates with SQL's three-valued logic:
 * every row gets TRUE (1), FALSE (0) or UNKNOWN (2, a comparison with NULL);
 * a scan keeps the rows that are TRUE.
 */
import type * as arrow from "apache-arrow";
import { typeToString, type ColumnType } from "../catalog/column-type.js";
import type { ColumnDefinition } from "../catalog/table-definition.js";
import { readDecimal, toStored, type StoredValue } from "../catalog/values.js";
import { AmpsimError, assertNever, errorText, showValue } from "../errors.js";
import { isValidAt } from "../storage/column-data.js";
import { isNumberText, literalValue, type CompareOperator, type Literal, type Predicate } from "./predicate.js";

const FALSE = 0; const TRUE = 1; const UNKNOWN = 2;

export interface PredicateInput {
  readonly table: string;
  readonly columns: readonly ColumnDefinition[];
  readonly data: readonly arrow.Data[];
  readonly length: number;
}

/** The indexes of the rows for which `predicate` is TRUE. */
export function selectRows(predicate: Predicate, input: PredicateInput): Uint32Array {
  const truth = evaluate(predicate, input);
  let count = 0;
  for (let i = 0; i < input.length; i++) if (truth[i] === TRUE) count++;
  const out = new Uint32Array(count);
  for (let i = 0, o = 0; i < input.length; i++) if (truth[i] === TRUE) out[o++] = i;
  return out;
}

/**
 * Checks a predicate: its shape (BAD_ARGUMENT: an object built by hand must be one of the
 * documented kinds), that every column it names exists (NO_SUCH_COLUMN) and that every literal
 * can be compared with its column (TYPE_MISMATCH).
 */
export function checkPredicate(predicate: Predicate, table: string, columns: readonly ColumnDefinition[]): void {
  checkShape(predicate, table, "where");
  evaluate(predicate, { table, columns, data: [], length: 0 });
}

const OPERATORS: readonly string[] = ["=", "<>", "<", "<=", ">", ">="];
const SHAPES = 'a { kind: "compare", column, op, value }, { kind: "is null", column, negated }, { kind: "in", column, values, negated }, { kind: "between", column, low, high, negated }, { kind: "and" | "or", operands } or { kind: "not", operand } object, or SQL text';

function checkShape(p: unknown, table: string, at: string): void {
  const shown = (value: unknown) => value === undefined ? "missing" : showValue(value);
  const bad = (what: string) => new AmpsimError("BAD_ARGUMENT", `where on ${table}: ${at} ${what}; a predicate is ${SHAPES}`, { table });
  if (p === null || typeof p !== "object" || Array.isArray(p)) throw bad(`is ${shown(p)}`);
  const o = p as Record<string, unknown>;
  const needColumn = () => { if (typeof o.column !== "string" || o.column === "") throw bad(`has no column name (column: ${shown(o.column)})`); };
  const needLiteral = (key: string) => { if (!isLiteral(o[key])) throw bad(`has no comparable ${key} (${key}: ${shown(o[key])})`); };
  switch (o.kind) {
    case "compare":
      needColumn();
      if (typeof o.op !== "string" || !OPERATORS.includes(o.op)) throw bad(`has operator ${shown(o.op)}, not one of ${OPERATORS.join(" ")}`);
      return needLiteral("value");
    case "is null": needColumn(); return;
    case "in":
      needColumn();
      if (!Array.isArray(o.values)) throw bad(`has no values list (values: ${shown(o.values)})`);
      o.values.forEach((v, i) => { if (!isLiteral(v)) throw bad(`has values[${i}] = ${shown(v)}`); });
      return;
    case "between": needColumn(); needLiteral("low"); needLiteral("high"); return;
    case "and":
    case "or":
      if (!Array.isArray(o.operands)) throw bad(`has no operands list (operands: ${shown(o.operands)})`);
      o.operands.forEach((operand, i) => checkShape(operand, table, `${at}.operands[${i}]`));
      return;
    case "not": return checkShape(o.operand, table, `${at}.operand`);
    default: throw bad(`has kind ${shown(o.kind)}`);
  }
}

function isLiteral(value: unknown): boolean {
  return value === null || value instanceof Date || isNumberText(value) || ["number", "bigint", "string", "boolean"].includes(typeof value);
}

function evaluate(p: Predicate, input: PredicateInput): Uint8Array {
  switch (p.kind) {
    case "and": return combine(p.operands.map((o) => evaluate(o, input)), input.length, andOf, TRUE);
    case "or": return combine(p.operands.map((o) => evaluate(o, input)), input.length, orOf, FALSE);
    case "not": {
      const inner = evaluate(p.operand, input);
      for (let i = 0; i < inner.length; i++) inner[i] = inner[i] === UNKNOWN ? UNKNOWN : 1 - inner[i];
      return inner;
    }
    case "is null": {
      const { data } = column(p.column, input);
      const out = new Uint8Array(input.length);
      for (let i = 0; i < input.length; i++) out[i] = (isValidAt(data!, i) ? p.negated : !p.negated) ? TRUE : FALSE;
      return out;
    }
    case "compare": return compareColumn(p.column, p.op, p.value, input);
    case "in": {
      const any = combine(p.values.map((v) => compareColumn(p.column, "=", v, input)), input.length, orOf, FALSE);
      return p.negated ? evaluate({ kind: "not", operand: { kind: "in", column: p.column, values: p.values, negated: false } }, input) : any;
    }
    case "between": {
      const both = combine([compareColumn(p.column, ">=", p.low, input), compareColumn(p.column, "<=", p.high, input)], input.length, andOf, TRUE);
      if (!p.negated) return both;
      for (let i = 0; i < both.length; i++) both[i] = both[i] === UNKNOWN ? UNKNOWN : 1 - both[i];
      return both;
    }
    default: return assertNever(p, "predicate");
  }
}

function andOf(a: number, b: number): number {
  if (a === FALSE || b === FALSE) return FALSE;
  return a === TRUE && b === TRUE ? TRUE : UNKNOWN;
}

function orOf(a: number, b: number): number {
  if (a === TRUE || b === TRUE) return TRUE;
  return a === FALSE && b === FALSE ? FALSE : UNKNOWN;
}

/** `empty`: what no parts give — TRUE for AND (nothing to fail), FALSE for OR and IN (nothing to match). */
function combine(parts: Uint8Array[], length: number, op: (a: number, b: number) => number, empty: number): Uint8Array {
  if (parts.length === 0) return new Uint8Array(length).fill(empty);
  const out = parts[0];
  for (let k = 1; k < parts.length; k++) for (let i = 0; i < length; i++) out[i] = op(out[i], parts[k][i]);
  return out;
}

function column(name: string, input: PredicateInput): { index: number; type: ColumnType; data: arrow.Data | undefined } {
  let index = input.columns.findIndex((c) => c.name === name);
  if (index < 0) index = input.columns.findIndex((c) => c.name === name.toLowerCase());
  if (index < 0) {
    throw new AmpsimError("NO_SUCH_COLUMN", `${input.table} has no column ${name} (its columns: ${input.columns.map((c) => c.name).join(", ")})`, { table: input.table, column: name });
  }
  return { index, type: input.columns[index].type, data: input.data[index] };
}

function compareColumn(name: string, op: CompareOperator, literal: Literal, input: PredicateInput): Uint8Array {
  const { type, data, index } = column(name, input);
  const out = new Uint8Array(input.length);
  const value = literalFor(type, literal, input.table, input.columns[index].name);
  if (value === null) return out.fill(UNKNOWN);
  if (!data) return out;
  const test = comparer(op);
  const read = reader(type, data);
  const k = keyOf(type, value);
  for (let i = 0; i < input.length; i++) out[i] = !isValidAt(data, i) ? UNKNOWN : test(compareKeys(read(i), k)) ? TRUE : FALSE;
  return out;
}

/** A key strictly between the integers `floor` and `floor + 1`: a fractional literal compared with an integer column. */
class BetweenIntegers {
  constructor(readonly floor: bigint) {}
}

const DECIMAL_LITERAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Beyond every stored integer and unscaled DECIMAL(38): literals past it compare as it does. */
const HUGE = 10n ** 60n;

/** The decimal text of a numeric literal: a number's shortest form (the digits it is written with); null for anything else. */
function numericText(literal: Literal): string | null {
  if (typeof literal === "bigint") return literal.toString();
  if (typeof literal === "number") return Number.isFinite(literal) ? String(literal) : null;
  if (isNumberText(literal)) return literal.text;
  return typeof literal === "string" ? literal : null;
}

/**
 * A numeric literal times 10^shift, exactly: an integer (bigint), or the gap between two integers
 * it falls in when it has a fraction; null when it is no number. (shift: a DECIMAL column's scale,
 * whose stored values are unscaled integers.)
 */
function exactInteger(literal: Literal, shift = 0): bigint | BetweenIntegers | null {
  const text = numericText(literal);
  const match = text === null ? null : DECIMAL_LITERAL.exec(text.trim());
  if (match === null || (match[2] === "" && (match[3] ?? "") === "")) return null;
  const [, sign, whole, fraction = "", exponent = "0"] = match;
  const all = whole + fraction;
  const digits = all.replace(/^0+/, "");
  if (digits === "") return 0n;
  const point = whole.length - (all.length - digits.length) + Number(exponent) + shift; // digits[0, point) are the integer part
  if (point > 60) return sign === "-" ? -HUGE : HUGE; // (no huge strings for huge exponents)
  const integerDigits = point <= 0 ? "0" : digits.length >= point ? digits.slice(0, point) : digits.padEnd(point, "0");
  const fractional = /[1-9]/.test(point <= 0 ? digits : digits.slice(point));
  const magnitude = BigInt(integerDigits);
  if (sign !== "-") return fractional ? new BetweenIntegers(magnitude) : magnitude;
  return fractional ? new BetweenIntegers(-magnitude - 1n) : -magnitude;
}

function literalFor(type: ColumnType, literal: Literal, table: string, columnName: string): StoredValue | BetweenIntegers {
  // A literal with more digits than a double holds is compared exactly, never through its rounded double.
  if (isNumberText(literal) && (INTEGER_KINDS.includes(type.kind) || type.kind === "decimal")) {
    const exact = exactInteger(literal, type.kind === "decimal" ? type.scale : 0);
    if (exact !== null) return exact;
  }
  try {
    const exact = literalValue(literal, type.kind);
    const adapted = typeof exact === "number" && type.kind === "decimal" ? String(exact) : exact;
    return toStored(type.kind === "char" || type.kind === "varchar" ? { kind: "utf8" } : type, adapted, { table, column: columnName });
  } catch (error) {
    // An integer or DECIMAL column compares with any number exactly: id > 2.5, id < 1e10 on an INTEGER,
    // d > 1e-7 or more places than the scale on a DECIMAL (its stored values are unscaled integers).
    const numeric = INTEGER_KINDS.includes(type.kind) || type.kind === "decimal";
    const exact = error instanceof AmpsimError && numeric ? exactInteger(literal, type.kind === "decimal" ? type.scale : 0) : null;
    if (exact !== null) return exact;
    if (error instanceof AmpsimError) {
      const text = errorText(error);
      throw new AmpsimError("TYPE_MISMATCH", `predicate on column ${columnName} of ${table} (${typeToString(type)}) compares with ${showValue(literalValue(literal, type.kind))}: ${text}`, { table, column: columnName, value: literal });
    }
    throw error;
  }
}

const INTEGER_KINDS: readonly string[] = ["int8", "int16", "int32", "int64"];

function comparer(op: CompareOperator): (c: number) => boolean {
  switch (op) {
    case "=": return (c) => c === 0;
    case "<>": return (c) => c !== 0;
    case "<": return (c) => c < 0;
    case "<=": return (c) => c <= 0;
    case ">": return (c) => c > 0;
    case ">=": return (c) => c >= 0;
    default: return assertNever(op, "operator");
  }
}

type Key = number | bigint | string | Uint8Array | BetweenIntegers;

function keyOf(type: ColumnType, value: StoredValue | BetweenIntegers): Key {
  if (value instanceof BetweenIntegers) return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && (type.kind === "utf8" || type.kind === "varchar" || type.kind === "char")) {
    return new TextEncoder().encode(type.kind === "char" ? value.replace(/ +$/, "") : value);
  }
  if (type.kind === "decimal" && typeof value === "string") return Number(value) * 10 ** type.scale;
  return value as number | bigint;
}

function compareKeys(a: Key, b: Key): number {
  if (a instanceof Uint8Array) {
    const bb = b as Uint8Array;
    const n = Math.min(a.length, bb.length);
    for (let i = 0; i < n; i++) if (a[i] !== bb[i]) return a[i] - bb[i];
    return a.length - bb.length;
  }
  if (b instanceof BetweenIntegers) return (typeof a === "bigint" ? a : BigInt(a as number)) <= b.floor ? -1 : 1;
  if (typeof a === "bigint" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  // NaN equals NaN and sorts above every number (as in PostgreSQL), instead of "equal" to everything.
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Row → comparable key, per column type (bigint only for 64-bit and decimal columns). */
function reader(type: ColumnType, data: arrow.Data): (row: number) => Key {
  switch (type.kind) {
    case "int8": case "int16": case "int32": case "float32": case "float64": case "date": {
      const values = data.values as Int32Array; return (row) => values[row];
    }
    case "int64": case "timestamp": {
      const values = data.values as BigInt64Array; return (row) => values[row];
    }
    case "decimal": {
      const words = data.values as Uint32Array; return (row) => readDecimal(words, row);
    }
    case "bool": {
      const bits = data.values as Uint8Array;
      return (row) => (bits[(row + data.offset) >>> 3] >>> ((row + data.offset) & 7)) & 1;
    }
    case "utf8": case "varchar": case "char": {
      const offsets = data.valueOffsets as Int32Array; const bytes = data.values as Uint8Array;
      return (row) => bytes.subarray(offsets[row], offsets[row + 1]);
    }
    default: return assertNever(type, "column type");
  }
}
