/**
 * The analytic mode: predicts the phases of a staged migration from sizes
 * alone (rows per AMP, bytes per row, streams, medium), in closed form, for
 * systems far larger than memory. Nothing is allocated per row or per batch,
 * only per AMP, node and stream, so 1,000 AMPs and 10^10 rows take
 * milliseconds.
 *
 * The model is the timeline's (timeline.ts), summed instead of replayed:
 * - transfer, per table: each stream is a pipeline of batches through the
 *   stages source AMP read + scan → encode → medium → decode + hash → target
 *   node links → target AMP insert + write; alone, n equal batches take fill +
 *   (n − 1) × its slowest stage, and its batches of different sizes (each source
 *   AMP's full batches, then its rest) go through as a flow shop, group by
 *   group; a hot source AMP's batches send its excess over the mean (hot PI
 *   values) to one target AMP. Shared resources (archive and restore modules, medium
 *   channels, target links, target AMPs) bound the phase by their total work
 *   over their capacity plus one batch's way in and out. The phase is the
 *   larger of the slowest stream and the busiest shared resource.
 * - insert-select: the slowest target AMP (its disk and CPU overlap), or the
 *   busiest node link when a NoPI staging table is redistributed.
 * - verify: the slowest target AMP reading and checksumming its rows.
 * - dictionary, staging, cleanup: one DDL statement per table (per stream for
 *   the staging tables) on the coordinator.
 * Milliseconds throughout; `workMs` (hardware.ts) prices every operation, as
 * in the timeline.
 */
import { AmpsimError, checkOptionNames, showValue } from "../engine/index.js";
import { SECONDARY_INDEX_COUNT_MAX } from "../engine/catalog/table-validation.js";
import { defaultClusters } from "../migrator/index.js";
import { validateClusters } from "../migrator/plan.js";
import type { MediumKind, MigrationReport, StagingLayout } from "../migrator/index.js";
import { checkProfile, workMs, type HardwareProfile } from "./hardware.js";
import type { AmpSpan, CriticalStep, PhaseSpan, ResourceUse, StreamSpan, Timeline } from "./timeline.js";
import type { ResourceKind } from "./workload.js";

export interface AnalyticTable {
  readonly name: string;
  /**
   * Rows on each source AMP, or a total with Teradata's skew factor in percent (100 × (1 − mean / max); the hot AMP is AMP 0).
   * A row count (total or one AMP's) is at most 2^53 − 1, so that rows × bytes per row cannot overflow.
   */
  readonly rowsPerSourceAmp: readonly number[] | { readonly total: number; readonly skew?: number };
  /** Rows on each target AMP afterwards (default: the target mean plus the source's hot-AMP excess on AMP 0). */
  readonly rowsPerTargetAmp?: readonly number[];
  /** Stored bytes per row (disk, interconnect); at most 2^30. */
  readonly bytesPerRow: number;
  /** Bytes per row on the medium (default bytesPerRow); at most 2^30. */
  readonly mediumBytesPerRow?: number;
  /** Rows per archived batch (default 65,536). */
  readonly batchRows?: number;
  /**
   * With NoPI staging, the insert-select moves no row between AMPs (default false): a table
   * without a primary index (its rows stay on the AMP they landed on), or a one-AMP target. It
   * is then priced as with hashed staging (read and appended), not as a redistribution.
   */
  readonly localInsertSelect?: boolean;
  /**
   * The target table's secondary indexes (default none), whose rows the insert-select writes
   * too, one per row and index: a NUSI's on the base row's AMP, a USI's on the AMP its value
   * hashes to (evenly spread), sent there from the base row's AMP. `bytesPerRow`: an index
   * row's stored bytes.
   */
  readonly secondaryIndexes?: readonly { readonly unique: boolean; readonly bytesPerRow: number }[];
}

export interface AnalyticInput {
  /** 1 to 65,535, as an Engine allows. */
  readonly sourceAmps: number;
  /** 1 to 65,535, as an Engine allows. */
  readonly targetAmps: number;
  readonly streams: number;
  /** Source AMPs per stream (default: contiguous groups, as migrate() makes them). */
  readonly clusters?: readonly (readonly number[])[];
  readonly medium: MediumKind;
  readonly staging: StagingLayout;
  readonly tables: readonly AnalyticTable[];
  /** Tables transferred all at once (default: one after another). */
  readonly parallelTables?: boolean;
  /** How many target AMPs one batch's rows reach (default: all of them). */
  readonly fanOut?: number;
  /**
   * How many target AMPs receive rows at any one moment of the transfer
   * (default: all of them). With round-robin hash maps of equal bucket bits,
   * a source AMP's rows reach only targetAmps / gcd(sourceAmps, targetAmps)
   * target AMPs, and streams that read AMPs of the same residue class at the
   * same time fill the same few target AMPs.
   */
  readonly concurrentTargetAmps?: number;
  /** Phases to predict, in order (default: the staged migration's six). */
  readonly phases?: readonly string[];
}

const STAGED_PHASES = ["dictionary", "staging", "transfer", "insert-select", "verify", "cleanup"];
const DEFAULT_BATCH_ROWS = 65_536;
/** An Engine's AMP count limit; the model allocates per AMP. */
const AMPS_MAX = 65_535;
/** Row counts stay exact integers, and rows × bytes per row stays far from overflowing. */
const ROWS_MAX = Number.MAX_SAFE_INTEGER;
/** 1 GiB, far above Teradata's 1 MB row limit. */
const BYTES_PER_ROW_MAX = 2 ** 30;

function bad(message: string, option: string): AmpsimError {
  return new AmpsimError("BAD_CONFIG", `predict: ${message}`, { option });
}

function count(value: unknown, name: string, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw bad(`${name} must be an integer >= 1, but found ${showValue(value)}`, name);
  if (value > max) throw bad(`${name} must be at most ${max}, but found ${showValue(value)}`, name);
  return value;
}

function amount(value: unknown, name: string, min = 0, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) throw bad(`${name} must be a finite number >= ${min}, but found ${showValue(value)}`, name);
  if (value > max) throw bad(`${name} must be at most ${max}, but found ${showValue(value)}`, name);
  return value;
}

