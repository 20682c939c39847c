/**
 * The checkpoint of a migration: enough, with the target's own state, to resume
 * without starting over. A JSON file in `checkpointDir`, replaced atomically
 * (temp file, fsync, rename, fsync of the directory) at every change.
 *
 * What the checkpoint records: the plan's fingerprint (tables and their DDL
 * text, rows per source AMP, streams, clusters, medium, staging, batch size,
 * ifExists, both systems' configuration) so a changed plan or source is
 * refused; the run id (and so the staging table names); which target tables
 * and databases this run created; per stream whether its transfer finished and
 * the source checksums its archive module computed; per table whether its
 * insert-select committed.
 *
 * What it does not need to record: which batches reached a staging table. Each
 * batch is inserted by one atomic statement, so a staging table always holds a
 * whole number of batches — its row count says how many (the archive module
 * knows every batch's size from the unchanged source).
 */
import fs from "node:fs";
import path from "node:path";
import { AmpsimError, Engine, quoteIdentifierIfNeeded, showValue } from "../engine/index.js";
import { isRunTable, reservationHolder, reservationToken, textToken } from "./staging.js";
import { checksumsFromJson, checksumsToJson, fingerprintFromJson, fingerprintOf, fingerprintToJson, fold, type BucketChecksums } from "./checksum.js";
import type { MigrationPlan } from "./plan.js";

export const CHECKPOINT_FILE = "checkpoint.json";

export interface StreamCheckpoint {
  readonly done: boolean;
  /** An attempt opened this stream (so batches of it may have been sent); absent in older checkpoints, read as true. */
  readonly started?: boolean;
  /** checksumsToJson of what the archive module read, once done, if it kept bucket checksums. */
  readonly checksums: ReturnType<typeof checksumsToJson> | null;
  /** fingerprintToJson of what the archive module read, once done (absent in older checkpoints, which hold checksums). */
  readonly fingerprint?: ReturnType<typeof fingerprintToJson> | null;
}

export interface TableCheckpoint {
  readonly name: string;
  /** About to create / created the target table (write-ahead: `creating` is recorded before the DDL runs). */
  readonly creating: boolean;
  readonly created: boolean;
  readonly createdDatabase: string | null;
  readonly streams: readonly StreamCheckpoint[];
  readonly committed: boolean;
  /** ifExists "append": checksums and row count of what the target held before, captured once. */
  readonly base: ReturnType<typeof checksumsToJson> | null;
  readonly rowsBefore: number;
}

export interface CheckpointState {
  readonly format: "ampsim-checkpoint";
  readonly version: 1;
  readonly fingerprint: string;
  readonly runId: number;
  /**
   * What the run's id reservation on the target holds, so that the run knows it as its own
   * (made when the checkpoint is: its directory, the time and the process; moving the
   * directory keeps it). Absent in older checkpoints: a hash of the directory's path then.
   */
  readonly token?: number;
  readonly tables: readonly TableCheckpoint[];
  readonly verified: boolean;
}

/** A new checkpoint's reservation token: a hash (FNV-1a, 31 bits) of its directory, the time and the process. */
export function newCheckpointToken(dir: string): number {
  return textToken(`${path.resolve(dir)}\n${Date.now()}\n${process.pid}\n${process.hrtime.bigint()}`);
}

/** The token a checkpoint's run reserved its id with. */
export function checkpointToken(state: CheckpointState, dir: string): number {
  return state.token ?? reservationToken(dir);
}

/** A stable text of everything a resumed run must find unchanged. */
export function planFingerprint(plan: MigrationPlan, systems: { source: unknown; target: unknown }, sourceAmpRows: readonly (readonly number[])[]): string {
  // An archive directory is part of it: a resume rewrites the one its run wrote, never another.
  const medium = typeof plan.medium === "string" ? plan.medium : plan.medium.kind === "storage" ? `storage ${path.resolve(plan.medium.dir)}` : plan.medium.kind;
  return JSON.stringify({
    tables: plan.tables.map((t, i) => ({ name: t.name, ddl: t.ddl, rows: sourceAmpRows[i] })),
    streams: plan.streams, clusters: plan.clusters, medium,
    staging: plan.staging, batchRows: plan.batchRows, batchBytes: plan.batchBytes, ifExists: plan.ifExists, systems,
  });
}

export class Checkpoint {
  readonly file: string;
  #state: CheckpointState;

  private constructor(file: string, state: CheckpointState) {
    this.file = file;
    this.#state = state;
  }

  get state(): CheckpointState {
    return this.#state;
  }

  /** The target tables a checkpoint says its run created (for planning a resume); CHECKPOINT_MISMATCH when unreadable. */
  static createdTables(dir: string): Set<string> {
    const state = readState(path.join(dir, CHECKPOINT_FILE));
    return new Set(state.tables.filter((t) => t.creating || t.created).map((t) => t.name));
  }

  /** BAD_CONFIG when `dir` holds the checkpoint of an unfinished migration (checked before planning a fresh run). */
  static refuseExisting(dir: string): void {
    const file = path.join(dir, CHECKPOINT_FILE);
    if (fs.existsSync(file)) {
      throw new AmpsimError("BAD_CONFIG", `${file} holds the checkpoint of an unfinished migration: pass resume: true to finish it, or abandonMigration() to give it up`, { file });
    }
  }

