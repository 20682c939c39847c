/**
 * Turns what a caller passes to `insert` (an Arrow Table, a RecordBatch, or an
 * array of row objects) into one Arrow Data per table column, checked against the
 * table's definition: names, types, NOT NULL, lengths, precision.
 *
 * Arrow input whose types match the table is taken as is (zero copy) after a
 * columnar check; other Arrow types are converted value by value (a convenience
 * path, as are row objects).
 */
import * as arrow from "apache-arrow";
import { arrowTypeMatches, arrowTypeOf, typeToString, type ColumnType } from "../catalog/column-type.js";
import type { ColumnDefinition } from "../catalog/table-definition.js";
import { readDecimal, toStored, writeDecimal, type StoredValue, type ValueSite } from "../catalog/values.js";
import { AmpsimError, assertNever } from "../errors.js";
import { concatData, isValidAt } from "../storage/column-data.js";

export type InsertInput = arrow.Table | arrow.RecordBatch | readonly Record<string, unknown>[];

export interface InputColumns {
  readonly columns: arrow.Data[];
  readonly length: number;
}

/** The input's columns in table column order, checked. Throws TYPE_MISMATCH, NULL_VIOLATION, NO_SUCH_COLUMN, VALUE_OUT_OF_RANGE. */
export function inputColumns(table: string, columns: readonly ColumnDefinition[], input: InsertInput): InputColumns {
  if (Array.isArray(input)) return rowObjectColumns(table, columns, input as readonly Record<string, unknown>[]);
  if (input instanceof arrow.Table) return arrowColumns(table, columns, input.schema, input.batches.map((b) => b.data.children));
  if (input instanceof arrow.RecordBatch) return arrowColumns(table, columns, input.schema, [input.data.children]);
  throw new AmpsimError("BAD_ARGUMENT", `insert into ${table} expects an Arrow Table, a RecordBatch or an array of row objects, but found ${typeof input}`, { table });
}

function matchColumn(table: string, columns: readonly ColumnDefinition[], name: string): number {
  let index = columns.findIndex((c) => c.name === name);
  if (index < 0) index = columns.findIndex((c) => c.name === name.toLowerCase());
  if (index < 0) {
    throw new AmpsimError("NO_SUCH_COLUMN", `${table} has no column ${name} (its columns: ${columns.map((c) => c.name).join(", ")})`, { table, column: name });
  }
  return index;
}

function arrowColumns(table: string, columns: readonly ColumnDefinition[], schema: arrow.Schema, batches: readonly (readonly arrow.Data[])[]): InputColumns {
  const sources = new Array<number>(columns.length).fill(-1);
  schema.fields.forEach((field, f) => {
    const index = matchColumn(table, columns, field.name);
    if (sources[index] >= 0) throw new AmpsimError("BAD_ARGUMENT", `the input to ${table} has column ${columns[index].name} twice`, { table, column: columns[index].name });
    sources[index] = f;
  });
  const length = batches.reduce((sum, b) => sum + (b[0]?.length ?? 0), 0);
  const out = columns.map((column, c) => {
    if (sources[c] < 0) return allNull(table, column, length);
    const parts = batches.map((b) => b[sources[c]]).filter((d) => d.length > 0);
    const checked = parts.map((data, p) => checkArrowColumn(table, column, data, rowBase(batches, p)));
    return checked.length === 0 ? emptyData(column.type) : checked.length === 1 ? checked[0] : concatData(checked);
  });
  return { columns: out, length };
}

function rowBase(batches: readonly (readonly arrow.Data[])[], part: number): number {
  let base = 0;
  for (let i = 0; i < part; i++) base += batches[i][0]?.length ?? 0;
  return base;
}


function emptyData(type: ColumnType): arrow.Data {
  return arrow.makeData({ type: arrowTypeOf(type), length: 0, nullCount: 0 } as never);
}

function allNull(table: string, column: ColumnDefinition, length: number): arrow.Data {
  if (!column.nullable && length > 0) {
    throw new AmpsimError("NULL_VIOLATION", `column ${column.name} of ${table} is NOT NULL but the input has no column ${column.name}`, { table, column: column.name, row: 0 });
  }
  return buildFromStored(column.type, length, () => null);
}

