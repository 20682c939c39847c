import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Engine, HashMap } from "../../engine/index.js";
import { copyDefinition, withLabels } from "../../migrator/index.js";
import {
  BUILTIN_STRATEGIES, compare, HARDWARE, Prng, renderComparisonMarkdown, renderComparisonSvg, ReportBuilder, SCENARIO_NAMES, strategyByName, svgBarChart, svgGantt, svgHistogram,
  type MigrationStrategy, type StrategyContext,
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

  it("catches a strategy that changes a table's definition on either side, or leaves a table or database on the target", async () => {
    // Creates each target table from the source's DDL as `rewrite` changes it, then copies every AMP's rows.
    const rewriting = (name: string, rewrite: (ddl: string) => string): MigrationStrategy => ({
      name, description: "copies the rows into a table of another definition",
      async run(context) {
        const { source, target, tables } = context;
        const report = new ReportBuilder(name, source, target);
        for (const table of tables) {
          copyDefinition(target, rewrite(source.showTable(table)));
          for (let amp = 0; amp < source.amps; amp++) {
            for (const part of source.readAmp(table, amp).parts) withLabels(target, { phase: "restore", table, stream: amp }, () => target.insert(table, part.batch));
          }
        }
        return report.finish(tables, "memory", 1);
      },
    });
    const after = (name: string, change: (context: StrategyContext) => void): MigrationStrategy => ({
      name, description: "staged, then changes a catalog",
      async run(context) {
        const report = await strategyByName("staged").run(context);
        change(context);
        return report;
      },
    });
    const strategies = [
      rewriting("faithful", (ddl) => ddl),
      rewriting("no-usi", (ddl) => ddl.replace("\nUNIQUE INDEX (sku)", "")),
      rewriting("multiset", (ddl) => ddl.replace("CREATE SET TABLE", "CREATE MULTISET TABLE")),
      rewriting("nullable", (ddl) => ddl.replace("price DECIMAL(10,2) NOT NULL", "price DECIMAL(10,2)")),
      after("source-index", ({ source }) => source.sql("CREATE INDEX (category) ON shop.products;")),
      after("extra-table", ({ target }) => target.sql("CREATE MULTISET TABLE shop.scratch (a INTEGER) NO PRIMARY INDEX;")),
      after("extra-database", ({ target }) => target.sql("CREATE DATABASE scratch;")),
    ];
    const result = await compare({ strategies, scenarios: ["dimension"], rows: 300, hardware: ["modern"] });
    const failure = (name: string) => result.runs.find((r) => r.strategy === name)!.failure;
    expect(failure("faithful")).toBeNull();
    const differs = "shop.products: the target's definition differs from the source's: it";
    expect(failure("no-usi")).toBe(`${differs} lacks "UNIQUE INDEX (sku)"`);
    expect(failure("multiset")).toBe(`${differs} lacks "CREATE SET TABLE shop.products (", adds "CREATE MULTISET TABLE shop.products ("`);
    expect(failure("nullable")).toBe(`${differs} lacks "price DECIMAL(10,2) NOT NULL", adds "price DECIMAL(10,2)"`);
    expect(failure("source-index")).toMatch(/^the source's catalog changed: .*the definition of shop\.products adds "INDEX \(category\)"/);
    expect(failure("extra-table")).toBe("the target holds tables that were not migrated: shop.scratch");
    expect(failure("extra-database")).toBe("the target holds databases that no migrated table needs: scratch");
    expect(result.runs.map((r) => r.correct)).toEqual([true, false, false, false, false, false, false]);
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
    expect(() => renderComparisonSvg(result, "abacus")).toThrow(/BAD_ARGUMENT: .*simulated on early2000s, modern, not on "abacus"/);
  });

  it("refuses bad options with BAD_CONFIG before any run, instead of listing them as failed strategies", async () => {
    const runs: unknown[] = [];
    const bad = async (options: object, ...mentions: string[]) => {
      const error = await compare({ strategies: ["staged"], scenarios: ["dimension"], rows: 200, onRun: (r: unknown) => runs.push(r), ...options } as never).catch((e: unknown) => e);
      expect(String(error)).toMatch(/^AmpsimError: BAD_CONFIG: /);
      for (const m of mentions) expect(String(error)).toContain(m);
    };
    await bad({ streams: 0 }, "streams must be a positive integer");
    await bad({ streams: 1.5 }, "streams");
    await bad({ streams: 9 }, "streams (9) exceeds the source's 4 AMP(s)");
    await bad({ medium: "carrier-pigeon" }, "medium");
    await bad({ targetMap: "foo" }, "targetMap");
    await bad({ strategies: "staged" }, "strategies must be a non-empty list");
    await bad({ strategies: [{ name: "no-run" }] }, "strategies[0]");
    await bad({ scenarios: [] }, "scenarios");
    await bad({ seed: 3 }, "compare() has no option seed (did you mean seeds?)");
    await bad({ seeds: [] }, "seeds must be a positive count or a non-empty list");
    await bad({ seeds: "x" }, "seeds must be a positive count or a non-empty list", '"x"');
    // Rows, summaries and the Markdown tell runs apart by name: two of one name would merge.
    await bad({ strategies: ["staged", "direct", "staged"] }, 'strategies[0] and strategies[2] are both the strategy "staged"');
    const dup = (description: string): MigrationStrategy => ({ name: "dup", description, run: (context) => strategyByName("staged").run(context) });
    await bad({ strategies: [dup("one"), dup("two")] }, 'strategies[0] and strategies[1] are both the strategy "dup"');
    await bad({ strategies: ["staged", { ...dup("custom"), name: "staged" }] }, 'both the strategy "staged"');
    await bad({ scenarios: ["dimension", "orders", "dimension"] }, 'scenarios[0] and scenarios[2] are both the scenario "dimension"');
    // A hardware profile is checked up front too, not by every run failing on it.
    await bad({ hardware: [{ name: "x" }] }, 'hardware[0]: hardware profile "x": ampsPerNode must be a finite number > 0, but found undefined');
    await bad({ hardware: ["modern", { ...HARDWARE.modern, name: "slow", cpu: { ...HARDWARE.modern.cpu, scanNsPerRow: Number.POSITIVE_INFINITY } }] }, "hardware[1]", '"slow"', "cpu.scanNsPerRow");
    await bad({ hardware: [{ ...HARDWARE.modern, name: 7 }] }, "hardware[0] must be a preset name or a hardware profile with a non-empty name");
    await bad({ hardware: ["modern", HARDWARE.modern] }, 'hardware[0] and hardware[1] are both the hardware profile "modern"');
    await bad({ hardware: "modern" }, "hardware must be a non-empty list");
    await bad({ hardware: [] }, "hardware must be a non-empty list");
    await bad({ hardware: ["abacus"] }, 'unknown hardware profile "abacus"');
    await expect(compare(null as never)).rejects.toThrow(/BAD_CONFIG: compare\(\): expects an options object/);
    expect(runs).toEqual([]);
  });

  it("a strategy that fails or returns a malformed report fails its own runs: the others still run, and means leave failed runs out", async () => {
    const bogus: MigrationStrategy = { name: "bogus | broken", description: "returns an empty object", run: async () => ({}) as never };
    let calls = 0;
    const flaky: MigrationStrategy = { name: "flaky", description: "fails its first run", run: async (context) => { if (++calls === 1) throw new Error("first run fails\nsecond line"); return strategyByName("staged").run(context); } };
    const result = await compare({ strategies: ["staged", bogus, flaky], scenarios: ["dimension"], seeds: 2, rows: 300, hardware: ["modern"] });
    const of = (name: string) => result.runs.filter((r) => r.strategy === name);
    expect(of("staged").every((r) => r.correct)).toBe(true);
    expect(of("bogus | broken").every((r) => !r.correct && r.failure!.includes("strategy bogus | broken returned a report the simulator cannot replay"))).toBe(true);
    expect(of("flaky").map((r) => r.correct)).toEqual([false, true]);
    const markdown = renderComparisonMarkdown(result);
    const flakyLine = markdown.split("\n").find((l) => l.startsWith("| flaky |"))!;
    // The mean over the one correct run is that run's time, not half of it.
    expect(flakyLine).toContain(`| ${(of("flaky")[1].simulatedMs.modern / 1000).toFixed(3)} |`);
    expect(flakyLine).toContain("first run fails second line");
    expect(markdown).toContain("| bogus \\| broken | 0/2");
    expect(markdown.split("\n").filter((l) => l.startsWith("|")).every((l) => l.split(/(?<!\\)\|/).length === markdown.split("\n")[2].split("|").length)).toBe(true);
  });

  it("a strategy whose applicable() throws, or that drops a source table, fails its own runs with its name in the row; the next strategy runs on fresh systems", async () => {
    const picky: MigrationStrategy = {
      name: "picky", description: "its applicability check throws",
      applicable: () => { throw new Error("cannot read the hash map"); }, run: (context) => strategyByName("staged").run(context),
    };
    const vandal: MigrationStrategy = {
      name: "vandal", description: "migrates, then drops the source table",
      async run(context) {
        const report = await strategyByName("staged").run(context);
        context.source.sql("DROP TABLE shop.products;");
        return report;
      },
    };
    const result = await compare({ strategies: [picky, vandal, "staged"], scenarios: ["dimension"], seeds: 2, rows: 300, hardware: ["modern"] });
    const of = (name: string) => result.runs.filter((r) => r.strategy === name).map((r) => [r.correct, r.skipped, r.failure]);
    expect(of("picky")).toEqual([[false, false, "strategy picky: applicable() failed: cannot read the hash map"], [false, false, "strategy picky: applicable() failed: cannot read the hash map"]]);
    const dropped = 'the source\'s catalog changed: table shop.products was dropped, table "$index"."1#1" was dropped';
    expect(of("vandal")).toEqual([[false, false, dropped], [false, false, dropped]]);
    // Each run loads its own source: the vandal's dropped table is back for the strategy after it.
    expect(of("staged")).toEqual([[true, false, null], [true, false, null]]);
    expect(renderComparisonMarkdown(result)).toContain("| picky | 0/2 — strategy picky: applicable() failed: cannot read the hash map |");
  });

  it("a strategy that throws something other than an Error has it shown in its row: text as is, objects as JSON, cut at 200 characters", async () => {
    const cyclic: { self?: unknown } = {}; cyclic.self = cyclic;
    const thrown: readonly [unknown, string][] = [
      [{ code: 1 }, '{"code":1}'], ["disk on fire", "disk on fire"], [42, "42"], [undefined, "undefined"], [null, "null"],
      [[1, 2n], '[1,"2"]'], [cyclic, "[object Object]"], [{ note: "x".repeat(500) }, `{"note":"${"x".repeat(188)}...`],
    ];
    const strategies = thrown.map(([value], i): MigrationStrategy => ({ name: `throws-${i}`, description: "throws a value that is not an Error", run: async () => { throw value; } }));
    const result = await compare({ strategies, scenarios: ["dimension"], rows: 100, hardware: ["modern"] });
    expect(result.runs.map((r) => [r.correct, r.failure])).toEqual(thrown.map(([, text]) => [false, text]));
    expect(result.runs.every((r) => r.failure!.length <= 200)).toBe(true);
  });

  it("over intermediate storage, every run gets a directory of its own", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-compare-"));
    try {
      const result = await compare({ strategies: ["staged", "single-stream"], scenarios: ["dimension"], seeds: 2, rows: 300, medium: { kind: "storage", dir }, hardware: ["modern"] });
      expect(result.runs.map((r) => [r.strategy, r.seed, r.correct, r.failure])).toEqual([
        ["staged", 1, true, null], ["single-stream", 1, true, null], ["staged", 2, true, null], ["single-stream", 2, true, null],
      ]);
      expect(fs.readdirSync(dir).sort()).toEqual(["dimension-seed1-single-stream", "dimension-seed1-staged", "dimension-seed2-single-stream", "dimension-seed2-staged"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("charts", () => {
  it("draw large inputs (no spread into Math.max) and refuse values that are not finite numbers", () => {
    const values = Array.from({ length: 200_000 }, (_, i) => i % 1000);
    expect(svgHistogram(values).startsWith("<svg")).toBe(true);
    expect(svgGantt([{ label: "s", segments: Array.from({ length: 200_000 }, (_, i) => ({ kind: "archive", startMs: i, endMs: i + 1 })) }]).startsWith("<svg")).toBe(true);
    expect(() => svgHistogram([1, Number.NaN, 3])).toThrow(/BAD_ARGUMENT: svgHistogram: value 1 is NaN/);
    expect(() => svgGantt([{ label: "s", segments: [{ kind: "archive", startMs: 0, endMs: Number.POSITIVE_INFINITY }] }])).toThrow(/BAD_ARGUMENT/);
    expect(() => svgGantt([{ label: "x" } as never])).toThrow(/BAD_ARGUMENT: svgGantt: lane 0 must be \{ label: string, segments/);
    expect(() => svgGantt("lanes" as never)).toThrow(/BAD_ARGUMENT: svgGantt: lanes must be a list/);
  });

  it("bar charts of values under 1 scale to the largest and label three significant digits", () => {
    const chart = svgBarChart([{ group: "events", bars: [{ label: "staged", value: 0.102 }, { label: "direct", value: 0.021 }] }], { unit: "s", width: 760 });
    const widths = [...chart.matchAll(/<rect x='\d+' y='\d+' width='([\d.]+)'/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0] / widths[1]).toBeCloseTo(0.102 / 0.021, 1);
    expect(chart).toContain("0.102 s");
    expect(chart).toContain("0.021 s");
  });
});
