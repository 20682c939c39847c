/**
 * Engine: one simulated shared-nothing system of N AMPs. It owns the storage
 * modules (one per AMP), the catalog and the trace, and runs every statement as
 * one atomic step: all AMPs change together or none does. A durable system
 * (`dir`) also owns a DurableStore, which writes each statement to disk and
 * passes its commit point before the statement changes anything in memory.
 */
import type * as arrow from "apache-arrow";
import { Catalog, INDEX_DATABASE, type TableEntry } from "./catalog/catalog.js";
import { renderTableDdl } from "./catalog/ddl-writer.js";
import { parsePredicate, parseSql, type ParsedTableDefinition, type Statement } from "./catalog/sql-parser.js";
import type { TableDefinition } from "./catalog/table-definition.js";
import { AmpsimError, assertNever, checkOptionNames, showValue } from "./errors.js";
import { HashMap } from "./hash/hash-map.js";
import { DurableStore, type StorageFaults } from "./storage/durable-store.js";
import type { StoredSystem } from "./storage/durable-reader.js";
import { StorageModule } from "./storage/storage-module.js";
import { Transaction } from "./storage/transaction.js";
import { aggregateTable, type AggregateOptions } from "./steps/aggregate.js";
import { StatementContext, type SystemInfo } from "./steps/context.js";
import { createDatabase, createIndex, createTable, dropDatabase, dropIndex, dropTable } from "./steps/ddl.js";
import { deleteByKey, deleteWhere } from "./steps/delete.js";
import type { InsertInput } from "./steps/input-columns.js";
import { insertPlacedRows, insertRows, insertSelect, planInsertSelect, readAmpInputs, type InsertSource } from "./steps/insert.js";
import { commitPlaced, placeInputs, placerOf } from "./steps/insert-parallel.js";
import { createExecutor, workersAvailable, type Executor, type ExecutorSpec } from "./executor/executor.js";
import type { PlacedBatch, PlacedPart } from "./steps/place-kernel.js";
import { literalValue, type Predicate } from "./steps/predicate.js";
import { checkPredicate } from "./steps/predicate-eval.js";
import { checkAmp, lookupRows, placeKey, scanTable, fragmentRun } from "./steps/read.js";
import { Trace } from "./trace.js";
import { withSharedStorage } from "./storage/shared-storage.js";

export interface EngineOptions {
  /** Number of AMPs (default 4, or the hash map's). */
  readonly amps?: number;
  /** Hash bucket bits: 16 or 20 in Teradata (default 16, or the hash map's). */
  readonly hashBits?: number;
  /** Bucket → AMP map (default HashMap.uniform(amps, hashBits)); the engine keeps a copy of it. */
  readonly hashMap?: HashMap;
  /** A name for reports and messages (default "system"). */
  readonly name?: string;
  /** Permanent space per AMP in bytes (default unlimited). */
  readonly permBytesPerAmp?: number;
  /**
   * Keeps the system on disk in this directory, which must be missing or empty (a directory
   * that holds a system is reopened with `Engine.open`). Every statement that returns has
   * committed durably (it survives kill -9 and power loss); one that throws left no trace.
   * Omitted: the system lives in memory only. Layout and protocol: docs/STORAGE_FORMAT.md.
   *
   * @example
   * const engine = new Engine({ amps: 4, dir: "/data/sys1" });
   * engine.sql("CREATE TABLE t (id INTEGER) UNIQUE PRIMARY INDEX (id)");
   * // … later, in another process:
   * Engine.open("/data/sys1").rowCount("t");
   */
  readonly dir?: string;
  /** Fault points of a durable engine's writes (fault plans of the simulator); ignored in memory. */
  readonly faults?: StorageFaults;
  /**
   * Where the heavy per-batch work of the migrator's archive and restore modules and
   * verification runs: "inline" (default, this thread) or "pool" (a piscina pool of worker
   * threads, one per core; `{ kind: "pool", threads }` sizes it; an Executor is shared).
   * Results are identical. Call `close()` to stop a pool's workers (idle ones do not keep
   * the process alive).
   */
  readonly executor?: ExecutorSpec;
  /**
   * Store the rows this engine's statements write in SharedArrayBuffers, so that pool workers
   * read stored runs in place instead of receiving copies (the pool insert-select's sources,
   * the migrator's archive checksums and verification). Default: true with a pool executor,
   * false inline. Every such write takes fresh memory (page faults; see
   * engine/storage/shared-storage.ts), so it pays off for tables that workers read, such as a
   * migration's source and target. Rows that come back from workers already placed
   * (`insertPlaced`, `insertSelectAsync`'s results) keep the plain buffers they arrived in, an
   * insert whose rows all land on one AMP keeps the caller's buffers, and load tables (the
   * migrator's staging tables) keep only their tails in shared memory (engine/storage/tail.ts),
   * which the insert-select that empties them takes into the target as they are.
   */
  readonly sharedStorage?: boolean;
}

