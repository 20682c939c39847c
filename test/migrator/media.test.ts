/**
 * The archive format (crc32, IPC messages, frames, the frame decoder, the
 * stream rules) and the four transfer media (memory, pipe, network,
 * storage), run for real: real FIFOs, real sockets, real files.
 *
 * Seeded: the seed is printed; replay a failure with
 *   AMPSIM_SEED=<seed> npx vitest run test/migrator/media.test.ts
 */
import { describe, it, expect, afterAll, beforeAll } from "vitest";
import * as arrow from "apache-arrow";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { AmpsimError } from "../../engine/errors.js";
import type { ErrorCode } from "../../engine/errors.js";
import { crc32, crc32Tables } from "../../migrator/crc32.js";
import {
  FRAME_HEADER_BYTES, FrameDecoder, batchFrame, decodeBatch, encodeBatchMessage, encodeFrame, encodeSchemaMessage,
  endFrame, schemaFrame, verifyFrames,
} from "../../migrator/archive-format.js";
import {
  MemoryMedium, NetworkMedium, PipeMedium, StorageMedium, createMedium,
} from "../../migrator/media/index.js";
import type { ArchiveManifest, FrameBytesHook } from "../../migrator/media/index.js";
import type { Frame, StreamChannel, StreamId, TransferMedium } from "../../migrator/media/transfer-medium.js";

const SEED = Number(process.env.AMPSIM_SEED ?? 0x5eed_2024) >>> 0;
console.log(`media.test seed ${SEED}; replay: AMPSIM_SEED=${SEED} npx vitest run test/migrator/media.test.ts`);

// ---------------------------------------------------------------------------
// Seeded data

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (rng: Rng, below: number): number => Math.floor(rng() * below);
const nullable = <T>(rng: Rng, value: T): T | null => (int(rng, 5) === 0 ? null : value);
const ALPHABET = ["a", "b", "z", " ", "é", "ß", "中", "🙂", "0", "-"];

/** Plain values of the test columns, the source of truth the batches are compared with. */
interface Columns {
  id: number[];
  qty: (bigint | null)[];
  price: number[];
  ratio: (number | null)[];
  note: (string | null)[];
  flag: (boolean | null)[];
}
const COLUMN_NAMES = ["id", "qty", "price", "ratio", "note", "flag"] as const;

function randomColumns(rng: Rng, rows: number, firstId: number): Columns {
  const columns: Columns = { id: [], qty: [], price: [], ratio: [], note: [], flag: [] };
  for (let i = 0; i < rows; i++) {
    columns.id.push(firstId + i);
    columns.qty.push(nullable(rng, BigInt(int(rng, 2 ** 31)) * BigInt(int(rng, 2 ** 20) - 2 ** 19)));
    columns.price.push((rng() - 0.5) * 1e9);
    columns.ratio.push(nullable(rng, Math.fround(rng())));
    columns.note.push(nullable(rng, Array.from({ length: int(rng, 20) }, () => ALPHABET[int(rng, ALPHABET.length)]).join("")));
    columns.flag.push(nullable(rng, rng() < 0.5));
  }
  return columns;
}

function batchOf(columns: Columns): arrow.RecordBatch {
  const table = new arrow.Table({
    id: arrow.vectorFromArray(columns.id, new arrow.Int32()),
    qty: arrow.vectorFromArray(columns.qty, new arrow.Int64()),
    price: arrow.vectorFromArray(columns.price, new arrow.Float64()),
    ratio: arrow.vectorFromArray(columns.ratio, new arrow.Float32()),
    note: arrow.vectorFromArray(columns.note, new arrow.Utf8()),
    flag: arrow.vectorFromArray(columns.flag, new arrow.Bool()),
  });
  expect(table.batches).toHaveLength(1);
  return table.batches[0];
}

function sliceColumns(columns: Columns, start: number, end: number): Columns {
  return {
    id: columns.id.slice(start, end), qty: columns.qty.slice(start, end), price: columns.price.slice(start, end),
    ratio: columns.ratio.slice(start, end), note: columns.note.slice(start, end), flag: columns.flag.slice(start, end),
  };
}

function valuesOf(batch: arrow.RecordBatch): Columns {
  const get = (name: string): unknown[] => {
    const vector = batch.getChild(name);
    expect(vector).not.toBeNull();
    return Array.from({ length: batch.numRows }, (_, i) => vector!.get(i));
  };
  return Object.fromEntries(COLUMN_NAMES.map((name) => [name, get(name)])) as unknown as Columns;
}

/** A stream's worth of batches: random sizes, some sliced (as the archive module sends them), one empty. */
function randomStream(rng: Rng, batchCount: number): { batches: arrow.RecordBatch[]; expected: Columns[] } {
  const batches: arrow.RecordBatch[] = [];
  const expected: Columns[] = [];
  let id = 0;
  for (let b = 0; b < batchCount; b++) {
    const rows = b === 2 ? 0 : 1 + int(rng, 300);
    const columns = randomColumns(rng, rows + 10, id);
    id += rows + 10;
    const start = int(rng, 10);
    // Sliced at an odd offset, so validity bitmaps and offsets are re-based by the encoder.
    batches.push(batchOf(columns).slice(start, start + rows));
    expected.push(sliceColumns(columns, start, start + rows));
  }
  return { batches, expected };
}

// ---------------------------------------------------------------------------
// Helpers

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ampsim-media-test-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function streamId(stream = 1, table = 0, tableName = "main.orders"): StreamId {
  return { stream, table, tableName };
}

/** Writes a whole stream: schema, batches 0 … n-1, end, close. */
async function writeStream(channel: StreamChannel, batches: readonly arrow.RecordBatch[]): Promise<void> {
  const { id, sink } = channel;
  await sink.write(schemaFrame(id, batches[0]?.schema ?? batchOf(randomColumns(mulberry32(1), 1, 0)).schema));
  let rows = 0;
  for (let seq = 0; seq < batches.length; seq++) {
    await sink.write(batchFrame(id, seq, batches[seq]));
    rows += batches[seq].numRows;
  }
  await sink.write(endFrame(id, batches.length, rows));
  await sink.close();
}

/** Reads a whole stream and decodes its batches. */
async function readStream(channel: StreamChannel): Promise<{ batches: arrow.RecordBatch[]; frames: Frame[] }> {
  let schema: Uint8Array | null = null;
  const batches: arrow.RecordBatch[] = [];
  const frames: Frame[] = [];
  for await (const frame of channel.source) {
    frames.push(frame);
    if (frame.kind === "schema") schema = frame.payload;
    if (frame.kind === "batch") batches.push(decodeBatch(schema!, frame.payload));
  }
  return { batches, frames };
}

/** The error `promise` rejects with, which must be an AmpsimError of `code`. */
async function failure(promise: Promise<unknown>, code: ErrorCode): Promise<AmpsimError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error, `expected ${code}`).toBeInstanceOf(AmpsimError);
  expect((error as AmpsimError).code, (error as Error).message).toBe(code);
  return error as AmpsimError;
}

