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
 * - What this machine gives a second thread: one loop over a buffer far larger than the
 *   caches and over one that fits in L1, on 1 and on 2 worker threads.
 *
 * The redistributing insert-select on the pool (insertSelectAsync) is measured beside its
 * peers in peers.ts.
 */
import { Worker } from "node:worker_threads";
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

/** A loop over `words` 32-bit words, `passes` times (each pass reads and writes every word). */
const SCALING_WORKER = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ words, passes }) => {
  const a = new Uint32Array(words);
  let h = 0;
  for (let p = 0; p < passes; p++) for (let i = 0; i < a.length; i++) { h = (Math.imul(h ^ a[i], 0x9e3779b1) + i) | 0; a[i] = h; }
  parentPort.postMessage(h);
});`;

/**
 * How this machine scales one loop from 1 to 2 threads: over a buffer far larger than the
 * caches (bound by memory bandwidth, like hashing and scattering a table) and over one that
 * fits in L1 (bound by arithmetic). The same work per thread; the ratio is total throughput.
 */
async function threadScaling(runs: number): Promise<Measurement[]> {
  const workers = [0, 1].map(() => new Worker(SCALING_WORKER, { eval: true }));
  const task = (w: Worker, words: number, passes: number): Promise<unknown> => new Promise((resolve) => { w.once("message", resolve); w.postMessage({ words, passes }); });
  try {
    const out: Measurement[] = [];
    for (const [label, words, passes] of [["streaming over 64 MiB (memory-bound)", 1 << 24, 4], ["over 16 KiB (in cache)", 1 << 12, 16_384]] as const) {
      await Promise.all(workers.map((w) => task(w, words, 1)));
      const one: number[] = []; const two: number[] = [];
      for (let r = 0; r < runs; r++) {
        let started = performance.now();
        await task(workers[0], words, passes);
        one.push(performance.now() - started);
        started = performance.now();
        await Promise.all(workers.map((w) => task(w, words, passes)));
        two.push(performance.now() - started);
      }
      const elements = words * passes;
      const a = measurement(GROUP, `machine: a hash loop ${label}, 1 thread`, elements, null, median(one), runs, "rows/s = 32-bit words read and written");
      const b = measurement(GROUP, `machine: a hash loop ${label}, 2 threads, the same work each`, 2 * elements, null, median(two), runs, "rows/s = 32-bit words read and written");
      b.ratios.push({ against: "1 thread", ratio: b.rowsPerSecond / a.rowsPerSecond });
      out.push(a, b);
    }
    return out;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
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
    results.push(...await threadScaling(context.quick ? 3 : 5));
  } finally {
    await pool.close();
  }
  for (const r of results) context.log(`${r.name}: ${(r.rowsPerSecond / 1e6).toFixed(2)} M rows/s (${r.medianMs.toFixed(0)} ms)${r.ratios.map((x) => `, ${x.ratio.toFixed(2)}× ${x.against}`).join("")}`);
  return results;
}
