/**
 * Column types of the catalog and their Arrow representation.
 *
 * | ColumnType          | Teradata DDL name        | Arrow type                  | JS value in row objects          |
 * |---------------------|--------------------------|-----------------------------|----------------------------------|
 * | int8                | BYTEINT                  | Int8                        | number / bigint                  |
 * | int16               | SMALLINT                 | Int16                       | number / bigint                  |
 * | int32               | INTEGER                  | Int32                       | number / bigint                  |
 * | int64               | BIGINT                   | Int64 (BigInt64Array)       | number / bigint                  |
 * | float32             | REAL                     | Float32                     | number                           |
 * | float64             | FLOAT / DOUBLE PRECISION | Float64                     | number                           |
 * | decimal(p,s)        | DECIMAL(p,s)             | Decimal(s, p, 128)          | number / string ("12.50")        |
 * | bool                | BOOLEAN                  | Bool                        | boolean                          |
 * | utf8                | LONG VARCHAR             | Utf8                        | string                           |
 * | varchar(n)          | VARCHAR(n)               | Utf8                        | string                           |
 * | char(n)             | CHAR(n)                  | Utf8 (trailing blanks cut)  | string                           |
 * | date                | DATE                     | DateDay (Int32 days)        | Date (UTC midnight)              |
 * | timestamp           | TIMESTAMP                | TimestampMillisecond (Int64)| Date                             |
 */
import * as arrow from "apache-arrow";
import { assertNever } from "../errors.js";

export type ColumnType =
  | { readonly kind: "int8" }
  | { readonly kind: "int16" }
  | { readonly kind: "int32" }
  | { readonly kind: "int64" }
  | { readonly kind: "float32" }
  | { readonly kind: "float64" }
  | { readonly kind: "decimal"; readonly precision: number; readonly scale: number }
  | { readonly kind: "bool" }
  | { readonly kind: "utf8" }
  | { readonly kind: "varchar"; readonly length: number }
  | { readonly kind: "char"; readonly length: number }
  | { readonly kind: "date" }
  | { readonly kind: "timestamp" };

export type ColumnTypeKind = ColumnType["kind"];

/** Largest DECIMAL precision (Teradata's limit, and what a 128-bit Arrow decimal holds). */
export const DECIMAL_PRECISION_MAX = 38;
/** Largest VARCHAR / CHAR length in characters; LONG VARCHAR (utf8) is unbounded here. */
export const STRING_LENGTH_MAX = 64000;

/** Every column type kind: what tells a ColumnType from anything else given as one. */
export const COLUMN_TYPE_KINDS: ReadonlySet<ColumnTypeKind> = new Set(["int8", "int16", "int32", "int64", "float32", "float64", "decimal", "bool", "utf8", "varchar", "char", "date", "timestamp"]);
export const INTEGER_KINDS: ReadonlySet<ColumnTypeKind> = new Set(["int8", "int16", "int32", "int64"]);
export const STRING_KINDS: ReadonlySet<ColumnTypeKind> = new Set(["utf8", "varchar", "char"]);

/** Shorthand constructors: `types.varchar(20)`, `types.decimal(12, 2)`, `types.int64`. */
export const types = Object.freeze({
  int8: Object.freeze({ kind: "int8" }) as ColumnType,
  int16: Object.freeze({ kind: "int16" }) as ColumnType,
  int32: Object.freeze({ kind: "int32" }) as ColumnType,
  int64: Object.freeze({ kind: "int64" }) as ColumnType,
  float32: Object.freeze({ kind: "float32" }) as ColumnType,
  float64: Object.freeze({ kind: "float64" }) as ColumnType,
  bool: Object.freeze({ kind: "bool" }) as ColumnType,
  utf8: Object.freeze({ kind: "utf8" }) as ColumnType,
  date: Object.freeze({ kind: "date" }) as ColumnType,
  timestamp: Object.freeze({ kind: "timestamp" }) as ColumnType,
  decimal: (precision: number, scale: number): ColumnType => Object.freeze({ kind: "decimal", precision, scale }),
  varchar: (length: number): ColumnType => Object.freeze({ kind: "varchar", length }),
  char: (length: number): ColumnType => Object.freeze({ kind: "char", length }),
});