/** One table, resolved: rows per AMP on both sides and the per-row sizes. */
interface TableShape {
  readonly name: string;
  readonly source: Float64Array;
  readonly target: Float64Array;
  /** Rows per target AMP in the staging tables: where restore writes them (even for NoPI staging). */
  readonly staged: Float64Array;
  /** The insert-select redistributes the staging rows (NoPI staging, unless localInsertSelect). */
  readonly redistributes: boolean;
  /** The hottest target AMP's and node's share of one restored batch: at least their share of the staging rows, at least 1 / fanOut. */
  readonly batchShareMax: number;
  readonly batchNodeShareMax: number;
  readonly total: number;
  readonly bytesPerRow: number;
  readonly mediumBytesPerRow: number;
  readonly batchRows: number;
  readonly indexes: readonly { readonly unique: boolean; readonly bytesPerRow: number }[];
}

function shapeOf(table: AnalyticTable, input: AnalyticInput, index: number, profile: HardwareProfile, fanOut: number): TableShape {
  const where = `tables[${index}]`;
  if (table === null || typeof table !== "object") throw bad(`${where} must be a table { name, rowsPerSourceAmp, bytesPerRow }, but found ${showValue(table)}`, where);
  checkOptionNames(table, TABLE_KEYS, where);
  if (typeof table.name !== "string" || table.name.length === 0) throw bad(`${where}.name must be a non-empty string, but found ${showValue(table.name)}`, `${where}.name`);
  const bytesPerRow = amount(table.bytesPerRow, `${where}.bytesPerRow`, 0, BYTES_PER_ROW_MAX);
  const source = sourceRows(table.rowsPerSourceAmp, input.sourceAmps, where);
  const total = source.reduce((a, b) => a + b, 0);
  let target: Float64Array;
  if (table.rowsPerTargetAmp !== undefined) {
    if (!Array.isArray(table.rowsPerTargetAmp) || table.rowsPerTargetAmp.length !== input.targetAmps) throw bad(`${where}.rowsPerTargetAmp must hold ${input.targetAmps} numbers, one per target AMP`, `${where}.rowsPerTargetAmp`);
    target = Float64Array.from(table.rowsPerTargetAmp, (v, a) => amount(v, `${where}.rowsPerTargetAmp[${a}]`, 0, ROWS_MAX));
    const moved = target.reduce((a, b) => a + b, 0);
    if (Math.abs(moved - total) > 1e-9 * Math.max(1, total)) throw bad(`${where}.rowsPerTargetAmp sums to ${moved} rows, but the source holds ${total}: a migration keeps every row`, `${where}.rowsPerTargetAmp`);
  } else {
    // Skew comes from hot PI values, which stay together: the hot source AMP's excess over the mean lands on one target AMP.
    const excess = maxOf(source) - total / input.sourceAmps;
    target = new Float64Array(input.targetAmps).fill(input.targetAmps > 1 ? (total - Math.min(total, total / input.targetAmps + excess)) / (input.targetAmps - 1) : total);
    target[0] = Math.min(total, total / input.targetAmps + excess);
  }
  const batchRows = table.batchRows === undefined ? DEFAULT_BATCH_ROWS : amount(table.batchRows, `${where}.batchRows`, 1);
  if (!Number.isInteger(batchRows)) throw bad(`${where}.batchRows must be a whole number of rows, but found ${showValue(table.batchRows)}`, "tables");
  const mediumBytesPerRow = table.mediumBytesPerRow === undefined ? bytesPerRow : amount(table.mediumBytesPerRow, `${where}.mediumBytesPerRow`, 0, BYTES_PER_ROW_MAX);
  const staged = input.staging === "nopi" ? new Float64Array(input.targetAmps).fill(total / input.targetAmps) : target;
  const batchShareMax = Math.max(1 / fanOut, maxOf(staged) / Math.max(total, 1e-300));
  const batchNodeShareMax = Math.min(1, Math.max(batchShareMax, maxOf(perNode(profile, staged)) / Math.max(total, 1e-300)));
  if (table.localInsertSelect !== undefined && typeof table.localInsertSelect !== "boolean") throw bad(`${where}.localInsertSelect must be true or false, but found ${showValue(table.localInsertSelect)}`, `${where}.localInsertSelect`);
  const redistributes = input.staging === "nopi" && table.localInsertSelect !== true;
  return { name: String(table.name), source, target, staged, redistributes, batchShareMax, batchNodeShareMax, total, bytesPerRow, mediumBytesPerRow, batchRows, indexes: indexesOf(table.secondaryIndexes, where) };
}

/** The keys an AnalyticTable may have (a misspelt one would be ignored without a word). */
const TABLE_KEYS: readonly (keyof AnalyticTable)[] = ["name", "rowsPerSourceAmp", "rowsPerTargetAmp", "bytesPerRow", "mediumBytesPerRow", "batchRows", "localInsertSelect", "secondaryIndexes"];

function indexesOf(indexes: AnalyticTable["secondaryIndexes"], where: string): TableShape["indexes"] {
  if (indexes === undefined) return [];
  if (!Array.isArray(indexes)) throw bad(`${where}.secondaryIndexes must be a list of { unique, bytesPerRow }, but found ${showValue(indexes)}`, `${where}.secondaryIndexes`);
  if (indexes.length > SECONDARY_INDEX_COUNT_MAX) throw bad(`${where}.secondaryIndexes lists ${indexes.length} indexes, but a table has at most ${SECONDARY_INDEX_COUNT_MAX}`, `${where}.secondaryIndexes`);
  return indexes.map((index, k) => {
    const at = `${where}.secondaryIndexes[${k}]`;
    if (index === null || typeof index !== "object" || typeof index.unique !== "boolean") throw bad(`${at} must be { unique: true or false, bytesPerRow }, but found ${showValue(index)}`, at);
    checkOptionNames(index, ["unique", "bytesPerRow"], at);
    return { unique: index.unique, bytesPerRow: amount(index.bytesPerRow, `${at}.bytesPerRow`, 0, BYTES_PER_ROW_MAX) };
  });
}