/** Checks one Arrow column against its definition (NOT NULL, lengths, precision); converts it when its Arrow type differs. */
export function checkArrowColumn(table: string, column: ColumnDefinition, data: arrow.Data, rowBase: number): arrow.Data {
  let result = data;
  if (!arrowTypeMatches(column.type, data.type)) result = convertArrowColumn(table, column, data, rowBase);
  else if (column.type.kind === "char") result = trimCharBlanks(data);
  checkNotNull(table, column, result, rowBase);
  checkLengths(table, column, result, rowBase);
  return result;
}

function checkNotNull(table: string, column: ColumnDefinition, data: arrow.Data, rowBase: number): void {
  if (column.nullable || data.nullCount === 0) return;
  let row = 0;
  while (row < data.length && isValidAt(data, row)) row++;
  throw new AmpsimError("NULL_VIOLATION", `column ${column.name} of ${table} is NOT NULL but row ${rowBase + row} is NULL`, { table, column: column.name, row: rowBase + row });
}

/** VARCHAR/CHAR length in characters, DECIMAL precision: columnar, BigInt only for wide decimals. */
function checkLengths(table: string, column: ColumnDefinition, data: arrow.Data, rowBase: number): void {
  const type = column.type;
  if (type.kind === "varchar" || type.kind === "char") {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    for (let i = 0; i < data.length; i++) {
      const from = offsets[i]; const to = offsets[i + 1];
      if (to - from <= type.length) continue;
      let chars = 0;
      for (let b = from; b < to; b++) if ((bytes[b] & 0xc0) !== 0x80) chars++;
      if (chars > type.length) {
        const value = new TextDecoder().decode(bytes.subarray(from, to));
        throw new AmpsimError("VALUE_OUT_OF_RANGE", `column ${column.name} of ${table} is ${typeToString(type)}: row ${rowBase + i} holds ${chars} characters (${JSON.stringify(value.slice(0, 40))})`,
          { table, column: column.name, row: rowBase + i, value });
      }
    }
  } else if (type.kind === "decimal") {
    checkDecimalPrecision(table, column, type, data, rowBase);
  }
}

function checkDecimalPrecision(table: string, column: ColumnDefinition, type: ColumnType & { kind: "decimal" }, data: arrow.Data, rowBase: number): void {
  const words = data.values as Uint32Array;
  const bad = type.precision <= 15 ? firstWideSmall(words, data.length, 10 ** type.precision) : firstWideBig(words, data.length, type.precision);
  for (let i = bad; i >= 0 && i < data.length; i = nextWide(words, data.length, type.precision, i + 1)) {
    if (!isValidAt(data, i)) continue;
    throw new AmpsimError("VALUE_OUT_OF_RANGE", `column ${column.name} of ${table} is ${typeToString(type)}: row ${rowBase + i} has more than ${type.precision} digits`,
      { table, column: column.name, row: rowBase + i, value: readDecimal(words, i).toString() });
  }
}

/** First row whose unscaled value needs more than `limit` (10^p, p ≤ 15); -1 when none. Double arithmetic only. */
function firstWideSmall(words: Uint32Array, length: number, limit: number): number {
  for (let i = 0; i < length; i++) {
    const base = i * 4;
    const high = words[base + 1] | 0;
    const sign = high >> 31;
    if ((words[base + 2] | 0) !== sign || (words[base + 3] | 0) !== sign || high < -0x200000 || high >= 0x200000) return i;
    const value = high * 4294967296 + words[base];
    if (value >= limit || value <= -limit) return i;
  }
  return -1;
}

/** First row with more than `precision` digits (p > 15): 64-bit values pass at once when p ≥ 19. */
function firstWideBig(words: Uint32Array, length: number, precision: number): number {
  const limit = 10n ** BigInt(precision);
  for (let i = 0; i < length; i++) {
    const base = i * 4;
    const sign = (words[base + 1] | 0) >> 31;
    if (precision >= 19 && (words[base + 2] | 0) === sign && (words[base + 3] | 0) === sign) continue;
    const value = readDecimal(words, i);
    if (value >= limit || value <= -limit) return i;
  }
  return -1;
}

