/**
 * The archive format: how one stream's rows are written down, whatever the
 * transfer medium.
 *
 * Owns:
 * - the Arrow IPC encapsulated messages a stream carries (one schema message,
 *   then one record-batch message per batch), encoded with one copy of the
 *   batch body and decoded without copying it;
 * - the binary frame (a 40-byte checksummed header + payload) that the byte
 *   media (pipe, network) send, with an incremental decoder;
 * - the stream rules every medium enforces where a stream is read
 *   (`verifyFrames`): schema first, batches 0, 1, 2 … without gap or
 *   duplicate, every frame of this stream, every batch's CRC-32 right, end
 *   totals right, nothing after the end, no end missing.
 *
 * Faults it must survive, each reported as ARCHIVE_CORRUPT naming the stream,
 * the batch and where (medium or file): flipped bits in a header or payload,
 * bytes cut off at any point, frames dropped, duplicated, reordered or taken
 * from another stream, and a payload changed after its CRC was taken (caught
 * where the frame is written). See docs/ARCHIVE_FORMAT.md.
 */
import type { BufferPool } from "./buffer-pool.js";
import * as arrow from "apache-arrow";
// Arrow's own body assembly, so one message is encoded with a single copy of
// the body (the public writers copy again when joining their output chunks).
import { VectorAssembler } from "apache-arrow/visitor/vectorassembler";
import { RecordBatch as RecordBatchHeader } from "apache-arrow/ipc/metadata/message";
import { AmpsimError, assert, assertNever } from "../engine/errors.js";
import type { ErrorDetails } from "../engine/errors.js";
import { crc32 } from "./crc32.js";
import type { Frame, StreamId } from "./media/transfer-medium.js";

// ---------------------------------------------------------------------------
// Arrow IPC messages

/** 0xFFFFFFFF: the continuation marker before every encapsulated IPC message. */
const CONTINUATION = -1;
/** An IPC stream ends with the continuation marker and a zero metadata length. */
export const END_OF_STREAM_MARKER: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * The Arrow IPC schema message of `schema` (continuation marker, metadata
 * length, flatbuffer, padding to 8 bytes; no body).
 *
 * @example
 * const schemaMessage = encodeSchemaMessage(table.schema);
 */
export function encodeSchemaMessage(schema: arrow.Schema): Uint8Array {
  const metadata = arrow.Message.encode(arrow.Message.from(schema));
  const message = new Uint8Array(prefixedLength(metadata.byteLength));
  writePrefix(message, metadata);
  return message;
}

/**
 * The Arrow IPC record-batch message of `batch`: metadata, then the body
 * buffers each padded to 8 bytes, in one new buffer (the body is copied once),
 * or in the bytes `buffer(length)` gives (a BufferPool's recycled ones).
 * Dictionary-encoded columns are not supported (BAD_ARGUMENT).
 *
 * @example
 * const payload = encodeBatchMessage(batch);
 * const again = decodeBatch(encodeSchemaMessage(batch.schema), payload);
 */
export function encodeBatchMessage(batch: arrow.RecordBatch, buffer?: (bytes: number) => Uint8Array): Uint8Array {
  if (batch.dictionaries.size > 0) {
    throw new AmpsimError("BAD_ARGUMENT", "encodeBatchMessage: dictionary-encoded columns are not supported in archive streams");
  }
  const assembled = VectorAssembler.assemble(batch);
  const header = new RecordBatchHeader(
    batch.numRows, assembled.nodes, assembled.bufferRegions, null, assembled.variadicBufferCounts, batch.metadata,
  );
  const metadata = arrow.Message.encode(arrow.Message.from(header, assembled.byteLength));
  const bodyOffset = prefixedLength(metadata.byteLength);
  const message = buffer ? buffer(bodyOffset + assembled.byteLength) : new Uint8Array(bodyOffset + assembled.byteLength);
  writePrefix(message, metadata);
  const { buffers, bufferRegions } = assembled;
  // A given buffer may hold old bytes: the padding is cleared too, so the message is the same bytes either way.
  let written = 8 + metadata.byteLength;
  const clearTo = (end: number) => { if (buffer && end > written) message.fill(0, written, end); };
  for (let i = 0; i < buffers.length; i++) {
    const source = buffers[i];
    const at = bodyOffset + bufferRegions[i].offset;
    clearTo(at);
    if (source.byteLength > 0) message.set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), at);
    written = Math.max(written, at + source.byteLength);
  }
  clearTo(message.byteLength);
  return message;
}