  /**
   * Makes `dir` (a directory this process can write) for a new checkpoint, before the run touches
   * the target: BAD_CONFIG naming it otherwise (a file, a path under a file, no permission).
   */
  static prepare(dir: string): void {
    try {
      fs.mkdirSync(dir, { recursive: true });
      if (!fs.statSync(dir).isDirectory()) throw new Error("not a directory");
      fs.accessSync(dir, fs.constants.W_OK);
    } catch (error) {
      throw new AmpsimError("BAD_CONFIG", `checkpointDir ${dir} cannot hold a checkpoint: ${(error as Error).message}`, { option: "checkpointDir", file: dir }, { cause: error });
    }
  }

  /** A new checkpoint for a fresh run (refuses to overwrite one that exists: resume it or delete it). */
  static create(dir: string, state: CheckpointState): Checkpoint {
    const file = path.join(dir, CHECKPOINT_FILE);
    Checkpoint.prepare(dir);
    if (fs.existsSync(file)) {
      throw new AmpsimError("BAD_CONFIG", `${file} holds the checkpoint of an unfinished migration: pass resume: true to finish it, or delete it`, { file });
    }
    const checkpoint = new Checkpoint(file, state);
    try {
      checkpoint.#write();
    } catch (error) {
      if (error instanceof AmpsimError) throw error;
      throw new AmpsimError("BAD_CONFIG", `checkpointDir ${dir}: the checkpoint could not be written: ${(error as Error).message}`, { option: "checkpointDir", file }, { cause: error });
    }
    return checkpoint;
  }

  /** The checkpoint in `dir`; CHECKPOINT_MISMATCH when it is absent, unreadable or of another plan. */
  static load(dir: string, fingerprint: string): Checkpoint {
    const file = path.join(dir, CHECKPOINT_FILE);
    const state = readState(file);
    if (state.fingerprint !== fingerprint) {
      throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume from ${file}: the plan or the source changed since it was written (${describeChange(state.fingerprint, fingerprint)})`, { file });
    }
    return new Checkpoint(file, state);
  }

  update(change: (state: CheckpointState) => CheckpointState): void {
    this.#state = change(this.#state);
    this.#write();
  }

  table(index: number, change: (table: TableCheckpoint) => TableCheckpoint): void {
    this.update((s) => ({ ...s, tables: s.tables.map((t, i) => (i === index ? change(t) : t)) }));
  }

  /**
   * What a finished stream's archive module summed, at `bits`: its bucket checksums (folded) and
   * their fingerprint, or the fingerprint alone; null when it recorded neither (a run restoring
   * an archive, whose manifest holds them). CHECKPOINT_MISMATCH naming the file when unreadable.
   */
  streamSums(table: number, stream: number, bits: number): { checksums: BucketChecksums | null; fingerprint: Uint32Array } | null {
    const { name, streams } = this.#state.tables[table];
    const recorded = streams[stream];
    try {
      if (recorded.checksums) {
        const checksums = fold(checksumsFromJson(recorded.checksums), bits);
        return { checksums, fingerprint: fingerprintOf(checksums) };
      }
      return recorded.fingerprint ? { checksums: null, fingerprint: fingerprintFromJson(recorded.fingerprint, bits) } : null;
    } catch (error) {
      throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume from ${this.file}: stream ${stream} of ${name} records unreadable source sums (${(error as Error).message})`, { file: this.file, table: name, stream }, { cause: error });
    }
  }

  /** The migration finished: the checkpoint goes (with a temporary copy a killed write left). */
  remove(): void {
    fs.rmSync(this.file, { force: true });
    fs.rmSync(`${this.file}.tmp`, { force: true });
  }

  #write(): void {
    const temp = `${this.file}.tmp`;
    const fd = fs.openSync(temp, "w");
    try {
      fs.writeSync(fd, `${JSON.stringify(this.#state, null, 1)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, this.file);
    const dir = fs.openSync(path.dirname(this.file), "r");
    try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
  }
}

function readState(file: string): CheckpointState {
  let state: CheckpointState;
  if (!fs.existsSync(file)) {
    throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume: there is no checkpoint ${file} (a finished migration removes its checkpoint; one stopped before writing it starts afresh, without resume)`, { file });
  }
  try {
    state = JSON.parse(fs.readFileSync(file, "utf8")) as CheckpointState;
  } catch (error) {
    throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume: no readable checkpoint in ${file} (${(error as Error).message})`, { file }, { cause: error });
  }
  if (state?.format !== "ampsim-checkpoint" || state.version !== 1 || !Array.isArray(state.tables)) {
    throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot resume: ${file} is not an ampsim checkpoint`, { file });
  }
  return state;
}

