/**
 * The catalog as plain JSON data, for the durable engine's catalog file, and back.
 *
 * Definitions are stored as the frozen definition objects themselves (not as DDL
 * text): index subtables live in the reserved `$index` database with `$base_…`
 * columns that user DDL may not name, and JSON gives an exact round trip without
 * the SQL parser. Links between objects are stored as positions: an index
 * subtable's link to its index is the index's position in the base table's
 * `definition.indexes`, and on reading the same object is shared again (the
 * engine finds an index's subtable by object identity).
 *
 * Faults it must survive: a catalog file of the wrong shape (foreign, older
 * format, hand-edited). `catalogFromJson` throws a plain `Error` saying what was
 * expected where; the durable store turns it into STORAGE_CORRUPT naming the file.
 */
import { isAmpsimError } from "../errors.js";
import { Catalog, tableEntryOf, type IndexTable, type TableEntry } from "./catalog.js";
import type { SecondaryIndex, TableDefinition } from "./table-definition.js";
import { validateTableDefinition } from "./table-validation.js";

export interface CatalogJson {
  readonly kind: "catalog";
  readonly databases: readonly string[];
  readonly defaultDatabase: string;
  readonly nextTableId: number;
  readonly tables: readonly TableJson[];
}

export interface TableJson {
  readonly id: number;
  readonly definition: TableDefinition;
  /** Each secondary index's subtable: the index's position in `definition.indexes`. */
  readonly indexTables: readonly { readonly index: number; readonly tableId: number }[];
  /** On an index subtable: its base table and the index's position in the base's `definition.indexes`. */
  readonly indexOf: { readonly tableId: number; readonly index: number } | null;
}

/** The catalog as plain data; `JSON.stringify` of it is the catalog file's body. */
export function catalogToJson(catalog: Catalog): CatalogJson {
  const tables = catalog.entries().map((entry): TableJson => ({
    id: entry.id,
    definition: entry.definition,
    indexTables: entry.indexTables.map((t) => ({ index: positionOf(entry.definition.indexes, t.index), tableId: t.tableId })),
    indexOf: entry.indexOf === null ? null : {
      tableId: entry.indexOf.tableId,
      index: positionOf(catalog.byId(entry.indexOf.tableId).definition.indexes, entry.indexOf.index),
    },
  }));
  return { kind: "catalog", databases: catalog.databases(), defaultDatabase: catalog.defaultDatabase, nextTableId: catalog.nextTableId, tables };
}

/** The position of `index` in `indexes`: by identity, else by equal content. */
function positionOf(indexes: readonly SecondaryIndex[], index: SecondaryIndex): number {
  let position = indexes.indexOf(index);
  if (position < 0) position = indexes.findIndex((i) => JSON.stringify(i) === JSON.stringify(index));
  if (position < 0) throw new Error(`assertion failed: index ${JSON.stringify(index)} is not among its table's indexes`);
  return position;
}

/** A catalog from `catalogToJson` data; throws an Error naming what is malformed. */
export function catalogFromJson(json: unknown): Catalog {
  const data = json as CatalogJson;
  check(isObject(data) && data.kind === "catalog", "an object of kind \"catalog\"");
  check(Array.isArray(data.databases) && data.databases.every((d) => typeof d === "string"), "databases: an array of names");
  check(typeof data.defaultDatabase === "string" && data.databases.includes(data.defaultDatabase), "defaultDatabase: a listed database");
  check(Number.isSafeInteger(data.nextTableId) && data.nextTableId >= 1, "nextTableId: a positive integer");
  check(Array.isArray(data.tables), "tables: an array");
  const definitions = new Map<number, TableDefinition>();
  for (const table of data.tables) {
    const definition = readDefinition(table, data);
    check(!definitions.has(table.id), `table id ${table.id} only once`);
    definitions.set(table.id, definition);
  }
  const entries = data.tables.map((table) => readEntry(table, definitions));
  const names = new Set(entries.map((e) => `${e.definition.database}\u0000${e.definition.name}`));
  check(names.size === entries.length, "every table name only once");
  return Catalog.restore({ databases: data.databases, entries, nextTableId: data.nextTableId, defaultDatabase: data.defaultDatabase });
}

function readDefinition(table: TableJson, data: CatalogJson): TableDefinition {
  check(isObject(table) && Number.isSafeInteger(table.id) && table.id >= 1 && table.id < data.nextTableId, "tables[]: an object with an id below nextTableId");
  const definition = table.definition;
  const where = `table #${table.id}`;
  check(isObject(definition) && definition.kind === "table" && Array.isArray(definition.columns) && Array.isArray(definition.indexes), `${where}: a table definition`);
  try {
    validateTableDefinition(definition);
  } catch (error) {
    if (!isAmpsimError(error)) throw error;
    throw new Error(`${where}: a valid table definition, but ${error.message}`);
  }
  check(data.databases.includes(definition.database), `${where}: a database that is listed`);
  return deepFreeze(definition);
}

function readEntry(table: TableJson, definitions: ReadonlyMap<number, TableDefinition>): TableEntry {
  const definition = definitions.get(table.id)!;
  const where = `table #${table.id}`;
  check(Array.isArray(table.indexTables) && table.indexTables.length === definition.indexes.length, `${where}: one index subtable per secondary index`);
  const indexTables = table.indexTables.map((t): IndexTable => {
    check(isObject(t) && definitions.has(t.tableId) && definition.indexes[t.index] !== undefined, `${where}: index subtables that exist`);
    return { kind: "index-table", index: definition.indexes[t.index], tableId: t.tableId };
  });
  let indexOf: TableEntry["indexOf"] = null;
  if (table.indexOf !== null) {
    const base = isObject(table.indexOf) ? definitions.get(table.indexOf.tableId) : undefined;
    const index = base?.indexes[table.indexOf.index];
    check(index !== undefined, `${where}: a base table and index that exist`);
    indexOf = Object.freeze({ tableId: table.indexOf.tableId, index });
  }
  return tableEntryOf(table.id, definition, indexTables.map((t) => Object.freeze(t)), indexOf);
}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`expected ${what}`);
}

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Freezes parsed JSON in place, as catalog definitions are frozen. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
