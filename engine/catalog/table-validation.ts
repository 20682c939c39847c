/**
 * Checks that a table definition can exist, before the catalog stores it. Used by
 * the SQL parser at the end of CREATE TABLE and by the programmatic API, so it must
 * survive any shape a caller builds: every problem is an `AmpsimError` (BAD_DDL, or
 * NO_SUCH_COLUMN for an index on a column the table lacks) whose message names the
 * table and the column.
 */
import { AmpsimError, showValue } from "../errors.js";
import { DECIMAL_PRECISION_MAX, STRING_LENGTH_MAX } from "./column-type.js";
import type { ColumnType } from "./column-type.js";
import { quoteIdentifierIfNeeded } from "./table-definition.js";
import type { PrimaryIndex, SecondaryIndex, TableDefinition } from "./table-definition.js";
import type { ParsedTableDefinition } from "./sql-parser.js";

/** Teradata's limits. */
export const COLUMN_COUNT_MAX = 2048;
export const INDEX_COLUMN_COUNT_MAX = 64;
export const SECONDARY_INDEX_COUNT_MAX = 32;

/**
 * Throws BAD_DDL or NO_SUCH_COLUMN when `def` cannot exist: no columns, duplicate
 * column names, out-of-range types, index columns that are missing or repeated, a SET
 * table without primary index, duplicate secondary indexes, ON COMMIT on a permanent table.
 *
 * @example
 * validateTableDefinition(parseSql("CREATE TABLE t (a INTEGER)")[0].table) // passes
 * // SET + NO PRIMARY INDEX → AmpsimError BAD_DDL "table t is a SET table without a primary index …"
 */
export function validateTableDefinition(def: ParsedTableDefinition | TableDefinition): void {
  const table = tableLabel(def);
  checkName(def.name, "table name", table);
  if (def.database !== null) checkName(def.database, "database name", table);
  checkColumns(def, table);
  const columnNames = new Set(def.columns.map((column) => column.name));
  if (def.primaryIndex !== null) checkIndexColumns(table, def.primaryIndex, columnNames);
  for (const index of def.indexes) checkIndexColumns(table, index, columnNames);
  checkSecondaryIndexes(def, table);
  checkKind(def, table);
}

/**
 * Throws BAD_DDL when a column type is out of Teradata's bounds (DECIMAL precision
 * 1..38 and scale 0..precision, CHAR/VARCHAR length 1..64000). `where` names the
 * table and column for the message.
 *
 * @example
 * validateColumnType({ kind: "varchar", length: 0 }, { table: "t", column: "note" })
 * // AmpsimError BAD_DDL "table t, column note: VARCHAR length 0 is out of range 1..64000"
 */
export function validateColumnType(type: ColumnType, where: { table?: string; column?: string } = {}): void {
  const prefix = [
    where.table === undefined ? null : `table ${where.table}`,
    where.column === undefined ? null : `column ${quoteIdentifierIfNeeded(where.column)}`,
  ].filter((part) => part !== null).join(", ");
  const fail = (problem: string): never => {
    throw new AmpsimError("BAD_DDL", prefix === "" ? problem : `${prefix}: ${problem}`, { ...where, value: type });
  };
  switch (type.kind) {
    case "decimal":
      if (!inRange(type.precision, 1, DECIMAL_PRECISION_MAX)) {
        fail(`DECIMAL precision ${type.precision} is out of range 1..${DECIMAL_PRECISION_MAX}`);
      }
      if (!inRange(type.scale, 0, type.precision)) fail(`DECIMAL scale ${type.scale} is out of range 0..${type.precision} (the precision)`);
      return;
    case "varchar":
    case "char":
      if (!inRange(type.length, 1, STRING_LENGTH_MAX)) {
        fail(`${type.kind.toUpperCase()} length ${type.length} is out of range 1..${STRING_LENGTH_MAX}`);
      }
      return;
    case "int8": case "int16": case "int32": case "int64": case "float32": case "float64":
    case "bool": case "utf8": case "date": case "timestamp":
      return;
    default:
      fail(`unknown column type ${showValue(type)}`);
  }
}

/**
 * Throws BAD_DDL when an index lists no columns, more than 64, or one column twice.
 *
 * @example
 * checkIndexColumnList("sales.orders", { kind: "secondary-index", unique: false, name: null, columns: ["a", "a"] })
 * // AmpsimError BAD_DDL "table sales.orders: column a appears twice in INDEX (a, a)"
 */
export function checkIndexColumnList(table: string, index: PrimaryIndex | SecondaryIndex): void {
  const what = describeIndex(index);
  if (index.columns.length === 0) fail(table, `${what} has no columns`);
  if (index.columns.length > INDEX_COLUMN_COUNT_MAX) {
    fail(table, `${what} has ${index.columns.length} columns but at most ${INDEX_COLUMN_COUNT_MAX} are allowed`);
  }
  const seen = new Set<string>();
  for (const column of index.columns) {
    if (seen.has(column)) fail(table, `column ${quoteIdentifierIfNeeded(column)} appears twice in ${what}`, column);
    seen.add(column);
  }
}

