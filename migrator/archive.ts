/**
 * Archive now, restore later: `archive()` writes tables of a source system to
 * intermediate storage (a directory of Arrow IPC stream files and a manifest),
 * and `restore()` loads such a directory into a target system later, even from
 * another process, through staging tables, the atomic insert-select and the
 * same verification as `migrate()` (the manifest carries the source's bucket
 * checksums).
 *
 * Faults it must survive: a missing, foreign, truncated or damaged archive
 * (ARCHIVE_CORRUPT naming the file; the target is left as it was), a manifest
 * that names files outside the directory, a table not in the archive.
 */
import { AmpsimError, checkOptionNames, Engine, parseSql, qualifiedName, showValue } from "../engine/index.js";
import { ArchiveModule } from "./archive-module.js";
import { checksumsFromJson, emptyChecksums, merge, tableChecksum, VERIFY_BITS_MAX, type BucketChecksums } from "./checksum.js";
import { StorageMedium, type ArchiveTable } from "./media/index.js";
import { archiveTableInfo, liveSource, MigrationRun, type SourceSide } from "./migrate.js";
import type { MigrationReport, SystemSummary } from "./migration-report.js";
import {
  bad, bytesDoneOf, checkTableNames, checkTarget, oneOf, planStreams, planTables, validateClusters,
  type IfExists, type MigrationPlan, type ProgressEvent, type StagingLayout, type TablePlan,
} from "./plan.js";

