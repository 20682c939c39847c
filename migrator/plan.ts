/**
 * The migration plan: every option checked and resolved before anything is
 * touched, so a bad option fails with BAD_CONFIG (or NO_SUCH_TABLE, TABLE_EXISTS)
 * and leaves both systems as they were.
 */
import { AmpsimError, checkOptionNames, Engine, qualifiedName, showValue, typeToString, type TableDefinition } from "../engine/index.js";
import { definitionFromDdl } from "./staging.js";
import type { FaultHooks } from "./faults.js";
import type { MediumKind } from "./media/transfer-medium.js";

export type MediumSpec =
  | MediumKind
  | { readonly kind: "storage"; readonly dir: string; readonly overwrite?: boolean }
  | { readonly kind: "memory"; readonly capacityBytes?: number }
  | { readonly kind: "pipe"; readonly dir?: string }
  | { readonly kind: "network" };

export type StagingLayout = "hashed" | "nopi";
export type IfExists = "fail" | "replace" | "append";

export interface ProgressEvent {
  readonly kind: "stream" | "phase";
  /** Phase events: which phase started or ended. */
  readonly phase?: PhaseName;
  readonly state?: "start" | "end";
  /** Stream events: which table and stream, and how far. */
  readonly table?: string;
  readonly stream?: number;
  readonly rowsDone?: number;
  readonly rowsTotal?: number;
  /** Bytes of the source table moved so far (its stored bytes in proportion to the rows done), out of bytesTotal. */
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  /** Stream events of a resumed run: the interrupted run finished this stream, so nothing moves now (one event, rowsDone = rowsTotal). */
  readonly finishedBefore?: boolean;
}

/** Bytes of a stream's source rows done: its stored bytes in proportion to the rows done (exact at the end). */
export function bytesDoneOf(rowsDone: number, rowsTotal: number, bytesTotal: number): number {
  return rowsTotal === 0 ? bytesTotal : Math.min(bytesTotal, Math.round((bytesTotal * rowsDone) / rowsTotal));
}

export type PhaseName = "plan" | "dictionary" | "staging" | "transfer" | "insert-select" | "verify" | "cleanup";

export interface MigrateOptions {
  readonly source: Engine;
  readonly target: Engine;
  /** Qualified source table names (default: every user table of the source). */
  readonly tables?: readonly string[];
  /** Concurrent archive/restore pairs per table (default 1, at most the source AMP count). */
  readonly streams?: number;
  /** Source AMPs each archive module reads; every source AMP exactly once. Default: S contiguous groups. */
  readonly clusters?: readonly (readonly number[])[];
  readonly medium?: MediumSpec;
  readonly staging?: StagingLayout;
  /** Rows per archived batch (default 65,536). */
  readonly batchRows?: number;
  /** Instead of batchRows (giving both is BAD_CONFIG): about this many bytes per batch. */
  readonly batchBytes?: number;
  readonly ifExists?: IfExists;
  readonly keepStaging?: boolean;
  /** Migrate the tables one after another (default) or all at once. */
  readonly parallelTables?: boolean;
  /** Record progress durably here, so that a migration that dies can be resumed. */
  readonly checkpointDir?: string;
  /** Resume the migration whose checkpoint is in checkpointDir (CHECKPOINT_MISMATCH if the plan or source changed). */
  readonly resume?: boolean;
  /** Fault hooks (sim/FaultPlan) called at the migrator's named fault points; nothing when absent. */
  readonly faults?: FaultHooks;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface TablePlan {
  readonly ordinal: number;
  readonly name: string;
  readonly ddl: string;
  readonly exists: boolean;
  readonly rows: number;
  readonly bytes: number;
  /** Rows and bytes per stream (its cluster's share), known before the transfer starts. */
  readonly streamRows: readonly number[];
  readonly streamBytes: readonly number[];
}

export interface MigrationPlan {
  readonly kind: "migration-plan";
  readonly tables: readonly TablePlan[];
  readonly streams: number;
  readonly clusters: readonly (readonly number[])[];
  readonly medium: MediumSpec;
  readonly staging: StagingLayout;
  readonly batchRows: number;
  readonly batchBytes: number | null;
  readonly ifExists: IfExists;
  readonly keepStaging: boolean;
  readonly parallelTables: boolean;
  readonly checkpointDir: string | null;
}

const DEFAULT_BATCH_ROWS = 65_536;

export function bad(message: string, details: Record<string, unknown> = {}): AmpsimError {
  return new AmpsimError("BAD_CONFIG", message, details);
}

export function positiveInteger(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw bad(`${name} must be an integer in 1..${max}, but found ${showValue(value)}`, { option: name });
  }
  return value;
}

