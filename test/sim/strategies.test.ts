import { describe, expect, it } from "vitest";
import { Engine, HashMap } from "../../engine/index.js";
import { copyDefinition, withLabels } from "../../migrator/index.js";
import {
  BUILTIN_STRATEGIES, compare, Prng, renderComparisonMarkdown, renderComparisonSvg, ReportBuilder, SCENARIO_NAMES, strategyByName,
  type MigrationStrategy,
} from "../../sim/index.js";
import { oneStatementStrategy } from "../../examples/custom-strategy.js";

describe("the strategy harness", () => {
  it("every built-in strategy passes the invariant on every scenario", async () => {
    const result = await compare({ strategies: Object.keys(BUILTIN_STRATEGIES), scenarios: [...SCENARIO_NAMES], seeds: 1, rows: 1_500, hardware: ["modern"] });
    expect(result.runs).toHaveLength(Object.keys(BUILTIN_STRATEGIES).length * SCENARIO_NAMES.length);
    for (const run of result.runs) {
      expect(run.failure, `${run.strategy} on ${run.scenario}`).toBeNull();
      expect(run.correct, `${run.strategy} on ${run.scenario}`).toBe(true);
      expect(run.simulatedMs.modern).toBeGreaterThan(0);
      expect(run.mediumBytes).toBeGreaterThan(0);
    }
    const byStrategy = (name: string) => result.runs.filter((r) => r.strategy === name && r.scenario === "orders")[0];
    expect(byStrategy("bucket-move").mediumBytes).toBeLessThan(byStrategy("direct").mediumBytes);
    expect(byStrategy("staged").peakStagingBytes).toBeGreaterThan(0);
    expect(byStrategy("direct").peakStagingBytes).toBe(0);
  });

  it("the same seeds give the same data, the same checks and the same simulated times", async () => {
    const options = { strategies: ["staged", "direct"], scenarios: ["events" as const], seeds: [7], rows: 2_000, hardware: ["early2000s"] };
    const [a, b] = [await compare(options), await compare(options)];
    expect(a.runs.map((r) => [r.strategy, r.rows, r.correct, r.simulatedMs.early2000s, r.mediumBytes])).toEqual(b.runs.map((r) => [r.strategy, r.rows, r.correct, r.simulatedMs.early2000s, r.mediumBytes]));
  });

  it("a custom strategy plugs in without touching the harness", async () => {
    const result = await compare({ strategies: ["staged", oneStatementStrategy], scenarios: ["orders"], seeds: 2, rows: 1_000, hardware: ["modern"] });
    expect(result.strategies).toEqual(["staged", "one-statement"]);
    expect(result.runs.filter((r) => r.strategy === "one-statement").map((r) => r.correct)).toEqual([true, true]);
    expect(renderComparisonMarkdown(result)).toContain("| one-statement | 2/2 |");
  });

  it("catches a strategy that loses a row, and one that leaves a staging table", async () => {
    const lossy: MigrationStrategy = {
      name: "lossy", description: "forgets the last row of every table",
      async run(context) {
        const { source, target, tables } = context;
        const report = new ReportBuilder("lossy", source, target);
        for (const table of tables) {
          copyDefinition(target, source.showTable(table));
          for (let amp = 0; amp < source.amps; amp++) {
            for (const part of source.readAmp(table, amp).parts) {
              const keep = amp === 0 ? part.batch.slice(0, part.batch.numRows - 1) : part.batch;
              withLabels(target, { phase: "restore", table, stream: amp }, () => target.insert(table, keep));
            }
          }
        }
        return report.finish(tables, "memory", 1);
      },
    };
    const messy: MigrationStrategy = {
      name: "messy", description: "staged, then leaves a staging table behind",
      async run(context) {
        const report = await strategyByName("staged").run(context);
        context.target.sqlInternal(`CREATE MULTISET TABLE "$staging".left_behind (a INTEGER) NO PRIMARY INDEX;`);
        return report;
      },
    };
    const result = await compare({ strategies: [lossy, messy], scenarios: ["dimension"], seeds: 1, rows: 500, hardware: ["modern"] });
    const [lost, left] = result.runs;
    expect(lost.correct).toBe(false);
    expect(lost.failure).toMatch(/target's rows differ from the source's/);
    expect(left.correct).toBe(false);
    expect(left.failure).toContain("staging tables left on the target");
  });

  it("skips bucket-move, saying why, when the target is not the source map rebalanced", async () => {
    const result = await compare({ strategies: ["bucket-move", "staged"], scenarios: ["uniform"], seeds: 1, rows: 500, targetMap: "uniform", hardware: ["modern"] });
    expect(result.runs[0].skipped).toBe(true);
    expect(result.runs[0].failure).toContain("not applicable");
    expect(result.runs[1].correct).toBe(true);
    const source = new Engine({ amps: 4 });
    const context = { source, target: new Engine({ amps: 6, hashBits: 20 }), tables: [], streams: 1, medium: "memory" as const, prng: new Prng(1) };
    expect(strategyByName("bucket-move").applicable?.(context)).toContain("bucket bits");
    expect(strategyByName("bucket-move").applicable?.({ ...context, target: new Engine({ amps: 6, hashMap: HashMap.rebalance(source.hashMap, 6) }) })).toBeNull();
  });

  it("renders Markdown and an SVG chart, and refuses unknown strategies", async () => {
    const result = await compare({ strategies: ["staged", "single-stream"], scenarios: ["dimension"], seeds: 1, rows: 300 });
    const markdown = renderComparisonMarkdown(result);
    expect(markdown).toContain("| strategy | correct | simulated early2000s (s) | simulated modern (s) |");
    const svg = renderComparisonSvg(result);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("single-stream");
    expect(svg.trim().endsWith("</svg>")).toBe(true);
    await expect(compare({ strategies: ["teleport"], scenarios: ["orders"] })).rejects.toThrow(/unknown strategy "teleport"; built-in strategies: staged, single-stream, direct, bucket-move/);
  });
});
