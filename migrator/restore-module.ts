/**
 * A restore module: reads one verified stream from its medium and inserts every
 * batch into its own staging table on the target, in parallel with the other
 * restore modules (each insert is one atomic statement on the target).
 *
 * With a pool executor a batch is placed (checked, hashed, grouped by AMP) by a
 * worker when one is free of the migrator's kernels (poolLoad), else here: measured
 * on 2 cores, queueing batches behind the archive's checksums left this thread
 * idle, and placing every batch on the pool made a migration slower than inline.
 *
 * Faults it must survive: a corrupt or truncated stream (ARCHIVE_CORRUPT from
 * the medium's verification: the staging table may hold the batches before the
 * bad one; the target table is never touched here).
 */
import { AmpsimError, errorText, isAmpsimError, ownedBytes, sharedBuckets, workersAvailable, type Engine, type KernelRef } from "../engine/index.js";
import { KERNELS, poolLoad, runCounted, type PlaceInput, type PlacedBatch } from "./kernels.js";
import { decodeBatch } from "./archive-format.js";
import type { BufferPool } from "./buffer-pool.js";
import { withLabels } from "./labels.js";
import type { FaultHooks } from "./faults.js";
import type { FrameSource, StreamId } from "./media/transfer-medium.js";

export interface RestoreResult {
  readonly rows: number;
  readonly batches: number;
  readonly bytes: number;
  readonly elapsedMs: number;
}

const PLACE_BATCH: KernelRef = { module: KERNELS, name: "placeBatch" };
export class RestoreModule {
  readonly #target: Engine;
  readonly #id: StreamId;
  readonly #stagingTable: string;
  readonly #onBatch: ((rows: number, bytes: number) => void) | undefined;

  readonly #faults: FaultHooks | undefined;

  readonly #signal: AbortSignal | undefined;

  readonly #buffers: BufferPool | undefined;

  readonly #skip: number;

  /**
   * `signal`: stops the module before its next insert when the migration has failed elsewhere.
   * `buffers`: where a batch's buffer goes back once its rows are stored here; only for a staging
   * table (a load table: it copies every row it stores into its tails, so nothing reads the
   * batch after the insert), never for a table that may keep the batch's buffers.
   * `skip`: the stream's first batches that the staging table holds already (a resumed stream
   * written whole to an archive); they are read and checked, not inserted again.
   */
  constructor(target: Engine, id: StreamId, stagingTable: string, onBatch?: (rows: number, bytes: number) => void, faults?: FaultHooks, signal?: AbortSignal, buffers?: BufferPool, skip = 0) {
    this.#target = target;
    this.#id = id;
    this.#stagingTable = stagingTable;
    this.#onBatch = onBatch;
    this.#faults = faults;
    this.#signal = signal;
    this.#buffers = buffers;
    this.#skip = skip;
  }

  /** What the placeBatch kernel needs besides the batch, when a pool places rows (staging tables with a primary index). */
  #placer(): Omit<PlaceInput, "schema" | "payload"> | null {
    if (!workersAvailable(this.#target.executor)) return null;
    const definition = this.#target.describe(this.#stagingTable);
    if (!definition.primaryIndex) return null;
    const pi = definition.primaryIndex.columns.map((name) => definition.columns.findIndex((c) => c.name === name));
    return { table: this.#stagingTable, columns: definition.columns, pi, hashBits: this.#target.hashBits, buckets: sharedBuckets(this.#target.hashMap), amps: this.#target.amps };
  }

  /**
   * One batch's insert into the staging table. A full target AMP (NO_SPACE) is reported with the
   * table and stream it was migrating: the staging table's name alone means nothing to a user.
   */
  #store(seq: number, insert: () => number): void {
    const { stream, tableName } = this.#id;
    try {
      withLabels(this.#target, { phase: "restore", table: tableName, stream }, insert);
    } catch (error) {
      if (!isAmpsimError(error, "NO_SPACE")) throw error;
      throw new AmpsimError("NO_SPACE", `stream ${stream} of ${tableName}, batch ${seq}, into its staging table: ${errorText(error)}`,
        { ...error.details, table: tableName, stagingTable: this.#stagingTable, stream, batch: seq }, { cause: error });
    }
  }

  async run(source: FrameSource): Promise<RestoreResult> {
    const started = performance.now();
    const { stream, tableName } = this.#id;
    let schema: Uint8Array | null = null;
    let rows = 0; let batches = 0; let bytes = 0; let ended = false;
    const placer = this.#placer();
    for await (const frame of source) {
      if (frame.kind === "schema") { schema = frame.payload; continue; }
      if (frame.kind === "end") { ended = true; continue; }
      await this.#faults?.at({ point: "medium.receive", table: tableName, stream, batch: frame.seq });
      if (!schema) throw new AmpsimError("ARCHIVE_CORRUPT", `stream ${stream} of ${tableName}: batch ${frame.seq} arrived before the schema`, { stream, batch: frame.seq, table: tableName });
      const batch = decodeBatch(schema, frame.payload);
      if (batch.numRows !== frame.rows) {
        throw new AmpsimError("ARCHIVE_CORRUPT", `stream ${stream} of ${tableName}, batch ${frame.seq}: the frame says ${frame.rows} rows but the batch holds ${batch.numRows}`, { stream, batch: frame.seq, table: tableName });
      }
      if (frame.seq < this.#skip) { this.#buffers?.give(frame.payload); continue; }
      await this.#faults?.at({ point: "restore.batch", table: tableName, stream, batch: frame.seq });
      this.#signal?.throwIfAborted();
      const payloadBytes = frame.payload.byteLength;
      const executor = this.#target.executor;
      if (placer && poolLoad(executor).busy < executor.threads) {
        // A free pool worker checks, hashes and groups the rows by AMP; the message moves there, the rows come back moved.
        const input: PlaceInput = { ...placer, schema, payload: this.#buffers ? this.#buffers.movable(frame.payload) : ownedBytes(frame.payload) };
        const placed = await runCounted(executor, () => executor.run<PlaceInput, PlacedBatch>(PLACE_BATCH, input, [input.payload.buffer as ArrayBuffer]));
        this.#signal?.throwIfAborted();
        this.#store(frame.seq, () => this.#target.insertPlaced(this.#stagingTable, placed));
      } else {
        this.#store(frame.seq, () => this.#target.insert(this.#stagingTable, batch));
        this.#buffers?.give(frame.payload);
      }
      rows += frame.rows; batches++; bytes += payloadBytes;
      this.#onBatch?.(frame.rows, payloadBytes);
    }
    if (!ended) throw new AmpsimError("ARCHIVE_CORRUPT", `stream ${stream} of ${tableName} ended without its end frame (truncated)`, { stream, table: tableName });
    return { rows, batches, bytes, elapsedMs: performance.now() - started };
  }
}
