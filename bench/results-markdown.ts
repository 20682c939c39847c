/**
 * bench/RESULTS.md from a results object: the command, the machine, a table per
 * group with rows/s, MB/s, ratios against peers measured in the same run, and the
 * goals (ratios with a target) with whether this run met them.
 */
import { goalMet, goalText, type Measurement, type Ratio } from "./bench-util.js";

interface Report {
  readonly command: string;
  readonly date: string;
  readonly quick: boolean;
  readonly machine: Record<string, string | number>;
  readonly elapsedSeconds: number;
  readonly results: readonly Measurement[];
}

function rate(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

/** "225.9 ms", "104.4 µs", "47 ns": the bodies timed range from a PI lookup to a 30M-row migration. */
function duration(ms: number): string {
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toFixed(1)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

function times(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
}

/** "2.10× DuckDB partition query (goal ≥ 2×: met)", or without the goal when there is none. */
function ratioText(x: Ratio): string {
  const goal = x.goal === undefined ? "" : ` (goal ${goalText(x)}: ${goalMet(x) ? "met" : "not met"})`;
  return `${times(x.ratio)} ${x.against}${goal}`;
}

/** One line per ratio with a goal: what, ratio, goal, met or not. */
function goalLines(results: readonly Measurement[]): string[] {
  const rows = results.flatMap((r) => r.ratios.filter((x) => x.goal !== undefined).map((x) => `| ${r.name} | ${x.against} | ${times(x.ratio)} | ${goalText(x)} | ${goalMet(x) ? "met" : "not met"} |`));
  if (rows.length === 0) return [];
  return ["", "## Goals (issue 6, ratios from this run)", "", "| what | against | ratio | goal | |", "|---|---|---:|---:|---|", ...rows];
}

/** What a group's table measures, where its rows need saying (units, what the ratios mean). */
const GROUP_INTROS: Record<string, string> = {
  "read": "The benchmark table (1M rows, 4 AMPs) read back. The PI lookup's rows/s are lookups/s; its ratio is how many times faster it is than an all-AMP scan that finds the same row.",
  "archive format": "1M benchmark rows in batches of 64K rows as Arrow IPC record-batch messages, without the engine.",
  "transfer media": "The same encoded frames (1M rows, 16 batch frames of 64K rows) through each medium alone, every stream's writer and reader concurrent; MB/s of the IPC messages, opening and closing the medium untimed; ratios against the memory medium with as many streams.",
  "where the time goes": "The main thread's CPU profile of one staged migration, bucketed by the work each sampled function does (the rows/s of a bucket is the rate that work alone would allow). The archive and restore modules run at once in the transfer phase, so their buckets overlap in wall time.",
  "executor: inline vs pool": "The same work on the calling thread and on the piscina worker pool (one thread per core), side by side. Kernels alone: 16 batches of 64K rows, several in flight on the pool. The pool's migration stores rows in shared memory (the pool's default), so the workers compute the archive's and the verification's checksums reading stored runs in place; on 2 cores the main thread keeps the IPC encode, media CRCs, storing rows, the insert-select and garbage collection, which bounds what the pool can gain. The *machine* rows show what a second thread gives here at all: a loop bound by memory bandwidth (like hashing and scattering a table) against one that stays in cache.",
  "peers": "The same seeded table (10M rows; 1M with --quick) for every contender, the runs interleaved round by round (this machine drifts) after an untimed warm-up round; each figure is the median of its runs. The staged migration runs here too, inline and on a pool of 2, so that its goals, set against DuckDB's partition query (2 threads), are measured side by side with it.",
  "migration scaling": "Staged migrations over the memory medium with 4 streams, each from a new source in a process of its own (bench/rss-probe.ts: every point starts with memory as cold as a real migration's, first-touch page faults included, after a small untimed migration that compiles the code), the points run round by round, three rounds, each figure a median. The time-per-row ratio is the largest size against the smallest (1.0 = linear, above 1 = slower per row at scale); the AMP ratios are rows/s against 4 → 6 AMPs at the same row count.",
};

export function renderResults(report: Report): string {
  const lines = [
    "# Benchmark results",
    "",
    `Produced by \`${report.command}\` on ${report.date.slice(0, 10)} (${report.elapsedSeconds.toFixed(0)} s${report.quick ? ", quick mode" : ""}).`,
    "",
    `Machine: ${Object.entries(report.machine).map(([k, v]) => `${k} ${v}`).join(", ")}.`,
    "This machine's speed drifts by up to 2× over minutes: compare ratios measured in one run, not absolute figures across runs.",
  ];
  const groups = [...new Set(report.results.map((r) => r.group))];
  for (const group of groups) {
    lines.push("", `## ${group}`);
    if (GROUP_INTROS[group] !== undefined) lines.push("", GROUP_INTROS[group]);
    lines.push("", "| what | rows/s | MB/s | median | ratios (same run) | peak RSS | notes |", "|---|---:|---:|---:|---|---:|---|");
    for (const r of report.results.filter((x) => x.group === group)) {
      const ratios = r.ratios.map(ratioText).join(", ");
      const mbs = r.megabytesPerSecond === null ? "" : r.megabytesPerSecond.toFixed(0);
      const rss = r.peakRssBytes === undefined ? "" : `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`;
      lines.push(`| ${r.name} | ${rate(r.rowsPerSecond)} | ${mbs} | ${duration(r.medianMs)} | ${ratios} | ${rss} | ${r.note ?? ""} |`);
    }
  }
  lines.push(...goalLines(report.results));
  return `${lines.join("\n")}\n`;
}