/** Options of `Engine.open`. */
export interface OpenOptions {
  /** Fault points of the reopened engine's writes. */
  readonly faults?: StorageFaults;
  /** As in EngineOptions. */
  readonly executor?: ExecutorSpec;
  /** As in EngineOptions. */
  readonly sharedStorage?: boolean;
}

/** Rows already placed by a system's hash map, grouped by AMP (what a pool worker computes for a restore). */
export type PlacedRows = PlacedBatch;
export type { PlacedPart };

/** What `sql()` did, statement by statement. */
export interface SqlResult {
  readonly statements: readonly { readonly kind: Statement["kind"]; readonly table: string | null; readonly rows: number }[];
  /** Rows inserted or deleted by all statements. */
  readonly rows: number;
}

export type WhereInput = Predicate | string | null | undefined;

export interface ScanRequest {
  readonly columns?: readonly string[];
  readonly amp?: number;
  readonly where?: WhereInput;
  readonly rowIds?: boolean;
}

/** What `readAmp` returns: the AMP's rows of one table as stored (one part per stored run), with their row hashes. */
export interface AmpRows {
  readonly parts: readonly { readonly batch: arrow.RecordBatch; readonly rowHash: Uint32Array; readonly bytes: number }[];
  readonly rows: number;
  readonly bytes: number;
}

export interface SkewReport {
  readonly rows: readonly number[];
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Teradata's skew factor in percent: 100 × (1 − mean / max); 0 is perfectly even. */
  readonly skewFactor: number;
  /** max / mean: how much longer the slowest AMP works than an even share (1 is even). */
  readonly maxOverMean: number;
}

function badConfig(message: string, details: Record<string, unknown> = {}): AmpsimError {
  return new AmpsimError("BAD_CONFIG", message, details);
}

/**
 * `entry`, unless it is an index subtable: insert and delete reach the reserved namespace (the
 * migrator writes its staging tables through them), but a secondary index's rows are the
 * engine's own, kept in step with its base table (written directly, a USI would stop being unique).
 */
function writable(entry: TableEntry): TableEntry {
  if (entry.definition.database === INDEX_DATABASE) {
    throw new AmpsimError("BAD_ARGUMENT", `${entry.qualifiedName} is a secondary index's subtable: the engine writes it with its base table, so insert and delete refuse it`, { table: entry.qualifiedName });
  }
  return entry;
}

const ENGINE_OPTION_NAMES: readonly (keyof EngineOptions)[] = ["amps", "hashBits", "hashMap", "name", "permBytesPerAmp", "dir", "faults", "executor", "sharedStorage"];

function resolveConfig(options: EngineOptions): { amps: number; hashBits: number; hashMap: HashMap; name: string; permBytesPerAmp: number; dir: string | null } {
  if (options === null || typeof options !== "object") throw badConfig(`Engine options must be an object, but found ${showValue(options)}`);
  checkOptionNames(options, ENGINE_OPTION_NAMES, "Engine options");
  const { hashMap } = options;
  if (hashMap !== undefined && !(hashMap instanceof HashMap)) throw badConfig(`hashMap must be a HashMap (HashMap.uniform, HashMap.rebalance …), but found ${showValue(hashMap)}`);
  const amps = options.amps ?? hashMap?.amps ?? 4;
  const hashBits = options.hashBits ?? hashMap?.hashBits ?? 16;
  if (!Number.isInteger(amps) || amps < 1 || amps > 65535) throw badConfig(`amps must be an integer in 1..65535, but found ${showValue(amps)}`, { amps });
  if (!Number.isInteger(hashBits) || hashBits < 1 || hashBits > 24) throw badConfig(`hashBits must be an integer in 1..24 (Teradata uses 16 or 20), but found ${showValue(hashBits)}`, { hashBits });
  if (hashMap && hashMap.amps !== amps) throw badConfig(`the hash map assigns buckets to ${hashMap.amps} AMPs but amps is ${amps}`, { amps });
  if (hashMap && hashMap.hashBits !== hashBits) throw badConfig(`the hash map has ${hashMap.hashBits}-bit buckets but hashBits is ${hashBits}`, { hashBits });
  // The engine keeps its own copy: a map changed afterwards by its creator must not move stored rows.
  const map = hashMap ? HashMap.fromBuckets(hashMap.hashBits, hashMap.amps, hashMap.buckets) : HashMap.uniform(amps, hashBits);
  const permBytesPerAmp = options.permBytesPerAmp ?? Number.POSITIVE_INFINITY;
  if (typeof permBytesPerAmp !== "number" || !(permBytesPerAmp > 0)) throw badConfig(`permBytesPerAmp must be a positive number of bytes, but found ${showValue(permBytesPerAmp)}`);
  if (options.sharedStorage !== undefined && typeof options.sharedStorage !== "boolean") throw badConfig(`sharedStorage must be true or false, but found ${showValue(options.sharedStorage)}`);
  const name = options.name ?? "system";
  if (typeof name !== "string" || name.length === 0) throw badConfig(`name must be a non-empty string, but found ${showValue(name)}`);
  return { amps, hashBits, hashMap: map, name, permBytesPerAmp, dir: resolveDir(options) };
}

