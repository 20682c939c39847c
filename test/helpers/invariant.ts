/**
 * The invariant every successful migration must keep, checked through the
 * public API only:
 *
 * - the target table's row multiset equals the source's (plus the rows it held
 *   before, for ifExists "append");
 * - every target row of a PI table sits on the AMP its row hash assigns
 *   (`$amp === target.hashMap.ampOfHash($rowhash)`), and carries the row hash
 *   the source gave the same row (the row hash does not depend on the system);
 * - the target's definition equals the source's (`describe` and `showTable`);
 * - no staging table is left in `"$staging"` (unless keepStaging);
 * - the source is unchanged (row multiset and rows per AMP).
 *
 * Rows are compared as canonical strings: decimals come back from Arrow as
 * Uint32Array words (→ the unscaled bigint), int64 as bigint, dates and
 * timestamps as numbers or Dates (→ milliseconds), floats keep -0 and NaN.
 */
import * as arrow from "apache-arrow";
import { expect } from "vitest";
import type { Engine, TableDefinition } from "../../engine/index.js";
import { STAGING_DATABASE } from "../../migrator/index.js";

/** Arrow's four little-endian 32-bit words of a 128-bit decimal → the signed unscaled integer. */
export function decimalWordsToBigInt(words: ArrayLike<number>): bigint {
  let value = 0n;
  for (let i = words.length - 1; i >= 0; i--) value = (value << 32n) | BigInt(words[i] >>> 0);
  return BigInt.asIntN(32 * words.length, value);
}

/** One value as a canonical string, the same for equal values whatever form Arrow returned. */
export function canonicalValue(value: unknown, type: arrow.DataType): string {
  if (value === null || value === undefined) return "NULL";
  if (arrow.DataType.isDecimal(type)) {
    if (ArrayBuffer.isView(value)) return `${decimalWordsToBigInt(value as unknown as Uint32Array)}d`;
    return `${String(value)}d`;
  }
  if (value instanceof Date) return `@${value.getTime()}`;
  if (arrow.DataType.isDate(type) || arrow.DataType.isTimestamp(type)) return `@${Number(value)}`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (ArrayBuffer.isView(value)) return `[${Array.from(value as unknown as ArrayLike<number>).join(",")}]`;
  return JSON.stringify(value);
}

/** Every row of an Arrow table as a canonical string (columns named), in table order. */
export function canonicalRows(table: arrow.Table, options: { skipHidden?: boolean } = {}): string[] {
  const fields = table.schema.fields
    .map((field, index) => ({ field, index }))
    .filter(({ field }) => !(options.skipHidden !== false && field.name.startsWith("$")));
  const columns = fields.map(({ index }) => table.getChildAt(index)!);
  const rows: string[] = [];
  for (let r = 0; r < table.numRows; r++) {
    rows.push(fields.map(({ field }, k) => `${field.name}=${canonicalValue(columns[k].get(r), field.type)}`).join("|"));
  }
  return rows;
}

/** The table's rows as a sorted list of canonical strings (a multiset). */
export function rowMultiset(engine: Engine, table: string): string[] {
  return canonicalRows(engine.scan(table)).sort();
}

/** Rows with their row hash, as a sorted list ("row#hash"), for PI tables. */
export function hashedRowMultiset(engine: Engine, table: string): string[] {
  const scanned = engine.scan(table, { rowIds: true });
  const rows = canonicalRows(scanned);
  const hashes = scanned.getChild("$rowhash")!;
  return rows.map((row, r) => `${row}#${hashes.get(r) as number}`).sort();
}

export interface TableSnapshot {
  readonly rows: string[];
  readonly ampRowCounts: number[];
  readonly definition: TableDefinition;
  readonly ddl: string;
}

export function snapshotTable(engine: Engine, table: string): TableSnapshot {
  return {
    rows: rowMultiset(engine, table),
    ampRowCounts: engine.ampRowCounts(table),
    definition: engine.describe(table),
    ddl: engine.showTable(table),
  };
}

/** Everything a caller can see of a system: its tables (user and reserved) and each user table's contents. */
export interface SystemSnapshot {
  readonly tables: string[];
  readonly allTables: string[];
  readonly databases: string[];
  readonly contents: Record<string, TableSnapshot>;
}

export function snapshotSystem(engine: Engine): SystemSnapshot {
  const tables = engine.tables();
  return {
    tables,
    allTables: engine.allTables(),
    databases: engine.databases(),
    contents: Object.fromEntries(tables.map((t) => [t, snapshotTable(engine, t)])),
  };
}

