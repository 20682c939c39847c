/**
 * The data dictionary of one system: databases, tables and the hidden subtables
 * of secondary indexes. Copy-on-write: a statement that changes the catalog works
 * on a clone and the engine swaps it in on commit.
 *
 * Databases whose name starts with `$` are the reserved namespace (staging tables,
 * index subtables): user DDL cannot touch them and `tables()` does not list them.
 */
import * as arrow from "apache-arrow";
import { AmpsimError } from "../errors.js";
import { arrowTypeOf, typeToSql } from "./column-type.js";
import { qualifiedName, type SecondaryIndex, type TableDefinition } from "./table-definition.js";

export const DEFAULT_DATABASE = "main";
export const RESERVED_PREFIX = "$";
/** The reserved database of secondary-index subtables. */
export const INDEX_DATABASE = "$index";

/** The hidden subtable of one secondary index. */
export interface IndexTable {
  readonly kind: "index-table";
  readonly index: SecondaryIndex;
  readonly tableId: number;
}

export interface TableEntry {
  readonly kind: "table-entry";
  readonly id: number;
  readonly definition: TableDefinition;
  readonly schema: arrow.Schema;
  /** `db.table` as messages and `tables()` show it. */
  readonly qualifiedName: string;
  readonly reserved: boolean;
  readonly indexTables: readonly IndexTable[];
  /** Set on index subtables: the base table and the index it serves. */
  readonly indexOf: { readonly tableId: number; readonly index: SecondaryIndex } | null;
}

export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX);
}

/** The Arrow schema of a table's stored batches; each field carries its Teradata type in metadata. */
export function schemaOf(definition: TableDefinition): arrow.Schema {
  const fields = definition.columns.map((c) =>
    new arrow.Field(c.name, arrowTypeOf(c.type), c.nullable, new Map([["ampsim.type", typeToSql(c.type)]])));
  return new arrow.Schema(fields, new Map([["ampsim.table", qualifiedName(definition)]]));
}

/** A frozen catalog entry; the schema, qualified name and reserved flag follow from the definition. */
export function tableEntryOf(id: number, definition: TableDefinition, indexTables: readonly IndexTable[], indexOf: TableEntry["indexOf"]): TableEntry {
  return Object.freeze({
    kind: "table-entry", id, definition, schema: schemaOf(definition), qualifiedName: qualifiedName(definition),
    reserved: isReservedName(definition.database), indexTables: Object.freeze([...indexTables]), indexOf,
  });
}

function key(database: string, name: string): string {
  return `${database}\u0000${name}`;
}

export class Catalog {
  readonly #databases: Set<string>;
  readonly #tables: Map<number, TableEntry>;
  readonly #byName: Map<string, number>;
  #nextTableId: number;
  defaultDatabase: string;

  constructor(source?: Catalog) {
    this.#databases = new Set(source ? source.#databases : [DEFAULT_DATABASE]);
    this.#tables = new Map(source ? source.#tables : []);
    this.#byName = new Map(source ? source.#byName : []);
    this.#nextTableId = source ? source.#nextTableId : 1;
    this.defaultDatabase = source?.defaultDatabase ?? DEFAULT_DATABASE;
  }

  clone(): Catalog {
    return new Catalog(this);
  }

  /**
   * A catalog from stored parts (the durable engine's catalog file). `entries` in id order;
   * the caller has checked that names are unique and every table's database is listed.
   */
  static restore(parts: { databases: readonly string[]; entries: readonly TableEntry[]; nextTableId: number; defaultDatabase: string }): Catalog {
    const catalog = new Catalog();
    catalog.#databases.clear();
    for (const database of parts.databases) catalog.#databases.add(database);
    for (const entry of parts.entries) {
      catalog.#tables.set(entry.id, entry);
      catalog.#byName.set(key(entry.definition.database, entry.definition.name), entry.id);
    }
    catalog.#nextTableId = parts.nextTableId;
    catalog.defaultDatabase = parts.defaultDatabase;
    return catalog;
  }

  /** The id the next table created gets. */
  get nextTableId(): number {
    return this.#nextTableId;
  }

  databases(): string[] {
    return [...this.#databases].sort();
  }

  hasDatabase(name: string): boolean {
    return this.#databases.has(name);
  }

  addDatabase(name: string): void {
    if (this.#databases.has(name)) throw new AmpsimError("DATABASE_EXISTS", `database ${name} already exists`, { database: name });
    this.#databases.add(name);
  }

  removeDatabase(name: string): void {
    if (!this.#databases.has(name)) throw new AmpsimError("NO_SUCH_DATABASE", `database ${name} does not exist`, { database: name });
    const tables = [...this.#tables.values()].filter((t) => t.definition.database === name);
    if (tables.length > 0) {
      throw new AmpsimError("BAD_DDL", `database ${name} still holds ${tables.length} table(s), e.g. ${tables[0].qualifiedName}; drop them first`, { database: name });
    }
    this.#databases.delete(name);
  }

  /** Every table entry, user and reserved, in id order. */
  entries(): TableEntry[] {
    return [...this.#tables.values()];
  }

  byId(id: number): TableEntry {
    const entry = this.#tables.get(id);
    if (!entry) throw new AmpsimError("NO_SUCH_TABLE", `table #${id} does not exist`, { tableId: id });
    return entry;
  }

  find(database: string, name: string): TableEntry | undefined {
    const id = this.#byName.get(key(database, name));
    return id === undefined ? undefined : this.#tables.get(id);
  }

  /** The entry named `database.name`; NO_SUCH_DATABASE / NO_SUCH_TABLE otherwise. */
  get(database: string, name: string): TableEntry {
    const entry = this.find(database, name);
    if (entry) return entry;
    if (!this.#databases.has(database)) {
      throw new AmpsimError("NO_SUCH_DATABASE", `database ${database} does not exist (looking for table ${database}.${name})`, { database, table: `${database}.${name}` });
    }
    throw new AmpsimError("NO_SUCH_TABLE", `table ${database}.${name} does not exist`, { table: `${database}.${name}` });
  }

  /** Adds a table (its database must exist); returns the new entry. */
  add(definition: TableDefinition, indexOf: TableEntry["indexOf"] = null): TableEntry {
    const { database, name } = definition;
    if (!this.#databases.has(database)) {
      throw new AmpsimError("NO_SUCH_DATABASE", `database ${database} does not exist (creating table ${database}.${name})`, { database, table: `${database}.${name}` });
    }
    if (this.#byName.has(key(database, name))) {
      throw new AmpsimError("TABLE_EXISTS", `table ${qualifiedName(definition)} already exists`, { table: qualifiedName(definition) });
    }
    const entry = tableEntryOf(this.#nextTableId++, definition, [], indexOf);
    this.#tables.set(entry.id, entry);
    this.#byName.set(key(database, name), entry.id);
    return entry;
  }

  /** Replaces an entry's definition and index tables (same id and name). */
  update(id: number, changes: { definition?: TableDefinition; indexTables?: readonly IndexTable[] }): TableEntry {
    const old = this.byId(id);
    const definition = changes.definition ?? old.definition;
    const entry: TableEntry = Object.freeze({
      ...old, definition, schema: changes.definition ? schemaOf(definition) : old.schema,
      indexTables: Object.freeze([...(changes.indexTables ?? old.indexTables)]),
    });
    this.#tables.set(id, entry);
    return entry;
  }

  remove(id: number): TableEntry {
    const entry = this.byId(id);
    this.#tables.delete(id);
    this.#byName.delete(key(entry.definition.database, entry.definition.name));
    return entry;
  }
}