/** Length of prefix + metadata, padded so the body starts 8-byte aligned. */
function prefixedLength(metadataLength: number): number {
  return (8 + metadataLength + 7) & ~7;
}

function writePrefix(message: Uint8Array, metadata: Uint8Array): void {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  view.setInt32(0, CONTINUATION, true);
  view.setInt32(4, prefixedLength(metadata.byteLength) - 8, true);
  message.set(metadata, 8);
}

/**
 * Reads the header of one encapsulated IPC message and checks that its
 * lengths account for exactly the bytes given; ARCHIVE_CORRUPT otherwise.
 * `what` names the message in the error ("the schema message of stream 2 …").
 *
 * @example
 * if (!readMessageHeader(payload, `batch ${seq}`).isRecordBatch()) throw …
 */
export function readMessageHeader(bytes: Uint8Array, what: string): arrow.Message {
  const fail = (text: string, cause?: unknown): AmpsimError =>
    new AmpsimError("ARCHIVE_CORRUPT", `${what} is not an Arrow IPC message: ${text}`, {}, { cause });
  if (bytes.byteLength < 8) throw fail(`expected at least 8 bytes but found ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getInt32(0, true) !== CONTINUATION) throw fail(`expected the continuation marker 0xFFFFFFFF but found ${hex(view.getUint32(0, true))}`);
  const metadataLength = view.getInt32(4, true);
  if (metadataLength <= 0 || 8 + metadataLength > bytes.byteLength) {
    throw fail(`metadata length ${metadataLength} does not fit in ${bytes.byteLength} bytes`);
  }
  let message: arrow.Message;
  try { message = arrow.Message.decode(bytes.subarray(8, 8 + metadataLength)); }
  catch (error) { throw fail("its metadata does not decode", error); }
  const expected = 8 + metadataLength + message.bodyLength;
  if (expected !== bytes.byteLength) throw fail(`its lengths add up to ${expected} bytes but it has ${bytes.byteLength}`);
  return message;
}

/**
 * Decodes one record batch from its IPC message, given the stream's schema
 * message. Zero-copy: the columns are views into `batchMessage` (which is
 * copied once only if it is not 8-byte aligned). ARCHIVE_CORRUPT if either
 * message is malformed or of the wrong kind.
 *
 * @example
 * for await (const frame of channel.source) {
 *   if (frame.kind === "schema") schemaMessage = frame.payload;
 *   else if (frame.kind === "batch") load(decodeBatch(schemaMessage, frame.payload));
 * }
 */
export function decodeBatch(schemaMessage: Uint8Array, batchMessage: Uint8Array): arrow.RecordBatch {
  if (!readMessageHeader(schemaMessage, "the schema message").isSchema()) {
    throw new AmpsimError("ARCHIVE_CORRUPT", "the schema message holds another kind of IPC message");
  }
  if (!readMessageHeader(batchMessage, "the batch message").isRecordBatch()) {
    throw new AmpsimError("ARCHIVE_CORRUPT", "the batch message holds another kind of IPC message");
  }
  // Arrow views buffers as typed arrays in place, which needs 8-byte alignment.
  const aligned = batchMessage.byteOffset % 8 === 0 ? batchMessage : batchMessage.slice();
  try {
    const reader = arrow.RecordBatchReader.from([schemaMessage, aligned]);
    for (const batch of reader) return batch;
  } catch (error) {
    throw new AmpsimError("ARCHIVE_CORRUPT", `the batch message does not decode: ${(error as Error).message}`, {}, { cause: error });
  }
  throw new AmpsimError("ARCHIVE_CORRUPT", "the batch message holds no record batch");
}

// ---------------------------------------------------------------------------
// Frames

/** Bytes in a frame header. */
export const FRAME_HEADER_BYTES = 40;
/** "AMPF" read as a little-endian u32. */
const FRAME_MAGIC = 0x46504d41;
export const FRAME_VERSION = 1;
/** Largest payload a frame carries (its length is a u32). */
export const FRAME_PAYLOAD_BYTES_MAX = 0xffffffff;

const KIND_CODES = { schema: 1, batch: 2, end: 3 } as const;
type FrameKind = Frame["kind"];

/** Byte offsets of the header fields; all little-endian. */
const Field = {
  Magic: 0, Version: 4, Kind: 5, Reserved: 6, Stream: 8, Table: 12, Seq: 16,
  RowsLow: 20, RowsHigh: 24, PayloadLength: 28, PayloadCrc: 32, HeaderCrc: 36,
} as const;

/**
 * The frame of a stream's schema.
 * @example await channel.sink.write(schemaFrame(id, table.schema));
 */
export function schemaFrame(id: StreamId, schema: arrow.Schema): Frame {
  return { kind: "schema", stream: id.stream, table: id.table, payload: encodeSchemaMessage(schema) };
}

/**
 * The frame of batch `seq`, with the CRC-32 of its IPC message.
 * @example await channel.sink.write(batchFrame(id, seq++, batch));
 */
export function batchFrame(id: StreamId, seq: number, batch: arrow.RecordBatch): Frame {
  const payload = encodeBatchMessage(batch);
  return { kind: "batch", stream: id.stream, table: id.table, seq, rows: batch.numRows, payload, crc: crc32(payload) };
}

/**
 * The last frame of a stream: how many batches and rows it held.
 * @example await channel.sink.write(endFrame(id, seq, rowCount));
 */
export function endFrame(id: StreamId, batches: number, rows: number): Frame {
  return { kind: "end", stream: id.stream, table: id.table, batches, rows };
}

/**
 * Bytes a frame takes on a byte medium: header plus payload.
 * @example frameByteLength(endFrame(id, 0, 0)) // 40
 */
export function frameByteLength(frame: Frame): number {
  return FRAME_HEADER_BYTES + (frame.kind === "end" ? 0 : frame.payload.byteLength);
}

/**
 * Encodes a frame for a byte medium: `[header]` or `[header, payload]`, the
 * payload not copied. The header holds the payload's CRC-32 (a batch frame's
 * own `crc`, which the sink checked) and a CRC-32 of the header itself.
 *
 * @example
 * socket.cork(); for (const bytes of encodeFrame(frame)) socket.write(bytes); socket.uncork();
 */
export function encodeFrame(frame: Frame): Uint8Array[] {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(header.buffer);
  const payload = frame.kind === "end" ? null : frame.payload;
  const [seq, rows] = frame.kind === "batch" ? [frame.seq, frame.rows] : frame.kind === "end" ? [frame.batches, frame.rows] : [0, 0];
  checkU32(frame.stream, "stream");
  checkU32(frame.table, "table");
  checkU32(seq, frame.kind === "end" ? "batch count" : "batch seq");
  if (!(Number.isSafeInteger(rows) && rows >= 0)) throw badFrame(`row count ${rows} is not a non-negative integer`);
  if (frame.kind === "batch") checkU32(rows, "row count of a batch");
  if (payload !== null && payload.byteLength > FRAME_PAYLOAD_BYTES_MAX) throw badFrame(`payload of ${payload.byteLength} bytes exceeds 4 GiB`);
  view.setUint32(Field.Magic, FRAME_MAGIC, true);
  view.setUint8(Field.Version, FRAME_VERSION);
  view.setUint8(Field.Kind, KIND_CODES[frame.kind]);
  view.setUint16(Field.Reserved, 0, true);
  view.setUint32(Field.Stream, frame.stream, true);
  view.setUint32(Field.Table, frame.table, true);
  view.setUint32(Field.Seq, seq, true);
  view.setUint32(Field.RowsLow, rows % 0x1_0000_0000, true);
  view.setUint32(Field.RowsHigh, Math.floor(rows / 0x1_0000_0000), true);
  view.setUint32(Field.PayloadLength, payload === null ? 0 : payload.byteLength, true);
  view.setUint32(Field.PayloadCrc, frame.kind === "batch" ? frame.crc : payload === null ? 0 : crc32(payload), true);
  view.setUint32(Field.HeaderCrc, crc32(header, 0, Field.HeaderCrc), true);
  return payload === null || payload.byteLength === 0 ? [header] : [header, payload];
}

function checkU32(value: number, what: string): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) throw badFrame(`${what} ${value} is not a u32`);
}

function badFrame(text: string): AmpsimError {
  return new AmpsimError("BAD_ARGUMENT", `encodeFrame: ${text}`);
}

/**
 * Checks a frame where it is written: a batch's payload must still match the
 * CRC taken when it was framed (catches a buffer reused or changed since).
 * ARCHIVE_CORRUPT otherwise.
 *
 * @example
 * async write(frame) { checkWrittenFrame(this.id, frame, this.where); … }
 */
export function checkWrittenFrame(id: StreamId, frame: Frame, where: string): void {
  if (frame.kind !== "batch") return;
  const actual = crc32(frame.payload);
  if (actual !== frame.crc) {
    throw corrupt(id, where, frame.seq,
      `payload CRC-32 is ${hex(actual)} but the frame says ${hex(frame.crc)} where it is written (the payload changed after its CRC was taken)`);
  }
}

// ---------------------------------------------------------------------------
// Errors

/** "stream 2 of main.orders". */
export function streamLabel(id: StreamId): string {
  return `stream ${id.stream} of ${id.tableName}`;
}

/** 0x0000ABCD. */
export function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
}

/**
 * An ARCHIVE_CORRUPT error about `batch` of stream `id`, read `where`:
 * "stream 2 of main.orders, batch 7: <text> (<where>)". `batch` is null for
 * the stream as a whole.
 *
 * @example
 * throw corrupt(id, `file ${path}`, 7, "the batch is cut short", { file: path });
 */
export function corrupt(id: StreamId, where: string, batch: number | null, text: string, details: ErrorDetails = {}): AmpsimError {
  const subject = batch === null ? streamLabel(id) : `${streamLabel(id)}, batch ${batch}`;
  return new AmpsimError("ARCHIVE_CORRUPT", `${subject}: ${text} (${where})`, {
    stream: id.stream, table: id.tableName, ...(batch === null ? {} : { batch }), where, ...details,
  });
}

// ---------------------------------------------------------------------------
// Frame decoder

/** A frame header read and checked, waiting for its payload. */
interface PendingFrame {
  readonly kind: FrameKind;
  readonly stream: number;
  readonly table: number;
  readonly seq: number;
  readonly rows: number;
  readonly payloadLength: number;
  readonly payloadCrc: number;
}

export interface FrameDecoderOptions {
  /**
   * Check each batch payload against the CRC in its header (default true).
   * Media that pass the frames on to `verifyFrames`, which checks the batch
   * CRC anyway, turn it off to save a pass over every byte.
   */
  readonly checkBatchCrc?: boolean;
  /** Where payloads gathered from several reads are put (a migration's recycled buffers); default a new buffer each. */
  readonly buffers?: BufferPool;
}

/**
 * Turns the bytes of one stream, in chunks of any size, back into frames.
 * Checks each header (magic, version, kind, header CRC-32) and each payload's
 * CRC-32, and at the end of input that no frame was cut off; ARCHIVE_CORRUPT
 * otherwise. A payload is gathered into one buffer of its exact size (or is a
 * view of the pushed chunk when it lies wholly and aligned inside it, so
 * pushed chunks must not be changed afterwards). Or, without chunks, bytes
 * are read straight into place: `readTarget()`, then `received(count)`.
 *
 * @example
 * const decoder = new FrameDecoder(id, "pipe /tmp/p");
 * for await (const chunk of socket) for (const frame of decoder.push(chunk)) handle(frame);
 * decoder.finish();
 */
export class FrameDecoder {
  readonly #id: StreamId;
  readonly #where: string;
  readonly #checkBatchCrc: boolean;
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFill = 0;
  #pending: PendingFrame | null = null;
  #payload: Uint8Array | null = null;
  #payloadFill = 0;
  /** Seq of the last batch decoded, for messages about what follows it. */
  #lastSeq = -1;

  readonly #buffers: BufferPool | undefined;

  constructor(id: StreamId, where: string, options: FrameDecoderOptions = {}) {
    this.#id = id;
    this.#where = where;
    this.#checkBatchCrc = options.checkBatchCrc ?? true;
    this.#buffers = options.buffers;
  }

  /** A buffer for a payload of `length` bytes, every one of which the stream fills. */
  #newPayload(length: number): Uint8Array {
    return this.#buffers ? this.#buffers.take(length) : new Uint8Array(length);
  }

  /** Takes the next chunk of bytes; returns the frames it completed. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let position = 0;
    while (position < chunk.byteLength) {
      if (this.#pending === null) {
        position = this.#readHeader(chunk, position);
        if (this.#pending === null) break;
        position = this.#startPayload(chunk, position, frames);
      } else {
        position = this.#readPayload(chunk, position, frames);
      }
    }
    return frames;
  }

  /**
   * Where the next bytes of the stream belong, for reading them straight into place (a
   * socket's `onread` buffer): the rest of the frame header, or of the payload being
   * gathered (never empty). `received(count)` then takes the bytes read there.
   */
  readTarget(): Uint8Array {
    if (this.#pending === null) return this.#header.subarray(this.#headerFill);
    assert(this.#payload !== null, "frame decoder: no payload buffer");
    return this.#payload.subarray(this.#payloadFill);
  }

  /** Takes `count` bytes just read into `readTarget()`; returns the frames they completed. */
  received(count: number): Frame[] {
    const frames: Frame[] = [];
    if (this.#pending === null) {
      this.#headerFill += count;
      if (this.#headerFill < FRAME_HEADER_BYTES) return frames;
      this.#headerFill = 0;
      // The payload's buffer first: if it cannot be allocated, the decoder is left as it was.
      const pending = this.#parseHeader();
      const payload = this.#newPayload(pending.payloadLength);
      this.#pending = pending;
      this.#payload = payload;
      this.#payloadFill = 0;
    } else {
      this.#payloadFill += count;
    }
    const payload = this.#payload;
    assert(payload !== null, "frame decoder: no payload buffer");
    if (this.#payloadFill === payload.byteLength) {
      this.#payload = null;
      this.#payloadFill = 0;
      frames.push(this.#complete(payload));
    }
    return frames;
  }

  /** Declares the end of input: ARCHIVE_CORRUPT if a frame was cut off. */
  finish(): void {
    const pending = this.#pending;
    if (pending !== null) {
      const what = pending.kind === "batch" ? `batch ${pending.seq}` : `the ${pending.kind} frame`;
      throw corrupt(this.#id, this.#where, pending.kind === "batch" ? pending.seq : this.#lastSeq + 1,
        `Expected to read ${pending.payloadLength} bytes for ${what} of stream ${this.#id.stream}, but only read ${this.#payloadFill} (truncated)`);
    }
    if (this.#headerFill > 0) {
      throw corrupt(this.#id, this.#where, this.#lastSeq + 1,
        `Expected to read ${FRAME_HEADER_BYTES} bytes for the frame header after batch ${this.#lastSeq} of stream ${this.#id.stream}, but only read ${this.#headerFill} (truncated)`);
    }
  }

  #readHeader(chunk: Uint8Array, position: number): number {
    const count = Math.min(FRAME_HEADER_BYTES - this.#headerFill, chunk.byteLength - position);
    this.#header.set(chunk.subarray(position, position + count), this.#headerFill);
    this.#headerFill += count;
    if (this.#headerFill === FRAME_HEADER_BYTES) {
      this.#headerFill = 0;
      this.#pending = this.#parseHeader();
    }
    return position + count;
  }

  #parseHeader(): PendingFrame {
    const header = this.#header;
    const view = new DataView(header.buffer);
    const fail = (text: string): AmpsimError => corrupt(this.#id, this.#where, this.#lastSeq + 1, `frame header after batch ${this.#lastSeq}: ${text}`);
    const magic = view.getUint32(Field.Magic, true);
    if (magic !== FRAME_MAGIC) throw fail(`expected magic "AMPF" (${hex(FRAME_MAGIC)}) but found ${hex(magic)}`);
    const headerCrc = crc32(header, 0, Field.HeaderCrc);
    const storedCrc = view.getUint32(Field.HeaderCrc, true);
    if (headerCrc !== storedCrc) throw fail(`header CRC-32 is ${hex(headerCrc)} but the header says ${hex(storedCrc)}`);
    const version = view.getUint8(Field.Version);
    if (version !== FRAME_VERSION) throw fail(`format version ${version} is not supported (expected ${FRAME_VERSION})`);
    const kind = kindOfCode(view.getUint8(Field.Kind));
    if (kind === null) throw fail(`frame kind ${view.getUint8(Field.Kind)} is not 1 (schema), 2 (batch) or 3 (end)`);
    if (view.getUint16(Field.Reserved, true) !== 0) throw fail("reserved bytes are not zero");
    const payloadLength = view.getUint32(Field.PayloadLength, true);
    if (kind === "end" && payloadLength !== 0) throw fail(`an end frame has a payload of ${payloadLength} bytes`);
    return {
      kind,
      stream: view.getUint32(Field.Stream, true),
      table: view.getUint32(Field.Table, true),
      seq: view.getUint32(Field.Seq, true),
      rows: view.getUint32(Field.RowsLow, true) + view.getUint32(Field.RowsHigh, true) * 0x1_0000_0000,
      payloadLength,
      payloadCrc: view.getUint32(Field.PayloadCrc, true),
    };
  }

  /** After a header: take the payload as a view if it is all here, else start gathering it. */
  #startPayload(chunk: Uint8Array, position: number, frames: Frame[]): number {
    const pending = this.#pending;
    assert(pending !== null, "frame decoder: payload without a header");
    const length = pending.payloadLength;
    if (length <= chunk.byteLength - position && (chunk.byteOffset + position) % 8 === 0) {
      // A plain Uint8Array view (not a Buffer), like the gathered payloads.
      frames.push(this.#complete(new Uint8Array(chunk.buffer, chunk.byteOffset + position, length)));
      return position + length;
    }
    this.#payload = this.#newPayload(length);
    this.#payloadFill = 0;
    return this.#readPayload(chunk, position, frames);
  }

  #readPayload(chunk: Uint8Array, position: number, frames: Frame[]): number {
    const payload = this.#payload;
    assert(payload !== null, "frame decoder: no payload buffer");
    const count = Math.min(payload.byteLength - this.#payloadFill, chunk.byteLength - position);
    payload.set(chunk.subarray(position, position + count), this.#payloadFill);
    this.#payloadFill += count;
    if (this.#payloadFill === payload.byteLength) {
      this.#payload = null;
      this.#payloadFill = 0;
      frames.push(this.#complete(payload));
    }
    return position + count;
  }

  #complete(payload: Uint8Array): Frame {
    const pending = this.#pending;
    assert(pending !== null, "frame decoder: completing without a header");
    this.#pending = null;
    const { kind, stream, table, seq, rows, payloadCrc } = pending;
    if (kind !== "batch" || this.#checkBatchCrc) {
      const actual = crc32(payload);
      if (actual !== payloadCrc) {
        throw corrupt(this.#id, this.#where, kind === "batch" ? seq : this.#lastSeq + 1,
          `${kind === "batch" ? "payload" : `${kind} frame payload`} CRC-32 is ${hex(actual)} but the header says ${hex(payloadCrc)}`);
      }
    }
    switch (kind) {
      case "schema": return { kind, stream, table, payload };
      case "batch": this.#lastSeq = seq; return { kind, stream, table, seq, rows, payload, crc: payloadCrc };
      case "end": return { kind, stream, table, batches: seq, rows };
      default: return assertNever(kind, "frame kind");
    }
  }
}

function kindOfCode(code: number): FrameKind | null {
  switch (code) {
    case KIND_CODES.schema: return "schema";
    case KIND_CODES.batch: return "batch";
    case KIND_CODES.end: return "end";
    default: return null;
  }
}

// ---------------------------------------------------------------------------
// Stream rules

export interface VerifyOptions {
  /** The file the frames were read from, added to error details as `file`. */
  readonly file?: string;
  /** Who recorded a batch's CRC, for messages; default "the frame" (storage: "the manifest"). */
  readonly crcFrom?: string;
}

/**
 * Passes the frames of stream `id` through while checking the stream rules:
 * the schema frame first; batches numbered 0, 1, 2 … with no gap or
 * duplicate; every frame of this stream and table; each batch's payload
 * matching its CRC-32 (recomputed here); the end frame's batch and row totals
 * matching what arrived; nothing after the end; and an end at all. A broken
 * rule throws ARCHIVE_CORRUPT naming the stream, the batch and `where`. The
 * end frame is yielded only once the source has ended after it.
 *
 * @example
 * const source = verifyFrames(id, rawFrames(), `pipe ${path}`);
 * for await (const frame of source) …
 */
export async function* verifyFrames(
  id: StreamId, frames: AsyncIterable<Frame>, where: string, options: VerifyOptions = {},
): AsyncGenerator<Frame, void, undefined> {
  const checker = new StreamVerifier(id, where, options);
  const iterator = frames[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) { done = true; throw checker.fail(null, `the stream ended after ${checker.describeProgress()} without an end frame (truncated)`); }
      const frame = next.value;
      checker.check(frame);
      if (frame.kind === "end") {
        const after = await iterator.next();
        done = after.done === true;
        if (!done) throw checker.fail(null, `a ${after.value.kind} frame follows the end frame`);
      }
      yield frame;
      if (frame.kind === "end") return;
    }
  } finally {
    // Stopped early (corrupt data, or the consumer broke off): release the source.
    if (!done) await iterator.return?.();
  }
}