function sourceRows(rows: AnalyticTable["rowsPerSourceAmp"], amps: number, where: string): Float64Array {
  if (Array.isArray(rows)) {
    if (rows.length !== amps) throw bad(`${where}.rowsPerSourceAmp must hold ${amps} numbers, one per source AMP, but holds ${rows.length}`, `${where}.rowsPerSourceAmp`);
    return Float64Array.from(rows, (v, a) => amount(v, `${where}.rowsPerSourceAmp[${a}]`, 0, ROWS_MAX));
  }
  if (rows === null || typeof rows !== "object") throw bad(`${where}.rowsPerSourceAmp must be an array or { total, skew? }, but found ${showValue(rows)}`, `${where}.rowsPerSourceAmp`);
  const { total, skew = 0 } = rows as { total: number; skew?: number };
  amount(total, `${where}.rowsPerSourceAmp.total`, 0, ROWS_MAX);
  if (typeof skew !== "number" || !(skew >= 0 && skew < 100)) throw bad(`${where}.rowsPerSourceAmp.skew must be a skew factor in percent, 0 <= skew < 100, but found ${showValue(skew)}`, `${where}.rowsPerSourceAmp.skew`);
  // Every row on one AMP is as skewed as it gets: a skew factor of 100 × (1 − 1/amps).
  const most = 100 * (1 - 1 / amps);
  if (skew > most + 1e-9) throw bad(`${where}.rowsPerSourceAmp.skew ${skew} is more than ${amps} AMP(s) can be skewed: at most ${Number(most.toFixed(6))} (every row on one AMP)`, `${where}.rowsPerSourceAmp.skew`);
  const mean = total / amps;
  const max = Math.min(total, mean / (1 - skew / 100));
  const out = new Float64Array(amps).fill(amps > 1 ? (total - max) / (amps - 1) : total);
  out[0] = max;
  return out;
}

interface Checked {
  readonly input: AnalyticInput;
  readonly clusters: readonly (readonly number[])[];
  readonly tables: readonly TableShape[];
  readonly phases: readonly string[];
  readonly fanOut: number;
  readonly concurrentTargetAmps: number;
}

function checkInput(input: AnalyticInput, profile: HardwareProfile): Checked {
  if (input === null || typeof input !== "object") throw bad(`expected an AnalyticInput, but found ${showValue(input)}`, "input");
  checkOptionNames(input, ["sourceAmps", "targetAmps", "streams", "clusters", "medium", "staging", "tables", "parallelTables", "fanOut", "concurrentTargetAmps", "phases"], "predict() input");
  count(input.sourceAmps, "sourceAmps", AMPS_MAX); count(input.targetAmps, "targetAmps", AMPS_MAX); count(input.streams, "streams");
  if (!["memory", "pipe", "storage", "network"].includes(input.medium)) throw bad(`medium must be "memory", "pipe", "storage" or "network", but found ${showValue(input.medium)}`, "medium");
  if (input.staging !== "hashed" && input.staging !== "nopi") throw bad(`staging must be "hashed" or "nopi", but found ${showValue(input.staging)}`, "staging");
  if (!Array.isArray(input.tables)) throw bad(`tables must be an array, but found ${showValue(input.tables)}`, "tables");
  if (input.streams > input.sourceAmps) throw bad(`streams (${input.streams}) exceeds the source's ${input.sourceAmps} AMPs`, "streams");
  if (input.parallelTables !== undefined && typeof input.parallelTables !== "boolean") throw bad(`parallelTables must be true or false, but found ${showValue(input.parallelTables)}`, "parallelTables");
  const twice = input.tables.map((t) => t?.name).find((name, i, names) => name !== undefined && names.indexOf(name) !== i);
  if (twice !== undefined) throw bad(`table ${showValue(twice)} is listed twice in tables`, "tables");
  const clusters = input.clusters ?? defaultClusters(input.sourceAmps, input.streams);
  if (clusters.length !== input.streams) throw bad(`streams is ${input.streams} but ${clusters.length} clusters were given`, "clusters");
  if (input.clusters !== undefined) validateClusters(input.clusters, input.sourceAmps); // every source AMP exactly once, as migrate() wants
  const phases = input.phases ?? STAGED_PHASES;
  const unknownPhase = Array.isArray(phases) ? phases.find((p) => !STAGED_PHASES.includes(p)) : phases;
  if (unknownPhase !== undefined) throw bad(`phases must list phases of ${STAGED_PHASES.join(", ")}, but found ${showValue(unknownPhase)}`, "phases");
  const repeated = phases.find((p, i) => phases.indexOf(p) !== i);
  if (repeated !== undefined) throw bad(`phases lists ${repeated} twice`, "phases");
  const fanOut = input.fanOut === undefined ? input.targetAmps : Math.min(input.targetAmps, amount(input.fanOut, "fanOut", 1));
  const concurrentTargetAmps = input.concurrentTargetAmps === undefined ? input.targetAmps : Math.min(input.targetAmps, amount(input.concurrentTargetAmps, "concurrentTargetAmps", 1));
  return { input, clusters, tables: input.tables.map((t, i) => shapeOf(t, input, i, profile, fanOut)), phases, fanOut, concurrentTargetAmps };
}

/** Accumulates per-resource work and per-AMP busy time for the result. */
class Ledger {
  readonly resources = new Map<string, { kind: ResourceKind; capacity: number; busyMs: number }>();
  readonly disk: Record<"source" | "target", Float64Array>;
  readonly cpu: Record<"source" | "target", Float64Array>;
  readonly span: Record<"source" | "target", Float64Array[]>;

  constructor(sourceAmps: number, targetAmps: number) {
    this.disk = { source: new Float64Array(sourceAmps), target: new Float64Array(targetAmps) };
    this.cpu = { source: new Float64Array(sourceAmps), target: new Float64Array(targetAmps) };
    const spans = (n: number) => [new Float64Array(n).fill(Infinity), new Float64Array(n).fill(-Infinity)];
    this.span = { source: spans(sourceAmps), target: spans(targetAmps) };
  }

  add(resource: string, kind: ResourceKind, capacity: number, busyMs: number): void {
    const entry = this.resources.get(resource);
    if (entry) entry.busyMs += busyMs; else this.resources.set(resource, { kind, capacity, busyMs });
  }

  amp(system: "source" | "target", amp: number, diskMs: number, cpuMs: number, startMs: number, endMs: number): void {
    this.disk[system][amp] += diskMs; this.cpu[system][amp] += cpuMs;
    if (diskMs + cpuMs <= 0) return;
    this.span[system][0][amp] = Math.min(this.span[system][0][amp], startMs);
    this.span[system][1][amp] = Math.max(this.span[system][1][amp], endMs);
  }
}