function nextWide(words: Uint32Array, length: number, precision: number, from: number): number {
  for (let i = from; i < length; i++) {
    const value = readDecimal(words, i);
    const limit = 10n ** BigInt(precision);
    if (value >= limit || value <= -limit) return i;
  }
  return -1;
}

/** CHAR values are stored without trailing blanks; copies only when a value has some. */
function trimCharBlanks(data: arrow.Data): arrow.Data {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  let any = false;
  for (let i = 0; i < data.length && !any; i++) if (offsets[i + 1] > offsets[i] && bytes[offsets[i + 1] - 1] === 0x20) any = true;
  if (!any) return data;
  const vector = arrow.makeVector(data);
  return buildFromStored({ kind: "utf8" }, data.length, (i) => {
    const v = vector.get(i) as string | null;
    return v === null ? null : v.replace(/ +$/, "");
  });
}

/** Other Arrow types: read each value as plain JS and convert it (TYPE_MISMATCH when it does not fit). */
function convertArrowColumn(table: string, column: ColumnDefinition, data: arrow.Data, rowBase: number): arrow.Data {
  if (!convertible(column.type, data.type)) {
    throw new AmpsimError("TYPE_MISMATCH", `column ${column.name} of ${table} is ${typeToString(column.type)} but the input column is Arrow ${data.type}`,
      { table, column: column.name, found: String(data.type) });
  }
  const vector = arrow.makeVector(data);
  const site = { table, column: column.name, row: 0 };
  const fromDecimal = arrow.DataType.isDecimal(data.type);
  return buildFromStored(column.type, data.length, (i) => {
    const raw = vector.get(i) as unknown;
    const value = fromArrowValue(data.type, raw);
    const at = { ...site, row: rowBase + i };
    return toStored(column.type, fromDecimal && typeof value === "string" ? decimalInto(column, value, at) : value, at);
  });
}

/** Whether values of Arrow type `from` can go into a column of `type` (each value then checked as an insert checks it). */
export function convertible(type: ColumnType, from: arrow.DataType): boolean {
  if (arrow.DataType.isNull(from)) return true;
  switch (type.kind) {
    case "int8": case "int16": case "int32": case "int64":
    case "float32": case "float64": case "decimal":
      return arrow.DataType.isInt(from) || arrow.DataType.isFloat(from) || arrow.DataType.isDecimal(from);
    case "bool": return arrow.DataType.isBool(from);
    case "utf8": case "varchar": case "char":
      return arrow.DataType.isUtf8(from) || arrow.DataType.isLargeUtf8(from) || (arrow.DataType.isDictionary(from) && arrow.DataType.isUtf8(from.dictionary));
    case "date": case "timestamp": return arrow.DataType.isDate(from) || arrow.DataType.isTimestamp(from);
    default: return assertNever(type, "column type");
  }
}

/**
 * A decimal's text as a value of another numeric column: an integer when it has no fraction (a
 * fraction does not fit: VALUE_OUT_OF_RANGE), a double for a float column, the text otherwise.
 */
function decimalInto(column: ColumnDefinition, text: string, site: { table: string; column: string; row: number }): unknown {
  const kind = column.type.kind;
  if (kind === "float32" || kind === "float64") return Number(text);
  if (kind !== "int8" && kind !== "int16" && kind !== "int32" && kind !== "int64") return text;
  const [whole, fraction = ""] = text.split(".");
  if (/[1-9]/.test(fraction)) {
    throw new AmpsimError("VALUE_OUT_OF_RANGE", `column ${column.name} of ${site.table} is ${typeToString(column.type)}: ${text} (row ${site.row}) has a fraction`, { table: site.table, column: column.name, value: text, row: site.row });
  }
  return BigInt(whole);
}

/** Arrow's JS value → the plain value toStored expects. */
function fromArrowValue(from: arrow.DataType, raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  if (arrow.DataType.isDecimal(from)) {
    const words = raw as Uint32Array;
    const value = BigInt.asIntN(128, (BigInt(words[3]) << 96n) | (BigInt(words[2]) << 64n) | (BigInt(words[1]) << 32n) | BigInt(words[0]));
    const scale = (from as arrow.Decimal).scale;
    const negative = value < 0n;
    const digits = (negative ? -value : value).toString().padStart(scale + 1, "0");
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return negative ? `-${text}` : text;
  }
  if (arrow.DataType.isDate(from) || arrow.DataType.isTimestamp(from)) {
    return typeof raw === "number" || typeof raw === "bigint" ? new Date(Number(raw)) : raw;
  }
  return raw;
}

