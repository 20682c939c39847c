/**
 * Archive suite: the archive format and the transfer media without the engine.
 *
 * - Format: 1M benchmark rows in batches of 64K rows encoded as Arrow IPC
 *   record-batch messages (encodeBatchMessage, one schema message), decoded
 *   again (decodeBatch) and checksummed (CRC-32), against the memory-copy limit.
 * - Media: the same encoded frames pushed through each medium (memory, pipe,
 *   network, storage) with 1 and 4 streams, every stream's writer and reader
 *   running concurrently, against the memory medium with as many streams.
 *   Opening and closing the medium are not timed; the storage medium's fsync
 *   and rename of each stream file (on the sink's close) are. Runs are
 *   interleaved round by round after an untimed warm-up round.
 */
import type * as arrow from "apache-arrow";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decodeBatch, encodeBatchMessage, encodeSchemaMessage } from "../migrator/archive-format.js";
import { createMedium, crc32, type Frame, type FrameSink, type FrameSource, type MediumSpec } from "../migrator/index.js";
import { arrowBytes, benchBatches, BENCH_TABLE } from "./bench-data.js";
import { measurement, median, timeMedian, type Measurement } from "./bench-util.js";
import { copyBuffers } from "./insert-suite.js";
import type { SuiteContext } from "./run.js";

const FORMAT_GROUP = "archive format";
const MEDIA_GROUP = "transfer media";
const ROWS = 1_000_000;
const BATCH_ROWS = 65_536;
const STREAM_COUNTS: readonly number[] = [1, 4];

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`archive suite: ${message}`);
}

/** The Arrow buffers of `again` begin with the bytes of those of `batch`, column by column (decoded buffers keep the message's padding). */
function sameBuffers(batch: arrow.RecordBatch, again: arrow.RecordBatch): boolean {
  return batch.numRows === again.numRows && batch.data.children.every((child, c) => {
    const other = again.data.children[c];
    return ([[child.values, other.values], [child.valueOffsets, other.valueOffsets]] as [ArrayBufferView | undefined, ArrayBufferView | undefined][])
      .every(([a, b]) => (a === undefined) === (b === undefined) && (a === undefined || Buffer.compare(asBytes(a), asBytes(b!).subarray(0, a.byteLength)) === 0));
  });
}

function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Encode, decode and CRC-32 of the batches' IPC messages, and the memory-copy limit, each over all 1M rows. */
async function formatMeasurements(batches: readonly arrow.RecordBatch[], payloads: readonly Uint8Array[], runs: number, context: SuiteContext): Promise<Measurement[]> {
  const bytes = arrowBytes(batches);
  const payloadBytes = payloads.reduce((sum, p) => sum + p.byteLength, 0);
  const schemaMessage = encodeSchemaMessage(batches[0].schema);
  batches.forEach((batch, i) => check(sameBuffers(batch, decodeBatch(schemaMessage, payloads[i])), `batch ${i} does not decode to the rows encoded`));
  const scratch = new Uint8Array(bytes + 1024).fill(1);
  const copyMs = await timeMedian(runs, () => null, () => batches.reduce((at, batch) => copyBuffers(batch, scratch, at), 0));
  const encodeMs = await timeMedian(runs, () => null, () => { encodeSchemaMessage(batches[0].schema); for (const batch of batches) encodeBatchMessage(batch); });
  const decodeMs = await timeMedian(runs, () => null, () => { for (const payload of payloads) decodeBatch(schemaMessage, payload); });
  const crcMs = await timeMedian(runs, () => null, () => { for (const payload of payloads) crc32(payload); });
  const batchesNote = `${batches.length} batches of ${BATCH_ROWS / 1024}K rows`;
  const results = [
    measurement(FORMAT_GROUP, "encode: Arrow IPC record-batch messages (encodeBatchMessage)", ROWS, bytes, encodeMs, runs, `${batchesNote}; one copy of each body`),
    measurement(FORMAT_GROUP, "decode: record batches from their messages (decodeBatch)", ROWS, bytes, decodeMs, runs, `${batchesNote}; columns are views of the message`),
    measurement(FORMAT_GROUP, "CRC-32 of the messages", ROWS, payloadBytes, crcMs, runs, `MB/s of the ${(payloadBytes / 2 ** 20).toFixed(1)} MiB of messages`),
  ];
  const copy = measurement(FORMAT_GROUP, "memory-copy limit (every buffer copied once)", ROWS, bytes, copyMs, runs);
  for (const m of results) m.ratios.push({ against: "memory copy", ratio: m.rowsPerSecond / copy.rowsPerSecond });
  results.push(copy);
  for (const m of results) context.log(`${m.name}: ${(m.rowsPerSecond / 1e6).toFixed(2)} M rows/s, ${m.megabytesPerSecond!.toFixed(0)} MB/s (${m.medianMs.toFixed(1)} ms)`);
  return results;
}

