/**
 * Plain JavaScript values ↔ stored values, one column type at a time.
 *
 * Stored (canonical) forms: integers of up to 32 bits and dates (days) and floats
 * are numbers; int64 and timestamp (ms) are bigint; decimals are their unscaled
 * bigint; strings are strings (CHAR without trailing blanks); bool is boolean.
 * These conversions serve the convenience paths (row objects, keys, literals);
 * the bulk paths work on Arrow buffers directly.
 */
import { AmpsimError, assertNever, showValue } from "../errors.js";
import { typeToString, type ColumnType } from "./column-type.js";

export type StoredValue = number | bigint | string | boolean | null;

const INT_RANGE = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
} as const;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const MS_PER_DAY = 86_400_000;

/** Where a value came from, for error messages. */
export interface ValueSite {
  readonly table: string;
  readonly column: string;
  readonly row?: number;
}

function where(site: ValueSite): string {
  return `column ${site.column} of ${site.table}${site.row === undefined ? "" : ` (row ${site.row})`}`;
}

function mismatch(type: ColumnType, value: unknown, site: ValueSite, expected: string): AmpsimError {
  return new AmpsimError("TYPE_MISMATCH", `${where(site)} is ${typeToString(type)}: expected ${expected} but found ${showValue(value)} (${typeof value})`,
    { table: site.table, column: site.column, row: site.row, value });
}

function outOfRange(type: ColumnType, value: unknown, site: ValueSite, why: string): AmpsimError {
  return new AmpsimError("VALUE_OUT_OF_RANGE", `${where(site)} is ${typeToString(type)}: ${showValue(value)} ${why}`,
    { table: site.table, column: site.column, row: site.row, value });
}

/** Converts a plain JS value to the stored form of `type`; null/undefined → null. */
export function toStored(type: ColumnType, value: unknown, site: ValueSite): StoredValue {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case "int8":
    case "int16":
    case "int32": return toSmallInt(type, value, site);
    case "int64": return toInt64(type, value, site);
    case "float32":
    case "float64":
      if (typeof value === "number") return type.kind === "float32" ? Math.fround(value) : value;
      if (typeof value === "bigint") return Number(value);
      throw mismatch(type, value, site, "a number");
    case "decimal": return toDecimal(type, value, site);
    case "bool":
      if (typeof value === "boolean") return value;
      throw mismatch(type, value, site, "a boolean");
    case "utf8":
    case "varchar":
    case "char": return toStringValue(type, value, site);
    case "date": return toDate(type, value, site);
    case "timestamp": return toTimestamp(type, value, site);
    default: return assertNever(type, "column type");
  }
}

function toSmallInt(type: ColumnType & { kind: "int8" | "int16" | "int32" }, value: unknown, site: ValueSite): number {
  let n: number;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw mismatch(type, value, site, "an integer");
    n = value;
  } else if (typeof value === "bigint") n = Number(value);
  else throw mismatch(type, value, site, "an integer (number or bigint)");
  const [low, high] = INT_RANGE[type.kind];
  if (n < low || n > high) throw outOfRange(type, value, site, `is outside ${low}..${high}`);
  return n;
}

function toInt64(type: ColumnType, value: unknown, site: ValueSite): bigint {
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number") {
    if (!Number.isInteger(value)) throw mismatch(type, value, site, "an integer");
    if (!Number.isSafeInteger(value)) throw outOfRange(type, value, site, "is not a safe integer; pass a bigint");
    n = BigInt(value);
  } else throw mismatch(type, value, site, "an integer (number or bigint)");
  if (n < INT64_MIN || n > INT64_MAX) throw outOfRange(type, value, site, "is outside the BIGINT range");
  return n;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?$/;

function toDecimal(type: ColumnType & { kind: "decimal" }, value: unknown, site: ValueSite): bigint {
  let unscaled: bigint;
  if (typeof value === "bigint") unscaled = value * 10n ** BigInt(type.scale);
  else if (typeof value === "number") {
    if (!Number.isFinite(value)) throw mismatch(type, value, site, "a finite number");
    unscaled = decimalFromText(type, roundedText(value, type.scale), value, site);
  } else if (typeof value === "string") unscaled = decimalFromText(type, value.trim(), value, site);
  else throw mismatch(type, value, site, "a number or a decimal string such as \"12.50\"");
  const limit = 10n ** BigInt(type.precision);
  if (unscaled >= limit || unscaled <= -limit) throw outOfRange(type, value, site, `has more than ${type.precision} digits`);
  return unscaled;
}

/**
 * A number as decimal text rounded to `scale` places, half away from zero, on its shortest
 * round-trip digits (String(value)): 1.005 → "1.01", 2.675 → "2.68", 0.1 + 0.2 → "0.30" at
 * scale 2 — the digits the number is written with, not those of its binary value (toFixed
 * gives "1.00" and "2.67").
 */
