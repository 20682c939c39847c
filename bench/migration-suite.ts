/**
 * Migration suite.
 *
 * - Media: a 4 → 6 AMP staged migration of the benchmark table over every medium
 *   with 1, 2 and 4 streams (10M rows; 1M with --quick), with the time per phase
 *   and the peak RSS of the process during each run.
 * - Scaling: the same staged migration (memory medium, 4 streams) at 1M, 10M and
 *   30M rows for 4 → 6 AMPs (--quick: 250K, 1M, 2M), with the time per row at the
 *   largest size against the smallest (1.0 = linear); and for 4 → 6, 16 → 24 and
 *   64 → 96 AMPs at 10M rows (--quick: 1M), with rows/s against 4 → 6. Each run
 *   builds its own source and releases it (and its target) before the next.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Engine } from "../engine/index.js";
import { migrate, type MediumSpec } from "../migrator/index.js";
import { arrowBytes, benchBatches, benchEngine } from "./bench-data.js";
import { collectGarbage, measurement, median, RssSampler, type Measurement } from "./bench-util.js";
import type { RssProbe } from "./rss-probe.js";
import type { SuiteContext } from "./run.js";

const SCALING_GROUP = "migration scaling";
const SCALING_STREAMS = 4;

/** Peak RSS of the process while `body` runs, sampled every 20 ms by a worker thread (so synchronous stretches are sampled too). */
async function withPeakRss<T>(body: () => Promise<T>): Promise<{ result: T; peakRss: number }> {
  const sampler = await RssSampler.start(20);
  try {
    return await sampler.measure(body);
  } finally {
    await sampler.stop();
  }
}

/**
 * Peak RSS of one migration (4 → 6 AMPs, memory, 4 streams) in a process of its own
 * (bench/rss-probe.ts): in this long-running process RSS keeps the pages of earlier work, so
 * only a fresh process shows what the migration itself adds. The goal compares that growth
 * (peak less the RSS with the source built) with the table's Arrow size; the target's copy of
 * the table (about 1.25× with its hidden row-hash and uniqueness columns) is part of it.
 */
/** One staged migration (memory medium, 4 streams) of a new source in a process of its own (bench/rss-probe.ts). */
function probeMigration(rows: number, sourceAmps = 4, targetAmps = 6, warm = false): RssProbe {
  const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), "rss-probe.ts");
  const args = [probe, String(rows), String(sourceAmps), String(targetAmps), ...(warm ? ["warm"] : [])];
  const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", ...args], { encoding: "utf8", maxBuffer: 1 << 20 });
  const line = child.stdout.trim().split("\n").pop() ?? "";
  check(child.status === 0 && line.startsWith("{"), `rss probe (${rows} rows, ${sourceAmps} → ${targetAmps} AMPs) failed (status ${child.status}): ${child.stderr.slice(-500)}`);
  const r = JSON.parse(line) as RssProbe;
  check(r.verified, `the rss probe's migration (${rows} rows, ${sourceAmps} → ${targetAmps} AMPs) was not verified`);
  return r;
}

function freshProcessRss(rows: number, context: SuiteContext): Measurement {
  const r = probeMigration(rows);
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
  const growth = Math.max(0, r.peakRss - r.startRss);
  const m = measurement("migration", "4 → 6 AMPs over memory, 4 stream(s), in a process of its own (peak RSS)", rows, r.bytes, r.ms, 1,
    `RSS ${mib(r.emptyRss)} empty, ${mib(r.startRss)} with the source built (${((r.startRss - r.emptyRss) / r.bytes).toFixed(2)}× the table), peak ${mib(r.peakRss)}: +${mib(growth)} during the migration`);
  m.ratios.push({ against: "table's Arrow size: RSS growth during the migration", ratio: growth / r.bytes, goal: 3, atMost: true });
  context.log(`${m.name}: ${m.note} = ${(growth / r.bytes).toFixed(2)}× the table's ${mib(r.bytes)}`);
  return { ...m, peakRssBytes: r.peakRss };
}

function phases(report: { readonly phases: readonly { readonly phase: string; readonly elapsedMs: number }[] }): string {
  return report.phases.filter((p) => p.phase !== "cleanup").map((p) => `${p.phase} ${p.elapsedMs.toFixed(0)} ms`).join(", ");
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`migration suite: ${message}`);
}

/** "250K", "1M", "30M". */
function rowsLabel(rows: number): string {
  return rows >= 1e6 ? `${rows / 1e6}M` : `${rows / 1e3}K`;
}