/** The Arrow data type that stores a column of this type. */
export function arrowTypeOf(type: ColumnType): arrow.DataType {
  switch (type.kind) {
    case "int8": return new arrow.Int8();
    case "int16": return new arrow.Int16();
    case "int32": return new arrow.Int32();
    case "int64": return new arrow.Int64();
    case "float32": return new arrow.Float32();
    case "float64": return new arrow.Float64();
    case "decimal": return new arrow.Decimal(type.scale, type.precision, 128);
    case "bool": return new arrow.Bool();
    case "utf8":
    case "varchar":
    case "char": return new arrow.Utf8();
    case "date": return new arrow.DateDay();
    case "timestamp": return new arrow.TimestampMillisecond();
    default: return assertNever(type, "column type");
  }
}

/** Teradata type name as `showTable` renders it and `sql` parses it. */
export function typeToSql(type: ColumnType): string {
  switch (type.kind) {
    case "int8": return "BYTEINT";
    case "int16": return "SMALLINT";
    case "int32": return "INTEGER";
    case "int64": return "BIGINT";
    case "float32": return "REAL";
    case "float64": return "FLOAT";
    case "decimal": return `DECIMAL(${type.precision},${type.scale})`;
    case "bool": return "BOOLEAN";
    case "utf8": return "LONG VARCHAR";
    case "varchar": return `VARCHAR(${type.length})`;
    case "char": return `CHAR(${type.length})`;
    case "date": return "DATE";
    case "timestamp": return "TIMESTAMP";
    default: return assertNever(type, "column type");
  }
}

/** Short lower-case name used in messages and reports: `int64`, `decimal(12,2)`, `varchar(20)`. */
export function typeToString(type: ColumnType): string {
  switch (type.kind) {
    case "decimal": return `decimal(${type.precision},${type.scale})`;
    case "varchar":
    case "char": return `${type.kind}(${type.length})`;
    default: return type.kind;
  }
}

/** Bytes per value of the fixed-width part (strings: the 4-byte offset; bool: 1/8 rounded up per row here as 1). */
export function fixedWidthOf(type: ColumnType): number {
  switch (type.kind) {
    case "int8":
    case "bool": return 1;
    case "int16": return 2;
    case "int32":
    case "float32":
    case "date":
    case "utf8":
    case "varchar":
    case "char": return 4;
    case "int64":
    case "float64":
    case "timestamp": return 8;
    case "decimal": return 16;
    default: return assertNever(type, "column type");
  }
}

export function isStringType(type: ColumnType): boolean {
  return STRING_KINDS.has(type.kind);
}

export function isIntegerType(type: ColumnType): boolean {
  return INTEGER_KINDS.has(type.kind);
}

export function sameType(a: ColumnType, b: ColumnType): boolean {
  return typeToString(a) === typeToString(b);
}

/**
 * True when Arrow data of `dataType` stores a column of `type` as is. Compares kinds and
 * parameters, not object identity (IPC-decoded types are other objects, timezones may be null).
 */
export function arrowTypeMatches(type: ColumnType, dataType: arrow.DataType): boolean {
  const D = arrow.DataType;
  switch (type.kind) {
    case "int8": return D.isInt(dataType) && dataType.isSigned && dataType.bitWidth === 8;
    case "int16": return D.isInt(dataType) && dataType.isSigned && dataType.bitWidth === 16;
    case "int32": return D.isInt(dataType) && dataType.isSigned && dataType.bitWidth === 32;
    case "int64": return D.isInt(dataType) && dataType.isSigned && dataType.bitWidth === 64;
    case "float32": return D.isFloat(dataType) && dataType.precision === arrow.Precision.SINGLE;
    case "float64": return D.isFloat(dataType) && dataType.precision === arrow.Precision.DOUBLE;
    case "decimal": return D.isDecimal(dataType) && dataType.bitWidth === 128 && dataType.scale === type.scale;
    case "bool": return D.isBool(dataType);
    case "utf8":
    case "varchar":
    case "char": return D.isUtf8(dataType);
    case "date": return D.isDate(dataType) && dataType.unit === arrow.DateUnit.DAY;
    case "timestamp": return D.isTimestamp(dataType) && dataType.unit === arrow.TimeUnit.MILLISECOND;
    default: return assertNever(type, "column type");
  }
}
