/**
 * Renders catalog entries as Teradata DDL, the text `showTable` prints and the SQL
 * parser reads back. Owns the round trip: for every valid definition D,
 * `parseSql(renderTableDdl(D))[0].table` equals D, and rendering that gives the same
 * text again. So every choice the parser would otherwise default (SET/MULTISET, the
 * primary index, ON COMMIT) is always written out.
 */
import { assertNever } from "../errors.js";
import { typeToSql } from "./column-type.js";
import { quoteIdentifierIfNeeded } from "./table-definition.js";
import type { ColumnDefinition, PrimaryIndex, SecondaryIndex, TableDefinition } from "./table-definition.js";

/**
 * The CREATE TABLE statement of a table, one column per line.
 *
 * @example
 * renderTableDdl(orders)
 * // CREATE MULTISET TABLE main.orders (
 * //   id INTEGER NOT NULL,
 * //   cust INTEGER
 * // ) UNIQUE PRIMARY INDEX (id)
 * // INDEX (cust);
 */
export function renderTableDdl(def: TableDefinition): string {
  const lines = [`CREATE ${tableHeader(def)} ${tableName(def)} (`];
  def.columns.forEach((column, i) => {
    lines.push(`  ${columnSql(column)}${i < def.columns.length - 1 ? "," : ""}`);
  });
  lines.push(`) ${primaryIndexSql(def.primaryIndex)}`);
  for (const index of def.indexes) lines.push(secondaryIndexSql(index));
  if (def.onCommit !== null) lines.push(`ON COMMIT ${def.onCommit.toUpperCase()}`);
  return `${lines.join("\n")};`;
}

/**
 * The CREATE INDEX statement of a secondary index.
 *
 * @example
 * renderIndexDdl({ database: "main", name: "orders" }, { kind: "secondary-index", unique: true, name: "by_note", columns: ["note"] })
 * // CREATE UNIQUE INDEX by_note (note) ON main.orders;
 */
export function renderIndexDdl(
  table: { readonly database: string | null; readonly name: string },
  index: SecondaryIndex,
): string {
  return `CREATE ${secondaryIndexSql(index)} ON ${tableName(table)};`;
}

function tableHeader(def: TableDefinition): string {
  const setness = def.setness === "set" ? "SET" : "MULTISET";
  switch (def.tableKind) {
    case "permanent": return `${setness} TABLE`;
    case "global temporary": return `GLOBAL TEMPORARY ${setness} TABLE`;
    case "volatile": return `VOLATILE ${setness} TABLE`;
    default: return assertNever(def.tableKind, "table kind");
  }
}

function tableName(table: { readonly database: string | null; readonly name: string }): string {
  const name = quoteIdentifierIfNeeded(table.name);
  return table.database === null ? name : `${quoteIdentifierIfNeeded(table.database)}.${name}`;
}

function columnSql(column: ColumnDefinition): string {
  return `${quoteIdentifierIfNeeded(column.name)} ${typeToSql(column.type)}${column.nullable ? "" : " NOT NULL"}`;
}

function primaryIndexSql(index: PrimaryIndex | null): string {
  if (index === null) return "NO PRIMARY INDEX";
  return `${index.unique ? "UNIQUE " : ""}PRIMARY INDEX ${indexBody(index)}`;
}

function secondaryIndexSql(index: SecondaryIndex): string {
  return `${index.unique ? "UNIQUE " : ""}INDEX ${indexBody(index)}`;
}

/** `[name ](a, b)` */
function indexBody(index: PrimaryIndex | SecondaryIndex): string {
  const name = index.name === null ? "" : `${quoteIdentifierIfNeeded(index.name)} `;
  return `${name}(${index.columns.map(quoteIdentifierIfNeeded).join(", ")})`;
}
