/**
 * Read suite: the benchmark table (1M rows, 4 AMPs) read back — the all-AMP scan
 * of the whole table (stored as one run per AMP, and as 16 runs per AMP after 16
 * inserts of 64K rows), a projection, predicates, and single-AMP PI lookups of
 * random existing ids (benchmark.js) against an all-AMP scan for the same row.
 * The full scan is compared with the memory-copy limit of insert-suite.ts.
 */
import type * as arrow from "apache-arrow";
import Benchmark from "benchmark";
import type { Engine } from "../engine/index.js";
import { Prng } from "../sim/index.js";
import { arrowBytes, benchBatches, benchEngine, BENCH_TABLE } from "./bench-data.js";
import { measurement, timeMedian, timePerCall, type Measurement } from "./bench-util.js";
import { copyBuffers } from "./insert-suite.js";
import type { SuiteContext } from "./run.js";

const GROUP = "read";
const ROWS = 1_000_000;
/** The benchmark table again, filled by 16 inserts of 64K rows: 16 runs per AMP, concatenated by each scan. */
const RUNS_TABLE = "bench.t_runs";
const RUNS_DDL = "CREATE MULTISET TABLE bench.t_runs (id BIGINT NOT NULL, cust INTEGER, amount FLOAT, note VARCHAR(16)) UNIQUE PRIMARY INDEX (id);";
const LOOKUP_KEYS = 1 << 14;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`read suite: ${message}`);
}

function tableBytes(table: arrow.Table): number {
  return arrowBytes(table.batches);
}

/** Scans: whole table (one run and 16 runs per AMP), projection, predicates; each checked against the rows it must return. */
async function scanMeasurements(engine: Engine, bytes: number, runs: number, context: SuiteContext): Promise<Measurement[]> {
  const full = engine.scan(BENCH_TABLE);
  check(full.numRows === ROWS, `a full scan returned ${full.numRows} rows, expected ${ROWS}`);
  const fullMs = timePerCall(runs, 20, () => engine.scan(BENCH_TABLE));
  const runsMs = await timeMedian(runs, () => null, () => engine.scan(RUNS_TABLE));
  const projected = engine.scan(BENCH_TABLE, { columns: ["id", "amount"] });
  check(projected.numCols === 2 && projected.numRows === ROWS, "the projected scan returned the wrong shape");
  const projectedMs = timePerCall(runs, 20, () => engine.scan(BENCH_TABLE, { columns: ["id", "amount"] }));
  const results = [
    measurement(GROUP, "all-AMP scan, whole table (one run per AMP)", ROWS, bytes, fullMs, runs, "returns views of the stored runs: no copy"),
    measurement(GROUP, "all-AMP scan, whole table after 16 inserts of 64K rows (16 runs per AMP)", ROWS, bytes, runsMs, runs, "the runs are concatenated (copied) by each scan"),
    measurement(GROUP, "all-AMP scan, columns id, amount", ROWS, tableBytes(projected), projectedMs, runs, "MB/s of the two columns returned"),
  ];
  for (const where of ["cust < 100", "amount < 1000"]) {
    const kept = engine.scan(BENCH_TABLE, { where }).numRows;
    check(kept > 0 && kept < ROWS, `where ${where} kept ${kept} of ${ROWS} rows`);
    const ms = await timeMedian(runs, () => null, () => engine.scan(BENCH_TABLE, { where }));
    results.push(measurement(GROUP, `all-AMP scan where ${where}`, ROWS, bytes, ms, runs, `keeps ${(kept / ROWS * 100).toFixed(1)}% of the rows; rows/s and MB/s of the rows read`));
  }
  for (const m of results) context.log(`${m.name}: ${(m.rowsPerSecond / 1e6).toFixed(2)} M rows/s (${m.medianMs.toFixed(2)} ms)`);
  return results;
}

/** `count` existing ids (1 … ROWS), seeded. */
function lookupKeys(count: number): Float64Array {
  const prng = new Prng("bench/read/lookup");
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = prng.int(1, ROWS);
  return keys;
}

/** PI lookups of random existing ids with benchmark.js; every lookup must find its one row. */
function lookupMeasurement(engine: Engine, context: SuiteContext): Promise<Measurement> {
  const keys = lookupKeys(LOOKUP_KEYS);
  let next = 0;
  let calls = 0;
  let found = 0;
  return new Promise((resolve, reject) => {
    let result: Measurement | null = null;
    new Benchmark.Suite("PI lookup")
      .add("lookup", () => { found += engine.lookup(BENCH_TABLE, keys[next++ & (LOOKUP_KEYS - 1)]).numRows; calls++; })
      .on("cycle", (event: Benchmark.Event) => {
        const target = event.target as Benchmark.Target & { hz: number; stats: { rme: number; sample: number[] } };
        result = measurement(GROUP, "PI lookup of a random existing id (single-AMP)", 1, null, 1000 / target.hz, target.stats.sample.length,
          `lookups/s in the rows/s column, ±${target.stats.rme.toFixed(1)}% (benchmark.js)`);
        context.log(`PI lookup: ${String(event.target)}`);
      })
      .on("error", (event: Benchmark.Event) => reject((event.target as { error?: Error }).error ?? new Error("benchmark.js failed")))
      .on("complete", () => {
        if (found !== calls) reject(new Error(`read suite: ${calls} lookups of existing ids found ${found} rows`));
        else resolve(result!);
      })
      .run({ async: false, maxTime: context.quick ? 0.5 : 2 });
  });
}

export async function readSuite(context: SuiteContext): Promise<Measurement[]> {
  const runs = context.quick ? 5 : 9;
  const [batch] = benchBatches(ROWS, ROWS);
  const bytes = arrowBytes([batch]);
  const engine = benchEngine(4, [batch]);
  engine.sql(RUNS_DDL);
  for (let start = 0; start < ROWS; start += 65_536) engine.insert(RUNS_TABLE, batch.slice(start, Math.min(ROWS, start + 65_536)));

  const scratch = new Uint8Array(bytes + 1024).fill(1);
  const copyMs = await timeMedian(runs, () => null, () => copyBuffers(batch, scratch));
  const copy = measurement(GROUP, "memory-copy limit (every buffer copied once)", ROWS, bytes, copyMs, runs);
  const scans = await scanMeasurements(engine, bytes, runs, context);
  for (const scan of scans.slice(0, 2)) scan.ratios.push({ against: "memory copy", ratio: scan.rowsPerSecond / copy.rowsPerSecond });

  const lookup = await lookupMeasurement(engine, context);
  const where = `id = ${ROWS >> 1}`;
  check(engine.scan(BENCH_TABLE, { where }).numRows === 1, `where ${where} did not find its one row`);
  const byScanMs = await timeMedian(runs, () => null, () => engine.scan(BENCH_TABLE, { where }));
  const byScan = measurement(GROUP, `all-AMP scan where ${where} (the row a PI lookup finds)`, ROWS, bytes, byScanMs, runs, "rows/s of the rows read");
  lookup.ratios.push({ against: "all-AMP scan for the same row", ratio: byScanMs / lookup.medianMs });
  context.log(`${byScan.name}: ${byScanMs.toFixed(1)} ms; PI lookup ${(lookup.medianMs * 1000).toFixed(1)} µs (${(byScanMs / lookup.medianMs).toFixed(0)}× faster)`);
  context.log(`${copy.name}: ${(copy.rowsPerSecond / 1e6).toFixed(2)} M rows/s (${copy.medianMs.toFixed(2)} ms)`);
  return [...scans, byScan, lookup, copy];
}
