/**
 * Row hash: the scalar function (benchmark.js) and the columnar hot path over
 * one BIGINT column and one VARCHAR column of 1M rows; the verification's
 * whole-row checksum hash of the benchmark table, WebAssembly SIMD against its
 * JavaScript reference (runs interleaved).
 */
import type * as arrow from "apache-arrow";
import Benchmark from "benchmark";
import { rowHash, rowHashColumns, types } from "../engine/index.js";
import { arrowBytes, benchBatches } from "./bench-data.js";
import { measurement, median, timeMedian, type Measurement } from "./bench-util.js";
import { rowChecksumHashes, rowChecksumWasm } from "../migrator/row-checksum.js";
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
  const checksums = wholeRowChecksums(batch, runs);
  for (const m of [...columnar, ...checksums]) context.log(`${m.name}: ${(m.rowsPerSecond / 1e6).toFixed(1)} M rows/s`);
  return [...results, ...columnar, ...checksums];
}

/** The verification's whole-row hash of every column, in batches of 64K rows, both ways in turn. */
function wholeRowChecksums(batch: arrow.RecordBatch, runs: number): Measurement[] {
  const columnTypes = [types.int64, types.int32, types.float64, types.varchar(16)];
  const batches = Array.from({ length: Math.ceil(batch.numRows / 65_536) }, (_v, i) => batch.slice(i * 65_536, (i + 1) * 65_536));
  const out = new Uint32Array(65_536);
  const times: Record<"js" | "simd", number[]> = { js: [], simd: [] };
  const simdAvailable = rowChecksumWasm();
  try {
    for (let r = 0; r < runs + 1; r++) {
      for (const way of ["js", "simd"] as const) {
        rowChecksumWasm(way === "simd");
        const started = performance.now();
        for (const b of batches) rowChecksumHashes(columnTypes, b.data.children, b.numRows, out);
        if (r > 0) times[way].push(performance.now() - started); // the first round warms both up
      }
    }
  } finally {
    rowChecksumWasm(simdAvailable);
  }
  const bytes = arrowBytes([batch]);
  const js = measurement("row hash", "whole-row checksum hash (verification), 4 columns, JavaScript", batch.numRows, bytes, median(times.js), runs);
  const simd = measurement("row hash", `whole-row checksum hash (verification), 4 columns, WebAssembly SIMD${simdAvailable ? "" : " (not available: JavaScript)"}`,
    batch.numRows, bytes, median(times.simd), runs, "row-checksum.wat, the column copies into its memory included");
  simd.ratios.push({ against: "JavaScript", ratio: js.medianMs / simd.medianMs });
  return [js, simd];
}