/** S contiguous groups of the source AMPs, as even as possible. */
export function defaultClusters(amps: number, streams: number): number[][] {
  return Array.from({ length: streams }, (_, s) => {
    const from = Math.floor((s * amps) / streams); const to = Math.floor(((s + 1) * amps) / streams);
    return Array.from({ length: to - from }, (_x, k) => from + k);
  });
}

export function validateClusters(clusters: unknown, amps: number): number[][] {
  if (!Array.isArray(clusters) || clusters.length === 0) throw bad(`clusters must be a non-empty array of arrays of source AMPs, but found ${showValue(clusters)}`, { option: "clusters" });
  const seen = new Map<number, number>();
  clusters.forEach((cluster, c) => {
    if (!Array.isArray(cluster) || cluster.length === 0) throw bad(`cluster ${c} must be a non-empty array of source AMPs, but found ${showValue(cluster)}`, { option: "clusters", cluster: c });
    for (const amp of cluster) {
      if (!Number.isInteger(amp) || amp < 0 || amp >= amps) throw bad(`cluster ${c} names AMP ${showValue(amp)}, but the source has AMPs 0..${amps - 1}`, { option: "clusters", cluster: c, amp });
      if (seen.has(amp)) throw bad(`AMP ${amp} is in cluster ${seen.get(amp)} and again in cluster ${c}: every source AMP must be in exactly one cluster`, { option: "clusters", amp });
      seen.set(amp, c);
    }
  });
  const missing = Array.from({ length: amps }, (_, a) => a).filter((a) => !seen.has(a));
  if (missing.length > 0) throw bad(`source AMP(s) ${missing.join(", ")} are in no cluster: every source AMP must be in exactly one cluster`, { option: "clusters", amps: missing });
  return clusters.map((cluster) => [...cluster]);
}

export function validateMedium(medium: unknown): MediumSpec {
  const kinds = ["memory", "pipe", "network", "storage"];
  if (medium === undefined) return "memory";
  if (typeof medium === "string") {
    if (medium === "storage") throw bad(`the storage medium needs a directory: medium: { kind: "storage", dir: "./archive" }`, { option: "medium" });
    if (kinds.includes(medium)) return medium as MediumKind;
  } else if (medium !== null && typeof medium === "object" && kinds.includes((medium as { kind: string }).kind)) {
    const spec = medium as MediumSpec & { kind: string; dir?: unknown };
    if (spec.kind === "storage" && (typeof spec.dir !== "string" || spec.dir.length === 0)) throw bad(`the storage medium needs dir, a directory path, but found ${showValue(spec.dir)}`, { option: "medium" });
    return spec;
  }
  throw bad(`medium must be "memory", "pipe", "network" or { kind: "storage", dir }, but found ${showValue(medium)}`, { option: "medium" });
}

export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw bad(`${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, but found ${showValue(value)}`, { option: name });
}

const MIGRATE_OPTION_NAMES: readonly (keyof MigrateOptions)[] = [
  "source", "target", "tables", "streams", "clusters", "medium", "staging", "batchRows", "batchBytes", "ifExists",
  "keepStaging", "parallelTables", "checkpointDir", "resume", "faults", "onProgress",
];

