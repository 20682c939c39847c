/**
 * Timing helpers for the benchmark suites: medians of repeated runs, rates, and
 * the machine description that goes into every results file. Ratios are always
 * measured side by side in one run (this machine's speed drifts).
 */
import os from "node:os";

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
  /** Ratio against a named peer measured in the same run, e.g. { against: "naive", ratio: 57 }. */
  readonly ratios: { readonly against: string; readonly ratio: number }[];
  readonly note?: string;
  readonly peakRssBytes?: number;
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
