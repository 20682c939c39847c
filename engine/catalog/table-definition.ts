/**
 * Catalog entries: frozen plain objects with a `kind` field. A change makes a new one.
 *
 * Identifiers: unquoted names fold to lower case; quoted names ("Mixed Case") keep
 * their case. A qualified table name is `database.table`.
 */
import type { ColumnType } from "./column-type.js";

export interface ColumnDefinition {
  readonly kind: "column";
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

/** Unique (UPI) or non-unique (NUPI) primary index; a NoPI table has `primaryIndex: null`. */
export interface PrimaryIndex {
  readonly kind: "primary-index";
  readonly unique: boolean;
  readonly name: string | null;
  readonly columns: readonly string[];
}

/** USI (unique: its own hash-distributed subtable) or NUSI (non-unique: AMP-local). */
export interface SecondaryIndex {
  readonly kind: "secondary-index";
  readonly unique: boolean;
  readonly name: string | null;
  readonly columns: readonly string[];
}

export type TableKind = "permanent" | "global temporary" | "volatile";
export type Setness = "set" | "multiset";
/** ON COMMIT behaviour of temporary tables; `null` for permanent tables. */
export type OnCommit = "delete rows" | "preserve rows" | null;

export interface TableDefinition {
  readonly kind: "table";
  readonly database: string;
  readonly name: string;
  readonly tableKind: TableKind;
  readonly setness: Setness;
  readonly columns: readonly ColumnDefinition[];
  readonly primaryIndex: PrimaryIndex | null;
  readonly indexes: readonly SecondaryIndex[];
  readonly onCommit: OnCommit;
}

export interface DatabaseDefinition {
  readonly kind: "database";
  readonly name: string;
}

export function qualifiedName(table: { readonly database: string; readonly name: string }): string {
  return `${quoteIdentifierIfNeeded(table.database)}.${quoteIdentifierIfNeeded(table.name)}`;
}

/** Words that must be quoted when used as names (subset of Teradata's reserved words that our grammar uses). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  "all", "and", "as", "between", "by", "char", "character", "check", "commit", "create", "database",
  "date", "decimal", "default", "delete", "distinct", "double", "drop", "fallback", "float", "from",
  "global", "in", "index", "insert", "integer", "into", "is", "multiset", "no", "not", "null", "numeric",
  "on", "or", "precision", "primary", "real", "rows", "select", "set", "smallint", "table", "temporary",
  "timestamp", "unique", "values", "varchar", "volatile", "where", "bigint", "byteint", "int", "long",
  "boolean", "preserve", "constraint", "key",
]);

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$#]*$/;

/** Renders a name so that the SQL parser reads it back as the same name. */
export function quoteIdentifierIfNeeded(name: string): string {
  if (PLAIN_IDENTIFIER.test(name) && !RESERVED_WORDS.has(name)) return name;
  return `"${name.replaceAll('"', '""')}"`;
}