/** The frames of `streams` streams of table 0: batch i goes to stream i mod streams; schema first, end last. */
function streamFrames(schemaMessage: Uint8Array, payloads: readonly Uint8Array[], crcs: readonly number[], rowsOf: readonly number[], streams: number): Frame[][] {
  return Array.from({ length: streams }, (_unused, stream) => {
    const frames: Frame[] = [{ kind: "schema", stream, table: 0, payload: schemaMessage }];
    let rows = 0;
    for (let i = stream; i < payloads.length; i += streams) {
      frames.push({ kind: "batch", stream, table: 0, seq: frames.length - 1, rows: rowsOf[i], payload: payloads[i], crc: crcs[i] });
      rows += rowsOf[i];
    }
    frames.push({ kind: "end", stream, table: 0, batches: frames.length - 1, rows });
    return frames;
  });
}

async function writeFrames(sink: FrameSink, frames: readonly Frame[]): Promise<void> {
  try {
    for (const frame of frames) await sink.write(frame);
    await sink.close();
  } catch (error) {
    sink.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}

/** Reads a stream to its end (the source verifies every frame); returns the rows its batches held. */
async function readFrames(source: FrameSource): Promise<number> {
  let rows = 0;
  for await (const frame of source) if (frame.kind === "batch") rows += frame.rows;
  return rows;
}

/** One transfer of every stream's frames through a new medium; returns the milliseconds from the first write to the last frame read. */
async function transfer(spec: MediumSpec, frames: readonly Frame[][]): Promise<number> {
  const medium = createMedium(spec);
  try {
    const channels = await Promise.all(frames.map((_f, stream) => medium.open({ stream, table: 0, tableName: BENCH_TABLE })));
    const started = performance.now();
    const rows = await Promise.all(channels.map(async (channel, stream) => (await Promise.all([writeFrames(channel.sink, frames[stream]), readFrames(channel.source)]))[1]));
    const elapsedMs = performance.now() - started;
    check(rows.reduce((sum, r) => sum + r, 0) === ROWS, `${medium.kind} medium carried ${rows.join(" + ")} rows, expected ${ROWS}`);
    return elapsedMs;
  } finally {
    await medium.close();
  }
}

interface MediumCase {
  readonly label: string;
  readonly spec: MediumSpec;
  readonly streams: number;
  readonly times: number[];
}

/** Each medium with 1 and 4 streams, interleaved round by round after a warm-up round; ratios against memory. */
async function mediaMeasurements(batches: readonly arrow.RecordBatch[], payloads: readonly Uint8Array[], runs: number, context: SuiteContext): Promise<Measurement[]> {
  const schemaMessage = encodeSchemaMessage(batches[0].schema);
  const crcs = payloads.map((p) => crc32(p));
  const rowsOf = batches.map((b) => b.numRows);
  const payloadBytes = payloads.reduce((sum, p) => sum + p.byteLength, 0);
  const framesOf = new Map(STREAM_COUNTS.map((streams) => [streams, streamFrames(schemaMessage, payloads, crcs, rowsOf, streams)] as const));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-bench-media-"));
  const specs: [string, MediumSpec][] = [["memory", "memory"], ["pipe", "pipe"], ["network", "network"], ["storage", { kind: "storage", dir, overwrite: true }]];
  const cases: MediumCase[] = specs.flatMap(([label, spec]) => STREAM_COUNTS.map((streams) => ({ label, spec, streams, times: [] })));
  try {
    for (const c of cases) await transfer(c.spec, framesOf.get(c.streams)!);
    for (let round = 0; round < runs; round++) {
      for (const c of cases) c.times.push(await transfer(c.spec, framesOf.get(c.streams)!));
      context.log(`round ${round + 1}/${runs}: ${cases.map((c) => `${c.label}×${c.streams} ${c.times.at(-1)!.toFixed(0)} ms`).join(", ")}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const results = cases.map((c) => measurement(MEDIA_GROUP, `${c.label} medium, ${c.streams} stream${c.streams === 1 ? "" : "s"}`, ROWS, payloadBytes, median(c.times), c.times.length,
    c.label === "storage" ? "store-and-forward: each stream's file is written, fsynced and renamed, then read back" : undefined));
  results.forEach((m, i) => {
    const memory = results[cases.findIndex((c) => c.label === "memory" && c.streams === cases[i].streams)];
    if (m !== memory) m.ratios.push({ against: memory.name, ratio: m.rowsPerSecond / memory.rowsPerSecond });
  });
  for (const m of results) context.log(`${m.name}: ${m.megabytesPerSecond!.toFixed(0)} MB/s (${m.medianMs.toFixed(1)} ms)${m.ratios.map((r) => `, ${r.ratio.toFixed(2)}× ${r.against}`).join("")}`);
  return results;
}

export async function archiveSuite(context: SuiteContext): Promise<Measurement[]> {
  const runs = context.quick ? 3 : 7;
  const batches = benchBatches(ROWS, BATCH_ROWS);
  const payloads = batches.map((batch) => encodeBatchMessage(batch));
  const format = await formatMeasurements(batches, payloads, runs, context);
  const media = await mediaMeasurements(batches, payloads, context.quick ? 3 : 5, context);
  return [...format, ...media];
}
