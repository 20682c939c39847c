/**
 * bench/RESULTS.md from a results object: the command, the machine, a table per
 * group with rows/s, MB/s, ratios against peers measured in the same run, and the
 * goals (ratios with a target) with whether this run met them.
 */
import type { Measurement, Ratio } from "./bench-util.js";

interface Report {
  readonly command: string;
  readonly date: string;
  readonly quick: boolean;
  readonly machine: Record<string, string | number>;
  readonly elapsedSeconds: number;
  readonly results: readonly Measurement[];
}

function rate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(0);
}

function times(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
}

/** "2.10× DuckDB partition query (goal ≥ 2×: met)", or without the goal when there is none. */
function ratioText(x: Ratio): string {
  const goal = x.goal === undefined ? "" : ` (goal ≥ ${x.goal}×: ${x.ratio >= x.goal ? "met" : "not met"})`;
  return `${times(x.ratio)} ${x.against}${goal}`;
}

/** One line per ratio with a goal: what, ratio, goal, met or not. */
function goalLines(results: readonly Measurement[]): string[] {
  const rows = results.flatMap((r) => r.ratios.filter((x) => x.goal !== undefined).map((x) => `| ${r.name} | ${x.against} | ${times(x.ratio)} | ≥ ${x.goal}× | ${x.ratio >= x.goal! ? "met" : "not met"} |`));
  if (rows.length === 0) return [];
  return ["", "## Goals (issue 6, ratios from this run)", "", "| what | against | ratio | goal | |", "|---|---|---:|---:|---|", ...rows];
}

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
    lines.push("", `## ${group}`, "", "| what | rows/s | MB/s | median | ratios (same run) | peak RSS | notes |", "|---|---:|---:|---:|---|---:|---|");
    for (const r of report.results.filter((x) => x.group === group)) {
      const ratios = r.ratios.map(ratioText).join(", ");
      const mbs = r.megabytesPerSecond === null ? "" : r.megabytesPerSecond.toFixed(0);
      const rss = r.peakRssBytes === undefined ? "" : `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`;
      lines.push(`| ${r.name} | ${rate(r.rowsPerSecond)} | ${mbs} | ${r.medianMs.toFixed(1)} ms | ${ratios} | ${rss} | ${r.note ?? ""} |`);
    }
  }
  lines.push(...goalLines(report.results));
  return `${lines.join("\n")}\n`;
}
