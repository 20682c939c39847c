/**
 * Row hash: the scalar function (benchmark.js) and the columnar hot path over
 * one BIGINT column and one VARCHAR column of 1M rows.
 */
import Benchmark from "benchmark";
import { rowHash, rowHashColumns, types } from "../engine/index.js";
import { benchBatches } from "./bench-data.js";
import { measurement, timeMedian, type Measurement } from "./bench-util.js";
import type { SuiteContext } from "./run.js";

function scalarHashes(context: SuiteContext): Promise<Measurement[]> {
  return new Promise((resolve) => {
    const results: Measurement[] = [];
    let sink = 0;
    new Benchmark.Suite("row hash")
      .add("rowHash([42], [INTEGER])", () => { sink ^= rowHash([42], [types.int32]); })
      .add("rowHash([7, 'hello'], [INTEGER, VARCHAR])", () => { sink ^= rowHash([7, "hello"], [types.int32, types.varchar(10)]); })
      .on("cycle", (event: Benchmark.Event) => {
        const target = event.target as Benchmark.Target & { name: string; hz: number; stats: { rme: number } };
        const m = measurement("row hash", `scalar ${target.name}`, 1, null, 1000 / target.hz, target.stats ? Math.round(target.count ?? 0) : 0, `±${target.stats.rme.toFixed(1)}%`);
        results.push(m);
        context.log(String(event.target));
      })
      .on("complete", () => { if (sink === 0.5) console.log(sink); resolve(results); })
      .run({ async: false, maxTime: context.quick ? 0.5 : 2 });
  });
}

export async function hashSuite(context: SuiteContext): Promise<Measurement[]> {
  const results = await scalarHashes(context);
  const rows = 1_000_000;
  const [batch] = benchBatches(rows, rows);
  const out = new Uint32Array(rows);
  const runs = context.quick ? 3 : 7;
  const int64Ms = await timeMedian(runs, () => null, () => rowHashColumns([{ type: types.int64, data: batch.data.children[0] }], out));
  const stringMs = await timeMedian(runs, () => null, () => rowHashColumns([{ type: types.varchar(16), data: batch.data.children[3] }], out));
  const columnar = [
    measurement("row hash", "columnar, one BIGINT column", rows, rows * 8, int64Ms, runs),
    measurement("row hash", "columnar, one VARCHAR column (~10 chars)", rows, null, stringMs, runs),
  ];
  for (const m of columnar) context.log(`${m.name}: ${(m.rowsPerSecond / 1e6).toFixed(1)} M rows/s`);
  return [...results, ...columnar];
}