/**
 * Checks every option and both systems; returns the frozen plan. `createdByRun` names target
 * tables that a resumed run's checkpoint says it created itself (not "existing" for ifExists).
 */
export function planMigration(options: MigrateOptions, createdByRun: ReadonlySet<string> = new Set()): MigrationPlan {
  if (options === null || typeof options !== "object") throw bad(`migrate() expects an options object, but found ${showValue(options)}`);
  checkOptionNames(options, MIGRATE_OPTION_NAMES, "migrate()");
  for (const name of ["keepStaging", "parallelTables", "resume"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "boolean") throw bad(`${name} must be true or false, but found ${showValue(options[name])}`, { option: name });
  }
  const { source, target } = options;
  if (!(source instanceof Engine)) throw bad(`source must be an Engine, but found ${showValue(source)}`, { option: "source" });
  if (!(target instanceof Engine)) throw bad(`target must be an Engine, but found ${showValue(target)}`, { option: "target" });
  if (source === target) throw bad("source and target are the same Engine; migrate between two systems", { option: "target" });
  const { streams, clusters, batchRows, batchBytes } = planStreams(options, source);
  const ifExists = oneOf(options.ifExists, "ifExists", ["fail", "replace", "append"] as const, "fail");
  const staging = oneOf(options.staging, "staging", ["hashed", "nopi"] as const, "hashed");
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") throw bad(`onProgress must be a function, but found ${showValue(options.onProgress)}`, { option: "onProgress" });
  const names = options.tables ?? source.tables();
  const tables = planTables(source, names, clusters).map((t) => (createdByRun.has(t.name) ? t : checkTarget(target, t, ifExists)));
  if (options.resume && typeof options.checkpointDir !== "string") throw bad("resume: true needs checkpointDir, the directory of the checkpoint to resume", { option: "resume" });
  if (options.checkpointDir !== undefined && (typeof options.checkpointDir !== "string" || options.checkpointDir.length === 0 || options.checkpointDir.includes("\u0000"))) {
    throw bad(`checkpointDir must be a directory path, but found ${showValue(options.checkpointDir)}`, { option: "checkpointDir" });
  }
  return Object.freeze({
    kind: "migration-plan", tables, streams, clusters, medium: validateMedium(options.medium), staging, batchRows, batchBytes,
    ifExists, keepStaging: options.keepStaging === true, parallelTables: options.parallelTables === true, checkpointDir: options.checkpointDir ?? null,
  });
}

/** The streams, their clusters of source AMPs and the batch size of migrate() and archive(), checked (BAD_CONFIG). */
export function planStreams(options: Pick<MigrateOptions, "streams" | "clusters" | "batchRows" | "batchBytes">, source: Engine):
  { streams: number; clusters: number[][]; batchRows: number; batchBytes: number | null } {
  if (options.clusters !== undefined && !Array.isArray(options.clusters)) throw bad(`clusters must be a list of lists of source AMP numbers, but found ${showValue(options.clusters)}`, { option: "clusters" });
  const streams = options.clusters !== undefined && options.streams === undefined ? options.clusters.length : positiveInteger(options.streams === undefined ? 1 : options.streams, "streams", 1024);
  if (streams > source.amps) throw bad(`streams (${streams}) exceeds the source's ${source.amps} AMP(s): each archive module reads at least one AMP`, { option: "streams" });
  const clusters = options.clusters === undefined ? defaultClusters(source.amps, streams) : validateClusters(options.clusters, source.amps);
  if (clusters.length !== streams) throw bad(`streams is ${streams} but ${clusters.length} clusters were given: one cluster per stream`, { option: "clusters" });
  if (options.batchRows !== undefined && options.batchBytes !== undefined) {
    throw bad(`pass batchRows (${showValue(options.batchRows)}) or batchBytes (${showValue(options.batchBytes)}), not both: each sets the batch size`, { option: "batchBytes" });
  }
  const batchRows = positiveInteger(options.batchRows ?? DEFAULT_BATCH_ROWS, "batchRows", 2 ** 31 - 1);
  const batchBytes = options.batchBytes === undefined ? null : positiveInteger(options.batchBytes, "batchBytes");
  return { streams, clusters, batchRows, batchBytes };
}

