/**
 * Profile suite: where the time of a staged migration goes. One 4 → 6 AMP
 * migration over memory with 4 streams (2M rows; 1M with --quick) runs under
 * the V8 sampling profiler; every sampled function's self time is put in a
 * bucket of the migration's work by the file it lives in, and the per-phase
 * wall times come from the migration report. AMPSIM_PROFILE_OTHER=1 logs the
 * functions that fell in no bucket.
 */
import { Session } from "node:inspector/promises";
import path from "node:path";
import { Engine } from "../engine/index.js";
import { migrate } from "../migrator/index.js";
import { benchSource } from "./bench-data.js";
import { collectGarbage, measurement, type Measurement } from "./bench-util.js";
import type { SuiteContext } from "./run.js";

const GROUP = "where the time goes";

/** [bucket, test on "function file"] in order: the first match wins. */
const BUCKETS: readonly [string, RegExp][] = [
  ["verification checksums: whole-row hash and bucket sums (archive side and verify)", /( row-checksum\.ts| checksum\.ts)$|^rowChecksum\.\S+ \(wasm\)$/],
  ["CRC-32 of every batch (archive, and the memory medium's check where a batch is read)", /^crc32 /],
  ["UPI check of the insert-select (duplicates.ts)", / duplicates\.ts$|^duplicates\.\S+ \(wasm\)$/],
  ["row hash of the PI (restore placement)", /( row-hash\.ts| murmur3\.ts)$/],
  ["scattering rows to their AMPs (restore), concatenating runs (staging merges, insert-select)", /( scatter\.ts| column-data\.ts| store-rows\.ts| radix-sort\.ts| run\.ts| fragment\.ts)$/],
  ["Arrow IPC encode and decode (archive, restore)", /( archive-format\.ts| vectorassembler\.mjs| message\.mjs| reader\.mjs| writer\.mjs| visitor\.mjs| buffer\.mjs| recordbatch\.mjs| data\.mjs| vector\.mjs| schema\.mjs| type\.mjs| int\.mjs| byte-buffer\.js| vectorloader\.mjs| record-batch\.mjs| adapters\.mjs| compat\.mjs)$/],
  ["placement check of verification (every row on its AMP)", /^placedOn /],
  ["event loop: promise jobs and awaits between batches", /^(processTicksAndRejections|runMicrotasks|\(program\)) /],
  ["statement and trace bookkeeping (insert, insert-select, labels)", /( insert\.ts| trace\.ts| context\.ts| engine\.ts| transaction\.ts| input-columns\.ts| labels\.ts| storage-module\.ts)$/],
  ["garbage collection", /^\(garbage collector\)/],
  ["idle (waiting for a medium or a worker)", /^\(idle\)/],
];

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }

export async function profileSuite(context: SuiteContext): Promise<Measurement[]> {
  const rows = context.quick ? 1_000_000 : 2_000_000;
  const { engine: source, bytes } = benchSource(4, rows);
  await migrate({ source, target: new Engine({ name: "target", amps: 6 }), streams: 4, medium: "memory" }); // warm up
  collectGarbage();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const started = performance.now();
  const report = await migrate({ source, target: new Engine({ name: "target", amps: 6 }), streams: 4, medium: "memory" });
  const elapsed = performance.now() - started;
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const nodes = new Map<number, ProfileNode>((profile.nodes as ProfileNode[]).map((n) => [n.id, n]));
  const profiler = profilerNodes(profile.nodes as ProfileNode[]);
  const spent = new Map<string, number>();
  const others = new Map<string, number>();
  let total = 0;
  profile.samples!.forEach((id, i) => {
    if (profiler.has(id)) return; // the profiler starting and stopping, not the migration
    const node = nodes.get(id)!;
    // WebAssembly functions are named after their module (row-checksum.wat: rowChecksum.*, duplicates.wat: duplicates.*).
    const file = node.callFrame.url.startsWith("wasm://") ? "(wasm)" : path.basename(node.callFrame.url);
    const key = `${node.callFrame.functionName || "(anonymous)"} ${file}`;
    const bucket = BUCKETS.find(([, test]) => test.test(key))?.[0] ?? "other";
    if (bucket === "other") others.set(key, (others.get(key) ?? 0) + (profile.timeDeltas![i] ?? 0));
    const micros = profile.timeDeltas![i] ?? 0;
    spent.set(bucket, (spent.get(bucket) ?? 0) + micros);
    total += micros;
  });
  const results: Measurement[] = [];
  const phaseNote = report.phases.filter((p) => p.phase !== "cleanup").map((p) => `${p.phase} ${p.elapsedMs.toFixed(0)} ms (${((100 * p.elapsedMs) / elapsed).toFixed(0)}%)`).join(", ");
  results.push(measurement(GROUP, `the whole migration, ${rows / 1e6}M rows, memory, 4 streams, inline (phases: transfer = archive, medium and restore at once)`, rows, bytes, elapsed, 1, phaseNote));
  for (const [bucket] of [...BUCKETS, ["other", /$^/] as [string, RegExp]]) {
    const ms = (spent.get(bucket) ?? 0) / 1000;
    if (ms === 0) continue;
    results.push(measurement(GROUP, bucket, rows, bytes, ms, 1, `${((100 * ms * 1000) / total).toFixed(1)}% of the main thread's samples`));
  }
  for (const r of results) context.log(`${r.name}: ${r.medianMs.toFixed(0)} ms (${r.note})`);
  if (process.env.AMPSIM_PROFILE_OTHER === "1") for (const [k, v] of [...others].sort((a, b) => b[1] - a[1]).slice(0, 25)) context.log(`  other: ${k} ${(v / 1000).toFixed(1)} ms`);
  return results;
}

/**
 * The nodes under the inspector session's own calls: the first sample's time (from the
 * profile's start) lands on Profiler.start's dispatch, and it is the profiler starting.
 */
function profilerNodes(all: readonly ProfileNode[]): Set<number> {
  const byId = new Map(all.map((n) => [n.id, n]));
  const out = new Set<number>();
  const mark = (id: number): void => {
    if (out.has(id)) return;
    out.add(id);
    for (const child of byId.get(id)?.children ?? []) mark(child);
  };
  for (const n of all) if (n.callFrame.url === "node:inspector" || n.callFrame.url === "node:inspector/promises") mark(n.id);
  return out;
}