async function drain(channel: StreamChannel): Promise<Frame[]> {
  const frames: Frame[] = [];
  for await (const frame of channel.source) frames.push(frame);
  return frames;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface MediumCase {
  readonly name: "memory" | "pipe" | "network" | "storage";
  make(options?: { onFrameBytes?: FrameBytesHook }): TransferMedium;
}

const MEDIA: MediumCase[] = [
  { name: "memory", make: () => new MemoryMedium() },
  { name: "pipe", make: (o) => new PipeMedium({ onFrameBytes: o?.onFrameBytes }) },
  { name: "network", make: (o) => new NetworkMedium({ onFrameBytes: o?.onFrameBytes }) },
  { name: "storage", make: () => new StorageMedium({ dir: path.join(tempDir(), "archive") }) },
];
const BYTE_MEDIA = MEDIA.filter((m) => m.name === "pipe" || m.name === "network");
const QUEUE_MEDIA = MEDIA.filter((m) => m.name !== "storage");

async function withMedium<T>(medium: TransferMedium, body: (medium: TransferMedium) => Promise<T>): Promise<T> {
  try {
    return await body(medium);
  } finally {
    await medium.close();
  }
}

// ---------------------------------------------------------------------------
// CRC-32

describe("crc32", () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);

  it("gives the check value of CRC-32/ISO-HDLC", () => {
    expect(crc32(text("123456789"))).toBe(0xcbf43926);
    expect(crc32Tables(text("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("agrees between the table and native paths on random ranges, aligned or not, and chains", () => {
    const rng = mulberry32(SEED);
    const bytes = new Uint8Array(70_000).map(() => int(rng, 256));
    for (let k = 0; k < 200; k++) {
      const start = int(rng, 1000);
      const end = start + (k % 2 === 0 ? int(rng, 600) : int(rng, 60_000));
      const whole = crc32(bytes, start, end);
      expect(crc32Tables(bytes, start, end)).toBe(whole);
      const middle = start + int(rng, end - start + 1);
      expect(crc32(bytes, middle, end, crc32(bytes, start, middle))).toBe(whole);
      expect(crc32(bytes.subarray(start, end))).toBe(whole);
    }
  });

  it("refuses a range outside the bytes", () => {
    expect(() => crc32(new Uint8Array(4), 2, 5)).toThrow(RangeError);
  });

  it("measures its speed (printed, not asserted)", () => {
    const bytes = new Uint8Array(32 << 20).map((_, i) => (i * 2654435761) >>> 24);
    for (const [name, fn] of [["crc32", crc32], ["crc32Tables", crc32Tables]] as const) {
      fn(bytes);
      const started = performance.now();
      fn(bytes); fn(bytes);
      const ms = performance.now() - started;
      console.log(`${name}: ${((2 * bytes.byteLength) / 1e6 / (ms / 1e3)).toFixed(0)} MB/s`);
    }
  });
});

// ---------------------------------------------------------------------------
// IPC messages

describe("IPC messages", () => {
  it("are byte for byte what arrow's stream writer writes, and decode zero-copy", () => {
    const { batches } = randomStream(mulberry32(SEED), 3);
    const batch = batches[0];
    const schemaMessage = encodeSchemaMessage(batch.schema);
    const batchMessage = encodeBatchMessage(batch);
    const ipc = arrow.tableToIPC(new arrow.Table([batch]), "stream");
    expect(Buffer.from(ipc.subarray(0, schemaMessage.byteLength)).equals(Buffer.from(schemaMessage))).toBe(true);
    const rest = ipc.subarray(schemaMessage.byteLength, schemaMessage.byteLength + batchMessage.byteLength);
    expect(Buffer.from(rest).equals(Buffer.from(batchMessage))).toBe(true);
    expect(ipc.byteLength).toBe(schemaMessage.byteLength + batchMessage.byteLength + 8);
    const decoded = decodeBatch(schemaMessage, batchMessage);
    expect(decoded.getChild("price")!.data[0].values.buffer).toBe(batchMessage.buffer);
  });

  it("round-trip random, sliced and empty batches bit-identically", () => {
    const { batches, expected } = randomStream(mulberry32(SEED + 1), 6);
    const schemaMessage = encodeSchemaMessage(batches[0].schema);
    batches.forEach((batch, i) => {
      const message = encodeBatchMessage(batch);
      const decoded = decodeBatch(schemaMessage, message);
      expect(valuesOf(decoded)).toEqual(expected[i]);
      expect(Buffer.from(encodeBatchMessage(decoded)).equals(Buffer.from(message))).toBe(true);
    });
  });

  it("decode an unaligned message by copying it once", () => {
    const { batches, expected } = randomStream(mulberry32(SEED + 2), 1);
    const message = encodeBatchMessage(batches[0]);
    const shifted = new Uint8Array(message.byteLength + 3).subarray(3);
    shifted.set(message);
    expect(valuesOf(decodeBatch(encodeSchemaMessage(batches[0].schema), shifted))).toEqual(expected[0]);
  });

  it("refuse garbage and swapped messages with ARCHIVE_CORRUPT", async () => {
    const { batches } = randomStream(mulberry32(SEED + 3), 1);
    const schemaMessage = encodeSchemaMessage(batches[0].schema);
    const batchMessage = encodeBatchMessage(batches[0]);
    const cases: [Uint8Array, Uint8Array][] = [
      [schemaMessage, new Uint8Array(16)],
      [schemaMessage, batchMessage.subarray(0, batchMessage.byteLength - 8)],
      [batchMessage, batchMessage],
      [schemaMessage, schemaMessage],
    ];
    for (const [schema, batch] of cases) await failure(Promise.resolve().then(() => decodeBatch(schema, batch)), "ARCHIVE_CORRUPT");
  });
});

// ---------------------------------------------------------------------------
// Frames and the frame decoder

describe("frames", () => {
  const id = streamId(2, 0, "main.orders");

  function sampleFrames(seed: number, batchCount = 4): Frame[] {
    const { batches } = randomStream(mulberry32(seed), batchCount);
    const frames: Frame[] = [schemaFrame(id, batches[0].schema)];
    let rows = 0;
    batches.forEach((batch, seq) => { frames.push(batchFrame(id, seq, batch)); rows += batch.numRows; });
    frames.push(endFrame(id, batches.length, rows));
    return frames;
  }

  function bytesOf(frames: Frame[]): Uint8Array {
    return Buffer.concat(frames.flatMap((f) => encodeFrame(f)));
  }

  it("have a 40-byte header and survive any chunking", () => {
    const frames = sampleFrames(SEED);
    const bytes = bytesOf(frames);
    expect(encodeFrame(frames[0])[0].byteLength).toBe(FRAME_HEADER_BYTES);
    const rng = mulberry32(SEED);
    for (const maxChunk of [1, 7, 40, 41, 4096, bytes.byteLength]) {
      const decoder = new FrameDecoder(id, "test");
      const out: Frame[] = [];
      for (let i = 0; i < bytes.byteLength;) {
        const size = 1 + int(rng, maxChunk);
        out.push(...decoder.push(bytes.slice(i, i + size)));
        i += size;
      }
      decoder.finish();
      expect(out).toEqual(frames);
    }
  });

  it("decode the same when read straight into place (readTarget, received), whatever each read's size", async () => {
    const frames = sampleFrames(SEED + 4);
    const bytes = bytesOf(frames);
    const rng = mulberry32(SEED + 4);
    /** Reads `bytes` into the decoder's read targets, at most `maxRead` bytes a read, as a socket's onread would. */
    const readAll = (decoder: FrameDecoder, input: Uint8Array, maxRead: number): Frame[] => {
      const out: Frame[] = [];
      for (let i = 0; i < input.byteLength;) {
        const target = decoder.readTarget();
        expect(target.byteLength).toBeGreaterThan(0);
        const count = Math.min(target.byteLength, 1 + int(rng, maxRead), input.byteLength - i);
        target.set(input.subarray(i, i + count));
        out.push(...decoder.received(count));
        i += count;
      }
      return out;
    };
    for (const maxRead of [1, 13, 40, 65_536, bytes.byteLength]) {
      const decoder = new FrameDecoder(id, "test");
      const out = readAll(decoder, bytes, maxRead);
      decoder.finish();
      expect(out).toEqual(frames);
    }
    // Damage is found as with push: a flipped payload byte, and a stream cut off inside a payload.
    const damaged = Uint8Array.from(bytes); // a copy (Buffer.slice would be a view)
    const second = FRAME_HEADER_BYTES + (frames[0] as Extract<Frame, { kind: "schema" }>).payload.byteLength + FRAME_HEADER_BYTES + 5;
    damaged[second] ^= 0x01;
    await failure(Promise.resolve().then(() => readAll(new FrameDecoder(id, "test"), damaged, 4096)), "ARCHIVE_CORRUPT");
    const cut = new FrameDecoder(id, "test");
    readAll(cut, bytes.subarray(0, bytes.byteLength - FRAME_HEADER_BYTES - 3), 4096);
    const truncated = await failure(Promise.resolve().then(() => cut.finish()), "ARCHIVE_CORRUPT");
    expect(truncated.message).toContain("truncated");
  });

  it("carry row counts beyond 2^32 in end frames", () => {
    const frame = endFrame(id, 3, 2 ** 40 + 5);
    const decoder = new FrameDecoder(id, "test");
    expect(decoder.push(Buffer.concat(encodeFrame(frame)))).toEqual([frame]);
  });

  it("report a flipped payload byte with the stream, the batch and both CRCs", async () => {
    const frames = sampleFrames(SEED + 1);
    const target = frames[2] as Extract<Frame, { kind: "batch" }>;
    const parts = frames.map((f) => Buffer.concat(encodeFrame(f)));
    parts[2][FRAME_HEADER_BYTES + 17] ^= 0x10;
    const decoder = new FrameDecoder(id, "pipe /tmp/x");
    const error = await failure(Promise.resolve().then(() => decoder.push(Buffer.concat(parts))), "ARCHIVE_CORRUPT");
    expect(error.message).toMatch(new RegExp(`stream 2 of main\\.orders, batch ${target.seq}: payload CRC-32 is 0x[0-9A-F]{8} but the header says 0x[0-9A-F]{8} \\(pipe /tmp/x\\)`));
    expect(error.details).toMatchObject({ stream: 2, batch: target.seq, table: "main.orders" });
  });

  it("report every flipped header byte", async () => {
    const frames = sampleFrames(SEED + 2);
    for (let byte = 0; byte < FRAME_HEADER_BYTES; byte++) {
      const parts = frames.map((f) => Buffer.concat(encodeFrame(f)));
      parts[3][byte] ^= 0x04;
      const decoder = new FrameDecoder(id, "test");
      const error = await failure(Promise.resolve().then(() => decoder.push(Buffer.concat(parts))), "ARCHIVE_CORRUPT");
      expect(error.message).toMatch(/stream 2 of main\.orders, batch \d+/);
    }
  });

  it("report bytes cut off inside a payload or a header", async () => {
    const frames = sampleFrames(SEED + 3);
    const bytes = bytesOf(frames.slice(0, 3));
    const payloadLength = (frames[2] as Extract<Frame, { kind: "batch" }>).payload.byteLength;
    const decoder = new FrameDecoder(id, "test");
    decoder.push(bytes.subarray(0, bytes.byteLength - 10));
    const cut = await failure(Promise.resolve().then(() => decoder.finish()), "ARCHIVE_CORRUPT");
    expect(cut.message).toContain(`Expected to read ${payloadLength} bytes for batch 1 of stream 2, but only read ${payloadLength - 10}`);
    const inHeader = new FrameDecoder(id, "test");
    inHeader.push(bytes.subarray(0, bytes.byteLength - payloadLength - 12));
    const cutHeader = await failure(Promise.resolve().then(() => inHeader.finish()), "ARCHIVE_CORRUPT");
    expect(cutHeader.message).toContain("Expected to read 40 bytes for the frame header after batch 0 of stream 2, but only read 28");
  });

  it("refuse what does not fit a header", () => {
    expect(() => encodeFrame({ kind: "batch", stream: -1, table: 0, seq: 0, rows: 0, payload: new Uint8Array(8), crc: 0 })).toThrow(/BAD_ARGUMENT/);
    expect(() => encodeFrame({ kind: "batch", stream: 0, table: 0, seq: 2 ** 32, rows: 0, payload: new Uint8Array(8), crc: 0 })).toThrow(/BAD_ARGUMENT/);
  });
});

// ---------------------------------------------------------------------------
// Stream rules

describe("verifyFrames", () => {
  const id = streamId(1, 0, "main.t");
  const { batches } = randomStream(mulberry32(SEED + 10), 5);
  const schema = schemaFrame(id, batches[0].schema);
  const frames = batches.map((b, seq) => batchFrame(id, seq, b));
  const rows = batches.reduce((n, b) => n + b.numRows, 0);
  const end = endFrame(id, batches.length, rows);

  async function* from(list: Frame[]): AsyncGenerator<Frame> {
    for (const frame of list) yield frame;
  }
  const verify = async (list: Frame[]): Promise<Frame[]> => {
    const out: Frame[] = [];
    for await (const frame of verifyFrames(id, from(list), "test medium")) out.push(frame);
    return out;
  };

  it("passes a good stream through unchanged", async () => {
    const list = [schema, ...frames, end];
    expect(await verify(list)).toEqual(list);
  });

  const cases: [string, Frame[], RegExp][] = [
    ["a gap", [schema, frames[0], frames[1], frames[3], frames[4], end], /stream 1 of main\.t, batch 3: expected batch 2 but found batch 3 \(a gap\)/],
    ["a duplicate", [schema, frames[0], frames[1], frames[1], frames[2], end], /batch 1: expected batch 2 but found batch 1 again/],
    ["reordered frames", [schema, frames[1], frames[0], end], /batch 1: expected batch 0 but found batch 1/],
    ["no end frame", [schema, ...frames], /stream 1 of main\.t: the stream ended after batch 4 without an end frame \(truncated\)/],
    ["nothing at all", [], /ended after no schema frame without an end frame/],
    ["a batch before the schema", [frames[0], schema, end], /batch 0: expected the schema frame first/],
    ["a second schema", [schema, frames[0], schema, end], /a second schema frame/],
    ["a foreign stream's frame", [schema, frames[0], { ...frames[1], stream: 2 }, end], /batch 1: found a batch frame of stream 2 of table 0.*a foreign frame/],
    ["a foreign table's frame", [schema, { ...frames[0], table: 3 }, end], /foreign frame/],
    ["wrong batch total", [schema, ...frames, endFrame(id, 4, rows)], /the end frame says 4 batches but 5 arrived/],
    ["wrong row total", [schema, ...frames, endFrame(id, 5, rows + 1)], /the end frame says \d+ rows but the batches held \d+/],
    ["a frame after the end", [schema, ...frames, end, frames[0]], /a batch frame follows the end frame/],
    ["a payload that does not match its CRC", [schema, { ...(frames[0] as Extract<Frame, { kind: "batch" }>), crc: (frames[0] as { crc: number }).crc ^ 1 }, end], /batch 0: payload CRC-32 is 0x[0-9A-F]{8} but the frame says/],
  ];
  it.each(cases)("reports %s as ARCHIVE_CORRUPT", async (_name, list, message) => {
    const error = await failure(verify(list), "ARCHIVE_CORRUPT");
    expect(error.message).toMatch(message);
    expect(error.message).toContain("(test medium)");
    expect(error.details).toMatchObject({ stream: 1, table: "main.t" });
  });
});

// ---------------------------------------------------------------------------
// Every medium

describe.each(MEDIA)("the $name medium", (mediumCase) => {
  it("carries random batches bit-identically", async () => {
    await withMedium(mediumCase.make(), async (medium) => {
      const { batches, expected } = randomStream(mulberry32(SEED + 20), 7);
      const channel = await medium.open(streamId(1, 0));
      const [, read] = await Promise.all([writeStream(channel, batches), readStream(channel)]);
      expect(read.batches.map(valuesOf)).toEqual(expected);
      read.batches.forEach((batch, i) => expect(Buffer.from(encodeBatchMessage(batch)).equals(Buffer.from(encodeBatchMessage(batches[i])))).toBe(true));
      expect(read.frames.at(-1)).toEqual(endFrame(channel.id, 7, expected.reduce((n, c) => n + c.id.length, 0)));
      expect(channel.bytesTransferred()).toBeGreaterThan(0);
    });
  });

  it("carries an empty stream (no batches)", async () => {
    await withMedium(mediumCase.make(), async (medium) => {
      const channel = await medium.open(streamId(0, 3, "main.empty"));
      const [, frames] = await Promise.all([writeStream(channel, []), drain(channel)]);
      expect(frames.map((f) => f.kind)).toEqual(["schema", "end"]);
      expect(frames[1]).toEqual(endFrame(channel.id, 0, 0));
    });
  });

  it("carries 16 concurrent streams of two tables without hanging", async () => {
    await withMedium(mediumCase.make(), async (medium) => {
      const streams = Array.from({ length: 16 }, (_, k) => ({ id: streamId(k % 8, k >> 3, `main.t${k >> 3}`), data: randomStream(mulberry32(SEED + 100 + k), 5) }));
      const channels = await Promise.all(streams.map((s) => medium.open(s.id)));
      const results = await Promise.all(channels.map(async (channel, k) => {
        const [, read] = await Promise.all([writeStream(channel, streams[k].data.batches), readStream(channel)]);
        return read.batches.map(valuesOf);
      }));
      results.forEach((values, k) => expect(values).toEqual(streams[k].data.expected));
    });
  }, 30_000);

  it("refuses a batch whose payload changed after its CRC was taken: where it is written, or (memory) where it is read", async () => {
    await withMedium(mediumCase.make(), async (medium) => {
      const id = streamId(1, 0);
      const channel = await medium.open(id);
      const { batches } = randomStream(mulberry32(SEED + 21), 1);
      await channel.sink.write(schemaFrame(id, batches[0].schema));
      const frame = batchFrame(id, 0, batches[0]) as Extract<Frame, { kind: "batch" }>;
      frame.payload[frame.payload.byteLength - 1] ^= 1;
      const crcMismatch = /stream 1 of main\.orders, batch 0: payload CRC-32 is 0x[0-9A-F]{8} but the frame says 0x[0-9A-F]{8}/;
      if (mediumCase.name === "memory") {
        // Frames pass by reference: the read side's check is the medium's only CRC pass.
        await channel.sink.write(frame);
        await channel.sink.write(endFrame(id, 1, batches[0].numRows));
        await channel.sink.close();
        expect((await failure(drain(channel), "ARCHIVE_CORRUPT")).message).toMatch(crcMismatch);
        return;
      }
      const error = await failure(channel.sink.write(frame), "ARCHIVE_CORRUPT");
      expect(error.message).toMatch(crcMismatch);
      channel.sink.abort(error);
    });
  });
});

/** Frames written through a sink in a broken order; the rules are checked where the stream is read. */
function brokenOrders(id: StreamId, seed: number): [string, Frame[], RegExp][] {
  const { batches } = randomStream(mulberry32(seed), 4);
  const schema = schemaFrame(id, batches[0].schema);
  const b = batches.map((batch, seq) => batchFrame(id, seq, batch));
  const rows = batches.reduce((n, batch) => n + batch.numRows, 0);
  const end = endFrame(id, 4, rows);
  const foreign = batchFrame(streamId(id.stream + 1, id.table), 2, batches[2]);
  return [
    ["a dropped frame (gap)", [schema, b[0], b[1], b[3], end], /batch 3: expected batch 2 but found batch 3 \(a gap\)/],
    ["a duplicated frame", [schema, b[0], b[1], b[1], b[2], b[3], end], /batch 1: expected batch 2 but found batch 1 again/],
    ["reordered frames", [schema, b[0], b[2], b[1], b[3], end], /batch 2: expected batch 1 but found batch 2/],
    ["a missing end frame", [schema, ...b], /ended after batch 3 without an end frame \(truncated\)/],
    ["a frame of another stream", [schema, b[0], b[1], foreign, b[3], end], /batch 2: .*foreign frame/],
  ];
}

describe.each(QUEUE_MEDIA)("the $name medium, read side", (mediumCase) => {
  const id = streamId(1, 0);
  it.each(brokenOrders(id, SEED + 30))("reports %s as ARCHIVE_CORRUPT naming stream and batch", async (_name, frames, message) => {
    await withMedium(mediumCase.make(), async (medium) => {
      const channel = await medium.open(id);
      const writing = (async () => {
        for (const frame of frames) await channel.sink.write(frame);
        await channel.sink.close();
      })().catch(() => "the reader may have gone");
      const error = await failure(drain(channel), "ARCHIVE_CORRUPT");
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/stream 1 of main\.orders/);
      await writing;
    });
  }, 15_000);

  it("tells the reader when the writer aborts", async () => {
    await withMedium(mediumCase.make(), async (medium) => {
      const channel = await medium.open(id);
      const { batches } = randomStream(mulberry32(SEED + 31), 3);
      await channel.sink.write(schemaFrame(id, batches[0].schema));
      await channel.sink.write(batchFrame(id, 0, batches[0]));
      const reading = drain(channel);
      channel.sink.abort(new Error("the source AMP failed"));
      const error = await reading.then(() => null, (e: unknown) => e as AmpsimError);
      expect(error).toBeInstanceOf(AmpsimError);
      // memory sees the abort itself; a pipe sees its writer vanish mid-stream; TCP sees the reset, or
      // (when the reset overtakes unread data, as Linux may report it) the stream cut short.
      expect(mediumCase.name === "memory" ? ["MEDIUM_FAILED"] : ["ARCHIVE_CORRUPT", "MEDIUM_FAILED"]).toContain(error!.code);
      expect(error!.message).toMatch(/stream 1 of main\.orders/);
    });
  }, 15_000);

  it("fails the writer with MEDIUM_FAILED when the reader goes away", async () => {
    await withMedium(mediumCase.make(), async (medium) => {
      const channel = await medium.open(id);
      const rng = mulberry32(SEED + 32);
      const big = batchOf(randomColumns(rng, 20_000, 0));
      const writing = (async () => {
        await channel.sink.write(schemaFrame(id, big.schema));
        for (let seq = 0; seq < 2000; seq++) await channel.sink.write(batchFrame(id, seq, big));
      })();
      for await (const frame of channel.source) if (frame.kind === "batch") break;
      const error = await failure(writing, "MEDIUM_FAILED");
      expect(error.message).toMatch(/stream 1 of main\.orders/);
    });
  }, 30_000);
});

describe("the memory medium", () => {
  it("applies backpressure: a write waits while the queue is full, until the reader takes a frame", async () => {
    const medium = new MemoryMedium({ capacityBytes: 1000 });
    const id = streamId(0, 0);
    const channel = await medium.open(id);
    const { batches } = randomStream(mulberry32(SEED + 40), 3);
    await channel.sink.write(schemaFrame(id, batches[0].schema));
    await channel.sink.write(batchFrame(id, 0, batches[0])); // fills the queue past 1000 bytes
    let accepted = false;
    const second = channel.sink.write(batchFrame(id, 1, batches[1])).then(() => { accepted = true; });
    await sleep(50);
    expect(accepted).toBe(false);
    const iterator = channel.source[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.kind).toBe("schema");
    expect((await iterator.next()).value?.kind).toBe("batch");
    await second;
    expect(accepted).toBe(true);
    await medium.close();
  });

  it("reports a payload damaged while queued as ARCHIVE_CORRUPT", async () => {
    const medium = new MemoryMedium();
    const id = streamId(0, 0);
    const channel = await medium.open(id);
    const { batches } = randomStream(mulberry32(SEED + 41), 2);
    const frame = batchFrame(id, 0, batches[0]) as Extract<Frame, { kind: "batch" }>;
    await channel.sink.write(schemaFrame(id, batches[0].schema));
    await channel.sink.write(frame);
    frame.payload[100] ^= 0x80; // memory passes frames by reference
    await channel.sink.write(endFrame(id, 1, batches[0].numRows));
    await channel.sink.close();
    const error = await failure(drain(channel), "ARCHIVE_CORRUPT");
    expect(error.message).toMatch(/stream 0 of main\.orders, batch 0: payload CRC-32 is .* but the frame says .*\(memory medium\)/);
    await medium.close();
  });
});

// ---------------------------------------------------------------------------
// Byte media: damage on the wire

describe.each(BYTE_MEDIA)("the $name medium, on the wire", (mediumCase) => {
  const id = streamId(1, 0);

  async function runWith(hook: FrameBytesHook, stopAfterSeq = Infinity): Promise<AmpsimError> {
    return withMedium(mediumCase.make({ onFrameBytes: hook }), async (medium) => {
      const channel = await medium.open(id);
      const { batches } = randomStream(mulberry32(SEED + 50), 5);
      const writing = (async () => {
        await channel.sink.write(schemaFrame(id, batches[0].schema));
        let rows = 0;
        for (let seq = 0; seq < batches.length && seq <= stopAfterSeq; seq++) {
          await channel.sink.write(batchFrame(id, seq, batches[seq]));
          rows += batches[seq].numRows;
        }
        if (stopAfterSeq === Infinity) await channel.sink.write(endFrame(id, batches.length, rows));
        await channel.sink.close();
      })().catch(() => "the reader may have gone");
      const error = await failure(drain(channel), "ARCHIVE_CORRUPT");
      await writing;
      return error;
    });
  }

  /** Applies `damage` to a copy of batch `seq`'s bytes (header + payload joined). */
  const onBatch = (seq: number, damage: (bytes: Uint8Array) => Uint8Array): FrameBytesHook => (bytes, frame) =>
    frame.kind === "batch" && frame.seq === seq ? [damage(Buffer.concat(bytes))] : bytes;

  it("reports a flipped payload byte", async () => {
    const error = await runWith(onBatch(3, (b) => { b[b.byteLength - 5] ^= 0x01; return b; }));
    expect(error.message).toMatch(/stream 1 of main\.orders, batch 3: payload CRC-32 is 0x[0-9A-F]{8} but the frame says 0x[0-9A-F]{8}/);
  }, 15_000);

  it("reports a flipped header byte", async () => {
    for (const byte of [0, 9, 17, 29, 38]) {
      const error = await runWith(onBatch(1, (b) => { b[byte] ^= 0x20; return b; }));
      expect(error.message).toMatch(/stream 1 of main\.orders, batch 1: frame header after batch 0/);
    }
  }, 30_000);

  it("reports a writer that stops mid-frame as truncated", async () => {
    const error = await runWith(onBatch(2, (b) => b.subarray(0, b.byteLength - 100)), 2);
    expect(error.message).toMatch(/batch 2: Expected to read \d+ bytes for batch 2 of stream 1, but only read \d+ \(truncated\)/);
  }, 15_000);

  it("reports a dropped frame as a gap", async () => {
    const error = await runWith((bytes, frame) => (frame.kind === "batch" && frame.seq === 2 ? [] : bytes));
    expect(error.message).toMatch(/batch 3: expected batch 2 but found batch 3 \(a gap\)/);
  }, 15_000);

  it("reports a duplicated frame", async () => {
    const error = await runWith((bytes, frame) => (frame.kind === "batch" && frame.seq === 2 ? [...bytes, ...bytes] : bytes));
    expect(error.message).toMatch(/batch 2: expected batch 3 but found batch 2 again/);
  }, 15_000);
});

describe("the pipe medium", () => {
  it("applies backpressure: a write stays pending until the reader drains the pipe", async () => {
    const medium = new PipeMedium({ capacityBytes: 64 * 1024 });
    const id = streamId(0, 0);
    const channel = await medium.open(id);
    const big = batchOf(randomColumns(mulberry32(SEED + 60), 40_000, 0)); // about 1.3 MB per frame
    await channel.sink.write(schemaFrame(id, big.schema));
    let accepted = false;
    const write = channel.sink.write(batchFrame(id, 0, big)).then(() => { accepted = true; });
    await sleep(100);
    expect(accepted).toBe(false);
    const reading = drain(channel);
    await write;
    expect(accepted).toBe(true);
    await channel.sink.write(endFrame(id, 1, big.numRows));
    await channel.sink.close();
    expect((await reading).map((f) => f.kind)).toEqual(["schema", "batch", "end"]);
    await medium.close();
  }, 15_000);

  it("refuses to open the same stream twice at once", async () => {
    await withMedium(new PipeMedium(), async (medium) => {
      const results = await Promise.allSettled([medium.open(streamId(0, 0)), medium.open(streamId(0, 0))]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect((rejected.reason as AmpsimError).code).toBe("BAD_ARGUMENT");
    });
  });

  it("makes its FIFOs through one helper process for the whole process, which ends with it", async () => {
    const open = async (streams: number, dir?: string) => {
      const medium = new PipeMedium(dir === undefined ? {} : { dir });
      const channels = await Promise.all(Array.from({ length: streams }, (_v, s) => medium.open(streamId(0, s))));
      await Promise.all(channels.map((channel, s) => Promise.all([writeStream(channel, randomStream(mulberry32(SEED + 90 + s), 2).batches), drain(channel)])));
      await medium.close();
    };
    await open(3);
    const spawned = PipeMedium.fifoHelper.spawns;
    expect(spawned).toBeGreaterThanOrEqual(1);
    // Later media, with or without a directory of their own, many streams at once: no new process.
    await Promise.all([open(5), open(40), open(2, path.join(tempDir(), "pipes"))]);
    expect(PipeMedium.fifoHelper.spawns).toBe(spawned);
    // A process that made FIFOs exits by itself (the helper holds no event loop) and leaves no helper behind.
    const script = `import { PipeMedium } from ${JSON.stringify(path.resolve("migrator/media/pipe-medium.ts"))};
const medium = new PipeMedium(); await medium.open({ table: 0, stream: 0, tableName: "t" }); await medium.close();
console.log(PipeMedium.fifoHelper.spawns, PipeMedium.fifoHelper.pid);`;
    const [spawns, helper] = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 }).trim().split(" ").map(Number);
    expect(spawns).toBe(1);
    expect(helper).toBeGreaterThan(0);
    // Running, that is: a process that ended but is not reaped yet (a zombie, state Z) counts as gone.
    const alive = (pid: number) => { try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8")); } catch { return false; } };
    for (let i = 0; i < 50 && alive(helper); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(helper)).toBe(false);
    // Killed (no 'exit' handler runs), the process takes its helper with it all the same.
    const killed = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `${script}\nsetInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
    const printed = await new Promise<string>((resolve) => killed.stdout.once("data", (d: Buffer) => resolve(String(d))));
    const other = Number(printed.trim().split(" ")[1]);
    expect(alive(other)).toBe(true);
    killed.kill("SIGKILL");
    for (let i = 0; i < 100 && alive(other); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(other)).toBe(false);
  }, 30_000);

  it("a helper that dies is replaced at the next FIFO: media keep working", async () => {
    const before = PipeMedium.fifoHelper;
    const medium = new PipeMedium();
    await medium.open(streamId(0, 0));
    const { pid } = PipeMedium.fifoHelper;
    expect(pid).not.toBeNull();
    process.kill(pid!, "SIGKILL");
    for (let i = 0; i < 50 && PipeMedium.fifoHelper.pid === pid; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const channel = await medium.open(streamId(0, 1));
    await Promise.all([writeStream(channel, randomStream(mulberry32(SEED + 99), 2).batches), drain(channel)]);
    await medium.close();
    expect(PipeMedium.fifoHelper.spawns).toBeGreaterThan(before.spawns);
    expect(PipeMedium.fifoHelper.pid).not.toBe(pid);
  }, 15_000);

  it("a directory for its FIFOs that cannot be made: MEDIUM_FAILED naming it", async () => {
    const file = path.join(tempDir(), "a-file");
    fs.writeFileSync(file, "not a directory");
    const medium = new PipeMedium({ dir: path.join(file, "pipes") });
    const error = await failure(medium.open(streamId(0, 0)), "MEDIUM_FAILED");
    expect(error.message).toContain(`cannot make the directory of its FIFOs, ${path.join(file, "pipes")}`);
    await medium.close();
  });

  it("removes its FIFOs and temp directory on close", async () => {
    const dir = path.join(tempDir(), "pipes");
    const medium = new PipeMedium({ dir });
    const channel = await medium.open(streamId(0, 0));
    await Promise.all([writeStream(channel, randomStream(mulberry32(SEED + 61), 2).batches), drain(channel)]);
    await medium.close();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe("the network medium", () => {
  it("pairs connections with streams whatever order they open in, and ignores strangers", async () => {
    await withMedium(new NetworkMedium(), async (medium) => {
      const first = await medium.open(streamId(5, 1, "main.b"));
      const port = (medium as NetworkMedium).port;
      expect(port).toBeGreaterThan(0);
      const strangers = [Buffer.from("GET / HTTP/1.0\r\n\r\n"), Buffer.alloc(16)].map((bytes) => {
        const socket = net.connect({ host: "127.0.0.1", port: port! }, () => socket.write(bytes));
        socket.on("error", () => {});
        return new Promise<void>((resolve) => socket.on("close", () => resolve()));
      });
      const second = await medium.open(streamId(0, 0, "main.a"));
      const [a, b] = [randomStream(mulberry32(SEED + 70), 2), randomStream(mulberry32(SEED + 71), 3)];
      const [, readB, , readA] = await Promise.all([writeStream(first, b.batches), readStream(first), writeStream(second, a.batches), readStream(second)]);
      expect(readA.batches.map(valuesOf)).toEqual(a.expected);
      expect(readB.batches.map(valuesOf)).toEqual(b.expected);
      await Promise.all(strangers); // the server dropped them
    });
  });
});

// ---------------------------------------------------------------------------
// Storage: the archive directory

describe("the storage medium's archive", () => {
  const tables = [
    { ordinal: 0, name: "main.orders", streams: 2 },
    { ordinal: 1, name: "main.items", streams: 1 },
  ];

  interface Written {
    dir: string;
    expected: Map<string, Columns[]>;
  }

  /** Writes an archive of the tables above (4 batches per stream) with `seed`'s data. */
  async function writeArchive(seed: number, dir = path.join(tempDir(), "archive")): Promise<Written> {
    const medium = new StorageMedium({ dir });
    const expected = new Map<string, Columns[]>();
    for (const table of tables) medium.setTableInfo(table.ordinal, { name: table.name, ddl: `CREATE TABLE ${table.name} (id INTEGER)`, rowsAtStart: 123 });
    for (const table of tables) {
      for (let stream = 0; stream < table.streams; stream++) {
        const data = randomStream(mulberry32(seed + table.ordinal * 10 + stream), 4);
        const channel = await medium.open(streamId(stream, table.ordinal, table.name));
        await writeStream(channel, data.batches);
        expected.set(`${table.ordinal}:${stream}`, data.expected);
      }
    }
    await medium.close();
    return { dir, expected };
  }

  /** Reads every stream of the archive in `dir` through a fresh StorageMedium. */
  async function readArchive(dir: string): Promise<Map<string, Columns[]>> {
    const medium = await StorageMedium.openArchive(dir);
    const read = new Map<string, Columns[]>();
    for (const id of medium.streamIds()) {
      const channel = await medium.open(id);
      read.set(`${id.table}:${id.stream}`, (await readStream(channel)).batches.map(valuesOf));
    }
    await medium.close();
    return read;
  }

  function manifestOf(dir: string): ArchiveManifest {
    return JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as ArchiveManifest;
  }

  /** A copy of the archive in `dir`, to damage. */
  function copyOf(dir: string): string {
    const copy = path.join(tempDir(), "copy");
    fs.cpSync(dir, copy, { recursive: true });
    return copy;
  }

  /** Reads stream `stream` of table 0 from the (damaged) archive in `dir`; returns the ARCHIVE_CORRUPT error. */
  async function corruptRead(dir: string, stream = 0): Promise<AmpsimError> {
    const medium = await StorageMedium.openArchive(dir);
    const channel = await medium.open(streamId(stream, 0, "main.orders"));
    return failure(readStream(channel), "ARCHIVE_CORRUPT");
  }

  let archive: Written;
  // Written before the tests of this block that read it (not at collection, where a filtered run would leave it writing as the temp dirs go).
  beforeAll(async () => { archive = await writeArchive(SEED + 80); });

  it("writes one valid Arrow IPC stream file per stream, which plain apache-arrow opens", async () => {
    for (const [key, expected] of archive.expected) {
      const [table, stream] = key.split(":");
      const file = path.join(archive.dir, `t${table}-s${stream}.arrows`);
      const opened = arrow.tableFromIPC(fs.readFileSync(file));
      expect(opened.numRows).toBe(expected.reduce((n, c) => n + c.id.length, 0));
      const nonEmpty = expected.filter((c) => c.id.length > 0);
      expect(opened.batches.filter((b) => b.numRows > 0).map(valuesOf)).toEqual(nonEmpty);
    }
  });

  it("lists every batch's offset, length, rows and CRC-32 in the manifest, with the table info", async () => {
    const manifest = manifestOf(archive.dir);
    expect(manifest.format).toBe("ampsim-archive");
    expect(manifest.version).toBe(1);
    expect(manifest.tables.map((t) => [t.ordinal, t.name, t.streams.length])).toEqual(tables.map((t) => [t.ordinal, t.name, t.streams]));
    expect(manifest.tables[0]).toMatchObject({ ddl: "CREATE TABLE main.orders (id INTEGER)", rowsAtStart: 123 });
    for (const table of manifest.tables) {
      for (const stream of table.streams) {
        const bytes = fs.readFileSync(path.join(archive.dir, stream.file));
        expect(bytes.byteLength).toBe(stream.bytes);
        expect(stream.batches.map((b) => b.seq)).toEqual([0, 1, 2, 3]);
        for (const batch of stream.batches) {
          expect(crc32(bytes, batch.offset, batch.offset + batch.length)).toBe(batch.crc);
          expect(decodeBatch(bytes.subarray(0, stream.schema.length), bytes.subarray(batch.offset, batch.offset + batch.length)).numRows).toBe(batch.rows);
        }
      }
    }
  });

  it("leaves no temp files behind", async () => {
    expect(fs.readdirSync(archive.dir).sort()).toEqual(["manifest.json", "t0-s0.arrows", "t0-s1.arrows", "t1-s0.arrows"]);
  });

  it("reads back from a fresh instance bit-identically", async () => {
    expect(await readArchive(archive.dir)).toEqual(archive.expected);
  });

  it("refuses to write over an archive unless told to overwrite", async () => {
    const copy = copyOf(archive.dir);
    expect(() => new StorageMedium({ dir: copy })).toThrow(/BAD_ARGUMENT.*already holds an archive/);
    const again = await writeArchive(SEED + 81, copy).catch(() => null);
    expect(again).toBeNull();
    const medium = new StorageMedium({ dir: copy, overwrite: true });
    expect(fs.readdirSync(copy)).toEqual([]);
    await medium.close();
    expect(manifestOf(copy).tables).toEqual([]);
  });

  it("refuses writes to an archive opened for reading", async () => {
    const medium = await StorageMedium.openArchive(archive.dir);
    const channel = await medium.open(streamId(0, 0, "main.orders"));
    await failure(channel.sink.write(endFrame(channel.id, 0, 0)), "BAD_ARGUMENT");
    expect(() => medium.setTableInfo(0, { name: "x", ddl: "" })).toThrow(/BAD_ARGUMENT/);
  });

  it("reports a truncated file naming the stream, the batch and the file", async () => {
    const copy = copyOf(archive.dir);
    const entry = manifestOf(copy).tables[0].streams[0];
    const file = path.join(copy, entry.file);
    fs.truncateSync(file, entry.batches[2].offset + 100);
    const error = await corruptRead(copy);
    expect(error.message).toContain(`stream 0 of main.orders, batch 2: Expected to read ${entry.batches[2].length} bytes for batch 2 of stream 0 from ${file}, but only read 100`);
    expect(error.details).toMatchObject({ stream: 0, batch: 2, file, table: "main.orders" });
  });

  it("reports a flipped byte in a batch or in the schema message", async () => {
    const copy = copyOf(archive.dir);
    const entry = manifestOf(copy).tables[0].streams[0];
    const file = path.join(copy, entry.file);
    const bytes = fs.readFileSync(file);
    bytes[entry.batches[1].offset + 77] ^= 0x08;
    fs.writeFileSync(file, bytes);
    const error = await corruptRead(copy);
    expect(error.message).toMatch(new RegExp(`stream 0 of main\\.orders, batch 1: payload CRC-32 is 0x[0-9A-F]{8} but the manifest says 0x[0-9A-F]{8} \\(file ${file}\\)`));
    bytes[entry.batches[1].offset + 77] ^= 0x08;
    bytes[20] ^= 0x01;
    fs.writeFileSync(file, bytes);
    expect((await corruptRead(copy)).message).toMatch(/the schema message's CRC-32 is .* but the manifest says/);
  });

  it("reports batches reordered inside a file", async () => {
    const copy = copyOf(archive.dir);
    const entry = manifestOf(copy).tables[0].streams[0];
    const file = path.join(copy, entry.file);
    const bytes = fs.readFileSync(file);
    const [b0, b1] = entry.batches;
    const swapped = Buffer.concat([
      bytes.subarray(0, b0.offset), bytes.subarray(b1.offset, b1.offset + b1.length), bytes.subarray(b0.offset, b0.offset + b0.length), bytes.subarray(b1.offset + b1.length),
    ]);
    fs.writeFileSync(file, swapped);
    const error = await corruptRead(copy);
    expect(error.message).toMatch(/stream 0 of main\.orders, batch 0: payload CRC-32 .* but the manifest says/);
    expect(error.message).toContain(file);
  });

  it("reports swapped stream files, and a file from another archive", async () => {
    const copy = copyOf(archive.dir);
    fs.renameSync(path.join(copy, "t0-s0.arrows"), path.join(copy, "tmp"));
    fs.renameSync(path.join(copy, "t0-s1.arrows"), path.join(copy, "t0-s0.arrows"));
    fs.renameSync(path.join(copy, "tmp"), path.join(copy, "t0-s1.arrows"));
    for (const stream of [0, 1]) expect((await corruptRead(copy, stream)).message).toContain(path.join(copy, `t0-s${stream}.arrows`));
    const other = await writeArchive(SEED + 90);
    const foreign = copyOf(archive.dir);
    fs.copyFileSync(path.join(other.dir, "t0-s1.arrows"), path.join(foreign, "t0-s1.arrows"));
    const error = await corruptRead(foreign, 1);
    expect(error.message).toMatch(/stream 1 of main\.orders/);
    expect(error.details.file).toBe(path.join(foreign, "t0-s1.arrows"));
  });

  it("reports a missing stream file, and a file with bytes after its end", async () => {
    const copy = copyOf(archive.dir);
    fs.rmSync(path.join(copy, "t0-s0.arrows"));
    expect((await corruptRead(copy)).message).toMatch(/stream 0 of main\.orders: the stream file is missing/);
    fs.appendFileSync(path.join(copy, "t0-s1.arrows"), Buffer.alloc(8));
    expect((await corruptRead(copy, 1)).message).toMatch(/8 bytes follow the end-of-stream marker/);
  });

  it("refuses a manifest that is missing, unparsable, or names files outside the archive", async () => {
    const missing = tempDir();
    const error = await failure(StorageMedium.openArchive(missing), "ARCHIVE_CORRUPT");
    expect(error.message).toContain(path.join(missing, "manifest.json"));
    const copy = copyOf(archive.dir);
    const manifestPath = path.join(copy, "manifest.json");
    const original = fs.readFileSync(manifestPath, "utf8");
    fs.writeFileSync(manifestPath, original.slice(0, 100));
    expect((await failure(StorageMedium.openArchive(copy), "ARCHIVE_CORRUPT")).message).toMatch(/is not valid JSON/);
    for (const bad of ["../t0-s0.arrows", "/etc/passwd", "t0-s0.arrows\u0000.txt", "sub/t0-s0.arrows", "t0-s1.arrows"]) {
      const manifest = JSON.parse(original) as { tables: { streams: { file: string }[] }[] };
      manifest.tables[0].streams[0].file = bad;
      fs.writeFileSync(manifestPath, JSON.stringify(manifest));
      const refused = await failure(StorageMedium.openArchive(copy), "ARCHIVE_CORRUPT");
      expect(refused.message).toContain(manifestPath);
      expect(refused.message).toContain("tables[0].streams[0].file");
      expect(refused.details.file).toBe(manifestPath);
    }
    const manifest = JSON.parse(original) as { tables: { streams: { rows: number }[] }[] };
    manifest.tables[0].streams[0].rows += 1;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    expect((await failure(StorageMedium.openArchive(copy), "ARCHIVE_CORRUPT")).message).toMatch(/rows is \d+ but its batches hold/);
  });

  it("checks the stream rules where a stream is written, and keeps a failed stream out of the manifest", async () => {
    const dir = path.join(tempDir(), "archive");
    const medium = new StorageMedium({ dir });
    for (const [index, [, frames, message]] of brokenOrders(streamId(1, 0), SEED + 95).entries()) {
      const id = streamId(1, index);
      const channel = await medium.open(id);
      const renumbered = frames.map((f) => ({ ...f, table: f.stream === 1 ? index : f.table }) as Frame);
      const writing = (async () => {
        for (const frame of renumbered) await channel.sink.write(frame);
        await channel.sink.close();
      })();
      const error = await failure(writing, "ARCHIVE_CORRUPT");
      expect(error.message).toMatch(message.source.includes("foreign") ? /foreign frame/ : message);
      expect(error.message).toContain(`stream 1 of main.orders`);
      await failure(drain(channel), "ARCHIVE_CORRUPT");
    }
    await medium.close();
    expect(fs.readdirSync(dir)).toEqual(["manifest.json"]);
    expect(manifestOf(dir).tables.every((t) => t.streams.length === 0)).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// createMedium

describe("createMedium", () => {
  it("builds each kind", async () => {
    const dir = path.join(tempDir(), "archive");
    const media = [createMedium("memory"), createMedium("pipe"), createMedium("network"), createMedium({ kind: "storage", dir }), createMedium({ kind: "memory", capacityBytes: 10 })];
    expect(media.map((m) => m.kind)).toEqual(["memory", "pipe", "network", "storage", "memory"]);
    for (const medium of media) await medium.close();
  });

  it("refuses anything else with BAD_CONFIG listing the valid kinds", () => {
    for (const spec of ["disk", "storage", { kind: "storage" }, { kind: "tape" }, null, 42]) {
      let error: unknown = null;
      try { createMedium(spec as never); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(AmpsimError);
      expect((error as AmpsimError).code).toBe("BAD_CONFIG");
      expect((error as AmpsimError).message).toMatch(/storage/);
    }
    expect(() => createMedium({ kind: "memory", capacityBytes: 0 })).toThrow(/BAD_CONFIG/);
  });
});