/**
 * The stream rules as a state machine over one stream's frames, for
 * `verifyFrames` and for media that check the rules where a stream is
 * written (storage). `check` throws ARCHIVE_CORRUPT at the first broken rule.
 *
 * @example
 * const rules = new StreamVerifier(id, `file ${path}`);
 * rules.check(frame); // before writing it down
 * if (rules.ended) …
 */
export class StreamVerifier {
  #sawSchema = false;
  #nextSeq = 0;
  #rows = 0;
  #ended = false;
  readonly #file: string | undefined;
  readonly #crcFrom: string;

  constructor(readonly id: StreamId, readonly where: string, options: VerifyOptions = {}) {
    this.#file = options.file;
    this.#crcFrom = options.crcFrom ?? "the frame";
    this.#nextSeq = id.resume?.batches ?? 0;
    this.#rows = id.resume?.rows ?? 0;
  }

  /** True once the end frame passed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** An ARCHIVE_CORRUPT error about this stream. */
  fail(batch: number | null, text: string): AmpsimError {
    return corrupt(this.id, this.where, batch, text, this.#file === undefined ? {} : { file: this.#file });
  }

  /** "batch 6", "the schema frame" or "no schema frame": how far the stream got. */
  describeProgress(): string {
    if (!this.#sawSchema) return "no schema frame";
    return this.#nextSeq === 0 ? "the schema frame" : `batch ${this.#nextSeq - 1}`;
  }

  check(frame: Frame): void {
    if (this.#ended) throw this.fail(null, `a ${frame.kind} frame follows the end frame`);
    const { id } = this;
    if (frame.stream !== id.stream || frame.table !== id.table) {
      const seq = frame.kind === "batch" ? frame.seq : this.#nextSeq;
      throw this.fail(seq, `found a ${frame.kind} frame of stream ${frame.stream} of table ${frame.table}, not of this stream (stream ${id.stream} of table ${id.table}): a foreign frame`);
    }
    switch (frame.kind) {
      case "schema": return this.#checkSchema();
      case "batch": return this.#checkBatch(frame);
      case "end": return this.#checkEnd(frame);
      default: return assertNever(frame, "frame");
    }
  }

  #checkSchema(): void {
    if (this.#sawSchema) throw this.fail(this.#nextSeq, `a second schema frame arrived after batch ${this.#nextSeq - 1}`);
    this.#sawSchema = true;
  }

  #checkBatch(frame: Extract<Frame, { kind: "batch" }>): void {
    const expected = this.#nextSeq;
    if (!this.#sawSchema) throw this.fail(frame.seq, `expected the schema frame first but found batch ${frame.seq}`);
    if (frame.seq > expected) throw this.fail(frame.seq, `expected batch ${expected} but found batch ${frame.seq} (a gap)`);
    if (frame.seq < expected) throw this.fail(frame.seq, `expected batch ${expected} but found batch ${frame.seq} again (a duplicate or reordered frame)`);
    if (!(Number.isSafeInteger(frame.rows) && frame.rows >= 0)) throw this.fail(frame.seq, `row count ${frame.rows} is not a count`);
    const actual = crc32(frame.payload);
    if (actual !== frame.crc) throw this.fail(frame.seq, `payload CRC-32 is ${hex(actual)} but ${this.#crcFrom} says ${hex(frame.crc)}`);
    this.#nextSeq = expected + 1;
    this.#rows += frame.rows;
  }

  #checkEnd(frame: Extract<Frame, { kind: "end" }>): void {
    if (!this.#sawSchema) throw this.fail(null, "expected the schema frame first but found the end frame");
    if (frame.batches !== this.#nextSeq) {
      throw this.fail(this.#nextSeq, `the end frame says ${frame.batches} batches but ${this.#nextSeq} arrived`);
    }
    if (frame.rows !== this.#rows) {
      throw this.fail(null, `the end frame says ${frame.rows} rows but the batches held ${this.#rows}`);
    }
    this.#ended = true;
  }
}