/** The system looks exactly as it did (tables, reserved tables, databases, rows, rows per AMP, definitions). */
export function expectSystemUnchanged(engine: Engine, before: SystemSnapshot, what = engine.name, options: { databases?: boolean } = {}): void {
  const now = snapshotSystem(engine);
  expect(now.tables, `${what}: tables()`).toEqual(before.tables);
  expect(now.allTables, `${what}: allTables()`).toEqual(before.allTables);
  for (const table of before.tables) {
    expect(now.contents[table].rows, `${what}: rows of ${table}`).toEqual(before.contents[table].rows);
    expect(now.contents[table].ampRowCounts, `${what}: rows per AMP of ${table}`).toEqual(before.contents[table].ampRowCounts);
    expect(now.contents[table].ddl, `${what}: showTable(${table})`).toBe(before.contents[table].ddl);
  }
  if (options.databases !== false) expect(now.databases, `${what}: databases()`).toEqual(before.databases);
}

export function stagingTables(engine: Engine): string[] {
  return engine.allTables().filter((name) => name.startsWith(`"${STAGING_DATABASE}".`));
}

export interface MigratedCheck {
  readonly source: Engine;
  readonly target: Engine;
  /** The source table (and the target table: migrations keep the name). */
  readonly table: string;
  /** The source as it was before the migration (`snapshotSystem(source)`). */
  readonly sourceBefore: SystemSnapshot;
  readonly keepStaging?: boolean;
  /** ifExists "append": the target's rows before the migration, which must still be there. */
  readonly targetRowsBefore?: readonly string[];
}

/**
 * The invariant after a successful migration of one table. Returns the target's
 * rows (sorted canonical strings) for further checks.
 */
export function expectMigrated(check: MigratedCheck): string[] {
  const { source, target, table, sourceBefore } = check;
  const label = `${table} ${source.name}(${source.amps} AMPs, ${source.hashBits} bits) → ${target.name}(${target.amps} AMPs, ${target.hashBits} bits)`;

  // The source is unchanged.
  const before = sourceBefore.contents[table];
  expect(before, `${label}: the source snapshot holds ${table}`).toBeDefined();
  expect(rowMultiset(source, table), `${label}: source rows unchanged`).toEqual(before.rows);
  expect(source.ampRowCounts(table), `${label}: source rows per AMP unchanged`).toEqual(before.ampRowCounts);
  expect(source.tables(), `${label}: source tables unchanged`).toEqual(sourceBefore.tables);
  expect(source.allTables(), `${label}: source reserved tables unchanged`).toEqual(sourceBefore.allTables);

  // Row multiset: target = (old target rows) + source rows.
  const expected = [...(check.targetRowsBefore ?? []), ...before.rows].sort();
  const actual = rowMultiset(target, table);
  expect(actual.length, `${label}: target row count`).toBe(expected.length);
  expect(actual, `${label}: target rows equal the source's`).toEqual(expected);
  expect(target.rowCount(table), `${label}: rowCount`).toBe(expected.length);

  // Placement: every row on the AMP its row hash assigns, with the row hash the source gave it.
  const definition = target.describe(table);
  if (definition.primaryIndex !== null) {
    const scanned = target.scan(table, { rowIds: true });
    const amps = scanned.getChild("$amp")!;
    const hashes = scanned.getChild("$rowhash")!;
    const misplaced: string[] = [];
    for (let r = 0; r < scanned.numRows; r++) {
      const amp = amps.get(r) as number; const hash = hashes.get(r) as number;
      const owner = target.hashMap.ampOfHash(hash);
      if (owner !== amp) misplaced.push(`row ${r} (hash 0x${hash.toString(16)}) on AMP ${amp}, its hash assigns AMP ${owner}`);
    }
    expect(misplaced, `${label}: rows off their AMP`).toEqual([]);
    if (check.targetRowsBefore === undefined) {
      expect(hashedRowMultiset(target, table), `${label}: row hashes equal the source's`).toEqual(hashedRowMultiset(source, table));
    }
    const perAmp = new Array<number>(target.amps).fill(0);
    for (let r = 0; r < scanned.numRows; r++) perAmp[amps.get(r) as number]++;
    expect(target.ampRowCounts(table), `${label}: ampRowCounts agrees with the scan`).toEqual(perAmp);
  }

  // Definition copied.
  expect(definition, `${label}: describe()`).toEqual(source.describe(table));
  expect(target.showTable(table), `${label}: showTable()`).toBe(source.showTable(table));
  expect(target.tables(), `${label}: target tables() lists the table`).toContain(table);

  // No staging left.
  if (check.keepStaging !== true) expect(stagingTables(target), `${label}: staging tables left on the target`).toEqual([]);
  return actual;
}
