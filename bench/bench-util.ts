/**
 * Timing helpers for the benchmark suites: medians of repeated runs, rates, and
 * the machine description that goes into every results file. Ratios are always
 * measured side by side in one run (this machine's speed drifts).
 */
import { once } from "node:events";
import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";
import { Worker } from "node:worker_threads";

export interface Measurement {
  readonly name: string;
  readonly group: string;
  /** Rows per second (median run). */
  readonly rowsPerSecond: number;
  /** Megabytes (2^20) per second of table data (median run), when meaningful. */
  readonly megabytesPerSecond: number | null;
  readonly medianMs: number;
  readonly runs: number;
  readonly rows: number;
  /** Ratio against a named peer measured in the same run, e.g. { against: "naive", ratio: 57 }, with the goal if there is one. */
  readonly ratios: Ratio[];
  readonly note?: string;
  readonly peakRssBytes?: number;
}

export interface Ratio {
  readonly against: string;
  readonly ratio: number;
  /** The ratio the project aims at (issue 6, "Goals"): met when ratio >= goal (ratio <= goal when `atMost`). */
  readonly goal?: number;
  /** The goal is an upper bound (peak memory), not a lower one. */
  readonly atMost?: boolean;
}

/** Whether `x` meets its goal ("≥ 2×", or "≤ 3×" when it is an upper bound). */
export function goalMet(x: Ratio): boolean {
  return x.goal !== undefined && (x.atMost === true ? x.ratio <= x.goal : x.ratio >= x.goal);
}

/** "≥ 2×" or "≤ 3×". */
export function goalText(x: Ratio): string {
  return `${x.atMost === true ? "≤" : "≥"} ${x.goal}×`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `body` `runs` times (after `setup` each time, untimed) and returns the median time in ms. */
export async function timeMedian<T>(runs: number, setup: () => T | Promise<T>, body: (input: T) => unknown): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const input = await setup();
    const started = performance.now();
    await body(input);
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * The median time in ms of one call of `body`, from `runs` runs of `calls` calls each: for
 * bodies of well under a millisecond, whose single calls the timer cannot resolve.
 */
export function timePerCall(runs: number, calls: number, body: () => unknown): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    for (let c = 0; c < calls; c++) body();
    times.push((performance.now() - started) / calls);
  }
  return median(times);
}

let gcFunction: (() => void) | null = null;

/**
 * A full garbage collection, so that the garbage of one run (a released engine holds GBs of
 * Arrow buffers) is not collected during the next timed run. Uses `global.gc` when node runs
 * with --expose-gc, else V8's gc made reachable at run time (as jest's leak detector does).
 */
export function collectGarbage(): void {
  if (gcFunction === null) {
    if (typeof globalThis.gc === "function") gcFunction = globalThis.gc as () => void;
    else {
      v8.setFlagsFromString("--expose-gc");
      gcFunction = vm.runInNewContext("gc") as () => void;
    }
  }
  gcFunction();
}

export function measurement(group: string, name: string, rows: number, bytes: number | null, medianMs: number, runs: number, note?: string): Measurement {
  return {
    group, name, rows, runs, medianMs, note, ratios: [],
    rowsPerSecond: rows / (medianMs / 1000), megabytesPerSecond: bytes === null ? null : bytes / 2 ** 20 / (medianMs / 1000),
  };
}

export function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` };
}

/** The sampling loop, run in a worker so that synchronous work on the main thread is sampled too. */
const RSS_SAMPLER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { peak, intervalMs } = workerData;
setInterval(() => {
  const rss = BigInt(process.memoryUsage.rss());
  let seen = Atomics.load(peak, 0);
  while (rss > seen) {
    const previous = Atomics.compareExchange(peak, 0, seen, rss);
    if (previous === seen) break;
    seen = previous;
  }
}, intervalMs);
`;

/**
 * Peak resident set size of the process while a body runs, sampled every
 * `intervalMs` (20) by a worker thread: RSS is per process, and a timer on the
 * main thread would not fire during synchronous work.
 */
export class RssSampler {
  readonly #peak: BigInt64Array;
  readonly #worker: Worker;

  private constructor(peak: BigInt64Array, worker: Worker) {
    this.#peak = peak;
    this.#worker = worker;
  }

  static async start(intervalMs = 20): Promise<RssSampler> {
    const peak = new BigInt64Array(new SharedArrayBuffer(8));
    const worker = new Worker(RSS_SAMPLER_SOURCE, { eval: true, workerData: { peak, intervalMs } });
    await once(worker, "online");
    worker.unref();
    return new RssSampler(peak, worker);
  }

  /** Runs `body`; returns its result, the RSS when it started and the peak RSS while it ran, in bytes. */
  async measure<T>(body: () => T | Promise<T>): Promise<{ result: T; startRss: number; peakRss: number }> {
    const startRss = process.memoryUsage.rss();
    Atomics.store(this.#peak, 0, BigInt(startRss));
    const result = await body();
    const peakRss = Math.max(Number(Atomics.load(this.#peak, 0)), process.memoryUsage.rss());
    return { result, startRss, peakRss };
  }

  async stop(): Promise<void> {
    await this.#worker.terminate();
  }
}
