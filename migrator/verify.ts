/**
 * Verification shared by every migration strategy: a table's bucket checksums
 * read from a system, and the comparison of a source table with its copy
 * (row counts, order- and placement-independent checksums per bucket, every
 * target row on the AMP its row hash assigns).
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type * as arrow from "apache-arrow";
import { AmpsimError, Engine, quoteIdentifierIfNeeded, showValue, skewFactorOf, TaskWindow, workersAvailable, type ColumnType } from "../engine/index.js";

export { skewFactorOf };
import { addCompactBucketSums, addRows, addRowsToFingerprint, emptyChecksums, FINGERPRINT_WORDS, mismatchedBuckets, tableChecksum, VERIFY_BITS_MAX, type BucketChecksums } from "./checksum.js";
import { runChecksumColumns, sharedColumns, type ColumnsChecksumInput } from "./kernels.js";
import { withLabels } from "./labels.js";
import type { TableReport } from "./migration-report.js";
import { definitionFromDdl } from "./staging.js";

export interface TableReading {
  readonly checksums: BucketChecksums;
  readonly rows: number;
  /** Every row's row hash maps to the AMP that holds it (always true for NoPI tables). */
  readonly placed: boolean;
}

/** Reads every AMP's rows of `table` (labelled `phase`) into bucket checksums at `bits`. */
export function readChecksums(engine: Engine, table: string, bits: number, phase = "verify"): TableReading {
  checkBits(bits, `readChecksums of ${table}`);
  const definition = engine.describe(table);
  const types = definition.columns.map((c) => c.type);
  const checksums = emptyChecksums(bits);
  let placed = true; let rows = 0;
  for (let amp = 0; amp < engine.amps; amp++) {
    const read = withLabels(engine, { phase, table }, () => engine.readAmp(table, amp));
    for (const part of read.parts) {
      addRows(checksums, types, part.batch, definition.primaryIndex ? part.rowHash : null);
      if (definition.primaryIndex && placed) placed = placedOn(engine, part.rowHash, amp);
      rows += part.batch.numRows;
    }
  }
  return { checksums, rows, placed };
}

const VERIFY_CHUNK_ROWS = 131_072;

/**
 * readChecksums on the engine's executor: with a pool, the workers hash the rows of shared runs
 * (EngineOptions.sharedStorage) in place, chunk by chunk, all AMPs at once, while this thread
 * hashes any other runs; inline it is readChecksums. The sums are the same either way.
 */
export async function readChecksumsOn(engine: Engine, table: string, bits: number, phase = "verify"): Promise<TableReading> {
  if (!workersAvailable(engine.executor)) return readChecksums(engine, table, bits, phase);
  const checksums = emptyChecksums(bits);
  const { rows, placed } = await readRowsOn(engine, table, bits, phase, {
    here: (types, chunk, piHash) => addRows(checksums, types, chunk, piHash),
    onWorker: (input) => runChecksumColumns(engine.executor, input).then((sums) => addCompactBucketSums(checksums, sums)),
  });
  return { checksums, rows, placed };
}

/** A table's rows read into a fingerprint at `bits` (checksum.ts), on the engine's executor as readChecksumsOn reads them. */
export async function readFingerprintOn(engine: Engine, table: string, bits: number, phase = "verify"): Promise<{ readonly fingerprint: Uint32Array; readonly rows: number; readonly placed: boolean }> {
  checkBits(bits, `readFingerprintOn of ${table}`);
  const fingerprint = new Uint32Array(FINGERPRINT_WORDS);
  const onPool = workersAvailable(engine.executor);
  const { rows, placed } = await readRowsOn(engine, table, bits, phase, {
    here: (types, chunk, piHash) => addRowsToFingerprint(fingerprint, types, chunk, piHash, bits),
    onWorker: onPool ? (input) => runChecksumColumns(engine.executor, { ...input, fingerprint: true }).then((sums) => { for (let k = 0; k < FINGERPRINT_WORDS; k++) fingerprint[k] += sums[k]; }) : null,
  });
  return { fingerprint, rows, placed };
}

/**
 * Every AMP's rows of `table`, chunk by chunk, to `sink`: shared chunks to its worker task
 * (a bounded window of them) when it has one, others here; the rows counted and their placement checked.
 */
