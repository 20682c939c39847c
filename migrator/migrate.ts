/**
 * The staged parallel migration of tables from a source system to a target
 * system configured differently (AMP count, hash map, bucket bits):
 *
 *   plan → copy definitions (DDL text sent to target.sql) → create staging tables
 *   → S archive/restore pairs per table over the transfer medium → one atomic
 *   insert-select of all staging tables into each target table → verify
 *   (row counts, checksums per bucket, placement) → drop staging tables.
 *
 * Faults it must survive: any failure before a table's insert-select commits
 * leaves that target table as it was (or absent, when this run created it); the
 * staging tables are dropped on failure too unless keepStaging; the source is
 * only ever read.
 */
import { AmpsimError, errorText, quoteIdentifierIfNeeded, type Engine, type TraceStep } from "../engine/index.js";
import { ArchiveModule, type ArchiveOptions, type ArchiveResult } from "./archive-module.js";
import { addFingerprints, addRows, checksumsFromJson, checksumsToJson, emptyChecksums, fingerprintChecksum, fingerprintOf, fingerprintToJson, fold, merge, mismatchedBuckets, tableChecksum, VERIFY_BITS_MAX, type BucketChecksums } from "./checksum.js";
import { withLabels } from "./labels.js";
import { copyDefinition, placedOn, readChecksumsOn, readFingerprintOn, skewFactorOf } from "./verify.js";
import { createMedium, StorageMedium } from "./media/index.js";
import type { FrameSink, StreamId, TransferMedium } from "./media/transfer-medium.js";
import type { TableInfo } from "./media/storage-medium.js";
import type { MigrationReport, PhaseReport, StreamReport, SystemSummary, TableReport, TargetAmpReport } from "./migration-report.js";
import { bytesDoneOf, planMigration, type MigrateOptions, type MigrationPlan, type PhaseName, type ProgressEvent, type TablePlan } from "./plan.js";
import { BufferPool } from "./buffer-pool.js";
import { RestoreModule } from "./restore-module.js";
import { Checkpoint, checkpointToken, newCheckpointToken, planFingerprint, runActed, type StreamCheckpoint } from "./checkpoint.js";
import { InjectedCrash, type FaultHooks } from "./faults.js";
import { createStagingTable, definitionFromDdl, isRunTable, nextRunId, reservationHolder, reservationOf, STAGING_DATABASE, stagingName } from "./staging.js";

/**
 * Migrates tables from `source` to `target` and returns the report.
 *
 * @example
 * const report = await migrate({ source, target, tables: ["main.orders"], streams: 3, medium: "pipe" });
 * report.tables[0].verified; // true
 */
export async function migrate(options: MigrateOptions): Promise<MigrationReport> {
  const resuming = options?.resume === true && typeof options.checkpointDir === "string";
  if (!resuming && typeof options?.checkpointDir === "string") Checkpoint.refuseExisting(options.checkpointDir);
  const plan = planMigration(options, resuming ? Checkpoint.createdTables(options.checkpointDir!) : new Set());
  const source = liveSource(options.source);
  // A resumed run rewrites the intermediate storage its interrupted run left behind.
  const spec = resuming && typeof plan.medium === "object" && plan.medium.kind === "storage" ? { ...plan.medium, overwrite: true } : plan.medium;
  // A resume checks its checkpoint (the archive directory included) before the medium rewrites anything.
  let checkpoint: Checkpoint | null = resuming ? openCheckpoint(plan, source, options.target, true) : null;
  const medium = createMedium(spec);
  try {
    if (!resuming && plan.checkpointDir !== null) checkpoint = openCheckpoint(plan, source, options.target, false);
  } catch (error) {
    await closeMedium(medium, false);
    throw error;
  }
  const run = new MigrationRun(source, options.target, plan, options.onProgress, { checkpoint, resuming, faults: options.faults });
  return run.execute(medium);
}

/** The run's checkpoint: loaded (and checked against the plan) when resuming, else a new one. */
function openCheckpoint(plan: MigrationPlan, source: SourceSide, target: Engine, resuming: boolean): Checkpoint {
  const systems = { source: source.summary, target: { name: target.name, amps: target.amps, hashBits: target.hashBits } };
  const fingerprint = planFingerprint(plan, systems, plan.tables.map((t) => source.ampRows(t)));
  if (resuming) {
    const checkpoint = Checkpoint.load(plan.checkpointDir!, fingerprint);
    // The run resumes on the target it wrote to: tables it created (or committed into) must be there.
    const missing = checkpoint.state.tables.filter((t) => (t.created || t.committed) && !target.hasTable(t.name)).map((t) => t.name);
    if (missing.length > 0) {
      throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume from ${checkpoint.file} on the target (system "${target.name}"): it has no table ${missing.join(", ")}, which the interrupted run had created there (resume needs the target the run wrote to; abandonMigration() gives the run up)`, { file: checkpoint.file, table: missing[0] });
    }
    // A run that did something reserved its id on its target first: a system without that
    // reservation is another one, however alike (nothing is written there).
    if (runActed(checkpoint.state) && reservationHolder(target, checkpoint.state.runId) === undefined) {
      throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume from ${checkpoint.file} on the target (system "${target.name}"): it holds no reservation of the run (id ${checkpoint.state.runId}), so it is not the target the run wrote to; nothing was written`, { file: checkpoint.file });
    }
    reserveRunId(target, checkpoint.state.runId, checkpointToken(checkpoint.state, plan.checkpointDir!), checkpoint.file);
    return checkpoint;
  }
  const stream: StreamCheckpoint = { done: false, started: false, checksums: null };
  Checkpoint.prepare(plan.checkpointDir!);
  // The checkpoint names the run id before the target reserves it (so that another checkpointed run
  // never picks the same staging names): a crash between the two leaves a checkpoint whose resume
  // or abandonment finds everything, never a reservation that nothing names.
  const runId = nextRunId(target);
  const token = newCheckpointToken(plan.checkpointDir!);
  const checkpoint = Checkpoint.create(plan.checkpointDir!, {
    format: "ampsim-checkpoint", version: 1, fingerprint, runId, token, verified: false,
    tables: plan.tables.map((t) => ({ name: t.name, creating: false, created: false, createdDatabase: null, streams: plan.clusters.map(() => stream), committed: false, base: null, rowsBefore: 0 })),
  });
  try {
    reserveRunId(target, runId, token, checkpoint.file);
  } catch (error) {
    checkpoint.remove(); // nothing on the target names this run: a fresh start is right
    throw error;
  }
  return checkpoint;
}