/** Work that queues on the shared cores when the profile sets sharedCores: every AMP's disk and CPU, and the archive and restore modules. */
function sharedWorkMs(ledger: Ledger): number {
  let ms = 0;
  for (const side of ["source", "target"] as const) {
    for (const v of ledger.disk[side]) ms += v;
    for (const v of ledger.cpu[side]) ms += v;
  }
  for (const r of ledger.resources.values()) if (r.kind === "archive-slot" || r.kind === "restore-slot") ms += r.busyMs;
  return ms;
}

interface PhaseResult {
  readonly ms: number;
  readonly bottleneck: string;
}

/**
 * Predicts the phases of a staged migration from sizes alone. The result has
 * the timeline's shape (no per-task times; the critical path names each
 * phase's bottleneck).
 *
 * @example
 * const t = predict({
 *   sourceAmps: 1_000, targetAmps: 1_500, streams: 16, medium: "pipe", staging: "hashed",
 *   tables: [{ name: "big.sales", rowsPerSourceAmp: { total: 1e10 }, bytesPerRow: 120 }],
 * }, HARDWARE.modern);
 * t.phases.find((p) => p.phase === "transfer");
 */
export function predict(input: AnalyticInput, profile: HardwareProfile): Timeline {
  checkProfile(profile);
  const checked = checkInput(input, profile);
  const ledger = new Ledger(input.sourceAmps, input.targetAmps);
  const phases: PhaseSpan[] = []; const critical: CriticalStep[] = []; const streams: StreamSpan[] = [];
  let clock = 0;
  for (const phase of checked.phases) {
    const before = profile.sharedCores ? sharedWorkMs(ledger) : 0;
    let result = predictPhase(checked, profile, phase, clock, ledger, streams);
    if (profile.sharedCores) {
      // One pool of cores runs every AMP's disk and CPU work and the modules': the phase lasts at least their sum over the cores.
      const work = sharedWorkMs(ledger) - before;
      const onCores = work / profile.sharedCores;
      ledger.add("host:cores", "host", profile.sharedCores, work);
      if (onCores > result.ms) result = { ms: onCores, bottleneck: "host:cores" };
    }
    phases.push({ phase, startMs: clock, endMs: clock + result.ms });
    critical.push({ task: -1, id: `${phase}: ${result.bottleneck}`, phase, resource: result.bottleneck, startMs: clock, endMs: clock + result.ms, waited: "phase" });
    clock += result.ms;
  }
  return { kind: "timeline", profile: profile.name, totalMs: clock, phases, streams, amps: ampSpans(ledger), utilization: uses(ledger, clock), criticalPath: critical };
}

function predictPhase(c: Checked, profile: HardwareProfile, phase: string, startMs: number, ledger: Ledger, streams: StreamSpan[]): PhaseResult {
  const statements = (n: number): PhaseResult => {
    const ms = n * profile.statementLatencyMs;
    ledger.add("target:coordinator", "coordinator", 1, ms);
    return { ms, bottleneck: "target:coordinator" };
  };
  switch (phase) {
    case "dictionary": return statements(c.tables.length);
    case "staging": case "cleanup": return statements(c.tables.length * c.input.streams);
    case "transfer": return transfer(c, profile, startMs, ledger, streams);
    case "insert-select": return sequentially(c.tables.map((t) => insertSelect(c, t, profile, startMs, ledger)));
    case "verify": return sequentially(c.tables.map((t) => verify(c, t, profile, startMs, ledger)));
    default: return { ms: 0, bottleneck: "none" };
  }
}

function sequentially(results: PhaseResult[]): PhaseResult {
  let ms = 0; let slowest: PhaseResult = { ms: 0, bottleneck: "none" };
  for (const r of results) { ms += r.ms; if (r.ms > slowest.ms) slowest = r; }
  return { ms, bottleneck: slowest.bottleneck };
}

function slowestOf(candidates: readonly PhaseResult[]): PhaseResult {
  let best: PhaseResult = { ms: 0, bottleneck: "none" };
  for (const r of candidates) if (r.ms > best.ms) best = r;
  return best;
}

function nodeOf(profile: HardwareProfile, amp: number): number {
  return Math.floor(amp / profile.ampsPerNode);
}

function maxOf(values: Float64Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  return max;
}

/** Sum of `values` per node (AMP a on node floor(a / ampsPerNode)). */
function perNode(profile: HardwareProfile, values: Float64Array): Float64Array {
  const out = new Float64Array(Math.ceil(values.length / profile.ampsPerNode));
  for (let a = 0; a < values.length; a++) out[nodeOf(profile, a)] += values[a];
  return out;
}

