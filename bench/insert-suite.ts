/**
 * Engine suites: insert of 1M rows (4 columns) into 4 AMPs against the naive
 * approach (one object per row, scalar hash, tableFromJSON per AMP) and the
 * memory-copy limit; insert-select AMP-local and redistributing (also into a
 * UPI table against a NUPI one, from 64 source AMPs).
 */
import * as arrow from "apache-arrow";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Engine, rowHash, types } from "../engine/index.js";
import { arrowBytes, benchBatches, benchEngine, BENCH_DDL, BENCH_TABLE } from "./bench-data.js";
import { measurement, median, timeMedian, type Measurement } from "./bench-util.js";
import type { SuiteContext } from "./run.js";

/** What a toy would write: a row object each, a scalar hash each, rows grouped per AMP, tableFromJSON. */
export function naiveInsert(batch: arrow.RecordBatch, amps: number): arrow.Table[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < batch.numRows; i++) rows.push(batch.get(i)!.toJSON());
  const perAmp: Record<string, unknown>[][] = Array.from({ length: amps }, () => []);
  for (const row of rows) perAmp[rowHash([row.id], [types.int64]) % amps].push(row);
  return perAmp.map((list) => arrow.tableFromJSON(list));
}

/** The memory-copy limit: every Arrow buffer copied once into already-touched memory (from byte `at`); returns the end. */
export function copyBuffers(batch: arrow.RecordBatch, into: Uint8Array, at = 0): number {
  for (const child of batch.data.children) {
    for (const buffer of [child.values, child.valueOffsets] as (ArrayBufferView | undefined)[]) {
      if (!buffer) continue;
      into.set(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), at);
      at += buffer.byteLength;
    }
  }
  return at;
}

export async function insertSuite(context: SuiteContext): Promise<Measurement[]> {
  const rows = 1_000_000;
  const runs = context.quick ? 3 : 5;
  const [batch] = benchBatches(rows, rows);
  const bytes = arrowBytes([batch]);
  const results: Measurement[] = [];

  const insertMs = await timeMedian(runs, () => benchEngine(4), (engine) => engine.insert(BENCH_TABLE, batch));
  const insert = measurement("engine", "insert 1M rows × 4 columns into 4 AMPs", rows, bytes, insertMs, runs);

  const naiveRows = context.quick ? 100_000 : 200_000;
  const naiveBatch = batch.slice(0, naiveRows);
  const naiveMs = await timeMedian(Math.min(runs, 3), () => null, () => naiveInsert(naiveBatch, 4));
  const naive = measurement("engine", "naive insert (row objects, scalar hash, tableFromJSON)", naiveRows, null, naiveMs, Math.min(runs, 3));

  const scratch = new Uint8Array(bytes + 1024).fill(1);
  const copyMs = await timeMedian(runs, () => null, () => copyBuffers(batch, scratch));
  const copy = measurement("engine", "memory-copy limit (every buffer copied once)", rows, bytes, copyMs, runs);
  insert.ratios.push({ against: "naive", ratio: insert.rowsPerSecond / naive.rowsPerSecond }, { against: "memory copy", ratio: insert.rowsPerSecond / copy.rowsPerSecond });
  results.push(insert, naive, copy);

  const filled = benchEngine(4, [batch]);
  filled.sql("CREATE MULTISET TABLE bench.by_cust (id BIGINT NOT NULL, cust INTEGER, amount FLOAT, note VARCHAR(16)) PRIMARY INDEX (cust);");
  filled.sql("CREATE MULTISET TABLE bench.same_pi (id BIGINT NOT NULL, cust INTEGER, amount FLOAT, note VARCHAR(16)) UNIQUE PRIMARY INDEX (id);");
  const redistributeMs = await timeMedian(runs, () => filled.sql("DELETE FROM bench.by_cust;"), () => filled.insertSelect("bench.by_cust", BENCH_TABLE));
  const localMs = await timeMedian(runs, () => filled.sql("DELETE FROM bench.same_pi;"), () => filled.insertSelect("bench.same_pi", BENCH_TABLE));
  const redistribute = measurement("engine", "insert-select redistributing by another PI, 4 AMPs", rows, bytes, redistributeMs, runs);
  const local = measurement("engine", "insert-select AMP-local (same PI), 4 AMPs", rows, bytes, localMs, runs);
  redistribute.ratios.push({ against: "memory copy", ratio: redistribute.rowsPerSecond / copy.rowsPerSecond });
  results.push(redistribute, local, ...await uniqueRedistribute(batch, bytes, runs));
  results.push(...durableMeasurements(batch, bytes, runs, insert));
  for (const r of results) context.log(`${r.name}: ${(r.rowsPerSecond / 1e6).toFixed(2)} M rows/s (${r.medianMs.toFixed(1)} ms)`);
  return results;
}

