/**
 * DuckDB as a peer (through `@duckdb/node-api`, installed by `npm run bench`): an in-memory
 * database with a fixed thread count, the benchmark's Arrow batches loaded into
 * a table (untimed), and statements timed one run at a time with the table they
 * create dropped between runs.
 *
 * Loading: the node API binds no Arrow scan, so batches go through the appender
 * one DuckDB data chunk (2,048 rows) at a time, filled column by column from the
 * Arrow buffers with the chunk vectors' `setItem` and `flush` (one memory copy
 * per numeric vector; strings assigned one by one). About 1 µs a row here.
 */
import type * as arrow from "apache-arrow";

/*
 * The slice of @duckdb/node-api this peer uses. The package is not a dependency of the project
 * (its lock entries for other platforms cannot be resolved from this registry, which breaks
 * `npm ci`): `npm run bench` installs it without saving (the prebench script) and it is loaded
 * here by a dynamic import, so the rest of the project builds and tests without it.
 */
type DuckDBType = unknown;
type DuckDBValue = unknown;
interface DuckDBVector { readonly itemCount: number; setItem(index: number, value: DuckDBValue): void; flush(): void }
interface DuckDBDataChunk { getColumnVector(column: number): DuckDBVector }
interface DuckDBAppender { appendDataChunk(chunk: DuckDBDataChunk): void; closeSync(): void }
interface DuckDBConnection {
  run(sql: string): Promise<unknown>;
  runAndReadAll(sql: string): Promise<{ getRows(): unknown[][] }>;
  createAppender(table: string): Promise<DuckDBAppender>;
  closeSync(): void;
}
interface DuckDBModule {
  readonly DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckDBConnection>; closeSync(): void }> };
  readonly DuckDBDataChunk: { create(types: readonly DuckDBType[], rows: number): DuckDBDataChunk };
  readonly DuckDBVector: { standardSize(): number };
  readonly BIGINT: DuckDBType; readonly INTEGER: DuckDBType; readonly DOUBLE: DuckDBType; readonly FLOAT: DuckDBType; readonly VARCHAR: DuckDBType;
}

let duckdb: DuckDBModule | null = null;

/** The DuckDB bindings; throws when @duckdb/node-api is not installed (run `npm run bench`, whose prebench installs it). */
async function loadDuckDB(): Promise<DuckDBModule> {
  const specifier = "@duckdb/node-api";
  duckdb ??= (await import(specifier)) as DuckDBModule;
  return duckdb;
}

/** An open in-memory DuckDB database and one connection to it. */
export interface DuckDBPeer {
  readonly connection: DuckDBConnection;
  readonly version: string;
  readonly close: () => void;
}

/** Opens an in-memory DuckDB with `SET threads = threads`. */
export async function openDuckDB(threads: number): Promise<DuckDBPeer> {
  const { DuckDBInstance } = await loadDuckDB();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(`SET threads = ${threads}`);
  const reader = await connection.runAndReadAll("SELECT version(), current_setting('threads')");
  const [version, actual] = reader.getRows()[0];
  if (Number(actual) !== threads) throw new Error(`DuckDB runs ${String(actual)} threads, not ${threads}`);
  return { connection, version: String(version), close: () => { connection.closeSync(); instance.closeSync(); } };
}

function duckType(type: arrow.DataType): { sql: string; type: DuckDBType } {
  const { BIGINT, INTEGER, DOUBLE, FLOAT, VARCHAR } = duckdb!;
  const name = String(type);
  if (name === "Int64") return { sql: "BIGINT", type: BIGINT };
  if (name === "Int32") return { sql: "INTEGER", type: INTEGER };
  if (name === "Float64") return { sql: "DOUBLE", type: DOUBLE };
  if (name === "Float32") return { sql: "FLOAT", type: FLOAT };
  if (name === "Utf8") return { sql: "VARCHAR", type: VARCHAR };
  throw new Error(`DuckDB peer: no mapping for Arrow type ${name}`);
}

/** Writes rows [start, start + vector.itemCount) of one Arrow column into a chunk vector. */
function fillVector(vector: DuckDBVector, data: arrow.Data, column: arrow.Vector, start: number): void {
  const n = vector.itemCount;
  if (data.nullCount === 0 && data.values !== undefined && !(data.values instanceof Uint8Array)) {
    const values = data.values as ArrayLike<DuckDBValue>;
    for (let i = 0; i < n; i++) vector.setItem(i, values[start + i]);
  } else {
    for (let i = 0; i < n; i++) vector.setItem(i, (column.get(start + i) ?? null) as DuckDBValue);
  }
  vector.flush();
}

function appendBatch(appender: DuckDBAppender, batch: arrow.RecordBatch, types: readonly DuckDBType[]): void {
  const { DuckDBVector, DuckDBDataChunk } = duckdb!;
  const size = DuckDBVector.standardSize();
  for (let start = 0; start < batch.numRows; start += size) {
    const chunk = DuckDBDataChunk.create(types, Math.min(size, batch.numRows - start));
    types.forEach((_, c) => fillVector(chunk.getColumnVector(c), batch.data.children[c], batch.getChildAt(c)!, start));
    appender.appendDataChunk(chunk);
  }
}

/** Creates `table` with the batches' columns and appends every row; checks the row count. */
export async function loadBatches(connection: DuckDBConnection, table: string, batches: readonly arrow.RecordBatch[]): Promise<void> {
  const fields = batches[0].schema.fields;
  const mapped = fields.map((f) => duckType(f.type));
  await connection.run(`CREATE TABLE ${table} (${fields.map((f, c) => `"${f.name}" ${mapped[c].sql}`).join(", ")})`);
  const appender = await connection.createAppender(table);
  for (const batch of batches) appendBatch(appender, batch, mapped.map((m) => m.type));
  appender.closeSync();
  const expected = batches.reduce((sum, b) => sum + b.numRows, 0);
  const count = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]);
  if (count !== expected) throw new Error(`DuckDB peer: loaded ${count} rows of ${expected}`);
}

/** Milliseconds to run `sql` once; then runs `cleanup` (untimed). */
export async function timeStatement(connection: DuckDBConnection, sql: string, cleanup: string): Promise<number> {
  const started = performance.now();
  await connection.run(sql);
  const elapsed = performance.now() - started;
  await connection.run(cleanup);
  return elapsed;
}
