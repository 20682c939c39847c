/**
 * What a transfer medium is: something that carries the framed stream of one
 * archive module to its paired restore module. Implementations: memory (an
 * in-process queue), pipe (an OS pipe), storage (files in a directory) and
 * network (TCP on loopback).
 *
 * A stream carries one table's rows from one cluster of source AMPs:
 *   schema frame → batch frames (seq 0, 1, 2, …) → end frame (totals).
 * The archive side writes frames into a FrameSink; the restore side iterates
 * a FrameSource, which yields only verified frames: a bad CRC, a sequence gap,
 * a duplicate, a frame of another stream/table, a truncated stream or totals
 * that do not match throw AmpsimError("ARCHIVE_CORRUPT") naming the stream,
 * the batch and (for storage) the file.
 */

/** Which stream of which table: the unit one archive/restore pair moves. */
import type { BufferPool } from "../buffer-pool.js";

export interface StreamId {
  /** Stream number within its table, 0 … streams-1. */
  readonly stream: number;
  /** Table ordinal within the migration plan, 0 … tables-1. */
  readonly table: number;
  /** Qualified source table name, for messages and file names. */
  readonly tableName: string;
  /**
   * A resumed stream: the batches (and their rows) that reached the staging table before a
   * crash. The stream then carries batch `resume.batches` onward; the end frame's totals still
   * count the whole stream.
   */
  readonly resume?: { readonly batches: number; readonly rows: number };
}

export type Frame =
  /** First frame: the Arrow IPC schema message of the table's batches. */
  | { readonly kind: "schema"; readonly stream: number; readonly table: number; readonly payload: Uint8Array }
  /** One record batch as an Arrow IPC record-batch message; `crc` is CRC-32 of `payload`. */
  | { readonly kind: "batch"; readonly stream: number; readonly table: number; readonly seq: number; readonly rows: number; readonly payload: Uint8Array; readonly crc: number }
  /** Last frame: how many batches and rows the stream held. */
  | { readonly kind: "end"; readonly stream: number; readonly table: number; readonly batches: number; readonly rows: number };

/** The archive side of one stream. `write` resolves when the medium accepted the frame (backpressure). */
export interface FrameSink {
  write(frame: Frame): Promise<void>;
  /** Flushes and closes; after the end frame. */
  close(): Promise<void>;
  /** Abandons the stream (the restore side sees MEDIUM_FAILED or ARCHIVE_CORRUPT). */
  abort(reason: Error): void;
}

/** The restore side of one stream: verified frames in order. */
export interface FrameSource extends AsyncIterable<Frame> {}

export interface StreamChannel {
  readonly id: StreamId;
  readonly sink: FrameSink;
  readonly source: FrameSource;
  /** Bytes that crossed the medium so far (headers included). */
  bytesTransferred(): number;
}

export type MediumKind = "memory" | "pipe" | "storage" | "network";

/** How a stream is opened (all optional). */
export interface OpenOptions {
  /**
   * A migration's batch buffers (buffer-pool.ts). A byte medium's writing end gives a batch's
   * payload back once its bytes are written, and its reading end decodes payloads into buffers
   * taken here (the restore module gives them back once their rows are stored). The memory
   * medium passes payloads on as they are and needs none.
   */
  readonly buffers?: BufferPool;
}

export interface TransferMedium {
  readonly kind: MediumKind;
  /** Opens one stream: both ends, ready to use concurrently. */
  open(id: StreamId, options?: OpenOptions): Promise<StreamChannel>;
  /** Releases what the medium holds (servers, socket files, temp dirs it made). */
  close(): Promise<void>;
}
