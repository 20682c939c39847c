/**
 * Migration suite: a 4 → 6 AMP staged migration of the benchmark table over every
 * medium with 1, 2 and 4 streams (10M rows; 1M with --quick), with the time per
 * phase and the peak RSS of the process during each run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Engine } from "../engine/index.js";
import { migrate, type MediumSpec, type MigrationReport } from "../migrator/index.js";
import { arrowBytes, benchBatches, benchEngine } from "./bench-data.js";
import { measurement, type Measurement } from "./bench-util.js";
import type { SuiteContext } from "./run.js";

/** Samples RSS every 20 ms while `body` runs. */
async function withPeakRss<T>(body: () => Promise<T>): Promise<{ result: T; peakRss: number }> {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 20);
  try {
    const result = await body();
    return { result, peakRss: Math.max(peakRss, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
}

function phases(report: MigrationReport): string {
  return report.phases.filter((p) => p.phase !== "cleanup").map((p) => `${p.phase} ${p.elapsedMs.toFixed(0)} ms`).join(", ");
}

export async function migrationSuite(context: SuiteContext): Promise<Measurement[]> {
  const rows = context.quick ? 1_000_000 : 10_000_000;
  const batches = benchBatches(rows);
  const bytes = arrowBytes(batches);
  const source = benchEngine(4, batches);
  batches.length = 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-bench-"));
  const media: [string, MediumSpec][] = [["memory", "memory"], ["pipe", "pipe"], ["network", "network"], ["storage", { kind: "storage", dir, overwrite: true }]];
  const results: Measurement[] = [];
  try {
    for (const [label, medium] of media) {
      for (const streams of [1, 2, 4]) {
        global.gc?.();
        const target = new Engine({ name: "target", amps: 6 });
        const started = performance.now();
        const { result, peakRss } = await withPeakRss(() => migrate({ source, target, streams, medium }));
        const elapsed = performance.now() - started;
        const m = measurement("migration", `4 → 6 AMPs over ${label}, ${streams} stream(s)`, rows, bytes, elapsed, 1, phases(result));
        results.push({ ...m, peakRssBytes: peakRss });
        context.log(`${m.name}: ${(m.rowsPerSecond / 1e6).toFixed(2)} M rows/s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (${m.note})`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
