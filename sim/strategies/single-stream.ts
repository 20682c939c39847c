/**
 * single-stream: one archive module reads every source AMP and one restore
 * module inserts straight into the target table, batch by batch — no staging,
 * no parallelism, and the target table fills while the copy runs (a reader
 * could see it half full: the price of skipping staging).
 */
import { ArchiveModule, copyDefinition, createMedium, RestoreModule } from "../../migrator/index.js";
import type { MigrationStrategy, StrategyContext } from "../strategy.js";
import { ReportBuilder } from "./report-builder.js";

async function run(context: StrategyContext) {
  const { source, target, tables } = context;
  const builder = new ReportBuilder("single-stream", source, target);
  await builder.phase("dictionary", () => { for (const table of tables) copyDefinition(target, source.showTable(table)); });
  const medium = createMedium(context.medium);
  const everyAmp = Array.from({ length: source.amps }, (_, amp) => amp);
  try {
    await builder.phase("transfer", async () => {
      for (const [ordinal, table] of tables.entries()) {
        const id = { stream: 0, table: ordinal, tableName: table };
        const start = performance.now();
        const channel = await medium.open(id);
        const archiving = new ArchiveModule(source, id, everyAmp, { batchRows: 65_536, batchBytes: null, verifyBits: 0 }).run(channel.sink);
        const restoring = new RestoreModule(target, id, table).run(channel.source);
        archiving.catch(() => undefined);
        const [a, r] = await Promise.all([archiving, restoring]);
        builder.stream({ table, stream: 0, cluster: everyAmp, rows: r.rows, batches: r.batches, bytes: r.bytes, mediumBytes: channel.bytesTransferred(), staging: table, archiveMs: a.elapsedMs, restoreMs: r.elapsedMs }, start);
      }
    });
  } finally {
    await medium.close();
  }
  await builder.phase("verify", () => undefined);
  return builder.finish(tables, typeof context.medium === "string" ? context.medium : context.medium.kind, 1);
}

export const singleStreamStrategy: MigrationStrategy = {
  name: "single-stream",
  description: "one archive/restore pair over the medium straight into the target table, no staging",
  run,
};
