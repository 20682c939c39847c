/**
 * The peak-RSS measurement of the migration, run in a process of its own: RSS is per process
 * and never shrinks much once memory was used (the allocator keeps freed pages), so a
 * migration that follows other work in the same process shows almost no growth. Here the
 * process builds the source, collects garbage, then migrates once (4 → 6 AMPs, memory, 4
 * streams) while a worker samples RSS.
 *
 * The migration suite also runs its scaling series this way (every size and AMP count starts
 * from the same cold process, as a real migration would).
 *
 * Run by the migration suite: `node --expose-gc --import tsx bench/rss-probe.ts ROWS [SOURCE_AMPS TARGET_AMPS [warm]]`
 * (4 and 6 by default; `warm` first migrates 100K rows untimed, so that the timed migration
 * runs compiled code, not the JIT's first tiers); prints one JSON line: { rows, bytes,
 * emptyRss, startRss, peakRss, ms, builtMs, phases, verified }.
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
  /** Time to build the source (untimed in the results). */
  readonly builtMs: number;
  /** The migration's phases (cleanup included) and their wall times. */
  readonly phases: readonly { readonly phase: string; readonly elapsedMs: number }[];
  readonly verified: boolean;
}

const [rows, sourceAmps, targetAmps] = [process.argv[2], process.argv[3] ?? "4", process.argv[4] ?? "6"].map(Number);
for (const [value, what] of [[rows, "a row count"], [sourceAmps, "source AMPs"], [targetAmps, "target AMPs"]] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`rss-probe: expected ${what}, not ${String(value)} (arguments: ROWS [SOURCE_AMPS TARGET_AMPS])`);
}
if (process.argv[5] === "warm") {
  await migrate({ source: benchSource(sourceAmps, 100_000).engine, target: new Engine({ name: "warm-up", amps: targetAmps }), streams: 4, medium: "memory" });
}
collectGarbage();
const emptyRss = process.memoryUsage.rss();
let builtMs = performance.now();
const { engine: source, bytes } = benchSource(sourceAmps, rows);
builtMs = performance.now() - builtMs;
collectGarbage();
const target = new Engine({ name: "target", amps: targetAmps });
const sampler = await RssSampler.start(10);
const started = performance.now();
const { result, startRss, peakRss } = await sampler.measure(() => migrate({ source, target, streams: 4, medium: "memory" }));
const ms = performance.now() - started;
await sampler.stop();
const phases = result.phases.map(({ phase, elapsedMs }) => ({ phase, elapsedMs }));
const probe: RssProbe = { rows, bytes, emptyRss, startRss, peakRss, ms, builtMs, phases, verified: result.ok && result.rows === rows && result.tables.every((t) => t.verified) };
console.log(JSON.stringify(probe));