/**
 * The redistributing insert-select into a UPI table against the same into a NUPI table, on 64
 * AMPs: 64 inputs (one per source AMP), whose UPI check is one per target AMP for the statement.
 */
async function uniqueRedistribute(batch: arrow.RecordBatch, bytes: number, runs: number): Promise<Measurement[]> {
  const engine = new Engine({ name: "wide", amps: 64 });
  const columns = "(id BIGINT NOT NULL, cust INTEGER, amount FLOAT, note VARCHAR(16))";
  engine.sql(`CREATE DATABASE bench; CREATE MULTISET TABLE bench.by_cust ${columns} PRIMARY INDEX (cust); CREATE MULTISET TABLE bench.upi ${columns} UNIQUE PRIMARY INDEX (id); CREATE MULTISET TABLE bench.nupi ${columns} PRIMARY INDEX (id);`);
  engine.insert("bench.by_cust", batch);
  const once = (table: string) => timeMedian(1, () => engine.sql(`DELETE FROM ${table};`), () => engine.insertSelect(table, "bench.by_cust"));
  // Interleaved run by run: this machine drifts.
  const times: number[][] = [[], []];
  for (let round = 0; round < runs; round++) { times[0].push(await once("bench.upi")); times[1].push(await once("bench.nupi")); }
  const unique = measurement("engine", "insert-select redistributing PI(cust) → UPI(id), 64 AMPs (64 inputs, one UPI check per AMP)", batch.numRows, bytes, median(times[0]), runs);
  const plain = measurement("engine", "insert-select redistributing PI(cust) → NUPI(id), 64 AMPs", batch.numRows, bytes, median(times[1]), runs);
  unique.ratios.push({ against: "the same into a NUPI table", ratio: unique.rowsPerSecond / plain.rowsPerSecond });
  return [unique, plain];
}

/** Durable insert of the same 1M rows (segment files, fsync, atomic commit) against in-memory, and the time to reopen. */
function durableMeasurements(batch: arrow.RecordBatch, bytes: number, runs: number, memory: Measurement): Measurement[] {
  const times: number[] = []; const opens: number[] = [];
  for (let run = 0; run < runs; run++) {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-bench-durable-")), "system");
    try {
      const engine = new Engine({ name: "durable", amps: 4, dir });
      engine.sql("CREATE DATABASE bench;");
      engine.sql(BENCH_DDL);
      let started = performance.now();
      engine.insert(BENCH_TABLE, batch);
      times.push(performance.now() - started);
      started = performance.now();
      Engine.open(dir);
      opens.push(performance.now() - started);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  }
  const durable = measurement("engine", "durable insert 1M rows × 4 columns into 4 AMPs (fsync, atomic commit)", batch.numRows, bytes, median(times), runs);
  durable.ratios.push({ against: "in-memory insert", ratio: durable.rowsPerSecond / memory.rowsPerSecond });
  const open = measurement("engine", "Engine.open of that system (checks every file's CRC)", batch.numRows, bytes, median(opens), runs);
  return [durable, open];
}
