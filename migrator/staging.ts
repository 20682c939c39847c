/**
 * Staging tables: one per stream per table on the target, in the reserved
 * database `$staging` (never listed by `tables()`, never clashing with user
 * tables), created from the table's own DDL text with three changes: the name,
 * no secondary indexes, and the staging layout's primary index —
 *
 * - `hashed`: the table's PI columns as a non-unique PI, so rows land where the
 *   target's hash map puts them and the final insert-select is AMP-local;
 * - `nopi`: NO PRIMARY INDEX, rows stay where they land and the final
 *   insert-select redistributes them through the interconnect.
 *
 * Staging tables are MULTISET: uniqueness is enforced once, by the target table.
 */
import path from "node:path";
import { parseSql, renderTableDdl, type Engine, type TableDefinition } from "../engine/index.js";
import type { StagingLayout } from "./plan.js";

export const STAGING_DATABASE = "$staging";

/** The table definition that DDL text creates (the copy of definitions travels as text). */
export function definitionFromDdl(ddl: string): TableDefinition {
  const [statement] = parseSql(ddl);
  if (statement?.kind !== "create table" || statement.table.database === null) throw new Error(`assertion failed: not a qualified CREATE TABLE: ${ddl}`);
  return { ...statement.table, database: statement.table.database };
}

export function stagingDefinition(definition: TableDefinition, name: string, layout: StagingLayout): TableDefinition {
  const pi = definition.primaryIndex;
  return Object.freeze({
    ...definition, database: STAGING_DATABASE, name, indexes: [], setness: "multiset", tableKind: "permanent", onCommit: null,
    primaryIndex: layout === "nopi" || pi === null ? null : { ...pi, unique: false, name: null },
  });
}

/** A run id unused by any staging table on the target. */
export function nextRunId(target: Engine): number {
  let max = 0;
  for (const table of target.allTables()) {
    const match = /^"\$staging"\."?m(\d+)_/.exec(table);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return max + 1;
}

export function stagingName(runId: number, ordinal: number, stream: number | "committed" | "reserved"): string {
  return `m${runId}_t${ordinal}_s${stream}`;
}

/** Creates the staging table through the target's SQL interface; returns its qualified name. */
export function createStagingTable(target: Engine, definition: TableDefinition, name: string, layout: StagingLayout): string {
  const ddl = renderTableDdl(stagingDefinition(definition, name, layout));
  target.sqlInternal(ddl);
  return `"${STAGING_DATABASE}".${name}`;
}

/** The table that reserves a checkpointed run's id (and so its staging names) on the target. */
export function reservationOf(runId: number): string {
  return `"${STAGING_DATABASE}".${stagingName(runId, 0, "reserved")}`;
}

/** The token a checkpoint without one of its own (an older one) reserved its run's id with: a hash of its directory's absolute path. */
export function reservationToken(dir: string): number {
  return textToken(path.resolve(dir));
}

/** A 31-bit hash (FNV-1a) of `text`'s UTF-8 bytes: what reservation tables hold. */
export function textToken(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) h = Math.imul(h ^ byte, 0x01000193);
  return (h >>> 1) & 0x7fffffff;
}

/** The token reserving `runId` on the target: undefined when nothing reserves it, null when its reservation holds none (an older one). */
export function reservationHolder(target: Engine, runId: number): number | null | undefined {
  if (!target.hasTable(reservationOf(runId))) return undefined;
  const table = target.scan(reservationOf(runId));
  return table.numRows > 0 ? Number(table.getChild("run")!.get(0)) : null;
}

/** True when `table` is one of run `runId`'s staging tables, markers or reservation (named as nextRunId reads them). */
export function isRunTable(table: string, runId: number): boolean {
  return table.startsWith(`"${STAGING_DATABASE}".m${runId}_`) || table.startsWith(`"${STAGING_DATABASE}"."m${runId}_`);
}