function resolveDir(options: EngineOptions): string | null {
  const { dir, faults } = options;
  if (faults !== undefined && (faults === null || typeof faults.before !== "function")) {
    throw badConfig(`faults must be an object with a before(point, details) method, but found ${showValue(faults)}`);
  }
  if (dir === undefined) return null;
  if (typeof dir !== "string" || dir.length === 0) throw badConfig(`dir must be a non-empty directory path, but found ${showValue(dir)}`);
  if (dir.includes("\u0000")) throw badConfig(`dir must not contain a NUL byte, but found ${showValue(dir)}`, { file: dir });
  return dir;
}

/** Systems read by `Engine.open`, keyed by the options object it passes to the constructor. */
const OPENING = new WeakMap<EngineOptions, { store: DurableStore; system: StoredSystem }>();

/** A row hash per AMP for NoPI rows: the hash of the first bucket the AMP owns. */
function nopiHashes(map: HashMap): Uint32Array {
  const out = new Uint32Array(map.amps);
  const seen = new Uint8Array(map.amps);
  const shift = 32 - map.hashBits;
  for (let bucket = 0; bucket < map.buckets.length; bucket++) {
    const amp = map.buckets[bucket];
    if (!seen[amp]) { seen[amp] = 1; out[amp] = (bucket << shift) >>> 0; }
  }
  return out;
}

/**
 * One simulated MPP system.
 *
 * @example
 * const engine = new Engine({ amps: 4 });
 * engine.sql("CREATE TABLE main.orders (id INTEGER NOT NULL, cust INTEGER) UNIQUE PRIMARY INDEX (id)");
 * engine.insert("main.orders", [{ id: 1, cust: 7 }, { id: 2, cust: 7 }]);
 * engine.ampRowCounts("main.orders"); // e.g. [1, 0, 1, 0]
 */
export class Engine {
  readonly name: string;
  readonly amps: number;
  readonly hashBits: number;
  /** The engine's own copy of its bucket → AMP map: read it, never write its buckets (stored rows sit where it says). */
  readonly hashMap: HashMap;
  readonly permBytesPerAmp: number;
  /** The directory of a durable system; null in memory. */
  readonly dir: string | null;
  /** Every step this system ran, for the simulator. */
  readonly trace = new Trace();
  /** Where kernels run (EngineOptions.executor). */
  readonly executor: Executor;
  /** Rows are stored in SharedArrayBuffers (EngineOptions.sharedStorage). */
  readonly sharedStorage: boolean;
  readonly #storage: readonly StorageModule[];
  readonly #system: SystemInfo;
  readonly #durable: DurableStore | null = null;
  #catalog = new Catalog();

