/**
 * direct: no archive and no staging — every source AMP sends its rows straight
 * to the target AMPs their row hash assigns under the target's hash map, as
 * if the two systems shared one interconnect. One stream per source AMP.
 */
import { copyDefinition, withLabels } from "../../migrator/index.js";
import type { MigrationStrategy, StrategyContext } from "../strategy.js";
import { ReportBuilder } from "./report-builder.js";

async function run(context: StrategyContext) {
  const { source, target, tables } = context;
  const builder = new ReportBuilder("direct", source, target);
  await builder.phase("dictionary", () => { for (const table of tables) copyDefinition(target, source.showTable(table)); });
  await builder.phase("transfer", () => {
    for (const table of tables) {
      for (let amp = 0; amp < source.amps; amp++) {
        const start = performance.now();
        const labels = { table, stream: amp };
        const read = withLabels(source, { ...labels, phase: "archive" }, () => source.readAmp(table, amp));
        let rows = 0; let bytes = 0;
        for (const part of read.parts) {
          withLabels(target, { ...labels, phase: "restore" }, () => target.insert(table, part.batch));
          rows += part.batch.numRows; bytes += part.bytes;
        }
        builder.stream({ table, stream: amp, cluster: [amp], rows, batches: read.parts.length, bytes, mediumBytes: bytes, staging: table, archiveMs: 0, restoreMs: 0 }, start);
      }
    }
  });
  await builder.phase("verify", () => undefined);
  return builder.finish(tables, "network", source.amps);
}

export const directStrategy: MigrationStrategy = {
  name: "direct",
  description: "every source AMP sends rows straight to their target AMPs by the target hash; no archive, no staging",
  run,
};
