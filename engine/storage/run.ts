/**
 * A run: one immutable piece of a table fragment on one AMP.
 *
 * The user columns live in an Arrow RecordBatch in arrival order, with the hidden
 * row-hash and uniqueness columns beside it (typed arrays, same order). The row
 * ID of a row is (row hash, uniqueness), unique on its AMP. Every run also keeps
 * its row IDs sorted — `sortedHash` and `order` (row numbers in (row hash,
 * uniqueness) order) — which is what a PI lookup binary-searches and what
 * duplicate checks merge-walk. Keeping the order in this index rather than in
 * the rows makes storing rows one sequential scatter (Teradata keeps rows
 * physically in row-hash order; the index gives the same access paths).
 */
import * as arrow from "apache-arrow";
import { assert } from "../errors.js";
import { concatData, dataBytes, gatherData, rowBytes } from "./column-data.js";
import { sortPermutationByKey } from "./radix-sort.js";
import { sharedStorageOn, storageArray } from "./shared-storage.js";
import { inTail, joinTailRuns, markTail } from "./tail.js";

export class Run {
  readonly kind = "run";
  readonly batch: arrow.RecordBatch;
  readonly rowHash: Uint32Array;
  readonly rowCount: number;
  /** Bytes of the rows (rowBytes of the user columns) plus 8 bytes a row of hidden columns. */
  readonly bytes: number;
  #order: Uint32Array | null = null;
  #sortedHash: Uint32Array | null = null;
  #uniqueness: Uint32Array | number;
  /** The first row's uniqueness when the rows are numbered consecutively from it, else null. */
  readonly uniquenessBase: number | null;

  /** `uniqueness` as a number: the rows are numbered consecutively from it (built when first read). */
  constructor(batch: arrow.RecordBatch, rowHash: Uint32Array, uniqueness: Uint32Array | number) {
    assert(batch.numRows === rowHash.length && (typeof uniqueness === "number" || rowHash.length === uniqueness.length), "run columns of unequal length");
    this.batch = batch;
    this.rowHash = rowHash;
    this.#uniqueness = uniqueness;
    this.uniquenessBase = typeof uniqueness === "number" ? uniqueness : null;
    this.rowCount = batch.numRows;
    let bytes = 8 * batch.numRows;
    for (const child of batch.data.children) bytes += rowBytes(child);
    this.bytes = bytes;
  }

  /** Bytes of the user columns' Arrow buffers (dataBytes) plus 8 bytes a row: what a segment file's reference records. */
  get bufferBytes(): number {
    let bytes = 8 * this.rowCount;
    for (const child of this.batch.data.children) bytes += dataBytes(child);
    return bytes;
  }

  /** The uniqueness of every row (with the row hash, its row ID). */
  get uniqueness(): Uint32Array {
    if (typeof this.#uniqueness === "number") {
      const values = new Uint32Array(this.rowCount);
      for (let o = 0; o < values.length; o++) values[o] = this.#uniqueness + o;
      this.#uniqueness = values;
    }
    return this.#uniqueness;
  }

  /**
   * Row numbers in (row hash, uniqueness) order. Uniqueness grows with arrival order within a
   * run, so a stable sort by row hash alone gives it.
   */
  get order(): Uint32Array {
    if (this.#order === null) this.#order = sortPermutationByKey(this.rowHash);
    return this.#order;
  }

  /** Row hashes in sorted order (`rowHash[order[i]]`), for binary search and merge walks. */
  get sortedHash(): Uint32Array {
    if (this.#sortedHash === null) {
      const order = this.order;
      const sorted = new Uint32Array(this.rowCount);
      for (let i = 0; i < sorted.length; i++) sorted[i] = this.rowHash[order[i]];
      this.#sortedHash = sorted;
    }
    return this.#sortedHash;
  }

  /** Row numbers holding `hash`, in uniqueness order. */
  rowsWithHash(hash: number): Uint32Array {
    const sorted = this.sortedHash;
    let at = lowerBound(sorted, hash);
    const from = at;
    while (at < sorted.length && sorted[at] === hash) at++;
    return this.order.subarray(from, at);
  }
}

export function makeRun(batch: arrow.RecordBatch, rowHash: Uint32Array, uniqueness: Uint32Array | number): Run {
  return new Run(batch, rowHash, uniqueness);
}

/** A RecordBatch of `schema` from one Data per field. */
export function batchOf(schema: arrow.Schema, columns: readonly arrow.Data[], length: number): arrow.RecordBatch {
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children: columns as arrow.Data[] });
  return new arrow.RecordBatch(schema, struct);
}

