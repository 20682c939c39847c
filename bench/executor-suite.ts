/**
 * Executor suite: the same work inline and on the worker pool (piscina, one
 * thread per core), side by side in one run.
 *
 * - Kernels alone: checksumBatch (CRC-32 and whole-row checksum hashes of an
 *   archived batch) and placeBatch (a restore batch checked, hashed and grouped
 *   by target AMP) over 1M benchmark rows in 64K-row batches, four in flight.
 * - The staged 4 → 6 AMP migration over memory with 4 streams (10M rows; 1M
 *   with --quick), whose archive, restore and verification kernels use the pool.
 *
 * Engine steps themselves (insert, insert-select) run on the calling thread
 * under either executor, so redistribute is not measured here.
 */
import { createExecutor, Engine, INLINE, type Executor } from "../engine/index.js";
import { encodeBatchMessage, encodeSchemaMessage } from "../migrator/archive-format.js";
import { KERNELS } from "../migrator/kernels.js";
import { migrate } from "../migrator/index.js";
import { arrowBytes, benchBatches, benchEngine, benchSource, BENCH_TABLE } from "./bench-data.js";
import { collectGarbage, measurement, median, type Measurement } from "./bench-util.js";
import type { SuiteContext } from "./run.js";

const GROUP = "executor: inline vs pool";

/** Runs `kernel` over every payload with `inFlight` tasks at once; milliseconds. */
async function kernelPass(executor: Executor, name: string, payloads: readonly Uint8Array[], input: (payload: Uint8Array) => object, inFlight: number): Promise<number> {
  const copies = payloads.map((p) => p.slice()); // the pool moves its inputs away
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < copies.length) {
      const payload = copies[next++];
      await executor.run({ module: KERNELS, name }, input(payload), [payload.buffer as ArrayBuffer]);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return performance.now() - started;
}

export async function executorSuite(context: SuiteContext): Promise<Measurement[]> {
  const pool = createExecutor("pool");
  const results: Measurement[] = [];
  try {
    const runs = context.quick ? 3 : 5;
    const batches = benchBatches(1_000_000, 65_536);
    const bytes = arrowBytes(batches);
    const schema = encodeSchemaMessage(batches[0].schema);
    const payloads = batches.map((b) => encodeBatchMessage(b));
    const shape = benchEngine(6);
    const definition = shape.describe(BENCH_TABLE);
    const types = definition.columns.map((c) => c.type);
    const buckets = new Uint16Array(new SharedArrayBuffer(shape.hashMap.buckets.byteLength));
    buckets.set(shape.hashMap.buckets);
    const kernels: [string, (payload: Uint8Array) => object][] = [
      ["checksumBatch", (payload) => ({ schema, payload, types, piHash: null, bits: 16, crc: true })],
      ["placeBatch", (payload) => ({ table: BENCH_TABLE, columns: definition.columns, pi: [0], hashBits: 16, buckets, amps: 6, schema, payload })],
    ];
    for (const [name, input] of kernels) {
      const inline: number[] = []; const pooled: number[] = [];
      await kernelPass(pool, name, payloads, input, 4); // warm the workers up
      for (let r = 0; r < runs; r++) {
        inline.push(await kernelPass(INLINE, name, payloads, input, 1));
        pooled.push(await kernelPass(pool, name, payloads, input, 2 * pool.threads));
      }
      const a = measurement(GROUP, `${name} kernel, inline`, 1_000_000, bytes, median(inline), runs);
      const b = measurement(GROUP, `${name} kernel, pool of ${pool.threads}`, 1_000_000, bytes, median(pooled), runs);
      b.ratios.push({ against: "inline", ratio: b.rowsPerSecond / a.rowsPerSecond, goal: 1.5 });
      results.push(a, b);
    }

    const rows = context.quick ? 1_000_000 : 10_000_000;
    const { engine: inlineSource, bytes: tableBytes } = benchSource(4, rows);
    const { engine: poolSource } = benchSource(4, rows, "source", pool); // the same seeded rows
    const inlineTimes: number[] = []; const poolTimes: number[] = [];
    const migrationRuns = context.quick ? 2 : 3;
    for (let r = 0; r < migrationRuns; r++) {
      for (const [executor, times] of [[INLINE, inlineTimes], [pool, poolTimes]] as [Executor, number[]][]) {
        collectGarbage();
        const target = new Engine({ name: "target", amps: 6, executor });
        const started = performance.now();
        await migrate({ source: executor === pool ? poolSource : inlineSource, target, streams: 4, medium: "memory" });
        times.push(performance.now() - started);
      }
    }
    const a = measurement(GROUP, `migration 4 → 6 AMPs, memory, 4 streams, inline`, rows, tableBytes, median(inlineTimes), migrationRuns);
    const b = measurement(GROUP, `migration 4 → 6 AMPs, memory, 4 streams, pool of ${pool.threads}`, rows, tableBytes, median(poolTimes), migrationRuns);
    b.ratios.push({ against: "inline", ratio: b.rowsPerSecond / a.rowsPerSecond, goal: 1.5 });
    results.push(a, b);
  } finally {
    await pool.close();
  }
  for (const r of results) context.log(`${r.name}: ${(r.rowsPerSecond / 1e6).toFixed(2)} M rows/s (${r.medianMs.toFixed(0)} ms)${r.ratios.map((x) => `, ${x.ratio.toFixed(2)}× ${x.against}`).join("")}`);
  return results;
}
