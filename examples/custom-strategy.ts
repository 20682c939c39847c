// A migration strategy in one file, plugged into the harness without touching it.
// Run: npx tsx examples/custom-strategy.ts
import * as arrow from "apache-arrow";
import { copyDefinition, withLabels } from "../migrator/index.js";
import { compare, renderComparisonMarkdown, ReportBuilder, type MigrationStrategy, type StrategyContext } from "../sim/index.js";

/**
 * one-statement: read every source AMP, then insert all of a table's rows into the
 * target in ONE atomic statement. No staging tables and still all-or-nothing — at the
 * price of holding the whole table in memory at once.
 */
export const oneStatementStrategy: MigrationStrategy = {
  name: "one-statement",
  description: "all rows of a table in one atomic insert; no staging, whole table in memory",
  async run(context: StrategyContext) {
    const { source, target, tables } = context;
    const report = new ReportBuilder("one-statement", source, target);
    await report.phase("dictionary", () => { for (const table of tables) copyDefinition(target, source.showTable(table)); });
    await report.phase("transfer", () => {
      for (const table of tables) {
        const start = performance.now();
        const batches: arrow.RecordBatch[] = [];
        let bytes = 0;
        for (let amp = 0; amp < source.amps; amp++) {
          const read = withLabels(source, { phase: "archive", table, stream: 0 }, () => source.readAmp(table, amp));
          for (const part of read.parts) { batches.push(part.batch); bytes += part.bytes; }
        }
        const rows = batches.reduce((sum, b) => sum + b.numRows, 0);
        if (rows > 0) withLabels(target, { phase: "restore", table, stream: 0 }, () => target.insert(table, new arrow.Table(batches)));
        report.stream({ table, stream: 0, cluster: [...Array(source.amps).keys()], rows, batches: 1, bytes, mediumBytes: bytes, staging: table, archiveMs: 0, restoreMs: 0 }, start);
      }
    });
    await report.phase("verify", () => undefined);
    return report.finish(tables, "memory", 1);
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await compare({ strategies: ["staged", oneStatementStrategy], scenarios: ["events"], seeds: 2, rows: 5_000 });
  console.log(renderComparisonMarkdown(result));
}