/** What differs between two fingerprints, in a few words. */
function describeChange(before: string, after: string): string {
  try {
    const a = JSON.parse(before) as Record<string, unknown>; const b = JSON.parse(after) as Record<string, unknown>;
    const keys = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    const tables = (a.tables as { name: string; ddl: string; rows: number[] }[] | undefined) ?? [];
    const now = (b.tables as { name: string; ddl: string; rows: number[] }[] | undefined) ?? [];
    if (tables.map((t) => t.name).join() !== now.map((t) => t.name).join()) {
      return `the tables were ${tables.map((t) => t.name).join(", ")} and are now ${now.map((t) => t.name).join(", ")}`;
    }
    const changed = tables.filter((t, i) => now[i] && (t.ddl !== now[i].ddl || JSON.stringify(t.rows) !== JSON.stringify(now[i].rows))).map((t) => t.name);
    return changed.length > 0 ? `table ${changed.join(", ")} differs` : `${keys.join(", ")} differ`;
  } catch {
    return "unreadable fingerprint";
  }
}

/** True when the checkpoint's run did something on its target (which it reserved its id on first). */
export function runActed(state: CheckpointState): boolean {
  return state.tables.some((t) => t.created || t.creating || t.committed || t.streams.some((s) => s.started || s.done));
}

/** The target summary (name, AMPs, bucket bits) a checkpoint's fingerprint holds, or null. */
function writtenTarget(state: CheckpointState): { name: string; amps: number; hashBits: number } | null {
  try {
    const target = (JSON.parse(state.fingerprint) as { systems?: { target?: { name?: unknown; amps?: unknown; hashBits?: unknown } } }).systems?.target;
    return target && typeof target.name === "string" && typeof target.amps === "number" && typeof target.hashBits === "number" ? { name: target.name, amps: target.amps, hashBits: target.hashBits } : null;
  } catch {
    return null;
  }
}

/**
 * Gives up a checkpointed migration that will not be resumed: drops its staging tables and
 * commit markers, and the target tables it created whose insert-select never committed, then
 * removes the checkpoint. Target tables that existed before are left as they are.
 *
 * @example
 * await migrate({ source, target, checkpointDir }).catch(() => abandonMigration({ target, checkpointDir }));
 */
export function abandonMigration(options: { readonly target: Engine; readonly checkpointDir: string }): { readonly dropped: string[] } {
  if (options === null || typeof options !== "object") throw new AmpsimError("BAD_CONFIG", `abandonMigration() expects { target, checkpointDir }, but found ${showValue(options)}`);
  const { target, checkpointDir } = options;
  if (!(target instanceof Engine)) throw new AmpsimError("BAD_CONFIG", `abandonMigration(): target must be the Engine the migration wrote to, but found ${showValue(target)}`, { option: "target" });
  if (typeof checkpointDir !== "string" || checkpointDir.length === 0) throw new AmpsimError("BAD_CONFIG", `abandonMigration(): checkpointDir must be the checkpoint's directory, but found ${showValue(checkpointDir)}`, { option: "checkpointDir" });
  const file = path.join(checkpointDir, CHECKPOINT_FILE);
  if (!fs.existsSync(file)) {
    throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot abandon: there is no checkpoint ${file} (a finished migration removes its checkpoint; nothing is left to give up)`, { file });
  }
  const state = readState(file);
  const dropped: string[] = [];
  // Only on the system the run wrote to, which holds its id's reservation. A run killed before
  // it reserved its id did nothing on any target (another migration may have taken the id since:
  // its tables are the other's); one that did something and finds no reservation of its own
  // here is on another system.
  const written = writtenTarget(state);
  const holder = reservationHolder(target, state.runId);
  const ours = holder === null || holder === checkpointToken(state, checkpointDir);
  const acted = runActed(state);
  const mismatch = written !== null && (written.name !== target.name || written.amps !== target.amps || written.hashBits !== target.hashBits)
    ? `it was written for system "${written.name}" (${written.amps} AMPs, ${written.hashBits}-bit buckets), not "${target.name}" (${target.amps} AMPs, ${target.hashBits}-bit buckets)`
    : acted && !ours ? `system "${target.name}" holds no reservation of its run (id ${state.runId}): it is not the target the run wrote to` : null;
  if (mismatch !== null) {
    throw new AmpsimError("CHECKPOINT_MISMATCH", `cannot abandon ${file} on this target: ${mismatch}; nothing was dropped and the checkpoint stays`, { file });
  }
  for (const table of ours ? target.allTables() : []) {
    if (isRunTable(table, state.runId)) { target.dropTable(table, { internal: true }); dropped.push(table); }
  }
  for (const table of ours ? state.tables : []) {
    if ((table.created || table.creating) && !table.committed && target.hasTable(table.name)) { target.dropTable(table.name); dropped.push(table.name); }
  }
  for (const database of new Set(state.tables.map((t) => t.createdDatabase).filter((d): d is string => d !== null))) {
    const prefix = `${quoteIdentifierIfNeeded(database)}.`;
    if (target.databases().includes(database) && !target.allTables().some((t) => t.startsWith(prefix))) {
      target.sql(`DROP DATABASE ${quoteIdentifierIfNeeded(database)};`);
      dropped.push(`database ${database}`);
    }
  }
  fs.rmSync(file, { force: true });
  fs.rmSync(`${file}.tmp`, { force: true });
  return { dropped };
}
