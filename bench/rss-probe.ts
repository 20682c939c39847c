/**
 * The peak-RSS measurement of the migration, run in a process of its own: RSS is per process
 * and never shrinks much once memory was used (the allocator keeps freed pages), so a
 * migration that follows other work in the same process shows almost no growth. Here the
 * process builds the source, collects garbage, then migrates once (4 → 6 AMPs, memory, 4
 * streams) while a worker samples RSS.
 *
 * Run by the migration suite: `node --expose-gc --import tsx bench/rss-probe.ts ROWS`;
 * prints one JSON line: { rows, bytes, emptyRss, startRss, peakRss, ms, verified }.
 */
import { Engine } from "../engine/index.js";
import { migrate } from "../migrator/index.js";
import { benchSource } from "./bench-data.js";
import { collectGarbage, RssSampler } from "./bench-util.js";

export interface RssProbe {
  readonly rows: number;
  /** Arrow bytes of the table. */
  readonly bytes: number;
  /** RSS of the process before the source was built. */
  readonly emptyRss: number;
  /** RSS when the migration started (the source built, garbage collected). */
  readonly startRss: number;
  readonly peakRss: number;
  readonly ms: number;
  readonly verified: boolean;
}

const rows = Number(process.argv[2]);
if (!Number.isInteger(rows) || rows <= 0) throw new Error(`rss-probe: expected a row count, not ${process.argv[2]}`);
collectGarbage();
const emptyRss = process.memoryUsage.rss();
const { engine: source, bytes } = benchSource(4, rows);
collectGarbage();
const target = new Engine({ name: "target", amps: 6 });
const sampler = await RssSampler.start(10);
const started = performance.now();
const { result, startRss, peakRss } = await sampler.measure(() => migrate({ source, target, streams: 4, medium: "memory" }));
const ms = performance.now() - started;
await sampler.stop();
const probe: RssProbe = { rows, bytes, emptyRss, startRss, peakRss, ms, verified: result.ok && result.tables.every((t) => t.verified) };
console.log(JSON.stringify(probe));