async function readRowsOn(engine: Engine, table: string, bits: number, phase: string, sink: {
  here(types: readonly ColumnType[], chunk: arrow.RecordBatch, piHash: Uint32Array | null): void;
  onWorker: ((input: ColumnsChecksumInput) => Promise<void>) | null;
}): Promise<{ rows: number; placed: boolean }> {
  const definition = engine.describe(table);
  const types = definition.columns.map((c) => c.type);
  let placed = true; let rows = 0;
  // A bounded window of tasks, one per worker: the pool hands queued tasks to workers from this thread's event loop.
  const window = new TaskWindow(Math.max(1, engine.executor.threads));
  try {
    for (let amp = 0; amp < engine.amps && !window.failed; amp++) {
      const read = withLabels(engine, { phase, table }, () => engine.readAmp(table, amp));
      for (const part of read.parts) {
        if (window.failed) break;
        if (definition.primaryIndex && placed) placed = placedOn(engine, part.rowHash, amp);
        rows += part.batch.numRows;
        // Chunks only for the workers (several in flight); here, a run at once.
        const chunkRows = sink.onWorker === null ? part.batch.numRows : VERIFY_CHUNK_ROWS;
        for (let first = 0; first < part.batch.numRows && !window.failed; first += chunkRows) {
          const end = Math.min(part.batch.numRows, first + chunkRows);
          const chunk = first === 0 && end === part.batch.numRows ? part.batch : part.batch.slice(first, end);
          const piHash = definition.primaryIndex ? part.rowHash.subarray(first, end) : null;
          const shared = sink.onWorker === null ? null : sharedColumns(types, chunk, piHash, bits);
          // Rows not in shared memory are hashed here (measured: cheaper than encoding them for a
          // worker), and so are shared ones while every worker is busy: this thread would only wait.
          if (shared !== null && window.full) await nextTurn(); // finished tasks leave the window
          if (shared === null || window.full) sink.here(types, chunk, piHash);
          else await window.add(() => sink.onWorker!(shared));
        }
      }
    }
  } catch (error) {
    await window.drain().catch(() => undefined); // no task left running for a reading that failed
    throw error;
  }
  await window.drain();
  return { rows, placed };
}

/** BAD_ARGUMENT unless `bits` is a whole number of verification bits, 0..VERIFY_BITS_MAX. */
function checkBits(bits: number, where: string): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > VERIFY_BITS_MAX) {
    throw new AmpsimError("BAD_ARGUMENT", `${where}: bits must be an integer in 0..${VERIFY_BITS_MAX} (verification buckets are the top bits of the row hash), but found ${showValue(bits)}`);
  }
}

/** True when every row hash maps to `amp` under the system's hash map. */
export function placedOn(engine: Engine, rowHash: Uint32Array, amp: number): boolean {
  const { buckets, hashBits } = engine.hashMap;
  const shift = 32 - hashBits;
  for (let i = 0; i < rowHash.length; i++) if (buckets[rowHash[i] >>> shift] !== amp) return false;
  return true;
}

/**
 * Compares each table on `source` with its copy on `target` by reading both; never throws for a
 * mismatch (the report says `verified: false`).
 *
 * @example
 * verifyCopy(source, target, ["shop.orders"])[0].verified // true
 */
export function verifyCopy(source: Engine, target: Engine, tables: readonly string[]): TableReport[] {
  if (!(source instanceof Engine) || !(target instanceof Engine)) throw new AmpsimError("BAD_ARGUMENT", `verifyCopy(source, target, tables): source and target must be Engines, but found ${showValue(source)} and ${showValue(target)}`);
  if (!Array.isArray(tables) || !tables.every((t) => typeof t === "string")) throw new AmpsimError("BAD_ARGUMENT", `verifyCopy: tables must be a list of table names, but found ${showValue(tables)}`);
  const bits = Math.min(source.hashBits, target.hashBits, VERIFY_BITS_MAX);
  return tables.map((table) => {
    const expected = readChecksums(source, table, bits);
    const actual = target.hasTable(table) ? readChecksums(target, table, bits) : { checksums: emptyChecksums(bits), rows: 0, placed: false };
    const { buckets } = mismatchedBuckets(expected.checksums, actual.checksums);
    const sourceAmpRows = source.ampRowCounts(table);
    const targetAmpRows = target.hasTable(table) ? target.ampRowCounts(table) : new Array<number>(target.amps).fill(0);
    return {
      table, rows: expected.rows, rowsBefore: 0, sourceChecksum: tableChecksum(expected.checksums).digest, targetChecksum: tableChecksum(actual.checksums).digest,
      verified: buckets.length === 0 && actual.placed, placementVerified: actual.placed, mismatchedBuckets: buckets, bucketBits: bits,
      sourceAmpRows, targetAmpRows, sourceSkewFactor: skewFactorOf(sourceAmpRows), targetSkewFactor: skewFactorOf(targetAmpRows),
    };
  });
}

/** Sends a table's DDL text to the target as queries, creating its database first when missing; returns that database if it created it. */
export function copyDefinition(target: Engine, ddl: string): string | null {
  const { database } = definitionFromDdl(ddl);
  const created = target.databases().includes(database) ? null : database;
  if (created !== null) target.sql(`CREATE DATABASE ${quoteIdentifierIfNeeded(database)};`);
  try {
    withLabels(target, { phase: "dictionary" }, () => target.sql(ddl));
  } catch (error) {
    if (created !== null) target.sql(`DROP DATABASE ${quoteIdentifierIfNeeded(created)};`);
    throw error;
  }
  return created;
}