/** An error's message without its code (anything thrown, shown as text). */
function messageOf(error: unknown): string {
  return error instanceof AmpsimError ? errorText(error) : error instanceof Error ? error.message : String(error);
}

/**
 * Reserves `runId`'s staging names on the target for the checkpoint holding `token` (again, when
 * resuming a run stopped before it did): the reservation holds the checkpoint's token, so a
 * resume never takes over an id another migration reserved meanwhile (CHECKPOINT_MISMATCH).
 */
function reserveRunId(target: Engine, runId: number, token: number, file: string): void {
  const holder = reservationHolder(target, runId);
  if (holder === undefined) {
    target.sqlInternal(`CREATE MULTISET TABLE ${reservationOf(runId)} (run INTEGER) NO PRIMARY INDEX; INSERT INTO ${reservationOf(runId)} VALUES (${token});`);
  } else if (holder !== null && holder !== token) {
    throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume from ${file}: the run id ${runId} it names was reserved on the target (system "${target.name}") by another migration while this one was stopped before reserving it; abandonMigration() gives this run up without touching the other's tables`, { file });
  }
}


/** How a run records and recovers progress, and the fault hooks it calls. */
export interface Recovery {
  readonly checkpoint: Checkpoint | null;
  readonly resuming: boolean;
  readonly faults?: FaultHooks;
}

/**
 * Where the rows come from: a live source system (its archive modules run in this migration),
 * or an archive written earlier (only restore modules run; its manifest holds the checksums).
 */
export interface SourceSide {
  readonly summary: SystemSummary;
  readonly engine: Engine | null;
  ampRows(table: TablePlan): readonly number[];
  /** Bucket checksums known before the transfer (an archive), else null: archive modules compute them. */
  checksums(table: TablePlan): BucketChecksums | null;
}

export function liveSource(engine: Engine): SourceSide {
  return {
    summary: { name: engine.name, amps: engine.amps, hashBits: engine.hashBits }, engine,
    ampRows: (table) => engine.ampRowCounts(table.name), checksums: () => null,
  };
}


interface TableState {
  /** Position in the plan (and in the checkpoint). */
  readonly index: number;
  readonly plan: TablePlan;
  readonly staging: string[];
  /**
   * The source rows' bucket checksums when known in full (an archive's manifest, or archive
   * modules that kept them, as they do writing an archive), else null: only the fingerprint.
   */
  checksums: BucketChecksums | null;
  /** The source rows' fingerprint (checksum.ts) at the run's verification bits: the streams' summed. */
  readonly fingerprint: Uint32Array;
  base: BucketChecksums | null;
  rowsBefore: number;
  committed: boolean;
}

export class MigrationRun {
  readonly #source: SourceSide;
  readonly #target: Engine;
  readonly #plan: MigrationPlan;
  readonly #onProgress: ((event: ProgressEvent) => void) | undefined;
  readonly #started = performance.now();
  readonly #phases: PhaseReport[] = [];
  readonly #streams: StreamReport[] = [];
  readonly #created = new Set<string>();
  readonly #createdDatabases: string[] = [];
  readonly #verifyBits: number;
  readonly #tables: TableState[];
  readonly #traceMarks: { source: number; target: number };
  #peakStaging: number[] = [];
  readonly #recovery: Recovery;
  #runId = 0;
  #resentBatches = 0;
  readonly #stop = new AbortController();
  readonly #openSinks = new Set<FrameSink>();
  /** Batch buffers the restore modules give back to the archive modules (buffer-pool.ts), for this run only. */
  readonly #buffers = new BufferPool();
  /** Tables whose target fingerprint differed from the source's (verification read them bucket by bucket). */
  readonly #fingerprintsDiffered = new Set<string>();