  constructor(options: EngineOptions = {}) {
    const config = resolveConfig(options);
    this.name = config.name;
    this.amps = config.amps;
    this.hashBits = config.hashBits;
    this.hashMap = config.hashMap;
    this.permBytesPerAmp = config.permBytesPerAmp;
    this.dir = config.dir;
    this.executor = createExecutor(options.executor);
    this.sharedStorage = options.sharedStorage ?? this.executor.kind === "pool";
    this.#storage = Object.freeze(Array.from({ length: this.amps }, (_, amp) => new StorageModule(amp)));
    const nopiHash = nopiHashes(this.hashMap);
    const owners = this.hashMap.bucketCounts().map((count, amp) => (count > 0 ? amp : -1)).filter((amp) => amp >= 0);
    this.#system = Object.freeze({ name: this.name, amps: this.amps, hashMap: this.hashMap, nopiHash, nopiAmps: Uint16Array.from(owners), permBytesPerAmp: this.permBytesPerAmp });
    const opened = OPENING.get(options);
    if (opened !== undefined) {
      OPENING.delete(options);
      this.#durable = opened.store;
      this.#catalog = opened.system.catalog;
      opened.system.amps.forEach((stored, amp) => { for (const [tableId, fragment] of stored.fragments) this.#storage[amp].replace(tableId, fragment); });
    } else if (config.dir !== null) {
      this.#durable = DurableStore.create(config.dir, config, options.faults);
    }
  }

  /**
   * Reopens the durable system in `dir` as its last committed statement left it: its
   * configuration, catalog and every AMP's rows (the trace starts empty). Every file is
   * checked first: a missing, truncated or damaged one is STORAGE_CORRUPT naming it, never
   * silent loss. Leftovers of a statement that did not commit are deleted.
   *
   * @example
   * const engine = new Engine({ amps: 4, dir: "/data/sys1" });
   * engine.sql("CREATE TABLE t (id INTEGER) UNIQUE PRIMARY INDEX (id)");
   * engine.insert("t", [{ id: 1 }]);
   * const again = Engine.open("/data/sys1"); // e.g. in another process, after a crash
   * again.rowCount("t"); // 1
   */
  static open(dir: string, options: OpenOptions = {}): Engine {
    if (options === null || typeof options !== "object") throw badConfig(`Engine.open options must be an object, but found ${showValue(options)}`);
    checkOptionNames(options, ["faults", "executor", "sharedStorage"], "Engine.open options");
    const { faults, executor, sharedStorage } = options;
    resolveDir({ dir, faults });
    if (sharedStorage !== undefined && typeof sharedStorage !== "boolean") throw badConfig(`sharedStorage must be true or false, but found ${showValue(sharedStorage)}`);
    const opened = DurableStore.open(dir, faults);
    const { name, amps, hashBits, hashMap, permBytesPerAmp } = opened.system.config;
    const engineOptions: EngineOptions = { name, amps, hashBits, hashMap, permBytesPerAmp, dir, faults, executor, sharedStorage };
    OPENING.set(engineOptions, opened);
    return new Engine(engineOptions);
  }

  /** Runs `body` as one atomic statement; `internal` statements may use the reserved namespace. */
  #statement<T>(body: (ctx: StatementContext) => T, internal = false): T {
    const ctx = new StatementContext(this.#system, this.#catalog.clone(), new Transaction(this.#storage), this.trace, internal);
    const result = withSharedStorage(this.sharedStorage, () => body(ctx));
    const apply = (): void => {
      ctx.tx.commit(this.permBytesPerAmp);
      this.#catalog = ctx.catalog;
      for (const step of ctx.steps) this.trace.add(step);
    };
    if (this.#durable === null) apply();
    else {
      ctx.tx.checkSpace(this.permBytesPerAmp);
      this.#durable.commit(ctx.tx.pending(), ctx.catalog, apply);
    }
    return result;
  }

  /** A read-only context over the committed state (reads record their steps at once). */
  #read<T>(body: (ctx: StatementContext) => T): T {
    const ctx = new StatementContext(this.#system, this.#catalog, new Transaction(this.#storage), this.trace, true);
    const result = body(ctx);
    for (const step of ctx.steps) this.trace.add(step);
    return result;
  }

  /**
   * Runs SQL: CREATE/DROP DATABASE, DATABASE, CREATE TABLE, CREATE/DROP INDEX, DROP TABLE,
   * INSERT … SELECT, INSERT … VALUES, DELETE. Several statements separated by `;` run as one
   * request: all of them or none.
   *
   * @example
   * engine.sql("CREATE DATABASE sales; CREATE TABLE sales.t (id INTEGER) UNIQUE PRIMARY INDEX (id);");
   */
  sql(text: string): SqlResult {
    return this.#runSql(text, false);
  }

  /** `sql` for the migrator's own statements, which may name the reserved namespace. */
  sqlInternal(text: string): SqlResult {
    return this.#runSql(text, true);
  }

  #runSql(text: string, internal: boolean): SqlResult {
    if (typeof text !== "string") throw new AmpsimError("BAD_ARGUMENT", `sql() expects SQL text, but found ${showValue(text)}`);
    const statements = parseSql(text);
    return this.#statement((ctx) => {
      const results = statements.map((statement) => this.#execute(ctx, statement));
      return { statements: results, rows: results.reduce((sum, r) => sum + r.rows, 0) };
    }, internal);
  }

  #execute(ctx: StatementContext, s: Statement): SqlResult["statements"][number] {
    const done = (table: string | null, rows = 0) => ({ kind: s.kind, table, rows });
    switch (s.kind) {
      case "create database": createDatabase(ctx, s.name); return done(null);
      case "drop database": dropDatabase(ctx, s.name); return done(null);
      case "database":
        ctx.checkNamespace(s.name, `database ${s.name}`);
        if (!ctx.catalog.hasDatabase(s.name)) throw new AmpsimError("NO_SUCH_DATABASE", `database ${s.name} does not exist`, { database: s.name });
        ctx.catalog.defaultDatabase = s.name; return done(null);
      case "create table": return done(createTable(ctx, s.table).qualifiedName);
      case "drop table": { const entry = this.#entry(ctx, s.table); dropTable(ctx, entry); return done(entry.qualifiedName); }
      case "create index": { const entry = this.#entry(ctx, s.table); createIndex(ctx, entry, s.index); return done(entry.qualifiedName); }
      case "drop index": { const entry = this.#entry(ctx, s.table); dropIndex(ctx, entry, s.name, s.columns); return done(entry.qualifiedName); }
      case "insert select": {
        const target = this.#entry(ctx, s.target);
        const sources = s.selects.map((select) => ({ entry: this.#entry(ctx, select.source), where: select.where }));
        return done(target.qualifiedName, insertSelect(ctx, target, sources));
      }
      case "insert values": {
        const target = this.#entry(ctx, s.target);
        const names = s.columns ?? target.definition.columns.map((c) => c.name);
        // Exact names: a quoted "A" and a are two columns.
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice !== undefined) throw new AmpsimError("BAD_ARGUMENT", `INSERT INTO ${target.qualifiedName}: column ${twice} is listed twice`, { table: target.qualifiedName, column: twice });
        s.rows.forEach((values, r) => {
          if (values.length !== names.length) {
            throw new AmpsimError("BAD_ARGUMENT", `INSERT INTO ${target.qualifiedName} VALUES: row ${r + 1} holds ${values.length} value(s), but ${s.columns ? "the column list names" : "the table has"} ${names.length} column(s)`, { table: target.qualifiedName, row: r });
          }
        });
        const kinds = names.map((n) => target.definition.columns.find((c) => c.name === n)?.type.kind ?? "");
        const rows = s.rows.map((values) => Object.fromEntries(names.map((n, k) => [n, literalValue(values[k], kinds[k])])));
        return done(target.qualifiedName, insertRows(ctx, target, rows));
      }
      case "delete": { const entry = this.#entry(ctx, s.table); return done(entry.qualifiedName, deleteWhere(ctx, entry, s.where)); }
      default: return assertNever(s, "statement");
    }
  }

  #entry(ctx: StatementContext, name: { database: string | null; name: string }): TableEntry {
    const database = name.database ?? ctx.catalog.defaultDatabase;
    ctx.checkNamespace(database, `${database}.${name.name}`);
    return ctx.catalog.get(database, name.name);
  }

  /** Creates a table from a definition object (as `describe` returns); returns its qualified name. */
  createTable(definition: ParsedTableDefinition | TableDefinition, options: { internal?: boolean } = {}): string {
    return this.#statement((ctx) => createTable(ctx, definition).qualifiedName, options.internal === true);
  }

  /** Drops a table and its index subtables. */
  dropTable(name: string, options: { internal?: boolean } = {}): void {
    this.#statement((ctx) => dropTable(ctx, ctx.resolve(name)), options.internal === true);
  }

  /** User tables by qualified name (`db.t`), sorted; the reserved namespace is not listed. */
  tables(): string[] {
    return this.#catalog.entries().filter((e) => !e.reserved).map((e) => e.qualifiedName).sort();
  }

  /** Every table including reserved ones (staging tables, index subtables). */
  allTables(): string[] {
    return this.#catalog.entries().map((e) => e.qualifiedName).sort();
  }

  databases(): string[] {
    return this.#catalog.databases().filter((d) => !d.startsWith("$"));
  }

  hasTable(name: string): boolean {
    try { this.#read((ctx) => ctx.resolve(name)); return true; } catch { return false; }
  }

  /** The table's catalog definition (frozen). */
  describe(name: string): TableDefinition {
    return this.#read((ctx) => ctx.resolve(name)).definition;
  }

  /** The Arrow schema of the table's rows (each field carries its Teradata type in metadata). */
  arrowSchema(name: string): arrow.Schema {
    return this.#read((ctx) => ctx.resolve(name)).schema;
  }

  /** Teradata-style DDL text of the table that `sql()` accepts (SHOW TABLE). */
  showTable(name: string): string {
    return renderTableDdl(this.describe(name));
  }

  /**
   * Inserts rows: an Arrow Table or RecordBatch (columns matched by name), or row objects.
   * Atomic: a bad value, a duplicate or a full AMP leaves the table as it was.
   *
   * @example
   * engine.insert("main.orders", [{ id: 3, cust: null }]); // → 1
   */
  insert(name: string, data: InsertInput): number {
    return this.#statement((ctx) => insertRows(ctx, writable(ctx.resolve(name)), data), true);
  }

  /**
   * Inserts rows a kernel already checked, hashed and grouped by AMP under this system's hash
   * map (the restore modules' `placeBatch`), as one statement: each part's rows go to its AMP
   * as they are, exactly as `insert` of the same rows would store them. Refused with
   * BAD_ARGUMENT when the table has no primary index, a part's columns do not fit the table,
   * or a row hash belongs to another AMP; NULL_VIOLATION as `insert`.
   */
  insertPlaced(name: string, placed: PlacedRows): number {
    return this.#statement((ctx) => insertPlacedRows(ctx, writable(ctx.resolve(name)), placed), true);
  }

  /** Stops the executor's worker threads, if any; the engine itself stays usable (its statements never need them). */
  async close(): Promise<void> {
    await this.executor.close();
  }

  /**
   * INSERT INTO target SELECT * FROM source [WHERE …] — or from several sources at once
   * (UNION ALL; `where` applies to each): AMP-local when the PIs agree, and then every AMP
   * stores the rows of all sources as one piece.
   */
  insertSelect(target: string, source: string | readonly string[], options: { where?: WhereInput } = {}): number {
    return this.#statement((ctx) => insertSelect(ctx, ctx.resolve(target), this.#insertSources(ctx, target, source, options)), true);
  }

  /**
   * `insertSelect` with the per-row work of a redistribution (hashing every row by the target's
   * primary index and scattering it to its AMP) on the engine's worker pool, piece by piece; the
   * rows are then stored in one statement exactly as `insertSelect` stores them (same runs, row
   * order, trace and errors). Inline, after `close()`, or when the rows stay on their AMPs, it is
   * `insertSelect`.
   * A statement committed while the pool works makes it read the sources again, inline.
   *
   * @example
   * const engine = new Engine({ amps: 6, executor: "pool" });
   * await engine.insertSelectAsync("shop.by_customer", "shop.orders"); // rows inserted
   */
  async insertSelectAsync(target: string, source: string | readonly string[], options: { where?: WhereInput } = {}): Promise<number> {
    // Inline, or after close() (statements never need the workers), the per-row work stays here.
    if (!workersAvailable(this.executor)) return this.insertSelect(target, source, options);
    const catalog = this.#catalog;
    const prepared = this.#read((ctx) => {
      const plan = planInsertSelect(ctx, ctx.resolve(target), this.#insertSources(ctx, target, source, options));
      return plan.local ? null : { plan, inputs: Array.from({ length: this.amps }, (_v, amp) => readAmpInputs(ctx, plan, amp)) };
    });
    if (prepared === null) return this.insertSelect(target, source, options);
    let placed: Awaited<ReturnType<typeof placeInputs>>;
    try {
      placed = await placeInputs(this.executor, placerOf(prepared.plan.target, this.hashMap), prepared.inputs);
    } catch (error) {
      // close() while the workers ran: nothing is stored yet, so the statement runs inline instead.
      if (this.executor.closed === true) return this.insertSelect(target, source, options);
      throw error;
    }
    return this.#statement((ctx) => (this.#catalog === catalog
      ? commitPlaced(ctx, prepared.plan, prepared.inputs, placed)
      : insertSelect(ctx, ctx.resolve(target), this.#insertSources(ctx, target, source, options))), true);
  }

  /** The SELECTs of an insert-select: one source or a non-empty list, each with the WHERE. */
  #insertSources(ctx: StatementContext, target: string, source: string | readonly string[], options: { where?: WhereInput }): InsertSource[] {
    const names = typeof source === "string" ? [source] : source;
    if (!Array.isArray(names) || names.length === 0) throw new AmpsimError("BAD_ARGUMENT", `insertSelect into ${target}: expected a source table name or a non-empty list of them, but found ${showValue(source)}`, { table: target });
    return names.map((name) => { const entry = ctx.resolve(name); return { entry, where: this.#where(options.where, entry) }; });
  }

  /**
   * Rows as an Arrow Table: all AMPs or one (`amp`), a projection (`columns`), a predicate
   * (`where`, an object or SQL text like "cust = 7 AND amount > 10"). Rows come AMP by AMP, in
   * no particular order within an AMP (`rowIds: true` adds each row's AMP, row hash and uniqueness).
   */
  scan(name: string, options: ScanRequest = {}): arrow.Table {
    checkReadOptions(`scan of ${name}`, options, ["columns", "amp", "where", "rowIds"]);
    if (options.columns !== undefined) checkNames(`scan of ${name}: columns`, options.columns);
    if (options.rowIds !== undefined && typeof options.rowIds !== "boolean") throw new AmpsimError("BAD_ARGUMENT", `scan of ${name}: rowIds must be true or false, but found ${showValue(options.rowIds)}`, { table: name });
    if (options.amp !== undefined && typeof options.amp !== "number") throw new AmpsimError("BAD_ARGUMENT", `scan of ${name}: amp must be an AMP number, but found ${showValue(options.amp)}`, { table: name });
    return this.#read((ctx) => {
      const entry = ctx.resolve(name);
      return scanTable(ctx, entry, { ...options, where: this.#where(options.where, entry) });
    });
  }

  /**
   * One AMP's rows of a table as stored, without copying: one part per stored run, each
   * with the hidden row-hash column aligned to its rows. A single-AMP scan step; archive
   * modules read their cluster with it.
   */
  readAmp(name: string, amp: number): AmpRows {
    return this.#read((ctx) => {
      const entry = ctx.resolve(name);
      checkAmp(ctx, amp);
      const recorder = ctx.recorder("scan", "single-amp", entry.qualifiedName);
      const fragment = ctx.tx.fragment(amp, entry.id);
      recorder.read(amp, fragment.rowCount, fragment.bytes);
      ctx.record(recorder.finish(fragment.rowCount));
      const parts = fragment.runs.map((run) => ({ batch: run.batch, rowHash: run.rowHash, bytes: run.bytes }));
      return { parts, rows: fragment.rowCount, bytes: fragment.bytes };
    });
  }

  /** The rows whose primary index equals `keyValues` (array in PI order, object, or one value). Single-AMP. */
  lookup(name: string, keyValues: unknown): arrow.Table {
    return this.#read((ctx) => lookupRows(ctx, ctx.resolve(name), keyValues));
  }

  /**
   * Deletes rows: those with primary index `key`, those matching `where`, or, with no options (or
   * `where: null`), all of them. Returns the count. Options that name neither, or both, are
   * BAD_ARGUMENT: a `where` that happens to be undefined must not empty the table.
   */
  delete(name: string, options?: { where?: WhereInput; key?: unknown }): number {
    if (options !== undefined) {
      if (options === null || typeof options !== "object") throw new AmpsimError("BAD_ARGUMENT", `delete from ${name}: options must be an object ({ key } or { where }) but are ${showValue(options)}`, { table: name });
      if (options.key !== undefined && options.where !== undefined) {
        throw new AmpsimError("BAD_ARGUMENT", `delete from ${name}: pass either { key } or { where }, not both`, { table: name });
      }
      if (options.key === undefined && options.where === undefined) {
        throw new AmpsimError("BAD_ARGUMENT", `delete from ${name}: the options name no rows; pass { key } or { where } (where: null, or no options at all, deletes every row)`, { table: name });
      }
    }
    return this.#statement((ctx) => {
      const entry = writable(ctx.resolve(name));
      if (options?.key !== undefined) return deleteByKey(ctx, entry, options.key);
      return deleteWhere(ctx, entry, this.#where(options?.where, entry));
    }, true);
  }

  /** COUNT/SUM/MIN/MAX/AVG, optionally grouped; local per AMP, then global. */
  aggregate(name: string, options: Omit<AggregateOptions, "where"> & { where?: WhereInput } = {}): arrow.Table {
    checkReadOptions(`aggregate of ${name}`, options, ["groupBy", "aggregates", "where"]);
    if (options.groupBy !== undefined) checkNames(`aggregate of ${name}: groupBy`, options.groupBy);
    if (options.aggregates !== undefined) {
      if (!Array.isArray(options.aggregates)) throw new AmpsimError("BAD_ARGUMENT", `aggregate of ${name}: aggregates must be a list of { fn, column?, as? }, but found ${showValue(options.aggregates)}`, { table: name });
      options.aggregates.forEach((spec, i) => {
        const bad = (what: string) => new AmpsimError("BAD_ARGUMENT", `aggregate of ${name}: aggregates[${i}] ${what}`, { table: name });
        if (spec === null || typeof spec !== "object") throw bad(`must be { fn, column?, as? }, but is ${showValue(spec)}`);
        if (spec.column !== undefined && typeof spec.column !== "string") throw bad(`has column ${showValue(spec.column)}, not a column name`);
        if (spec.as !== undefined && (typeof spec.as !== "string" || spec.as.length === 0)) throw bad(`has as ${showValue(spec.as)}, not a non-empty name`);
      });
    }
    return this.#read((ctx) => {
      const entry = ctx.resolve(name);
      return aggregateTable(ctx, entry, { ...options, where: this.#where(options.where, entry) });
    });
  }

  #where(where: WhereInput, entry: TableEntry): Predicate | null {
    if (where === undefined || where === null) return null;
    const predicate = typeof where === "string" ? parsePredicate(where) : where;
    checkPredicate(predicate, entry.qualifiedName, entry.definition.columns);
    return predicate;
  }

  /** The AMP that holds (or would hold) the row with these primary index values. */
  ampOf(name: string, keyValues: unknown): number {
    const ctx = new StatementContext(this.#system, this.#catalog, new Transaction(this.#storage), this.trace, true);
    return placeKey(ctx, ctx.resolve(name), keyValues).amp;
  }

  rowCount(name: string): number {
    return this.ampRowCounts(name).reduce((a, b) => a + b, 0);
  }

  /** Rows per AMP. */
  ampRowCounts(name: string): number[] {
    const entry = this.#read((ctx) => ctx.resolve(name));
    return this.#storage.map((module) => module.fragment(entry.id).rowCount);
  }

  /** Bytes per AMP of one table, or of everything stored (permanent space in use). */
  ampBytes(name?: string): number[] {
    if (name === undefined) return this.#storage.map((module) => module.bytesUsed);
    const entry = this.#read((ctx) => ctx.resolve(name));
    return this.#storage.map((module) => module.fragment(entry.id).bytes);
  }

  /**
   * A table's secondary indexes with the rows and bytes of their subtables (a USI's rows spread
   * by their values' hash, a NUSI's sit with their base rows).
   *
   * @example
   * engine.indexSizes("shop.orders") // [{ name: null, unique: false, columns: ["customer"], rows: 1000, bytes: 36000 }]
   */
  indexSizes(name: string): { readonly name: string | null; readonly unique: boolean; readonly columns: readonly string[]; readonly rows: number; readonly bytes: number }[] {
    const entry = this.#read((ctx) => ctx.resolve(name));
    return entry.indexTables.map(({ index, tableId }) => {
      let rows = 0; let bytes = 0;
      for (const module of this.#storage) { const fragment = module.fragment(tableId); rows += fragment.rowCount; bytes += fragment.bytes; }
      return { name: index.name, unique: index.unique, columns: [...index.columns], rows, bytes };
    });
  }

  /** How evenly a table's rows spread over the AMPs. */
  skew(name: string): SkewReport {
    const rows = this.ampRowCounts(name);
    const max = Math.max(...rows); const min = Math.min(...rows);
    const mean = rows.reduce((a, b) => a + b, 0) / rows.length;
    return { rows, min, max, mean, skewFactor: skewFactorOf(rows), maxOverMean: mean === 0 ? 1 : max / mean };
  }

  /** Teradata's skew factor of a table in percent (0 = perfectly even). */
  skewFactor(name: string): number {
    return this.skew(name).skewFactor;
  }
}

/** Teradata's skew factor of rows per AMP, in percent: 100 × (1 − mean / max); 0 is perfectly even. */
export function skewFactorOf(rows: readonly number[]): number {
  const max = Math.max(0, ...rows);
  const mean = rows.reduce((a, b) => a + b, 0) / Math.max(1, rows.length);
  return max === 0 ? 0 : 100 * (1 - mean / max);
}

/** BAD_ARGUMENT unless `options` is an object whose keys are all `known` (a misspelled option must not be ignored). */
function checkReadOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) throw new AmpsimError("BAD_ARGUMENT", `${where}: options must be an object, but found ${showValue(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new AmpsimError("BAD_ARGUMENT", `${where}: no option ${key}; the options are ${known.join(", ")}`);
  }
}

/** BAD_ARGUMENT unless `names` is a list of column names, each once. */
function checkNames(where: string, names: unknown): void {
  if (!Array.isArray(names) || !names.every((n) => typeof n === "string")) throw new AmpsimError("BAD_ARGUMENT", `${where} must be a list of column names, but found ${showValue(names)}`);
  const seen = new Set<string>();
  for (const n of names as string[]) {
    // Exact names: a quoted "A" and a are two columns.
    if (seen.has(n)) throw new AmpsimError("BAD_ARGUMENT", `${where} names ${n} twice`);
    seen.add(n);
  }
}