/** The rows `rows[start..end)` of `run` as a new run; hidden columns follow. */
export function gatherRun(run: Run, rows: Uint32Array, start = 0, end = rows.length): Run {
  const columns = run.batch.data.children.map((child) => gatherData(child, rows, start, end));
  const rowHash = storageArray(Uint32Array, end - start);
  const uniqueness = new Uint32Array(end - start);
  for (let i = start, o = 0; i < end; i++, o++) {
    rowHash[o] = run.rowHash[rows[i]];
    uniqueness[o] = run.uniqueness[rows[i]];
  }
  return makeRun(batchOf(run.batch.schema, columns, end - start), rowHash, uniqueness);
}

/**
 * One run holding every row of `runs` in order. Runs are in creation order with
 * increasing uniqueness, so the merged run's index is again a stable sort by row hash.
 * Runs end to end in a tail become a view of it unless `views` is false: then every row is
 * copied (a table that outlives the tail should not keep all of it alive).
 */
export function concatRuns(schema: arrow.Schema, runs: readonly Run[], views = true): Run {
  const nonEmpty = runs.filter((r) => r.rowCount > 0);
  // One run is itself, unless it is a view of a tail that must not stay alive (`views` false): then it is copied.
  if (nonEmpty.length === 1 && (views || !inTail(nonEmpty[0]))) return nonEmpty[0];
  if (nonEmpty.length === 0) return emptyRun(schema);
  const total = nonEmpty.reduce((sum, r) => sum + r.rowCount, 0);
  // Runs end to end in a load table's tail: their concatenation is a view (no copy), when the
  // tail is in shared memory or new rows need not be (else the copy puts them there).
  const joined = views ? joinTailRuns(nonEmpty, sharedStorageOn()) : null;
  if (joined !== null) {
    const base = nonEmpty[0].uniquenessBase;
    let next = base;
    for (const r of nonEmpty) next = next !== null && r.uniquenessBase === next ? next + r.rowCount : null;
    const run = makeRun(batchOf(schema, joined.columns, total), joined.rowHash, next !== null ? base! : concatUniqueness(nonEmpty, total));
    markTail(run, joined.tail, joined.start);
    return run;
  }
  const columns = schema.fields.map((_f, c) => concatData(nonEmpty.map((r) => r.batch.data.children[c]), !views));
  const rowHash = storageArray(Uint32Array, total);
  let at = 0;
  for (const r of nonEmpty) { rowHash.set(r.rowHash, at); at += r.rowCount; }
  return makeRun(batchOf(schema, columns, total), rowHash, concatUniqueness(nonEmpty, total));
}

function concatUniqueness(runs: readonly Run[], total: number): Uint32Array {
  const out = new Uint32Array(total);
  let at = 0;
  for (const r of runs) { out.set(r.uniqueness, at); at += r.rowCount; }
  return out;
}

export function emptyRun(schema: arrow.Schema): Run {
  const columns = schema.fields.map((f) => arrow.makeData({ type: f.type, length: 0, nullCount: 0 } as never) as arrow.Data);
  return makeRun(batchOf(schema, columns, 0), new Uint32Array(0), new Uint32Array(0));
}

/** First index in sorted `hashes` whose hash is ≥ `hash`. */
export function lowerBound(hashes: Uint32Array, hash: number): number {
  let low = 0; let high = hashes.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (hashes[mid] < hash) low = mid + 1; else high = mid;
  }
  return low;
}
