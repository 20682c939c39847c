/**
 * A run: one immutable, sorted piece of a table fragment on one AMP.
 *
 * Rows are ordered by (row hash, uniqueness); the row ID of a row is that pair,
 * unique on its AMP. The user columns live in an Arrow RecordBatch; the hidden
 * row-hash and uniqueness columns live beside it as typed arrays.
 */
import * as arrow from "apache-arrow";
import { assert } from "../errors.js";
import { concatData, dataBytes, gatherData } from "./column-data.js";
import { sortPermutationByKey } from "./radix-sort.js";

export interface Run {
  readonly kind: "run";
  readonly batch: arrow.RecordBatch;
  readonly rowHash: Uint32Array;
  readonly uniqueness: Uint32Array;
  readonly rowCount: number;
  /** Bytes of the user columns plus 8 bytes a row of hidden columns. */
  readonly bytes: number;
}

export function makeRun(batch: arrow.RecordBatch, rowHash: Uint32Array, uniqueness: Uint32Array): Run {
  assert(batch.numRows === rowHash.length && rowHash.length === uniqueness.length, "run columns of unequal length");
  let bytes = 8 * batch.numRows;
  for (const child of batch.data.children) bytes += dataBytes(child);
  return Object.freeze({ kind: "run", batch, rowHash, uniqueness, rowCount: batch.numRows, bytes });
}

/** A RecordBatch of `schema` from one Data per field. */
export function batchOf(schema: arrow.Schema, columns: readonly arrow.Data[], length: number): arrow.RecordBatch {
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children: columns as arrow.Data[] });
  return new arrow.RecordBatch(schema, struct);
}

/** The rows `perm[start..end)` of `run` (or of plain columns) as a new run; hidden columns follow. */
export function gatherRun(run: Run, perm: Uint32Array, start = 0, end = perm.length): Run {
  const columns = run.batch.data.children.map((child) => gatherData(child, perm, start, end));
  const rowHash = new Uint32Array(end - start);
  const uniqueness = new Uint32Array(end - start);
  for (let i = start, o = 0; i < end; i++, o++) {
    rowHash[o] = run.rowHash[perm[i]];
    uniqueness[o] = run.uniqueness[perm[i]];
  }
  return makeRun(batchOf(run.batch.schema, columns, end - start), rowHash, uniqueness);
}

/**
 * One sorted run holding every row of `runs`. Runs are in creation order with
 * increasing uniqueness, so a stable sort by row hash alone yields (hash, uniqueness) order.
 */
export function mergeRuns(schema: arrow.Schema, runs: readonly Run[]): Run {
  if (runs.length === 1) return runs[0];
  const concatenated = concatRuns(schema, runs);
  const perm = sortPermutationByKey(concatenated.rowHash);
  return gatherRun(concatenated, perm);
}

/** Every row of `runs` in order, not sorted (for scans and as the input of a merge). */
export function concatRuns(schema: arrow.Schema, runs: readonly Run[]): Run {
  if (runs.length === 1) return runs[0];
  const total = runs.reduce((sum, r) => sum + r.rowCount, 0);
  if (total === 0) return emptyRun(schema);
  const nonEmpty = runs.filter((r) => r.rowCount > 0);
  const columns = schema.fields.map((_f, c) => concatData(nonEmpty.map((r) => r.batch.data.children[c])));
  const rowHash = new Uint32Array(total);
  const uniqueness = new Uint32Array(total);
  let at = 0;
  for (const r of nonEmpty) { rowHash.set(r.rowHash, at); uniqueness.set(r.uniqueness, at); at += r.rowCount; }
  return makeRun(batchOf(schema, columns, total), rowHash, uniqueness);
}

export function emptyRun(schema: arrow.Schema): Run {
  const columns = schema.fields.map((f) => arrow.makeData({ type: f.type, length: 0, nullCount: 0 } as never) as arrow.Data);
  return makeRun(batchOf(schema, columns, 0), new Uint32Array(0), new Uint32Array(0));
}

/** First index in sorted `rowHash` whose hash is ≥ `hash`. */
export function lowerBound(rowHash: Uint32Array, hash: number): number {
  let low = 0; let high = rowHash.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (rowHash[mid] < hash) low = mid + 1; else high = mid;
  }
  return low;
}