/** BAD_CONFIG unless `names` (the `tables` option) is a list; a name that is not a string is BAD_ARGUMENT, as everywhere a table is named. */
export function checkTableNames(names: unknown): asserts names is readonly string[] {
  if (!Array.isArray(names)) throw bad(`tables must be an array of table names, but found ${showValue(names)}`, { option: "tables" });
  const notName = names.find((name) => typeof name !== "string");
  if (notName !== undefined) throw new AmpsimError("BAD_ARGUMENT", `tables: a table name must be a string, but found ${showValue(notName)} (${typeof notName})`, { option: "tables" });
}

/** The source side of each table: its DDL text, rows and bytes per stream. */
export function planTables(source: Engine, names: readonly string[], clusters: readonly (readonly number[])[]): TablePlan[] {
  checkTableNames(names);
  const seen = new Set<string>();
  return names.map((given, ordinal) => {
    const qualified = qualifiedName(source.describe(given));
    if (seen.has(qualified)) throw bad(`table ${qualified} is listed twice in tables`, { option: "tables", table: qualified });
    seen.add(qualified);
    const rowsPerAmp = source.ampRowCounts(qualified); const bytesPerAmp = source.ampBytes(qualified);
    const sum = (values: number[], cluster: readonly number[]) => cluster.reduce((s, a) => s + values[a], 0);
    return Object.freeze({
      ordinal, name: qualified, ddl: source.showTable(qualified), exists: false,
      rows: rowsPerAmp.reduce((a, b) => a + b, 0), bytes: bytesPerAmp.reduce((a, b) => a + b, 0),
      streamRows: clusters.map((c) => sum(rowsPerAmp, c)), streamBytes: clusters.map((c) => sum(bytesPerAmp, c)),
    });
  });
}

/** Whether the table exists on the target, and what `ifExists` allows then (TABLE_EXISTS, or TYPE_MISMATCH for append). */
export function checkTarget(target: Engine, table: TablePlan, ifExists: IfExists): TablePlan {
  const exists = target.hasTable(table.name);
  if (exists && ifExists === "fail") {
    throw new AmpsimError("TABLE_EXISTS", `table ${table.name} already exists on the target (system "${target.name}"); pass ifExists: "replace" or "append" (the CLI's --if-exists)`, { table: table.name });
  }
  if (exists && ifExists === "append") checkAppendable(definitionFromDdl(table.ddl), target.describe(table.name), target.name);
  return Object.freeze({ ...table, exists });
}

/** Appending needs the same column names and types. */
function checkAppendable(source: TableDefinition, target: TableDefinition, system: string): void {
  const a = source.columns; const b = target.columns;
  const same = a.length === b.length && a.every((c, i) => c.name === b[i].name && JSON.stringify(c.type) === JSON.stringify(b[i].type));
  if (!same) {
    const name = qualifiedName(target);
    throw new AmpsimError("TYPE_MISMATCH", `cannot append to ${name} on ${system}: its columns (${b.map((c) => `${c.name} ${typeToString(c.type)}`).join(", ")}) differ from the source's (${a.map((c) => `${c.name} ${typeToString(c.type)}`).join(", ")})`, { table: name });
  }
  const pi = (d: TableDefinition) => (d.primaryIndex ? d.primaryIndex.columns.join(", ") : "none (NoPI)");
  if (pi(source) !== pi(target)) {
    // Verification buckets rows by their primary index on both sides: the definitions must agree.
    const name = qualifiedName(target);
    throw new AmpsimError("TYPE_MISMATCH", `cannot append to ${name} on ${system}: its primary index (${pi(target)}) differs from the source's (${pi(source)})`, { table: name });
  }
}