  constructor(source: SourceSide, target: Engine, plan: MigrationPlan, onProgress?: (event: ProgressEvent) => void, recovery: Recovery = { checkpoint: null, resuming: false }) {
    this.#source = source;
    this.#target = target;
    this.#plan = plan;
    this.#onProgress = onProgress;
    this.#recovery = recovery;
    const known = plan.tables.map((t) => source.checksums(t));
    this.#verifyBits = Math.min(source.summary.hashBits, target.hashBits, VERIFY_BITS_MAX, ...known.map((c) => c?.bits ?? VERIFY_BITS_MAX));
    this.#tables = plan.tables.map((t, i) => {
      const checksums = known[i] ? fold(known[i]!, this.#verifyBits) : emptyChecksums(this.#verifyBits);
      return { index: i, plan: t, staging: [], checksums, fingerprint: fingerprintOf(checksums), base: null, rowsBefore: 0, committed: false };
    });
    this.#traceMarks = { source: source.engine?.trace.mark() ?? 0, target: target.trace.mark() };
  }

  /** Runs every phase over `medium` (closed at the end) and returns the report. */
  async execute(medium: TransferMedium): Promise<MigrationReport> {
    let tables: TableReport[] | null = null;
    let failure: unknown = null;
    try {
      await this.#phase("dictionary", () => this.#copyDefinitions());
      await this.#phase("staging", () => this.#createStaging());
      await this.#phase("transfer", () => this.#transfer(medium));
      await this.#phase("insert-select", () => this.#insertSelect());
      tables = await this.#phase("verify", () => this.#verify());
    } catch (error) {
      failure = error instanceof InjectedCrash ? error : this.#namingCommitted(error);
    }
    const crashed = failure instanceof InjectedCrash;
    try {
      await this.#phase("cleanup", async () => {
        // Whatever fails here (closing the medium, a drop, removing the checkpoint), every other
        // part of the cleanup still runs; the first such failure is reported with what is left.
        let problem: unknown = null;
        try { await closeMedium(medium, tables !== null); } catch (error) { problem = error; }
        // A crash does nothing more (the process is gone); with a checkpoint a failure keeps
        // everything for the resume; otherwise a failure is cleaned up.
        if (crashed) return;
        if (tables === null && this.#recovery.checkpoint) { if (problem !== null) throw problem; return; }
        try {
          await this.#recovery.faults?.at({ point: "cleanup" });
          this.#cleanup(tables === null);
        } catch (error) {
          if (error instanceof InjectedCrash) throw error;
          problem ??= error;
        }
        if (problem === null && tables !== null) { try { this.#recovery.checkpoint?.remove(); } catch (error) { problem = error; } }
        if (problem !== null) throw this.#cleanupFailed(problem, failure);
      });
    } catch (error) {
      // A crash or a cleanup that failed after a failure: the first failure is the one to report, the cleanup's included.
      if (failure === null || error instanceof InjectedCrash) throw error;
      if (!crashed) failure = this.#withCleanupNote(failure, error);
    }
    if (failure !== null) throw failure;
    return this.#report(tables!);
  }

  /** The tables this run leaves on the target: its staging tables and markers, and target tables it created but did not commit. */
  #leftBehind(): string[] {
    const kept = new Set(this.#plan.keepStaging ? this.#tables.flatMap((t) => t.staging) : []);
    const mine = this.#target.allTables().filter((t) => isRunTable(t, this.#runId) && !kept.has(t));
    const created = this.#tables.filter((t) => !t.committed && this.#created.has(t.plan.name) && this.#target.hasTable(t.plan.name)).map((t) => t.plan.name);
    return [...mine, ...created];
  }

  /**
   * The cleanup failed (dropping staging tables, say, on a target out of space): what is left,
   * how to finish, and which tables committed. With a checkpoint, it stays: resuming the run
   * finishes the cleanup.
   */
  #cleanupFailed(error: unknown, failure: unknown): AmpsimError {
    const left = this.#leftBehind();
    const how = this.#recovery.checkpoint ? `resume the run (its checkpoint ${this.#recovery.checkpoint.file} stays) to finish it` : "drop them with target.dropTable(name, { internal: true })";
    const done = failure === null ? "the migration committed and verified every table, but its cleanup failed" : "its cleanup failed too";
    const code = error instanceof AmpsimError ? error.code : "STORAGE_FAILED";
    const cleanup = new AmpsimError(code, `${done}: ${messageOf(error)}; left on the target: ${left.length > 0 ? left.join(", ") : "nothing"}${left.length > 0 ? ` (${how})` : ""}`,
      { ...(error instanceof AmpsimError ? error.details : {}), leftBehind: left }, { cause: error });
    return failure === null ? this.#namingCommitted(cleanup) as AmpsimError : cleanup;
  }

  /**
   * `failure` with the note of a cleanup that failed after it (an AmpsimError gets a new one with
   * `details.leftBehind`; any other Error keeps its class, its message noted and `leftBehind` set on it).
   */
  #withCleanupNote(failure: unknown, cleanup: unknown): unknown {
    const left = cleanup instanceof AmpsimError ? cleanup.details.leftBehind : undefined;
    const note = `[then ${messageOf(cleanup)}]`;
    if (failure instanceof AmpsimError) {
      return new AmpsimError(failure.code, `${errorText(failure)} ${note}`, { ...failure.details, ...(left === undefined ? {} : { leftBehind: left }) }, { cause: failure });
    }
    if (failure instanceof Error) {
      try {
        failure.message = `${failure.message} ${note}`;
        Object.assign(failure, { leftBehind: left, cleanupError: cleanup });
      } catch { /* a frozen error stays as it is */ }
    }
    return failure;
  }

  /**
   * Each table commits on its own: when a later one fails, those already committed stay on the
   * target, and the error says which (so that a retry without a checkpoint leaves them out).
   */
  #namingCommitted(error: unknown): unknown {
    const committed = this.#tables.filter((t) => t.committed).map((t) => t.plan.name);
    if (committed.length === 0 || !(error instanceof AmpsimError)) return error;
    const text = errorText(error);
    return new AmpsimError(error.code, `${text} [table(s) ${committed.join(", ")} had already been migrated and committed: they stay on the target]`,
      { ...error.details, committedTables: committed }, { cause: error });
  }

  async #phase<T>(phase: PhaseName, body: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    this.#onProgress?.({ kind: "phase", phase, state: "start" });
    try {
      return await body();
    } finally {
      this.#phases.push({ phase, startMs: start - this.#started, elapsedMs: performance.now() - start });
      this.#onProgress?.({ kind: "phase", phase, state: "end" });
    }
  }

  /** Sends each source table's DDL text to the target as queries (creating its database if needed). */
  async #copyDefinitions(): Promise<void> {
    const checkpoint = this.#recovery.checkpoint;
    for (const table of this.#tables) {
      const { name, ddl, exists } = table.plan;
      const recorded = checkpoint?.state.tables[table.index];
      if (exists) {
        if (this.#plan.ifExists === "append") this.#captureBase(table);
        continue;
      }
      if (recorded && (recorded.created || (recorded.creating && this.#target.hasTable(name)))) {
        this.#created.add(name);
        if (recorded.createdDatabase !== null) this.#createdDatabases.push(recorded.createdDatabase);
        if (!recorded.created) checkpoint!.table(table.index, (t) => ({ ...t, created: true }));
        continue;
      }
      await this.#recovery.faults?.at({ point: "dictionary.copy", table: name });
      checkpoint?.table(table.index, (t) => ({ ...t, creating: true }));
      const database = withLabels(this.#target, { table: name }, () => copyDefinition(this.#target, ddl));
      if (database !== null) this.#createdDatabases.push(database);
      this.#created.add(name);
      checkpoint?.table(table.index, (t) => ({ ...t, created: true, createdDatabase: database }));
    }
  }

  /** ifExists "append": what the target holds already, so verification expects base + source. */
  #captureBase(table: TableState): void {
    const recorded = this.#recovery.checkpoint?.state.tables[table.index];
    if (recorded?.base) {
      table.base = fold(checksumsFromJson(recorded.base), this.#verifyBits);
      table.rowsBefore = recorded.rowsBefore;
      return;
    }
    const base = emptyChecksums(this.#verifyBits);
    const hasPI = this.#target.describe(table.plan.name).primaryIndex !== null;
    const types = this.#target.describe(table.plan.name).columns.map((c) => c.type);
    for (let amp = 0; amp < this.#target.amps; amp++) {
      const read = withLabels(this.#target, { phase: "dictionary", table: table.plan.name }, () => this.#target.readAmp(table.plan.name, amp));
      for (const part of read.parts) addRows(base, types, part.batch, hasPI ? part.rowHash : null);
    }
    table.base = base;
    table.rowsBefore = this.#target.rowCount(table.plan.name);
    this.#recovery.checkpoint?.table(table.index, (t) => ({ ...t, base: checksumsToJson(base), rowsBefore: table.rowsBefore }));
  }

  async #createStaging(): Promise<void> {
    this.#runId = this.#recovery.checkpoint?.state.runId ?? nextRunId(this.#target);
    for (const table of this.#tables) {
      const definition = definitionFromDdl(table.plan.ddl);
      for (let s = 0; s < this.#plan.streams; s++) {
        const name = stagingName(this.#runId, table.plan.ordinal, s);
        const qualified = `"${STAGING_DATABASE}".${name}`;
        if (this.#recovery.resuming && this.#target.hasTable(qualified)) { table.staging.push(qualified); continue; }
        await this.#recovery.faults?.at({ point: "staging.create", table: table.plan.name, stream: s });
        table.staging.push(createStagingTable(this.#target, definition, name, this.#plan.staging));
      }
    }
  }

  async #transfer(medium: TransferMedium): Promise<void> {
    if (this.#plan.parallelTables) await this.#allOrStop(this.#tables.map((t) => this.#transferTable(medium, t)));
    else for (const table of this.#tables) await this.#transferTable(medium, table);
    this.#peakStaging = Array.from({ length: this.#target.amps }, () => 0);
    for (const table of this.#tables) {
      for (const staging of table.staging) this.#target.ampBytes(staging).forEach((b, amp) => { this.#peakStaging[amp] += b; });
    }
  }

  async #transferTable(medium: TransferMedium, table: TableState): Promise<void> {
    await this.#allOrStop(this.#plan.clusters.map((cluster, s) => this.#transferStream(medium, table, s, cluster)));
    if (writesArchive(medium) && this.#source.engine) {
      // Writing an archive, every stream's archive module keeps bucket checksums (those finished before run again).
      if (table.checksums === null) throw new Error(`assertion failed: no bucket checksums of ${table.plan.name} for the archive's manifest`);
      medium.setTableInfo(table.plan.ordinal, archiveTableInfo(this.#source, table.plan, this.#plan.clusters, table.checksums));
    }
  }

  /**
   * Waits for every task; at the first failure stops all the others (their modules see the
   * abort before their next batch and their sinks are aborted), so nothing of a failed run keeps
   * writing after it returns — as nothing would after a real crash — and rethrows that failure.
   */
  async #allOrStop(tasks: readonly Promise<void>[]): Promise<void> {
    const settled = await Promise.allSettled(tasks.map((task) => task.catch((error: unknown) => { this.#stopAll(error); throw error; })));
    if (settled.some((s) => s.status === "rejected")) throw this.#stop.signal.reason;
  }

  #stopAll(error: unknown): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort(error);
    for (const sink of this.#openSinks) sink.abort(error instanceof Error ? error : new Error(String(error)));
  }

  async #transferStream(medium: TransferMedium, table: TableState, stream: number, cluster: readonly number[]): Promise<void> {
    const { name, ordinal, streamRows, streamBytes } = table.plan;
    const checkpoint = this.#recovery.checkpoint;
    const recorded = checkpoint?.state.tables[table.index].streams[stream];
    const source = this.#source.engine;
    // Bucket checksums only for an archive's manifest; verification needs the fingerprint (checksum.ts).
    const archiveOptions = { batchRows: this.#plan.batchRows, batchBytes: this.#plan.batchBytes, verifyBits: this.#verifyBits, sums: writesArchive(medium) ? "buckets" as const : "fingerprint" as const, faults: this.#recovery.faults };
    if (recorded?.done && this.#target.rowCount(table.staging[stream]) === streamRows[stream]) {
      const sums = checkpoint!.streamSums(table.index, stream, this.#verifyBits);
      // A resume rewrites the archive it writes: a stream finished before is written again (not restored again), so the archive is whole.
      if (!writesArchive(medium) || !source) return this.#finishedBefore(table, stream, cluster, sums);
      const again = await this.#archiveOnly(medium, source, { stream, table: ordinal, tableName: name }, cluster, archiveOptions);
      if (sums && !again.fingerprint.every((word, k) => word === sums.fingerprint[k])) {
        throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume stream ${stream} of ${name}: the source's rows differ from those the stream carried before the interruption (their fingerprints differ), so the archive would not hold what the target does; the source changed while the migration was stopped`,
          { table: name, stream });
      }
      return this.#finishedBefore(table, stream, cluster, again);
    }
    const resume = source && this.#recovery.resuming ? this.#resumePoint(table, stream, new ArchiveModule(source, { stream, table: ordinal, tableName: name }, cluster, archiveOptions)) : undefined;
    // Writing an archive, a resumed stream is written whole (the archive must be), and its restore
    // module skips the batches its staging table holds; otherwise the stream starts after them.
    const whole = writesArchive(medium);
    const skip = whole ? resume?.batches ?? 0 : 0;
    const id = { stream, table: ordinal, tableName: name, resume: whole ? undefined : resume };
    const start = performance.now();
    this.#stop.signal.throwIfAborted();
    // Batches a resumed run sends again can repeat only those of a stream that sent some in an earlier attempt:
    // the checkpoint records a stream's first send before it happens.
    const startedBefore = recorded !== undefined && recorded.started !== false;
    let marked = recorded?.started !== false;
    const beforeSend = async (seq: number) => {
      if (!marked && checkpoint) { marked = true; checkpoint.table(table.index, (t) => ({ ...t, streams: t.streams.map((x, i) => (i === stream ? { ...x, started: true } : x)) })); }
      await window?.before(seq);
    };
    const channel = await medium.open(id, { buffers: this.#buffers });
    this.#openSinks.add(channel.sink);
    let rowsDone = resume?.rows ?? 0;
    // Intermediate storage is store-and-forward (restore reads a finished file), so it cannot keep one batch in flight.
    const window = checkpoint && !(medium instanceof StorageMedium) ? new SendWindow(resume?.batches ?? 0) : null;
    const progress = () => this.#onProgress?.({
      kind: "stream", table: name, stream, rowsDone, rowsTotal: streamRows[stream], bytesDone: bytesDoneOf(rowsDone, streamRows[stream], streamBytes[stream]), bytesTotal: streamBytes[stream],
    });
    progress();
    const restore = new RestoreModule(this.#target, id, table.staging[stream], (rows) => { rowsDone += rows; window?.committed(); progress(); }, this.#recovery.faults, this.#stop.signal, this.#buffers, skip);
    const archiving = source
      ? new ArchiveModule(source, id, cluster, { ...archiveOptions, resume: id.resume, signal: this.#stop.signal, beforeSend: checkpoint ? beforeSend : undefined, buffers: this.#buffers }).run(channel.sink)
      : Promise.resolve(null);
    const restoring = restore.run(channel.source);
    archiving.catch(() => undefined); restoring.catch(() => undefined);
    try {
      const [a, r] = await Promise.all([archiving, restoring]);
      if (a) this.#addStreamSums(table, a);
      const done = { done: true, started: true, checksums: a?.checksums ? checksumsToJson(a.checksums) : null, fingerprint: a ? fingerprintToJson(this.#verifyBits, a.fingerprint) : null };
      checkpoint?.table(table.index, (t) => ({ ...t, streams: t.streams.map((x, i) => (i === stream ? done : x)) }));
      // At most the one batch in flight per interrupted stream; over storage (no window) every batch sent again may be a repeat.
      if (this.#recovery.resuming && a && startedBefore) this.#resentBatches += window ? Math.min(1, a.sent) : a.sent - skip;
      const elapsedMs = performance.now() - start;
      this.#streams.push({
        table: name, stream, cluster: [...cluster], rows: r.rows, batches: r.batches, bytes: r.bytes, mediumBytes: channel.bytesTransferred(),
        staging: table.staging[stream], startMs: start - this.#started, archiveMs: a?.elapsedMs ?? 0, restoreMs: r.elapsedMs, elapsedMs,
        rowsPerSecond: r.rows / Math.max(elapsedMs / 1000, 1e-9), bytesPerSecond: r.bytes / Math.max(elapsedMs / 1000, 1e-9), resumedFromBatch: resume?.batches ?? 0,
        ...(this.#recovery.resuming ? { rowsBefore: resume?.rows ?? 0 } : {}),
      });
    } catch (error) {
      channel.sink.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    } finally {
      this.#openSinks.delete(channel.sink);
    }
  }

  /** Writes a stream to the medium with nothing restoring it (its staging table holds it already). */
  async #archiveOnly(medium: TransferMedium, source: Engine, id: StreamId, cluster: readonly number[], options: ArchiveOptions): Promise<ArchiveResult> {
    this.#stop.signal.throwIfAborted();
    const channel = await medium.open(id);
    this.#openSinks.add(channel.sink);
    try {
      return await new ArchiveModule(source, id, cluster, { ...options, signal: this.#stop.signal }).run(channel.sink);
    } finally {
      this.#openSinks.delete(channel.sink);
    }
  }

  /** What a stream's archive module summed, added to its table's: the fingerprint always, bucket checksums while every stream has them. */
  #addStreamSums(table: TableState, sums: { readonly checksums: BucketChecksums | null; readonly fingerprint: Uint32Array }): void {
    addFingerprints(table.fingerprint, sums.fingerprint);
    if (sums.checksums === null) table.checksums = null;
    else if (table.checksums !== null) merge(table.checksums, sums.checksums);
  }

  /** A stream a previous attempt finished: its sums (`sums`: from the checkpoint, or from archiving it again); its progress is reported done. */
  #finishedBefore(table: TableState, stream: number, cluster: readonly number[], sums: { readonly checksums: BucketChecksums | null; readonly fingerprint: Uint32Array } | null): void {
    if (sums) this.#addStreamSums(table, sums);
    const { name, streamRows, streamBytes } = table.plan;
    this.#onProgress?.({ kind: "stream", table: name, stream, rowsDone: streamRows[stream], rowsTotal: streamRows[stream], bytesDone: streamBytes[stream], bytesTotal: streamBytes[stream], finishedBefore: true });
    this.#streams.push({
      table: table.plan.name, stream, cluster: [...cluster], rows: 0, batches: 0, bytes: 0, mediumBytes: 0, staging: table.staging[stream],
      startMs: performance.now() - this.#started, archiveMs: 0, restoreMs: 0, elapsedMs: 0, rowsPerSecond: 0, bytesPerSecond: 0, resumedFromBatch: -1,
      rowsBefore: this.#target.rowCount(table.staging[stream]),
    });
  }

  /**
   * Where a resumed stream picks up: its staging table holds a whole number of batches (each
   * was one atomic insert), and the archive module knows every batch's size.
   */
  #resumePoint(table: TableState, stream: number, archive: ArchiveModule): { batches: number; rows: number } | undefined {
    const held = this.#target.rowCount(table.staging[stream]);
    if (held === 0) return undefined;
    let rows = 0; let batches = 0;
    for (const size of archive.batchRows()) {
      if (rows === held) break;
      rows += size; batches++;
    }
    if (rows !== held) {
      throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume stream ${stream} of ${table.plan.name}: its staging table ${table.staging[stream]} holds ${held} rows, not a whole number of the stream's batches`,
        { table: table.plan.name, stream });
    }
    return { batches, rows };
  }

  /**
   * One atomic request per table: [DROP + CREATE for "replace"], every staging table into the
   * target, and a marker table that says so — a resumed run finds the marker and does not
   * insert twice, even if the process died between the commit and the checkpoint.
   */
  async #insertSelect(): Promise<void> {
    for (const table of this.#tables) {
      const { name, ddl, exists } = table.plan;
      const marker = this.#marker(table);
      if (this.#recovery.checkpoint?.state.tables[table.index].committed || (this.#recovery.resuming && this.#target.hasTable(marker))) {
        table.committed = true;
        continue;
      }
      this.#checkStagingComplete(table);
      await this.#recovery.faults?.at({ point: "insert-select.table", table: name });
      const statements = exists && this.#plan.ifExists === "replace" ? [`DROP TABLE ${name};`, ddl] : [];
      // One statement over all staging tables: each AMP stores its rows of every stream as one run.
      statements.push(`INSERT INTO ${name} ${table.staging.map((staging) => `SELECT * FROM ${staging}`).join(" UNION ALL ")};`);
      if (this.#recovery.checkpoint) statements.push(`CREATE MULTISET TABLE ${marker} (committed INTEGER) NO PRIMARY INDEX;`);
      withLabels(this.#target, { phase: "insert-select", table: name }, () => this.#target.sqlInternal(statements.join("\n")));
      table.committed = true;
      this.#recovery.checkpoint?.table(table.index, (t) => ({ ...t, committed: true }));
    }
  }

  /** Nothing commits unless every staging table holds exactly its stream's rows. */
  #checkStagingComplete(table: TableState): void {
    table.staging.forEach((staging, stream) => {
      const held = this.#target.rowCount(staging);
      const expected = table.plan.streamRows[stream];
      if (held !== expected) {
        throw new AmpsimError("CHECKPOINT_MISMATCH", `staging table ${staging} of stream ${stream} of ${table.plan.name} holds ${held} rows but the stream carried ${expected}; nothing was committed`,
          { table: table.plan.name, stream });
      }
    });
  }

  #marker(table: TableState): string {
    return `"${STAGING_DATABASE}".${stagingName(this.#runId, table.plan.ordinal, "committed")}`;
  }

  async #verify(): Promise<TableReport[]> {
    const reports: TableReport[] = [];
    for (const table of this.#tables) {
      await this.#recovery.faults?.at({ point: "verify.table", table: table.plan.name });
      reports.push(await this.#verifyTable(table));
    }
    const failed = reports.filter((r) => !r.verified);
    if (failed.length > 0) {
      const what = failed.map((r) => `${r.table} (${r.placementVerified ? "" : "rows off their AMP; "}${bucketsDiffering(r, this.#fingerprintsDiffered.has(r.table))}; source ${r.sourceChecksum}, target ${r.targetChecksum})`);
      throw new AmpsimError("VERIFY_FAILED", `verification failed for ${what.join("; ")}`, { table: failed[0].table, reports: failed });
    }
    return reports;
  }

  async #verifyTable(table: TableState): Promise<TableReport> {
    const { name } = table.plan;
    const expected = table.fingerprint.slice();
    if (table.base) addFingerprints(expected, fingerprintOf(table.base));
    // The fingerprints first (their sums bind every row to the bucket of its stored row hash, as
    // equal bucket checksums would: checksum.ts); bucket by bucket only when they differ, to name
    // the buckets — reading the source again unless its bucket checksums are known.
    const reading = await readFingerprintOn(this.#target, name, this.#verifyBits);
    const placementVerified = reading.placed;
    const matches = expected.every((word, k) => word === reading.fingerprint[k]);
    if (!matches) this.#fingerprintsDiffered.add(name);
    const { bits, buckets } = matches ? { bits: this.#verifyBits, buckets: [] } : mismatchedBuckets(await this.#expectedBuckets(table), (await readChecksumsOn(this.#target, name, this.#verifyBits)).checksums);
    const sourceAmpRows = this.#source.ampRows(table.plan);
    return {
      table: name, rows: table.plan.rows, rowsBefore: table.rowsBefore, sourceChecksum: fingerprintChecksum(table.fingerprint).digest,
      targetChecksum: fingerprintChecksum(reading.fingerprint).digest, verified: matches && placementVerified, placementVerified,
      mismatchedBuckets: buckets, bucketBits: bits, sourceAmpRows, targetAmpRows: this.#target.ampRowCounts(name),
      sourceSkewFactor: skewFactorOf(sourceAmpRows), targetSkewFactor: this.#target.skewFactor(name),
      secondaryIndexes: this.#target.indexSizes(name).map((i) => ({ unique: i.unique, bytesPerRow: i.rows > 0 ? i.bytes / i.rows : 0 })),
    };
  }

  /** The bucket checksums the target's table should have (naming the buckets of a failed verification): the source's, and any base. */
  async #expectedBuckets(table: TableState): Promise<BucketChecksums> {
    const expected = emptyChecksums(this.#verifyBits);
    const source = this.#source.engine;
    if (table.checksums === null && source === null) throw new Error(`assertion failed: no bucket checksums of ${table.plan.name} and no source to read them from`);
    merge(expected, table.checksums ?? (await readChecksumsOn(source!, table.plan.name, this.#verifyBits)).checksums);
    if (table.base) merge(expected, table.base);
    return expected;
  }

  /** Drops the staging tables (unless keepStaging) and, after a failure, the target tables this run created but never filled. */
  #cleanup(failed: boolean): void {
    withLabels(this.#target, { phase: "cleanup" }, () => this.#dropLeftovers(failed));
  }

  /** Each drop tried on its own (one that fails leaves the others to go); the first failure is thrown at the end. */
  #dropLeftovers(failed: boolean): void {
    let first: { error: unknown } | null = null;
    const attempt = (act: () => void) => { try { act(); } catch (error) { first ??= { error }; } };
    const drop = (name: string, internal: boolean) => attempt(() => { if (this.#target.hasTable(name)) this.#target.dropTable(name, { internal }); });
    for (const table of this.#tables) {
      if (!this.#plan.keepStaging) for (const staging of table.staging) drop(staging, true);
      drop(this.#marker(table), true);
      if (failed && !table.committed && this.#created.has(table.plan.name)) drop(table.plan.name, false);
    }
    if (this.#recovery.checkpoint) drop(reservationOf(this.#runId), true);
    if (failed) {
      for (const database of this.#createdDatabases) {
        const prefix = `${quoteIdentifierIfNeeded(database)}.`;
        attempt(() => { if (!this.#target.allTables().some((t) => t.startsWith(prefix))) this.#target.sql(`DROP DATABASE ${quoteIdentifierIfNeeded(database)};`); });
      }
    }
    if (first !== null) throw (first as { error: unknown }).error;
  }

  #report(tables: TableReport[]): MigrationReport {
    const targetTrace = this.#target.trace.since(this.#traceMarks.target);
    const { sent, received } = interconnectBytes(targetTrace, this.#target.amps);
    const targetAmps: TargetAmpReport[] = Array.from({ length: this.#target.amps }, (_, amp) => ({
      amp, rows: tables.reduce((s, t) => s + t.targetAmpRows[amp], 0),
      interconnectBytesSent: sent[amp], interconnectBytesReceived: received[amp], peakStagingBytes: this.#peakStaging[amp] ?? 0,
    }));
    const summary = (e: Engine) => ({ name: e.name, amps: e.amps, hashBits: e.hashBits });
    const sourceEngine = this.#source.engine;
    const medium = typeof this.#plan.medium === "string" ? this.#plan.medium : this.#plan.medium.kind;
    return {
      kind: "migration-report", strategy: "staged", ok: true, source: this.#source.summary, target: summary(this.#target), medium, staging: this.#plan.staging, parallelTables: this.#plan.parallelTables,
      streams: this.#plan.streams, batchRows: this.#plan.batchRows, batchBytes: this.#plan.batchBytes, elapsedMs: performance.now() - this.#started,
      rows: tables.reduce((s, t) => s + t.rows, 0), resumed: this.#recovery.resuming, resentBatches: this.#resentBatches, phases: [...this.#phases], streamReports: [...this.#streams].sort((a, b) => a.table.localeCompare(b.table) || a.stream - b.stream),
      tables, sourceAmps: Array.from({ length: this.#source.summary.amps }, (_, amp) => ({ amp, rows: tables.reduce((s, t) => s + (t.sourceAmpRows[amp] ?? 0), 0) })),
      targetAmps, trace: { source: sourceEngine ? sourceEngine.trace.since(this.#traceMarks.source) : [], target: targetTrace },
    };
  }
}

/** Interconnect bytes per AMP during the insert-select phase. */
function interconnectBytes(steps: readonly TraceStep[], amps: number): { sent: number[]; received: number[] } {
  const sent = new Array<number>(amps).fill(0); const received = new Array<number>(amps).fill(0);
  for (const step of steps) {
    if (step.labels.phase !== "insert-select") continue;
    for (const t of step.transfers) { sent[t.from] += t.bytes; received[t.to] += t.bytes; }
  }
  return { sent, received };
}

/** What an archive's manifest records about a table, so that a later restore can verify without the source. */
export function archiveTableInfo(source: SourceSide, plan: TablePlan, clusters: readonly (readonly number[])[], checksums: BucketChecksums): TableInfo {
  return {
    name: plan.name, ddl: plan.ddl, rows: plan.rows, ampRows: [...source.ampRows(plan)], clusters: clusters.map((c) => [...c]),
    sourceSystem: source.summary, checksums: checksumsToJson(checksums), checksum: tableChecksum(checksums).digest,
  };
}

/**
 * Flow control of a checkpointed stream: the archive module sends batch n only when the restore
 * module has committed batch n − 1, so an interruption loses at most the one batch in flight.
 * (The archive still encodes the next batch while the previous one is being inserted.)
 */
class SendWindow {
  #committed: number;
  #waiting: { seq: number; resolve: () => void }[] = [];

  constructor(first: number) {
    this.#committed = first;
  }

  before(seq: number): Promise<void> {
    if (seq <= this.#committed) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ seq, resolve }));
  }

  committed(): void {
    this.#committed++;
    const ready = this.#waiting.filter((w) => w.seq <= this.#committed);
    this.#waiting = this.#waiting.filter((w) => w.seq > this.#committed);
    for (const w of ready) w.resolve();
  }
}

/** Which buckets of a failed verification differ, in words. */
function bucketsDiffering(report: TableReport, fingerprintsDiffered: boolean): string {
  if (report.mismatchedBuckets.length > 0) return `${report.mismatchedBuckets.length} bucket(s) differ at ${report.bucketBits} bits, e.g. ${report.mismatchedBuckets.slice(0, 5).map((b) => `0x${b.toString(16)}`).join(", ")}`;
  // The target matches the source bucket by bucket, but not the sums recorded when it was read.
  return !fingerprintsDiffered ? "no bucket differs" : "no bucket differs from the source read again, but the sums of what was archived do: the source changed after it was read, or the sums recorded of it are damaged";
}

/** True for a medium that writes an archive (intermediate storage in write mode), whose manifest holds bucket checksums. */
function writesArchive(medium: TransferMedium): medium is StorageMedium {
  return medium instanceof StorageMedium && medium.mode === "write";
}

/** Closes a run's medium; intermediate storage gets its manifest (a finished archive) only when the migration succeeded. */
function closeMedium(medium: TransferMedium, complete: boolean): Promise<void> {
  return medium instanceof StorageMedium ? medium.close({ complete }) : medium.close();
}