function insertSelect(c: Checked, t: TableShape, profile: HardwareProfile, startMs: number, ledger: Ledger): PhaseResult {
  const amps = c.input.targetAmps;
  const nopi = t.redistributes;
  const even = t.total / amps;
  const usiBytes = t.indexes.reduce((sum, i) => sum + (i.unique ? i.bytesPerRow : 0), 0);
  const nusiBytes = t.indexes.reduce((sum, i) => sum + (i.unique ? 0 : i.bytesPerRow), 0);
  const usis = t.indexes.filter((i) => i.unique).length;
  let slowest: PhaseResult = { ms: 0, bottleneck: "none" };
  for (let a = 0; a < amps; a++) {
    const readRows = nopi ? even : t.target[a];
    // Index rows: a NUSI's with the base row, a USI's wherever its value hashes (evenly).
    const indexRows = (t.indexes.length - usis) * t.target[a] + usis * even;
    const indexBytes = nusiBytes * t.target[a] + usiBytes * even;
    const diskMs = workMs(profile, "disk", "read", { bytes: readRows * t.bytesPerRow }) + workMs(profile, "disk", "write", { bytes: t.target[a] * t.bytesPerRow + indexBytes });
    // Hashed staging (or an insert-select that moves no row): rows stay on their AMP, read and appended; NoPI staging: read, hashed, sent, inserted.
    // A USI's rows go where their value hashes: each row read is hashed for them (a redistribution hashes it anyway).
    const cpuMs = (nopi ? workMs(profile, "cpu", "scan", { rows: readRows }) + workMs(profile, "cpu", "hash", { rows: readRows }) + workMs(profile, "cpu", "insert", { rows: t.target[a] })
      : workMs(profile, "cpu", "append", { rows: t.target[a] }) + (usis > 0 ? workMs(profile, "cpu", "hash", { rows: readRows }) : 0))
      + (indexRows > 0 ? workMs(profile, "cpu", "insert", { rows: indexRows }) : 0);
    const ms = Math.max(diskMs, cpuMs);
    ledger.amp("target", a, diskMs, cpuMs, startMs, startMs + ms);
    if (ms > slowest.ms) slowest = { ms, bottleneck: `target:amp${a}:${diskMs >= cpuMs ? "disk" : "cpu"}` };
  }
  if (!nopi && usiBytes === 0) return slowest;
  // NoPI staging: every AMP holds an even share and sends what belongs to other nodes' AMPs. A USI's
  // rows leave their base rows' node for AMPs spread evenly over all nodes.
  const nodeShare = perNode(profile, t.target).map((rows) => rows / Math.max(t.total, 1e-300));
  const nodeAmps = perNode(profile, new Float64Array(amps).fill(1));
  const links = Array.from(nodeShare, (share, k) => {
    const bytes = (nopi ? nodeAmps[k] * even * t.bytesPerRow * (1 - share) : 0) + share * t.total * usiBytes * (1 - nodeAmps[k] / amps);
    const ms = bytes > 0 ? workMs(profile, "interconnect", "send", { bytes }) + (c.input.streams - 1) * profile.interconnect.latencyUs / 1_000 : 0;
    ledger.add(`target:node${k}:link`, "interconnect", 1, ms);
    return { ms, bottleneck: `target:node${k}:link` };
  });
  return slowestOf([slowest, ...links]);
}

function verify(c: Checked, t: TableShape, profile: HardwareProfile, startMs: number, ledger: Ledger): PhaseResult {
  let slowest: PhaseResult = { ms: 0, bottleneck: "none" };
  for (let a = 0; a < c.input.targetAmps; a++) {
    const diskMs = workMs(profile, "disk", "read", { bytes: t.target[a] * t.bytesPerRow });
    const cpuMs = workMs(profile, "cpu", "scan", { rows: t.target[a] });
    const ms = Math.max(diskMs, cpuMs);
    ledger.amp("target", a, diskMs, cpuMs, startMs, startMs + ms);
    if (ms > slowest.ms) slowest = { ms, bottleneck: `target:amp${a}:${diskMs >= cpuMs ? "disk" : "cpu"}` };
  }
  return slowest;
}

// ---------------------------------------------------------------------------
// Transfer: pipelines per stream, slowed by the streams they share resources
// with, and bounded by the shared resources' total work
// ---------------------------------------------------------------------------

/** One stage of the per-batch pipeline: its time for a batch of x rows, how many batches queue for it at once, and its shared resource. */
interface StageCost {
  /** `share`: of the batch's rows, the most that go to one target AMP (default the table's batchShareMax). */
  readonly ms: (rows: number, share?: number) => number;
  /** ≥ 1: how much longer a batch takes here because the other streams' batches use the same resource. */
  readonly contention: number;
  /**
   * A batch's time here with the other streams' batches queued beside it, when that is not ms × contention:
   * a hot batch's excess goes to one target AMP, but the other streams send that AMP only their usual share.
   */
  readonly contended?: (rows: number, share: number) => number;
  readonly shared: { readonly resource: string; readonly kind: ResourceKind; readonly capacity: number } | null;
}

function stages(c: Checked, t: TableShape, profile: HardwareProfile, streams: number): { archive: StageCost[]; restore: StageCost[] } {
  const medium = c.input.medium;
  const channels = profile.media[medium].channels;
  const shareMax = t.batchShareMax; const nodeShareMax = t.batchNodeShareMax;
  const queued = (capacity: number) => Math.max(1, streams / capacity);
  const mediumStage = (op: "send" | "write" | "read"): StageCost => ({
    ms: (x) => workMs(profile, "medium", op, { bytes: x * t.mediumBytesPerRow }, medium),
    contention: queued(channels), shared: { resource: `medium:${medium}`, kind: "medium", capacity: channels },
  });
  const sourceAmp: StageCost = {
    contention: 1, shared: null,
    ms: (x) => Math.max(workMs(profile, "disk", "read", { bytes: x * t.bytesPerRow }), workMs(profile, "cpu", "scan", { rows: x })),
  };
  const encode: StageCost = {
    ms: (x) => workMs(profile, "archive-slot", "encode", { rows: x }),
    contention: queued(profile.archiveSlots), shared: { resource: "source:archive-slots", kind: "archive-slot", capacity: profile.archiveSlots },
  };
  const decode: StageCost = {
    ms: (x) => workMs(profile, "restore-slot", "decode", { rows: x }) + workMs(profile, "restore-slot", "hash", { rows: x }),
    contention: queued(profile.restoreSlots), shared: { resource: "target:restore-slots", kind: "restore-slot", capacity: profile.restoreSlots },
  };
  const linkMs = (x: number, share = shareMax) => workMs(profile, "interconnect", "send", { bytes: x * t.bytesPerRow * Math.max(nodeShareMax, share) });
  const linkContention = Math.max(1, streams * nodeShareMax);
  const link: StageCost = { ms: linkMs, contention: linkContention, shared: null, contended: (x, share) => linkMs(x, share) + (linkContention - 1) * linkMs(x) };
  const storeMs = (x: number, share = shareMax) => Math.max(workMs(profile, "cpu", "insert", { rows: x * share }), workMs(profile, "disk", "write", { bytes: x * share * t.bytesPerRow }));
  // Streams whose batches land on the same few target AMPs at once queue there.
  const storeContention = Math.max(1, (streams * c.fanOut) / c.concurrentTargetAmps);
  const store: StageCost = { ms: storeMs, contention: storeContention, shared: null, contended: (x, share) => storeMs(x, share) + (storeContention - 1) * storeMs(x) };
  if (medium === "storage") return { archive: [sourceAmp, encode, mediumStage("write")], restore: [mediumStage("read"), decode, link, store] };
  return { archive: [], restore: [sourceAmp, encode, mediumStage("send"), decode, link, store] };
}

