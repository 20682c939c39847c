/**
 * The benchmark table: (id BIGINT unique PI, cust INTEGER Zipf, amount FLOAT,
 * note VARCHAR(16) of ~10 characters), about 34 bytes a row — the shape of
 * PERFORMANCE.md's measurements. Seeded; generated straight into Arrow batches.
 */
import type * as arrow from "apache-arrow";
import { Engine, types, type ExecutorSpec } from "../engine/index.js";
import { DataGenerator } from "../sim/index.js";

export const BENCH_DDL = "CREATE MULTISET TABLE bench.t (id BIGINT NOT NULL, cust INTEGER, amount FLOAT, note VARCHAR(16)) UNIQUE PRIMARY INDEX (id);";
export const BENCH_TABLE = "bench.t";

export function benchGenerator(seed = 42): DataGenerator {
  return new DataGenerator([
    { name: "id", type: types.int64, distribution: { kind: "sequential", start: 1 } },
    { name: "cust", type: types.int32, distribution: { kind: "zipf", n: 100_000, s: 1.1 } },
    { name: "amount", type: types.float64, distribution: { kind: "uniform", min: 0, max: 10_000 } },
    { name: "note", type: types.varchar(16), distribution: { kind: "uniform", min: 0, max: 2 ** 40 }, stringLength: { min: 8, max: 12 } },
  ], seed);
}

export function benchBatches(rows: number, batchRows = 1 << 20, seed = 42): arrow.RecordBatch[] {
  return [...benchGenerator(seed).batches(rows, batchRows)];
}

/** Bytes of the Arrow buffers of `batches` (values, offsets, validity). */
export function arrowBytes(batches: readonly arrow.RecordBatch[]): number {
  let bytes = 0;
  for (const batch of batches) {
    for (const child of batch.data.children) {
      for (const buffer of [child.values, child.valueOffsets, child.nullBitmap]) bytes += (buffer as ArrayBufferView | undefined)?.byteLength ?? 0;
    }
  }
  return bytes;
}

/**
 * A system with the benchmark table filled with `rows` rows (the rows of `benchBatches(rows)`),
 * generated and inserted one batch at a time so that only one batch is held besides the
 * engine's copy: for sources of tens of millions of rows. `bytes` is their `arrowBytes`.
 */
export function benchSource(amps: number, rows: number, name = "source", executor?: ExecutorSpec): { engine: Engine; bytes: number } {
  const engine = benchEngine(amps, [], name, executor);
  let bytes = 0;
  for (const batch of benchGenerator().batches(rows, 1 << 20)) {
    engine.insert(BENCH_TABLE, batch);
    bytes += arrowBytes([batch]);
  }
  return { engine, bytes };
}

/** A system with the benchmark table created (and filled, when batches are given). */
export function benchEngine(amps: number, batches: readonly arrow.RecordBatch[] = [], name = "source", executor?: ExecutorSpec): Engine {
  const engine = new Engine({ name, amps, executor });
  engine.sql("CREATE DATABASE bench;");
  engine.sql(BENCH_DDL);
  for (const batch of batches) engine.insert(BENCH_TABLE, batch);
  return engine;
}
