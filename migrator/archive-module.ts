/**
 * An archive module: reads the rows of one table on one cluster of source AMPs,
 * AMP by AMP, run by run as stored, and writes them as one framed stream: a schema
 * frame, batch frames (Arrow IPC record-batch messages with their CRC-32,
 * numbered from 0), and an end frame with the totals. It also computes the
 * source's bucket checksums of what it read (or only their fingerprint), for verification.
 *
 * Faults it must survive: a medium that rejects a write (the stream is aborted
 * and the error propagates, the source is never changed).
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type * as arrow from "apache-arrow";
import { AmpsimError, ownedBytes, showValue, TaskWindow, workersAvailable, type ColumnType, type Engine, type KernelRef } from "../engine/index.js";
import { encodeBatchMessage, encodeSchemaMessage } from "./archive-format.js";
import { RowSums, type BucketChecksums } from "./checksum.js";
import type { BufferPool } from "./buffer-pool.js";
import { KERNELS, poolLoad, runChecksumColumns, runCounted, sharedColumns, type ChecksumInput, type ChecksumOutput } from "./kernels.js";
import { crc32 } from "./crc32.js";
import type { FrameSink, StreamId } from "./media/transfer-medium.js";
import { withLabels } from "./labels.js";
import type { FaultHooks } from "./faults.js";

export interface ArchiveOptions {
  readonly batchRows: number;
  readonly batchBytes: number | null;
  /** Bits of the verification buckets. */
  readonly verifyBits: number;
  /**
   * What the module sums of the rows it reads: their bucket checksums (the default), or only
   * their fingerprint at verifyBits (checksum.ts: cheaper; what a migration verifies with).
   */
  readonly sums?: "buckets" | "fingerprint";
  /** Called after every batch the medium accepted. */
  readonly onBatch?: (rows: number, bytes: number) => void;
  /** Resuming: the batches (and rows) already restored; they are read (for the checksums) but not sent again. */
  readonly resume?: { readonly batches: number; readonly rows: number };
  readonly faults?: FaultHooks;
  /** Stops the module before its next batch when the migration has failed elsewhere. */
  readonly signal?: AbortSignal;
  /** Awaited before each batch is sent (flow control: a checkpointed stream keeps one batch in flight). */
  readonly beforeSend?: (seq: number) => Promise<void>;
  /** Where batches are encoded (buffers the restore modules give back); default a new buffer each. */
  readonly buffers?: BufferPool;
}

export interface ArchiveResult {
  readonly rows: number;
  readonly batches: number;
  /** Batches sent in this run (all of them unless resumed). */
  readonly sent: number;
  /** Payload bytes (Arrow IPC) written. */
  readonly bytes: number;
  readonly elapsedMs: number;
  /** The bucket checksums of the rows read; null when `sums` was "fingerprint". */
  readonly checksums: BucketChecksums | null;
  /** The fingerprint (checksum.ts) of the rows read, at verifyBits. */
  readonly fingerprint: Uint32Array;
}

const CHECKSUM_BATCH: KernelRef = { module: KERNELS, name: "checksumBatch" };

/** What every batch of one run of a module adds to. */
interface BatchContext {
  readonly counts: { seq: number; rows: number; bytes: number; sent: number };
  readonly sums: RowSums;
  readonly columnTypes: readonly ColumnType[];
  readonly schema: Uint8Array;
  /** Checksums of shared rows still running on the pool (drained before the end frame). */
  readonly pending: TaskWindow;
}

export class ArchiveModule {
  readonly #source: Engine;
  readonly #id: StreamId;
  readonly #cluster: readonly number[];
  readonly #options: ArchiveOptions;

  constructor(source: Engine, id: StreamId, cluster: readonly number[], options: ArchiveOptions) {
    if (options?.sums !== undefined && options.sums !== "buckets" && options.sums !== "fingerprint") {
      throw new AmpsimError("BAD_ARGUMENT", `archive module of stream ${id?.stream} of ${id?.tableName}: sums must be "buckets" or "fingerprint", but found ${showValue(options.sums)}`, { option: "sums" });
    }
    this.#source = source;
    this.#id = id;
    this.#cluster = cluster;
    this.#options = options;
  }