async function mediumMeasurements(context: SuiteContext): Promise<Measurement[]> {
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
        collectGarbage();
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

/** A point of the scaling series: rows, source AMPs, target AMPs. */
type ScalingPoint = readonly [rows: number, sourceAmps: number, targetAmps: number];

/**
 * Every point of the scaling series, each run a staged migration (memory medium, 4 streams)
 * of a new source into a new system in a process of its own: every run starts with memory as
 * cold as a real migration's (in this long process, memory left by earlier suites would make
 * some sizes pay for fresh pages and others not), its code compiled by a small untimed
 * migration first. The points run round by round (three rounds; one with --quick) so that a
 * slow minute of this machine falls on every point alike; each figure is a median.
 */
function scaledMigrations(points: readonly ScalingPoint[], context: SuiteContext): Measurement[] {
  const rounds = context.quick ? 1 : 3;
  const probes = points.map((): RssProbe[] => []);
  for (let round = 0; round < rounds; round++) {
    points.forEach(([rows, sourceAmps, targetAmps], k) => probes[k].push(probeMigration(rows, sourceAmps, targetAmps, true)));
    context.log(`scaling round ${round + 1}/${rounds}: ${points.map(([rows, s, t], k) => `${rowsLabel(rows)} ${s} → ${t} ${probes[k][round].ms.toFixed(0)} ms`).join(", ")}`);
  }
  return points.map(([rows, sourceAmps, targetAmps], k) => {
    const runs = [...probes[k]].sort((a, b) => a.ms - b.ms);
    const r = runs[runs.length >> 1];
    const name = `${sourceAmps} → ${targetAmps} AMPs, ${rowsLabel(rows)} rows, memory, ${SCALING_STREAMS} streams`;
    const m = { ...measurement(SCALING_GROUP, name, rows, r.bytes, median(runs.map((p) => p.ms)), runs.length, phases(r)), peakRssBytes: Math.max(...runs.map((p) => p.peakRss)) };
    context.log(`${name}: ${(m.rowsPerSecond / 1e6).toFixed(2)} M rows/s, peak RSS ${((m.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB (source built in ${(r.builtMs / 1000).toFixed(1)} s, untimed; ${m.note})`);
    return m;
  });
}

/** Rows series (4 → 6 AMPs) and AMP series (at one size); the 4 → 6 run at that size serves both. */
async function scalingMeasurements(context: SuiteContext): Promise<Measurement[]> {
  const sizes = context.quick ? [250_000, 1_000_000, 2_000_000] : [1_000_000, 10_000_000, 30_000_000];
  const ampRows = context.quick ? 1_000_000 : 10_000_000;
  const points: ScalingPoint[] = [...sizes.map((rows): ScalingPoint => [rows, 4, 6]), [ampRows, 16, 24], [ampRows, 64, 96]];
  if (!sizes.includes(ampRows)) points.push([ampRows, 4, 6]);
  const measured = scaledMigrations(points, context);
  const bySize = measured.slice(0, sizes.length);
  const [smallest, largest] = [bySize[0], bySize[bySize.length - 1]];
  const perRow = (m: Measurement): number => m.medianMs / m.rows;
  largest.ratios.push({ against: `time per row at ${rowsLabel(smallest.rows)} rows (1.0 = linear)`, ratio: perRow(largest) / perRow(smallest) });
  context.log(`time per row at ${rowsLabel(largest.rows)} rows vs ${rowsLabel(smallest.rows)} rows: ${(perRow(largest) / perRow(smallest)).toFixed(2)} (1.0 = linear)`);
  const base = measured.find((m, k) => points[k][0] === ampRows && points[k][1] === 4)!;
  const byAmps = measured.filter((_m, k) => points[k][1] !== 4);
  for (const m of byAmps) {
    m.ratios.push({ against: `4 → 6 AMPs at ${rowsLabel(ampRows)} rows`, ratio: m.rowsPerSecond / base.rowsPerSecond });
    context.log(`${m.name}: ${(m.rowsPerSecond / base.rowsPerSecond).toFixed(2)}× the rows/s of 4 → 6 AMPs`);
  }
  collectGarbage();
  return [...bySize, ...(bySize.includes(base) ? [] : [base]), ...byAmps];
}

export async function migrationSuite(context: SuiteContext): Promise<Measurement[]> {
  const rss = freshProcessRss(context.quick ? 1_000_000 : 10_000_000, context);
  const media = [...await mediumMeasurements(context), rss];
  const scaling = await scalingMeasurements(context);
  return [...media, ...scaling];
}