/** `count` batches of `rows` rows each, one after another; `share` of each goes to its busiest target AMP. */
interface BatchGroup { readonly count: number; readonly rows: number; readonly share: number }

/**
 * The pipeline's makespan for batches in `groups` order (a flow shop): after each group, the time
 * every stage finishes its last batch. For n equal batches entering at stage k, stage j ends at
 * max over k ≤ j of (end of stage k before + Σ stage times k..j + (n − 1) × the slowest of them,
 * slowed by contention) — the longest path through the grid. One group is fill + (n − 1) × the
 * slowest stage; unequal batches (a hot AMP's full ones, then the small rests of the others) cost
 * what their sizes do, not what their mean does. O(groups × stages²).
 */
function pipelineMs(list: readonly StageCost[], groups: readonly BatchGroup[]): number {
  if (list.length === 0) return 0;
  let done = new Float64Array(list.length);
  let any = false;
  for (const { count, rows, share } of groups) {
    if (count <= 0) continue;
    any = true;
    const p = list.map((stage) => stage.ms(rows, share));
    const next = new Float64Array(list.length);
    for (let j = 0; j < list.length; j++) {
      let best = 0; let sum = 0; let slowest = 0;
      for (let k = j; k >= 0; k--) {
        const stage = list[k];
        sum += p[k]; slowest = Math.max(slowest, stage.contended ? stage.contended(rows, share) : p[k] * stage.contention);
        best = Math.max(best, done[k] + sum + (count - 1) * slowest);
      }
      next[j] = best;
    }
    done = next;
  }
  return any ? done[list.length - 1] : 0;
}

/**
 * A stream's batches in the order its archive module reads them: per source AMP of its cluster, the
 * full batches, then the rest. A hot source AMP's excess over the mean is hot PI values, which land
 * together on one target AMP: its batches send that part of their rows there (at least).
 */
function batchGroups(t: TableShape, cluster: readonly number[], sourceAmps: number, fanOut: number, hashed: boolean): BatchGroup[] {
  const groups: BatchGroup[] = [];
  const mean = t.total / sourceAmps;
  for (const amp of cluster) {
    const rows = t.source[amp];
    const excess = Math.max(0, rows - mean);
    const share = hashed && rows > 0 ? Math.max(t.batchShareMax, (excess + (rows - excess) / fanOut) / rows) : t.batchShareMax;
    const full = Math.floor(rows / t.batchRows + 1e-9);
    const rest = rows - full * t.batchRows;
    if (full > 0) groups.push({ count: full, rows: t.batchRows, share });
    if (rest > 1e-9) groups.push({ count: 1, rows: rest, share });
  }
  return groups;
}

interface StreamLoad { readonly table: TableShape; readonly stream: number; readonly rows: number; readonly batches: number; readonly groups: readonly BatchGroup[]; ms: number }

/**
 * Every stream of `group` alone through its pipeline, slowed by the streams
 * that run beside it: a stream of r rows shares the resources with
 * Σ min(r', r) / r streams on average (shorter streams end before it does).
 */
function streamLoads(c: Checked, group: readonly TableShape[], profile: HardwareProfile): StreamLoad[] {
  const loads: StreamLoad[] = group.flatMap((t) => c.clusters.map((cluster, stream) => {
    let rows = 0; let batches = 0;
    for (const amp of cluster) { rows += t.source[amp]; batches += Math.ceil(t.source[amp] / t.batchRows - 1e-9); }
    return { table: t, stream, rows, batches, groups: batchGroups(t, cluster, c.input.sourceAmps, c.fanOut, c.input.staging === "hashed"), ms: 0 };
  }));
  const sorted = loads.map((l) => l.rows).sort((a, b) => a - b);
  const prefix = new Float64Array(sorted.length + 1);
  sorted.forEach((r, i) => { prefix[i + 1] = prefix[i] + r; });
  for (const load of loads) {
    if (load.rows <= 0) continue;
    let shorter = 0; let high = sorted.length;
    while (shorter < high) { const mid = (shorter + high) >> 1; if (sorted[mid] < load.rows) shorter = mid + 1; else high = mid; }
    const alongside = (prefix[shorter] + load.rows * (sorted.length - shorter)) / load.rows;
    const { archive, restore } = stages(c, load.table, profile, alongside);
    load.ms = pipelineMs(archive, load.groups) + pipelineMs(restore, load.groups);
  }
  return loads;
}

type Charge = (resource: string, kind: ResourceKind, capacity: number, ms: number, around: number) => void;

/**
 * Lower bounds from shared resources: total work / capacity, plus one batch's
 * way to the resource and from it; the target AMPs also as a group, when only
 * `concurrentTargetAmps` of them receive rows at a time.
 */
function sharedBounds(c: Checked, loads: readonly StreamLoad[], streams: number, profile: HardwareProfile, ledger: Ledger): PhaseResult[] {
  const work = new Map<string, { ms: number; capacity: number; kind: ResourceKind; around: number }>();
  const charge: Charge = (resource, kind, capacity, ms, around) => {
    const entry = work.get(resource) ?? { ms: 0, capacity, kind, around: 0 };
    entry.ms += ms; entry.around = Math.max(entry.around, around);
    work.set(resource, entry);
  };
  const perTable = new Map<TableShape, { rows: number; batches: number; head: number }>();
  for (const load of loads) {
    if (load.batches === 0) continue;
    const { archive, restore } = stages(c, load.table, profile, streams);
    const all = [...archive, ...restore];
    const x = load.rows / load.batches;
    const times = all.map((s) => s.ms(x));
    const fill = times.reduce((a, b) => a + b, 0);
    all.forEach((stage, i) => { if (stage.shared) charge(stage.shared.resource, stage.shared.kind, stage.shared.capacity, load.batches * times[i], fill - times[i]); });
    // The first batch's way to the target AMPs (the store stage is last, the links just before it).
    const sum = perTable.get(load.table) ?? { rows: 0, batches: 0, head: 0 };
    perTable.set(load.table, { rows: sum.rows + load.rows, batches: sum.batches + load.batches, head: Math.max(sum.head, fill - times[times.length - 1]) });
  }
  let targetMs = 0; let targetAround = 0;
  for (const [table, sum] of perTable) {
    targetMs += chargeTarget(c, table, sum, profile, charge);
    targetAround = Math.max(targetAround, sum.head);
  }
  const bounds: PhaseResult[] = [{ ms: targetMs / c.concurrentTargetAmps + targetAround, bottleneck: `target AMPs (${formatCount(c.concurrentTargetAmps)} at a time)` }];
  for (const [resource, { ms, capacity, kind, around }] of work) {
    ledger.add(resource, kind, capacity, ms);
    bounds.push({ ms: ms / capacity + around, bottleneck: resource });
  }
  return bounds;
}

function formatCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Charges every target AMP's insert and write and every target link's bytes for `load` rows of table t; returns the target AMP work. */
function chargeTarget(c: Checked, t: TableShape, load: { rows: number; batches: number; head: number }, profile: HardwareProfile, charge: Charge): number {
  const { head } = load;
  const scale = load.rows / Math.max(t.total, 1e-300);
  const nodes = perNode(profile, t.staged);
  for (let k = 0; k < nodes.length; k++) {
    const bytes = nodes[k] * scale * t.bytesPerRow;
    if (bytes > 0) charge(`target:node${k}:link`, "interconnect", 1, workMs(profile, "interconnect", "send", { bytes }) + (load.batches - 1) * profile.interconnect.latencyUs / 1_000, head);
  }
  let total = 0;
  for (let a = 0; a < c.input.targetAmps; a++) {
    const rows = t.staged[a] * scale;
    const cpuMs = workMs(profile, "cpu", "insert", { rows }); const diskMs = workMs(profile, "disk", "write", { bytes: rows * t.bytesPerRow });
    charge(`target:amp${a}:cpu`, "cpu", 1, cpuMs, head);
    charge(`target:amp${a}:disk`, "disk", 1, diskMs, head);
    total += Math.max(cpuMs, diskMs);
  }
  return total;
}

function transfer(c: Checked, profile: HardwareProfile, startMs: number, ledger: Ledger, spans: StreamSpan[]): PhaseResult {
  const groups = c.input.parallelTables ? [c.tables] : c.tables.map((t) => [t]);
  let clock = startMs; let slowest: PhaseResult = { ms: 0, bottleneck: "none" };
  for (const group of groups) {
    const streams = group.length * c.input.streams;
    const loads = streamLoads(c, group, profile);
    const slowestStream = loads.reduce<StreamLoad | null>((best, l) => (best === null || l.ms > best.ms ? l : best), null);
    const bounds = sharedBounds(c, loads, streams, profile, ledger);
    const result = slowestOf([{ ms: slowestStream?.ms ?? 0, bottleneck: slowestStream ? `stream ${slowestStream.stream} of ${slowestStream.table.name}` : "none" }, ...bounds]);
    for (const l of loads) {
      spans.push({ table: l.table.name, stream: l.stream, startMs: clock, endMs: clock + Math.min(l.ms, result.ms) });
      chargeSource(c, l, profile, ledger, clock, clock + Math.min(l.ms, result.ms));
    }
    for (const t of group) chargeStaging(c, t, profile, ledger, clock, clock + result.ms);
    if (result.ms > slowest.ms) slowest = result;
    clock += result.ms;
  }
  spans.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : a.stream - b.stream));
  return { ms: clock - startMs, bottleneck: slowest.bottleneck };
}

function chargeSource(c: Checked, l: StreamLoad, profile: HardwareProfile, ledger: Ledger, startMs: number, endMs: number): void {
  const t = l.table;
  for (const amp of c.clusters[l.stream]) {
    ledger.amp("source", amp, workMs(profile, "disk", "read", { bytes: t.source[amp] * t.bytesPerRow }), workMs(profile, "cpu", "scan", { rows: t.source[amp] }), startMs, endMs);
  }
}

/** The target AMPs' share of a transfer: the staging rows they insert and write. */
function chargeStaging(c: Checked, t: TableShape, profile: HardwareProfile, ledger: Ledger, startMs: number, endMs: number): void {
  for (let a = 0; a < c.input.targetAmps; a++) {
    const rows = t.staged[a];
    ledger.amp("target", a, workMs(profile, "disk", "write", { bytes: rows * t.bytesPerRow }), workMs(profile, "cpu", "insert", { rows }), startMs, endMs);
  }
}

function ampSpans(ledger: Ledger): AmpSpan[] {
  const out: AmpSpan[] = [];
  for (const system of ["source", "target"] as const) {
    const [from, to] = ledger.span[system];
    for (let amp = 0; amp < from.length; amp++) {
      const diskBusyMs = ledger.disk[system][amp]; const cpuBusyMs = ledger.cpu[system][amp];
      const used = Number.isFinite(from[amp]);
      out.push({ system, amp, busyMs: Math.max(diskBusyMs, cpuBusyMs), diskBusyMs, cpuBusyMs, startMs: used ? from[amp] : 0, endMs: used ? to[amp] : 0 });
    }
  }
  return out;
}

function uses(ledger: Ledger, totalMs: number): ResourceUse[] {
  const out: ResourceUse[] = [];
  for (const [resource, { kind, capacity, busyMs: charged }] of ledger.resources) {
    // An AMP's disk or CPU is charged as a resource only in the transfer; its per-AMP total has every phase.
    const amp = /^(source|target):amp(\d+):(disk|cpu)$/.exec(resource);
    const busyMs = amp ? Math.max(charged, ledger[amp[3] as "disk" | "cpu"][amp[1] as "source" | "target"][Number(amp[2])]) : charged;
    out.push({ resource, kind, capacity, busyMs, utilization: totalMs > 0 ? busyMs / (capacity * totalMs) : 0 });
  }
  for (const system of ["source", "target"] as const) {
    ledger.disk[system].forEach((busyMs, amp) => { if (busyMs > 0 && !ledger.resources.has(`${system}:amp${amp}:disk`)) out.push({ resource: `${system}:amp${amp}:disk`, kind: "disk", capacity: 1, busyMs, utilization: totalMs > 0 ? busyMs / totalMs : 0 }); });
    ledger.cpu[system].forEach((busyMs, amp) => { if (busyMs > 0 && !ledger.resources.has(`${system}:amp${amp}:cpu`)) out.push({ resource: `${system}:amp${amp}:cpu`, kind: "cpu", capacity: 1, busyMs, utilization: totalMs > 0 ? busyMs / totalMs : 0 }); });
  }
  return out;
}