function rowObjectColumns(table: string, columns: readonly ColumnDefinition[], rows: readonly Record<string, unknown>[]): InputColumns {
  const seen = new Set<string>();
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row === null || typeof row !== "object") {
      throw new AmpsimError("BAD_ARGUMENT", `row ${r} of the input to ${table} is ${row === null ? "null" : typeof row}, not an object`, { table, row: r });
    }
    for (const name of Object.keys(row)) if (!seen.has(name)) { matchColumn(table, columns, name); seen.add(name); }
  }
  const out = columns.map((column) => {
    const keyOf = keyFor(column.name, seen);
    const site: ValueSite & { row: number } = { table, column: column.name, row: 0 };
    return buildFromStored(column.type, rows.length, (i) => {
      const value = keyOf === null ? null : rows[i][keyOf];
      const stored = toStored(column.type, value, { ...site, row: i });
      if (stored === null && !column.nullable) {
        throw new AmpsimError("NULL_VIOLATION", `column ${column.name} of ${table} is NOT NULL but row ${i} has ${value === undefined ? "no value" : "NULL"}`, { table, column: column.name, row: i });
      }
      return stored;
    });
  });
  return { columns: out, length: rows.length };
}

function keyFor(name: string, seen: ReadonlySet<string>): string | null {
  if (seen.has(name)) return name;
  for (const key of seen) if (key.toLowerCase() === name) return key;
  return null;
}

/** Builds an Arrow column of `type` from stored values produced by `valueAt(row)`. */
export function buildFromStored(type: ColumnType, length: number, valueAt: (row: number) => StoredValue): arrow.Data {
  const bitmap = new Uint8Array((length + 7) >>> 3);
  let nullCount = 0;
  const values: StoredValue[] = new Array(length);
  for (let i = 0; i < length; i++) {
    const v = valueAt(i);
    values[i] = v;
    if (v === null) nullCount++; else bitmap[i >>> 3] |= 1 << (i & 7);
  }
  const base = { type: arrowTypeOf(type), length, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined };
  return arrow.makeData({ ...base, ...buffersOf(type, values) } as never);
}

function buffersOf(type: ColumnType, values: readonly StoredValue[]): Record<string, ArrayBufferView> {
  const n = values.length;
  switch (type.kind) {
    case "int8": return { data: Int8Array.from(values, (v) => (v as number) ?? 0) };
    case "int16": return { data: Int16Array.from(values, (v) => (v as number) ?? 0) };
    case "int32": case "date": return { data: Int32Array.from(values, (v) => (v as number) ?? 0) };
    case "float32": return { data: Float32Array.from(values, (v) => (v as number) ?? 0) };
    case "float64": return { data: Float64Array.from(values, (v) => (v as number) ?? 0) };
    case "int64": case "timestamp": return { data: BigInt64Array.from(values, (v) => (v as bigint) ?? 0n) };
    case "decimal": {
      const words = new Uint32Array(n * 4);
      for (let i = 0; i < n; i++) if (values[i] !== null) writeDecimal(words, i, values[i] as bigint);
      return { data: words };
    }
    case "bool": {
      const bits = new Uint8Array((n + 7) >>> 3);
      for (let i = 0; i < n; i++) if (values[i] === true) bits[i >>> 3] |= 1 << (i & 7);
      return { data: bits };
    }
    case "utf8": case "varchar": case "char": return stringBuffers(values);
    default: return assertNever(type, "column type");
  }
}

const encoder = new TextEncoder();

function stringBuffers(values: readonly StoredValue[]): Record<string, ArrayBufferView> {
  const offsets = new Int32Array(values.length + 1);
  const encoded = values.map((v) => (v === null ? new Uint8Array(0) : encoder.encode(v as string)));
  for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i] + encoded[i].length;
  const bytes = new Uint8Array(offsets[values.length]);
  for (let i = 0; i < encoded.length; i++) bytes.set(encoded[i], offsets[i]);
  return { valueOffsets: offsets, data: bytes };
}