export function roundedText(value: number, scale: number): string {
  // Fast path: where the scale's grid is finer than the doubles (|value| < 2^52 / 10^scale), toFixed's
  // digits that read back as this very double are the ones it is written with (no other digits of
  // that many places do), so nothing needs rounding.
  if (Math.abs(value) < 2 ** 52 / 10 ** scale) {
    const fixed = value.toFixed(scale);
    if (Number(fixed) === value) return fixed; // ("-0.00" never reads back as a value other than 0, which toFixed prints unsigned)
  }
  const [mantissa, exponent = "0"] = String(Math.abs(value)).split("e");
  const [whole, fraction = ""] = mantissa.split(".");
  let digits = whole + fraction;
  let point = whole.length + Number(exponent); // the decimal point sits before digits[point]
  if (point < 0) { digits = "0".repeat(-point) + digits; point = 0; }
  const keep = point + scale;
  if (digits.length < keep) digits = digits.padEnd(keep, "0");
  let kept = BigInt(digits.slice(0, keep) || "0");
  if (keep < digits.length && digits.charCodeAt(keep) >= 0x35) kept += 1n; // the next digit is 5 or more
  const text = kept.toString().padStart(scale + 1, "0");
  const sign = value < 0 && kept !== 0n ? "-" : "";
  return scale === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -scale)}.${text.slice(-scale)}`;
}

function decimalFromText(type: ColumnType & { kind: "decimal" }, text: string, original: unknown, site: ValueSite): bigint {
  const match = DECIMAL_TEXT.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw mismatch(type, original, site, "a decimal number such as \"12.50\"");
  const [, sign, whole, fraction = ""] = match;
  const extra = fraction.slice(type.scale);
  if (/[1-9]/.test(extra)) throw outOfRange(type, original, site, `has more than ${type.scale} decimal places`);
  const digits = (whole || "0") + fraction.slice(0, type.scale).padEnd(type.scale, "0");
  const unscaled = BigInt(digits);
  return sign === "-" ? -unscaled : unscaled;
}

/** Number of characters (code points) of a string. */
export function characterLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdbff) count++;
  }
  return count;
}

function toStringValue(type: ColumnType & { kind: "utf8" | "varchar" | "char" }, value: unknown, site: ValueSite): string {
  if (typeof value !== "string") throw mismatch(type, value, site, "a string");
  const text = type.kind === "char" ? value.replace(/ +$/, "") : value;
  if (type.kind !== "utf8" && text.length > type.length && characterLength(text) > type.length) {
    throw outOfRange(type, value, site, `is longer than ${type.length} characters`);
  }
  return text;
}

function toDate(type: ColumnType, value: unknown, site: ValueSite): number {
  const ms = timeOf(type, value, site);
  return Math.floor(ms / MS_PER_DAY);
}

function toTimestamp(type: ColumnType, value: unknown, site: ValueSite): bigint {
  return BigInt(timeOf(type, value, site));
}

function timeOf(type: ColumnType, value: unknown, site: ValueSite): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "string") ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  else if (typeof value === "number" && type.kind === "timestamp") ms = value;
  else throw mismatch(type, value, site, type.kind === "date" ? "a Date or 'YYYY-MM-DD'" : "a Date, an ISO string or milliseconds");
  if (!Number.isFinite(ms)) throw mismatch(type, value, site, "a valid date");
  if (typeof value === "number" && !Number.isInteger(ms)) throw mismatch(type, value, site, "whole milliseconds");
  if (Math.abs(ms) > MS_MAX) throw outOfRange(type, value, site, `is outside the times a Date holds (±${MS_MAX} ms from 1970)`);
  return ms;
}

/** The largest distance from 1970 that a JavaScript Date holds, in milliseconds (±100,000,000 days). */
const MS_MAX = 8.64e15;

/** The stored value as plain JS for output: bigint int64 stays bigint; decimal → string; date/timestamp → Date. */
export function toPlain(type: ColumnType, stored: StoredValue): unknown {
  if (stored === null) return null;
  switch (type.kind) {
    case "decimal": return formatDecimal(stored as bigint, type.scale);
    case "date": return new Date((stored as number) * MS_PER_DAY);
    case "timestamp": return new Date(Number(stored));
    default: return stored;
  }
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** The unscaled value of decimal row `row` from Arrow's 4-word little-endian layout. */
export function readDecimal(words: Uint32Array, row: number): bigint {
  const base = row * 4;
  const value = (BigInt(words[base + 3]) << 96n) | (BigInt(words[base + 2]) << 64n) | (BigInt(words[base + 1]) << 32n) | BigInt(words[base]);
  return BigInt.asIntN(128, value);
}

export function writeDecimal(words: Uint32Array, row: number, unscaled: bigint): void {
  const value = BigInt.asUintN(128, unscaled);
  const base = row * 4;
  words[base] = Number(value & 0xffffffffn);
  words[base + 1] = Number((value >> 32n) & 0xffffffffn);
  words[base + 2] = Number((value >> 64n) & 0xffffffffn);
  words[base + 3] = Number((value >> 96n) & 0xffffffffn);
}
