/**
 * bucket-move: for a target that is the source system grown or shrunk with
 * HashMap.rebalance (same bucket bits), only the rows of buckets whose owner
 * changes move; the rest stay where they are (their steps are labelled
 * "in-place" and cost nothing to move). This is what Teradata's reconfig and
 * consistent-hash systems aim for.
 */
import type * as arrow from "apache-arrow";
import { HashMap, takeRows } from "../../engine/index.js";
import { copyDefinition, withLabels } from "../../migrator/index.js";
import type { MigrationStrategy, StrategyContext } from "../strategy.js";
import { ReportBuilder } from "./report-builder.js";

function applicable(context: StrategyContext): string | null {
  const { source, target } = context;
  if (source.hashBits !== target.hashBits) return `the systems have ${source.hashBits}- and ${target.hashBits}-bit buckets; bucket-move needs the same bucket bits`;
  if (!target.hashMap.equals(HashMap.rebalance(source.hashMap, target.amps))) return "the target's hash map is not HashMap.rebalance(source map, target AMPs)";
  return null;
}

/** Rows of one stored part that move (their bucket's owner is another AMP) and that stay. */
function split(rowHash: Uint32Array, amp: number, map: HashMap, nopi: boolean): { moved: Uint32Array; stays: Uint32Array } {
  const moved: number[] = []; const stays: number[] = [];
  const shift = 32 - map.hashBits;
  for (let i = 0; i < rowHash.length; i++) {
    const owner = nopi ? (amp < map.amps ? amp : -1) : map.buckets[rowHash[i] >>> shift];
    (owner === amp ? stays : moved).push(i);
  }
  return { moved: Uint32Array.from(moved), stays: Uint32Array.from(stays) };
}

function take(batch: arrow.RecordBatch, rows: Uint32Array): arrow.RecordBatch | null {
  if (rows.length === 0) return null;
  return rows.length === batch.numRows ? batch : takeRows(batch, rows);
}

async function run(context: StrategyContext) {
  const reason = applicable(context);
  if (reason) throw new Error(`bucket-move is not applicable: ${reason}`);
  const { source, target, tables } = context;
  const builder = new ReportBuilder("bucket-move", source, target);
  await builder.phase("dictionary", () => { for (const table of tables) copyDefinition(target, source.showTable(table)); });
  await builder.phase("transfer", () => {
    for (const table of tables) {
      const nopi = source.describe(table).primaryIndex === null;
      for (let amp = 0; amp < source.amps; amp++) {
        const start = performance.now();
        const read = withLabels(source, { phase: "in-place", table, stream: amp }, () => source.readAmp(table, amp));
        let rows = 0; let bytes = 0; let batches = 0;
        for (const part of read.parts) {
          const { moved, stays } = split(part.rowHash, amp, target.hashMap, nopi);
          const staying = take(part.batch, stays); const moving = take(part.batch, moved);
          if (staying) withLabels(target, { phase: "in-place", table, stream: amp }, () => target.insert(table, staying));
          if (moving) {
            withLabels(target, { phase: "restore", table, stream: amp }, () => target.insert(table, moving));
            rows += moving.numRows; bytes += Math.round(part.bytes * (moving.numRows / part.batch.numRows)); batches++;
          }
        }
        builder.stream({ table, stream: amp, cluster: [amp], rows, batches, bytes, mediumBytes: bytes, staging: table, archiveMs: 0, restoreMs: 0 }, start);
      }
    }
  });
  await builder.phase("verify", () => undefined);
  return builder.finish(tables, "network", source.amps);
}

export const bucketMoveStrategy: MigrationStrategy = {
  name: "bucket-move",
  description: "target = source grown/shrunk with HashMap.rebalance: move only the rows of buckets whose owner changes",
  applicable,
  run,
};