export interface ArchiveOptions {
  readonly source: Engine;
  readonly dir: string;
  /** Replace an archive already in `dir` (default: BAD_ARGUMENT). */
  readonly overwrite?: boolean;
  readonly tables?: readonly string[];
  readonly streams?: number;
  readonly clusters?: readonly (readonly number[])[];
  readonly batchRows?: number;
  readonly batchBytes?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface ArchiveReport {
  readonly kind: "archive-report";
  readonly dir: string;
  readonly source: SystemSummary;
  readonly streams: number;
  readonly rows: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly tables: readonly {
    readonly table: string; readonly rows: number; readonly checksum: string;
    readonly streams: readonly { readonly stream: number; readonly cluster: readonly number[]; readonly rows: number; readonly batches: number; readonly bytes: number; readonly elapsedMs: number }[];
  }[];
}

/**
 * Writes tables of `source` to an archive directory.
 *
 * @example
 * await archive({ source, dir: "./archive", streams: 2 });
 * // later, maybe in another process:
 * await restore({ target, dir: "./archive" });
 */
export async function archive(options: ArchiveOptions): Promise<ArchiveReport> {
  const started = performance.now();
  if (!(options?.source instanceof Engine)) throw bad(`source must be an Engine, but found ${showValue(options?.source)}`, { option: "source" });
  checkOptionNames(options, ["source", "dir", "overwrite", "tables", "streams", "clusters", "batchRows", "batchBytes", "onProgress"], "archive()");
  const { source } = options;
  const { streams, clusters, batchRows, batchBytes } = planStreams(options, source);
  const tables = planTables(source, options.tables ?? source.tables(), clusters);
  const medium = new StorageMedium({ dir: options.dir, overwrite: options.overwrite === true });
  const side = liveSource(source);
  const bits = Math.min(source.hashBits, VERIFY_BITS_MAX);
  const reports: ArchiveReport["tables"][number][] = [];
  let complete = false;
  try {
    for (const table of tables) {
      const checksums = emptyChecksums(bits);
      const streamReports = await Promise.all(clusters.map(async (cluster, stream) => {
        const id = { stream, table: table.ordinal, tableName: table.name };
        const channel = await medium.open(id);
        let rowsDone = 0;
        const result = await new ArchiveModule(source, id, cluster, {
          batchRows, batchBytes, verifyBits: bits, sums: "buckets",
          onBatch: (rows) => {
            rowsDone += rows;
            const [rowsTotal, bytesTotal] = [table.streamRows[stream], table.streamBytes[stream]];
            options.onProgress?.({ kind: "stream", table: table.name, stream, rowsDone, rowsTotal, bytesDone: bytesDoneOf(rowsDone, rowsTotal, bytesTotal), bytesTotal });
          },
        }).run(channel.sink);
        merge(checksums, result.checksums!); // sums: "buckets"
        return { stream, cluster: [...cluster], rows: result.rows, batches: result.batches, bytes: result.bytes, elapsedMs: result.elapsedMs };
      }));
      medium.setTableInfo(table.ordinal, archiveTableInfo(side, table, clusters, checksums));
      reports.push({ table: table.name, rows: table.rows, checksum: tableChecksum(checksums).digest, streams: streamReports });
    }
    complete = true;
  } finally {
    // A failed archive gets no manifest: a directory with one must be a finished archive.
    await medium.close({ complete });
  }
  return {
    kind: "archive-report", dir: medium.dir, source: side.summary, streams, elapsedMs: performance.now() - started,
    rows: reports.reduce((s, t) => s + t.rows, 0), bytes: reports.reduce((s, t) => s + t.streams.reduce((x, y) => x + y.bytes, 0), 0), tables: reports,
  };
}

export interface RestoreOptions {
  readonly target: Engine;
  readonly dir: string;
  /** Tables of the archive to restore (default: all). */
  readonly tables?: readonly string[];
  readonly staging?: StagingLayout;
  readonly ifExists?: IfExists;
  readonly keepStaging?: boolean;
  readonly parallelTables?: boolean;
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** Restores an archive directory into `target` (staging tables, insert-select, verify); returns the migration report. */
export async function restore(options: RestoreOptions): Promise<MigrationReport> {
  if (!(options?.target instanceof Engine)) throw bad(`target must be an Engine, but found ${showValue(options?.target)}`, { option: "target" });
  checkOptionNames(options, ["target", "dir", "tables", "staging", "ifExists", "keepStaging", "parallelTables", "onProgress"], "restore()");
  if (typeof options.dir !== "string" || options.dir.length === 0) throw bad(`dir must be the archive directory, but found ${showValue(options.dir)}`, { option: "dir" });
  const medium = await StorageMedium.openArchive(options.dir);
  try {
    const { plan, side } = planRestore(options, medium);
    return await new MigrationRun(side, options.target, plan, options.onProgress).execute(medium);
  } catch (error) {
    await medium.close();
    throw error;
  }
}

interface ArchivedInfo {
  readonly table: ArchiveTable;
  readonly ampRows: number[];
  readonly clusters: number[][];
  readonly source: SystemSummary;
  readonly checksums: BucketChecksums;
}

function archivedInfo(table: ArchiveTable, dir: string): ArchivedInfo {
  const missing = ["ddl", "rows", "ampRows", "clusters", "sourceSystem", "checksums"].filter((k) => table[k] === undefined);
  if (missing.length > 0) {
    throw new AmpsimError("ARCHIVE_CORRUPT", `the manifest in ${dir} lacks ${missing.join(", ")} for table ${table.name}: not an archive written by ampsim's archive() or migrate()`, { file: dir, table: table.name });
  }
  const corrupt = (what: string, cause?: unknown) =>
    new AmpsimError("ARCHIVE_CORRUPT", `the manifest in ${dir} ${what} for table ${table.name}`, { file: dir, table: table.name }, cause === undefined ? undefined : { cause });
  checkArchivedDdl(table, corrupt);
  let checksums: BucketChecksums;
  try {
    checksums = checksumsFromJson(table.checksums as { bits: number; buckets: number[][] });
  } catch (error) {
    throw corrupt(`holds unreadable checksums (${(error as Error).message})`, error);
  }
  const source = table.sourceSystem as SystemSummary;
  if (!Number.isInteger(source?.amps) || source.amps < 1 || !Array.isArray(table.ampRows) || table.ampRows.length !== source.amps) throw corrupt("holds a source system that does not match its rows per AMP");
  let clusters: number[][];
  try {
    clusters = validateClusters(table.clusters, source.amps);
  } catch (error) {
    throw corrupt(`holds invalid clusters (${(error as Error).message})`, error);
  }
  if (clusters.length !== table.streams.length) {
    const listed = new Set(table.streams.map((s) => s.stream));
    const missing = clusters.map((_c, s) => s).filter((s) => !listed.has(s));
    throw corrupt(`lists ${clusters.length} clusters (one per stream) but ${table.streams.length} streams${missing.length > 0 ? `: stream ${missing.join(", stream ")} missing` : ""}`);
  }
  // The counts the report shows must be the ones the checksums and the stream files hold.
  const counted = tableChecksum(checksums).rows;
  const ampTotal = (table.ampRows as unknown[]).reduce((sum: number, n) => sum + (Number.isSafeInteger(n) && (n as number) >= 0 ? (n as number) : Number.NaN), 0);
  const streamTotal = table.streams.reduce((sum, stream) => sum + stream.rows, 0);
  if (table.rows !== counted || ampTotal !== counted || streamTotal !== counted) {
    throw corrupt(`says ${showValue(table.rows)} rows, ${Number.isNaN(ampTotal) ? "unreadable" : ampTotal} rows per AMP in all and ${streamTotal} in its streams, but its checksums count ${counted}`);
  }
  return { table, ampRows: table.ampRows as number[], clusters, source, checksums };
}

/** The DDL must be exactly one CREATE TABLE of the table the manifest names: restore sends it to the target's SQL. */
function checkArchivedDdl(table: ArchiveTable, corrupt: (what: string, cause?: unknown) => AmpsimError): void {
  let statements;
  try {
    statements = parseSql(String(table.ddl));
  } catch (error) {
    throw corrupt("holds DDL that does not parse", error);
  }
  const [statement] = statements;
  if (statements.length !== 1 || statement.kind !== "create table" || statement.table.database === null) {
    throw corrupt(`holds DDL that is not exactly one qualified CREATE TABLE (${statements.map((s) => s.kind).join(", ")})`);
  }
  const named = qualifiedName({ database: statement.table.database, name: statement.table.name });
  if (named !== table.name) throw corrupt(`holds DDL of table ${named}`);
}

function planRestore(options: RestoreOptions, medium: StorageMedium): { plan: MigrationPlan; side: SourceSide } {
  const manifest = medium.manifest;
  const wanted = options.tables ?? manifest.tables.map((t) => t.name);
  checkTableNames(wanted);
  const infos = wanted.map((name) => {
    const table = manifest.tables.find((t) => t.name === name || t.name === name.toLowerCase());
    if (!table) throw new AmpsimError("NO_SUCH_TABLE", `table ${name} is not in the archive ${medium.dir} (it holds ${manifest.tables.map((t) => t.name).join(", ") || "no tables"})`, { table: name, file: medium.dir });
    return archivedInfo(table, medium.dir);
  });
  const ifExists = oneOf(options.ifExists, "ifExists", ["fail", "replace", "append"] as const, "fail");
  const streams = Math.max(1, ...infos.map((i) => i.table.streams.length));
  const mismatch = infos.find((i) => JSON.stringify(i.clusters) !== JSON.stringify(infos[0].clusters));
  if (mismatch) {
    throw new AmpsimError("ARCHIVE_CORRUPT", `the manifest in ${medium.dir} gives table ${mismatch.table.name} other clusters than ${infos[0].table.name}; an archive has one set of streams`, { file: medium.dir, table: mismatch.table.name });
  }
  const tables: TablePlan[] = infos.map((info) => checkTarget(options.target, {
    ordinal: info.table.ordinal, name: info.table.name, ddl: info.table.ddl as string, exists: false, rows: info.table.rows as number,
    bytes: info.table.streams.reduce((s, x) => s + x.bytes, 0), streamRows: info.table.streams.map((x) => x.rows), streamBytes: info.table.streams.map((x) => x.bytes),
  }, ifExists));
  const byName = new Map(infos.map((i) => [i.table.name, i]));
  const side: SourceSide = {
    summary: infos[0]?.source ?? { name: "archive", amps: 0, hashBits: VERIFY_BITS_MAX }, engine: null,
    ampRows: (t) => byName.get(t.name)!.ampRows, checksums: (t) => byName.get(t.name)!.checksums,
  };
  const plan: MigrationPlan = Object.freeze({
    kind: "migration-plan", tables, streams, clusters: infos[0]?.clusters ?? [[0]], medium: { kind: "storage" as const, dir: medium.dir },
    staging: oneOf(options.staging, "staging", ["hashed", "nopi"] as const, "hashed"), batchRows: 65_536, batchBytes: null,
    ifExists, keepStaging: options.keepStaging === true, parallelTables: options.parallelTables === true, checkpointDir: null,
  });
  return { plan, side };
}