function checkColumns(def: ParsedTableDefinition | TableDefinition, table: string): void {
  if (def.columns.length === 0) fail(table, "has no columns; a table needs at least one");
  if (def.columns.length > COLUMN_COUNT_MAX) {
    fail(table, `has ${def.columns.length} columns but at most ${COLUMN_COUNT_MAX} are allowed`);
  }
  const seen = new Set<string>();
  for (const column of def.columns) {
    checkName(column.name, "column name", table);
    if (seen.has(column.name)) fail(table, `column ${quoteIdentifierIfNeeded(column.name)} is defined twice`, column.name);
    seen.add(column.name);
    validateColumnType(column.type, { table, column: column.name });
  }
}

function checkIndexColumns(table: string, index: PrimaryIndex | SecondaryIndex, columnNames: ReadonlySet<string>): void {
  checkIndexColumnList(table, index);
  for (const column of index.columns) {
    if (columnNames.has(column)) continue;
    const known = [...columnNames].map(quoteIdentifierIfNeeded).join(", ");
    const message = `table ${table}: ${describeIndex(index)} names column ${quoteIdentifierIfNeeded(column)}, which the table does not have (columns: ${known})`;
    throw new AmpsimError("NO_SUCH_COLUMN", message, { table, column });
  }
}

function checkSecondaryIndexes(def: ParsedTableDefinition | TableDefinition, table: string): void {
  if (def.indexes.length > SECONDARY_INDEX_COUNT_MAX) {
    fail(table, `has ${def.indexes.length} secondary indexes but at most ${SECONDARY_INDEX_COUNT_MAX} are allowed`);
  }
  const names = new Set<string>();
  if (def.primaryIndex !== null && def.primaryIndex.name !== null) names.add(def.primaryIndex.name);
  const byColumns = new Map<string, SecondaryIndex>();
  for (const index of def.indexes) {
    if (index.name !== null && names.has(index.name)) {
      fail(table, `two indexes are named ${quoteIdentifierIfNeeded(index.name)}`, index.columns[0]);
    }
    if (index.name !== null) names.add(index.name);
    const key = columnSetKey(index.columns);
    const twin = byColumns.get(key);
    if (twin !== undefined) {
      fail(table, `${describeIndex(twin)} and ${describeIndex(index)} cover the same columns`, index.columns[0]);
    }
    byColumns.set(key, index);
    const pi = def.primaryIndex;
    if (pi !== null && pi.unique === index.unique && columnSetKey(pi.columns) === key) {
      fail(table, `${describeIndex(index)} repeats the ${describeIndex(pi)}`, index.columns[0]);
    }
  }
}

function checkKind(def: ParsedTableDefinition | TableDefinition, table: string): void {
  if (def.setness === "set" && def.primaryIndex === null) {
    fail(table, "is a SET table without a primary index; a NO PRIMARY INDEX table must be MULTISET");
  }
  if (def.tableKind === "permanent" && def.onCommit !== null) {
    fail(table, "is a permanent table; ON COMMIT is only for GLOBAL TEMPORARY and VOLATILE tables");
  }
  if (def.tableKind !== "permanent" && def.onCommit === null) {
    fail(table, `is a ${def.tableKind.toUpperCase()} table and needs ON COMMIT DELETE ROWS or ON COMMIT PRESERVE ROWS`);
  }
}

function checkName(name: string, what: string, table: string): void {
  if (typeof name !== "string" || name.length === 0) fail(table, `has an empty ${what}`);
}

/** Order-insensitive: Teradata treats INDEX (a, b) and INDEX (b, a) as the same index. */
function columnSetKey(columns: readonly string[]): string {
  return JSON.stringify([...columns].sort());
}

function describeIndex(index: PrimaryIndex | SecondaryIndex): string {
  const kind = index.kind === "primary-index" ? "PRIMARY INDEX" : "INDEX";
  const name = index.name === null ? "" : `${quoteIdentifierIfNeeded(index.name)} `;
  return `${index.unique ? "UNIQUE " : ""}${kind} ${name}(${index.columns.map(quoteIdentifierIfNeeded).join(", ")})`;
}

function tableLabel(def: { readonly database: string | null; readonly name: string }): string {
  const name = quoteIdentifierIfNeeded(def.name);
  return def.database === null ? name : `${quoteIdentifierIfNeeded(def.database)}.${name}`;
}

function inRange(value: number, low: number, high: number): boolean {
  return Number.isInteger(value) && value >= low && value <= high;
}

function fail(table: string, problem: string, column?: string): never {
  const separator = problem.startsWith("has ") || problem.startsWith("is ") ? " " : ": ";
  const details = column === undefined ? { table } : { table, column };
  throw new AmpsimError("BAD_DDL", `table ${table}${separator}${problem}`, details);
}
