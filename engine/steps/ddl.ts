/**
 * DDL steps: create and drop databases, tables and secondary indexes. Index
 * subtables are created, filled and dropped with their base table, in the same
 * statement.
 */
import type { TableEntry } from "../catalog/catalog.js";
import { INDEX_DATABASE, isReservedName } from "../catalog/catalog.js";
import type { ParsedTableDefinition } from "../catalog/sql-parser.js";
import type { SecondaryIndex, TableDefinition } from "../catalog/table-definition.js";
import { validateTableDefinition } from "../catalog/table-validation.js";
import { AmpsimError } from "../errors.js";
import { concatRuns } from "../storage/run.js";
import type { StatementContext } from "./context.js";
import { indexLabel, indexTableDefinition, writeIndexRows } from "./secondary-index.js";
import type { AmpShare } from "./store-rows.js";

export function createDatabase(ctx: StatementContext, name: string): void {
  ctx.checkNamespace(name, `database ${name}`);
  ctx.catalog.addDatabase(name);
}

export function dropDatabase(ctx: StatementContext, name: string): void {
  ctx.checkNamespace(name, `database ${name}`);
  ctx.catalog.removeDatabase(name);
}

/** Creates a table (and its index subtables); returns its entry. */
export function createTable(ctx: StatementContext, parsed: ParsedTableDefinition | TableDefinition): TableEntry {
  const database = parsed.database ?? ctx.catalog.defaultDatabase;
  ctx.checkNamespace(database, `table ${database}.${parsed.name}`);
  const definition: TableDefinition = Object.freeze({ ...parsed, database });
  validateTableDefinition(definition);
  if (isReservedName(database) && !ctx.catalog.hasDatabase(database)) ctx.catalog.addDatabase(database);
  let entry = ctx.catalog.add(definition);
  const indexes = definition.indexes;
  if (indexes.length > 0) {
    entry = ctx.catalog.update(entry.id, { definition: { ...definition, indexes: [] } });
    for (const index of indexes) entry = addIndex(ctx, entry, index);
  }
  return entry;
}

export function dropTable(ctx: StatementContext, entry: TableEntry): void {
  for (const indexTable of entry.indexTables) {
    ctx.tx.dropTable(indexTable.tableId);
    ctx.catalog.remove(indexTable.tableId);
  }
  ctx.tx.dropTable(entry.id);
  ctx.catalog.remove(entry.id);
  const recorder = ctx.recorder("drop-table", "all-amp", entry.qualifiedName);
  ctx.record(recorder.finish(0));
}

/** CREATE INDEX: adds the index to the definition and builds its subtable from the stored rows. */
export function createIndex(ctx: StatementContext, entry: TableEntry, index: SecondaryIndex): TableEntry {
  const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000");
  const existing = entry.definition.indexes.find((i) => (index.name !== null && i.name === index.name) || sameColumns(i.columns, index.columns));
  if (existing) {
    const what = existing.name ?? `(${existing.columns.join(", ")})`;
    throw new AmpsimError("INDEX_EXISTS", `${entry.qualifiedName} already has ${indexLabel(existing)}; CREATE INDEX ${index.name ?? `(${index.columns.join(", ")})`} would repeat it`,
      { table: entry.qualifiedName, index: what });
  }
  const definition = { ...entry.definition, indexes: [...entry.definition.indexes, index] };
  validateTableDefinition(definition);
  return addIndex(ctx, entry, index);
}

function addIndex(ctx: StatementContext, entry: TableEntry, index: SecondaryIndex): TableEntry {
  if (!ctx.catalog.hasDatabase(INDEX_DATABASE)) ctx.catalog.addDatabase(INDEX_DATABASE);
  const serial = entry.indexTables.length === 0 ? 1 : Math.max(...entry.indexTables.map((t) => Number(ctx.catalog.byId(t.tableId).definition.name.split("#")[1]))) + 1;
  const sub = ctx.catalog.add(indexTableDefinition(entry, index, serial), { tableId: entry.id, index });
  const updated = ctx.catalog.update(entry.id, {
    definition: { ...entry.definition, indexes: [...entry.definition.indexes, index] },
    indexTables: [...entry.indexTables, { kind: "index-table", index, tableId: sub.id }],
  });
  const only = { ...updated, indexTables: [{ kind: "index-table" as const, index, tableId: sub.id }] };
  const shares: AmpShare[] = [];
  const recorder = ctx.recorder("create-index", "all-amp", entry.qualifiedName);
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    const fragment = ctx.tx.fragment(amp, entry.id);
    if (fragment.rowCount === 0) continue;
    const run = concatRuns(entry.schema, fragment.runs);
    recorder.read(amp, run.rowCount, run.bytes);
    shares.push({ amp, rows: new Uint32Array(0), run });
  }
  writeIndexRows(ctx, only, shares, recorder);
  ctx.record(recorder.finish(shares.reduce((s, x) => s + x.run.rowCount, 0)));
  return updated;
}

/** DROP INDEX by name or by column list. */
export function dropIndex(ctx: StatementContext, entry: TableEntry, name: string | null, columns: readonly string[] | null): TableEntry {
  const position = entry.definition.indexes.findIndex((i) =>
    (name !== null && i.name === name) || (columns !== null && i.columns.length === columns.length && [...i.columns].sort().join("\u0000") === [...columns].sort().join("\u0000")));
  if (position < 0) {
    const what = name ?? `(${(columns ?? []).join(", ")})`;
    throw new AmpsimError("NO_SUCH_INDEX", `${entry.qualifiedName} has no secondary index ${what}`, { table: entry.qualifiedName, index: what });
  }
  const index = entry.definition.indexes[position];
  const indexTable = entry.indexTables.find((t) => t.index === index)!;
  ctx.tx.dropTable(indexTable.tableId);
  ctx.catalog.remove(indexTable.tableId);
  return ctx.catalog.update(entry.id, {
    definition: { ...entry.definition, indexes: entry.definition.indexes.filter((_i, k) => k !== position) },
    indexTables: entry.indexTables.filter((t) => t !== indexTable),
  });
}

export { indexLabel };
