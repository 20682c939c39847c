/**
 * A comparison as Markdown (one table per scenario, means over seeds) and as an
 * SVG bar chart of simulated time per strategy.
 */
import { AmpsimError, showValue } from "../engine/index.js";
import { svgBarChart } from "./charts.js";
import type { Comparison, ComparisonRow } from "./compare.js";

interface Summary {
  readonly strategy: string;
  readonly runs: number;
  readonly correct: number;
  readonly skipped: number;
  readonly simulatedMs: Record<string, number>;
  readonly wallMs: number;
  readonly interconnectBytes: number;
  readonly mediumBytes: number;
  readonly peakStagingBytes: number;
  readonly failure: string | null;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Per scenario and strategy: means over the seeds that ran correctly (0 when none did). */
export function summarize(comparison: Comparison): Map<string, Summary[]> {
  const out = new Map<string, Summary[]>();
  for (const scenario of comparison.scenarios) {
    out.set(scenario, comparison.strategies.map((strategy) => {
      const runs = comparison.runs.filter((r) => r.scenario === scenario && r.strategy === strategy);
      const ran = runs.filter((r) => !r.skipped);
      // Means over the runs that migrated correctly: a failed run has no time or bytes to average in.
      const good = ran.filter((r) => r.correct);
      const of = (pick: (r: ComparisonRow) => number) => mean(good.map(pick));
      return {
        strategy, runs: runs.length, correct: ran.filter((r) => r.correct).length, skipped: runs.length - ran.length,
        simulatedMs: Object.fromEntries(comparison.hardware.map((h) => [h, of((r) => r.simulatedMs[h] ?? 0)])),
        wallMs: of((r) => r.wallMs), interconnectBytes: of((r) => r.interconnectBytes), mediumBytes: of((r) => r.mediumBytes),
        peakStagingBytes: of((r) => r.peakStagingBytes), failure: runs.find((r) => r.failure)?.failure ?? null,
      };
    }));
  }
  return out;
}

/** Text for a Markdown table cell: a `|` or a line break would end the cell or the row. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)}`;
}

export function renderComparisonMarkdown(comparison: Comparison): string {
  const lines: string[] = [];
  for (const [scenario, summaries] of summarize(comparison)) {
    lines.push(`### ${scenario}`, "", `| strategy | correct | ${comparison.hardware.map((h) => `simulated ${h} (s)`).join(" | ")} | wall (ms) | interconnect (MiB) | medium (MiB) | peak staging (MiB) |`);
    lines.push(`|---|---|${comparison.hardware.map(() => "---:").join("|")}|---:|---:|---:|---:|`);
    for (const s of summaries) {
      const correct = s.skipped === s.runs ? `n/a — ${s.failure ?? ""}` : `${s.correct}/${s.runs - s.skipped}${s.correct < s.runs - s.skipped && s.failure ? ` — ${s.failure}` : ""}`;
      const none = s.correct === 0; // nothing ran correctly: no figures to show
      const sim = comparison.hardware.map((h) => (none ? "" : (s.simulatedMs[h] / 1000).toFixed(3)));
      const figures = none ? ["", "", "", ""] : [s.wallMs.toFixed(0), mib(s.interconnectBytes), mib(s.mediumBytes), mib(s.peakStagingBytes)];
      lines.push(`| ${cell(s.strategy)} | ${cell(correct)} | ${sim.join(" | ")} | ${figures.join(" | ")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** Simulated time per strategy, one group per scenario, on the first (or the named) hardware profile. */
export function renderComparisonSvg(comparison: Comparison, hardware = comparison.hardware[0]): string {
  if (!comparison.hardware.includes(hardware)) {
    throw new AmpsimError("BAD_ARGUMENT", `renderComparisonSvg: the comparison was simulated on ${comparison.hardware.join(", ")}, not on ${showValue(hardware)}`);
  }
  const groups = [...summarize(comparison)].map(([scenario, summaries]) => ({
    group: scenario,
    bars: summaries.filter((s) => s.correct > 0).map((s) => ({ label: s.strategy, value: s.simulatedMs[hardware] / 1000, failed: s.correct < s.runs - s.skipped })),
  }));
  return svgBarChart(groups, { title: `Simulated migration time on ${hardware} hardware (mean over seeds)`, unit: "s" });
}