/**
 * The analytic input that describes a real migration run (its systems,
 * streams, clusters, medium, and per table the rows per AMP on both sides and
 * the bytes per row stored and sent), so that `predict` and `simulateReport`
 * can be compared on the same run.
 *
 * @example
 * const report = await migrate({ source, target, streams: 2 });
 * predict(analyticInputFromReport(report), HARDWARE.modern).phases;
 */
export function analyticInputFromReport(report: MigrationReport): AnalyticInput {
  if (report === null || typeof report !== "object" || report.kind !== "migration-report") throw bad(`expected a migration report, but found ${showValue(report)}`, "report");
  const first = report.streamReports.filter((s) => s.table === report.streamReports[0]?.table).sort((a, b) => a.stream - b.stream);
  const sourceAmps = report.source?.amps ?? Math.max(0, ...report.streamReports.flatMap((s) => s.cluster)) + 1;
  const tables = report.tables.map((t): AnalyticTable => {
    const own = report.streamReports.filter((s) => s.table === t.table);
    const rows = own.reduce((s, r) => s + r.rows, 0);
    const batches = own.reduce((s, r) => s + r.batches, 0);
    const written = sumWork(report.trace.target.filter((s) => s.labels.phase === "restore" && (s.labels.table ?? s.table) === t.table));
    const read = sumWork(report.trace.source.filter((s) => s.labels.phase === "archive" && (s.labels.table ?? s.table) === t.table));
    const bytesPerRow = written.rows > 0 ? written.bytes / written.rows : read.rows > 0 ? read.bytes / read.rows : rows > 0 ? own.reduce((s, r) => s + r.bytes, 0) / rows : 0;
    return {
      name: t.table, rowsPerSourceAmp: [...t.sourceAmpRows], rowsPerTargetAmp: t.targetAmpRows.map((r, a) => Math.max(0, r - (t.rowsBefore > 0 ? (t.rowsBefore * r) / Math.max(1, t.rows + t.rowsBefore) : 0))),
      bytesPerRow, mediumBytesPerRow: rows > 0 ? own.reduce((s, r) => s + r.mediumBytes, 0) / rows : bytesPerRow,
      batchRows: report.batchRows > 0 ? report.batchRows : batches > 0 ? Math.max(1, Math.round(rows / batches)) : DEFAULT_BATCH_ROWS,
      ...(report.staging === "nopi" && movesNoRow(report, t.table) ? { localInsertSelect: true } : {}),
      ...(t.secondaryIndexes !== undefined && t.secondaryIndexes.length > 0 ? { secondaryIndexes: t.secondaryIndexes.map((i) => ({ unique: i.unique, bytesPerRow: i.bytesPerRow })) } : {}),
    };
  });
  return {
    sourceAmps, targetAmps: report.target.amps, streams: report.streams, clusters: first.length === report.streams ? first.map((s) => [...s.cluster]) : undefined,
    medium: report.medium as MediumKind, staging: report.staging, tables, ...targetSpread(report), phases: report.phases.map((p) => p.phase),
    ...(report.parallelTables === true ? { parallelTables: true } : {}),
  };
}

/** True when the table's insert-select moved no row between AMPs (as the replay sees it: no transfers but a USI's index rows). */
function movesNoRow(report: MigrationReport, table: string): boolean {
  const steps = report.trace.target.filter((s) => s.step === "insert-select" && s.labels.phase === "insert-select" && (s.labels.table ?? s.table) === table);
  return steps.length > 0 && steps.every((s) => s.transfers.every((t) => t.index === true));
}

function sumWork(steps: MigrationReport["trace"]["target"]): { rows: number; bytes: number } {
  let rows = 0; let bytes = 0;
  for (const step of steps) for (const w of step.amps) { rows += w.rowsRead + w.rowsWritten; bytes += w.bytesRead + w.bytesWritten; }
  return { rows, bytes };
}

/**
 * How widely the restore batches spread: fanOut, the mean number of target
 * AMPs one batch reached; concurrentTargetAmps, per position in the clusters
 * (the streams' first AMPs, their second AMPs, …, which are read at about the
 * same time) the number of target AMPs all streams' batches reached, averaged
 * over rows.
 */
function targetSpread(report: MigrationReport): { fanOut?: number; concurrentTargetAmps?: number } {
  const streams = new Map<string, { table: string; reads: number[]; batches: MigrationReport["trace"]["target"][number][] }>();
  const entry = (table: string, stream: number) => {
    const key = `${table}\u0000${stream}`;
    if (!streams.has(key)) streams.set(key, { table, reads: [], batches: [] });
    return streams.get(key)!;
  };
  for (const step of report.trace.source) if (step.labels.phase === "archive") entry(String(step.labels.table ?? step.table), Number(step.labels.stream ?? 0)).reads.push(step.rows);
  for (const step of report.trace.target) if (step.labels.phase === "restore") entry(String(step.labels.table ?? step.table), Number(step.labels.stream ?? 0)).batches.push(step);
  const positions = new Map<string, { amps: Set<number>; rows: number }>();
  let batches = 0; let reached = 0;
  for (const { table, reads, batches: list } of streams.values()) {
    const restoreRows = list.reduce((sum, b) => sum + b.rows, 0);
    const scale = restoreRows > 0 ? reads.reduce((a, b) => a + b, 0) / restoreRows : 0;
    let cursor = 0; let j = 0; let readEnd = reads[0] ?? 0;
    for (const batch of list) {
      const middle = (cursor + batch.rows / 2) * scale;
      cursor += batch.rows;
      while (j < reads.length - 1 && middle > readEnd) readEnd += reads[++j];
      const key = `${table}\u0000${j}`;
      const position = positions.get(key) ?? { amps: new Set<number>(), rows: 0 };
      positions.set(key, position);
      const amps = batch.amps.filter((w) => w.rowsWritten > 0);
      for (const w of amps) position.amps.add(w.amp);
      position.rows += batch.rows; batches++; reached += amps.length;
    }
  }
  let rows = 0; let weighted = 0;
  for (const p of positions.values()) { rows += p.rows; weighted += p.rows * p.amps.size; }
  return { fanOut: batches > 0 ? Math.max(1, reached / batches) : undefined, concurrentTargetAmps: rows > 0 ? Math.max(1, weighted / rows) : undefined };
}