  /** Streams the cluster's rows into `sink`; aborts the sink on any error. */
  async run(sink: FrameSink): Promise<ArchiveResult> {
    const started = performance.now();
    const { stream, table, tableName } = this.#id;
    const definition = this.#source.describe(tableName);
    const columnTypes: ColumnType[] = definition.columns.map((c) => c.type);
    const schema = encodeSchemaMessage(this.#source.arrowSchema(tableName));
    const pending = new TaskWindow(this.#source.executor.threads);
    const batches: BatchContext = { counts: { seq: 0, rows: 0, bytes: 0, sent: 0 }, sums: new RowSums(this.#options.verifyBits, this.#options.sums ?? "buckets"), columnTypes, schema, pending };
    const { counts, sums } = batches;
    try {
      await sink.write({ kind: "schema", stream, table, payload: schema });
      for (const amp of this.#cluster) {
        const read = withLabels(this.#source, { phase: "archive", table: tableName, stream }, () => this.#source.readAmp(tableName, amp));
        for (const part of read.parts) {
          let first = 0;
          for (const chunk of this.#chunks(part.batch, part.bytes)) {
            const piHash = definition.primaryIndex ? part.rowHash.subarray(first, first + chunk.numRows) : null;
            first += chunk.numRows;
            await this.#send(sink, chunk, piHash, batches);
          }
        }
      }
      await pending.drain();
      await sink.write({ kind: "end", stream, table, batches: counts.seq, rows: counts.rows });
      await sink.close();
    } catch (error) {
      await pending.drain().catch(() => undefined); // no checksum left running after the module failed
      sink.abort(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    return { rows: counts.rows, batches: counts.seq, sent: counts.sent, bytes: counts.bytes, elapsedMs: performance.now() - started, checksums: sums.checksums, fingerprint: sums.fingerprint() };
  }

  /**
   * Adds one batch to the checksums, then frames and sends it — unless a resumed stream's
   * staging table holds it already. With a pool executor a worker computes the whole-row
   * checksum hashes: of shared rows (EngineOptions.sharedStorage) in place, without holding the
   * batch back (a few in flight); else with the CRC, the encoded message moving there and back, uncopied.
   */
  async #send(sink: FrameSink, chunk: arrow.RecordBatch, piHash: Uint32Array | null, context: BatchContext): Promise<void> {
    const { stream, table, tableName } = this.#id;
    const { counts, sums, columnTypes } = context;
    const seq = counts.seq++;
    counts.rows += chunk.numRows;
    if (seq < (this.#options.resume?.batches ?? 0)) { sums.addRows(columnTypes, chunk, piHash); return; }
    const faults = this.#options.faults;
    await faults?.at({ point: "archive.batch", table: tableName, stream, batch: seq });
    const pool = this.#options.buffers;
    let payload = encodeBatchMessage(chunk, pool && ((bytes) => pool.take(bytes)));
    let crc: number;
    const executor = this.#source.executor;
    const onPool = workersAvailable(executor);
    const shared = onPool ? sharedColumns(columnTypes, chunk, piHash, sums.bits) : null;
    const allBusy = () => poolLoad(executor).busy >= executor.threads;
    // Workers' replies (and failures) are macrotasks, which the sends need not wait for: let them
    // in before counting busy workers, or a busy count and a failure would go unseen to the end.
    if (shared !== null && allBusy()) await nextTurn();
    if (context.pending.failed) await context.pending.drain(); // an earlier checksum failed: throws its error, sending nothing more
    // Shared rows are hashed here while every worker is still busy (with WebAssembly hashing,
    // waiting for one cost more than the hashing: measured on 2 cores).
    if (!onPool || (shared !== null && allBusy())) {
      sums.addRows(columnTypes, chunk, piHash);
      crc = crc32(payload);
    } else if (shared !== null) {
      // Shared rows (the source's storage is shared): a worker reads them in place while this batch goes on.
      const started = await context.pending.add(() => runChecksumColumns(executor, { ...shared, fingerprint: sums.wantsFingerprint }).then((found) => sums.addWorkerSums(found)));
      if (!started) await context.pending.drain(); // an earlier checksum failed: throws its error, sending nothing more
      crc = crc32(payload);
    } else {
      payload = pool ? pool.movable(payload) : ownedBytes(payload);
      const hashes = piHash === null ? null : piHash.slice();
      const input: ChecksumInput = { schema: context.schema, payload, types: columnTypes, piHash: hashes, bits: sums.bits, crc: true, fingerprint: sums.wantsFingerprint };
      const done = await runCounted(executor, () => executor.run<ChecksumInput, ChecksumOutput>(CHECKSUM_BATCH, input, hashes === null ? [payload.buffer as ArrayBuffer] : [payload.buffer as ArrayBuffer, hashes.buffer as ArrayBuffer]));
      sums.addWorkerSums(done.sums);
      payload = done.payload; crc = done.crc;
    }
    await this.#options.beforeSend?.(seq);
    this.#options.signal?.throwIfAborted();
    await faults?.at({ point: "medium.send", table: tableName, stream, batch: seq });
    await sink.write({ kind: "batch", stream, table, seq, rows: chunk.numRows, payload, crc });
    counts.bytes += payload.byteLength; counts.sent++;
    this.#options.onBatch?.(chunk.numRows, payload.byteLength);
  }

  /**
   * The rows of every batch this module would send, in order, without encoding anything: how a
   * resumed stream finds the batches its staging table already holds.
   */
  batchRows(): number[] {
    const sizes: number[] = [];
    for (const amp of this.#cluster) {
      for (const part of this.#source.readAmp(this.#id.tableName, amp).parts) {
        for (const chunk of this.#chunks(part.batch, part.bytes)) sizes.push(chunk.numRows);
      }
    }
    return sizes;
  }

  /** Zero-copy slices of `batch` of batchRows rows (or about batchBytes bytes) each. */
  *#chunks(batch: arrow.RecordBatch, bytes: number): Generator<arrow.RecordBatch> {
    const { batchRows, batchBytes } = this.#options;
    const perRow = batch.numRows === 0 ? 1 : bytes / batch.numRows;
    const size = batchBytes === null ? batchRows : Math.max(1, Math.floor(batchBytes / perRow));
    for (let start = 0; start < batch.numRows; start += size) {
      yield start === 0 && size >= batch.numRows ? batch : batch.slice(start, Math.min(batch.numRows, start + size));
    }
  }
}
