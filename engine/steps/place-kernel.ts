/**
 * Placing rows by a system's hash map, as an executor kernel: the per-row work of a
 * redistribution (row hash of the primary index, AMP of each row, each column scattered into
 * one set of buffers per AMP). `placeColumns` is the plain function (the restore modules'
 * `placeBatch` kernel calls it after decoding a batch); `placeRows` is the kernel the engine's
 * pool insert-select sends a stored piece to.
 */
import type * as arrow from "apache-arrow";
import type { ColumnDefinition } from "../catalog/table-definition.js";
import { arrowTypeOf } from "../catalog/column-type.js";
import { packData, unpackData, type PackedData } from "../executor/transport.js";
import { defineKernel, transferResult, type Transferring } from "../executor/worker.js";
import { rowHashColumns } from "../hash/row-hash.js";
import type { HashMap } from "../hash/hash-map.js";
import { countGroups, scatterData, scatterUint32 } from "../storage/scatter.js";

/** This module, for KernelRefs. */
export const PLACE_KERNELS = import.meta.url;

/** One AMP's rows: their row hashes and one packed column per table column. */
export interface PlacedPart {
  readonly amp: number;
  readonly rowHash: Uint32Array;
  readonly columns: readonly PackedData[];
}

/** Rows grouped by AMP, in input order within each AMP. */
export interface PlacedBatch {
  readonly rows: number;
  readonly parts: readonly PlacedPart[];
}

/** Where rows go: the table's columns, its primary-index columns and the system's hash map. */
export interface Placer {
  /** Qualified name of the table, for error messages. */
  readonly table: string;
  readonly columns: readonly ColumnDefinition[];
  /** Primary index columns (indexes into `columns`), at least one. */
  readonly pi: readonly number[];
  readonly hashBits: number;
  /** Bucket → AMP (pass sharedBuckets(hashMap) to a pool: shared, not copied). */
  readonly buckets: Uint16Array;
  readonly amps: number;
}

/** `data` (one column per table column, `length` rows) hashed, placed and split by AMP; `transfer` receives the buffers to move. */
export function placeColumns(placer: Placer, data: readonly arrow.Data[], length: number, transfer: ArrayBuffer[]): PlacedBatch {
  const rowHash = rowHashColumns(placer.pi.map((c) => ({ type: placer.columns[c].type, data: data[c] })));
  const ampOfRow = new Uint16Array(length);
  const shift = 32 - placer.hashBits;
  const buckets = placer.buckets;
  for (let i = 0; i < length; i++) ampOfRow[i] = buckets[rowHash[i] >>> shift];
  const counts = countGroups(ampOfRow, placer.amps);
  const scattered = data.map((c) => scatterData(c, ampOfRow, counts));
  const whole = length > 0 && counts.indexOf(length) >= 0;
  const hashes = whole ? Array.from(counts, (n) => (n > 0 ? rowHash : null)) : scatterUint32(rowHash, ampOfRow, counts);
  const parts: PlacedPart[] = [];
  counts.forEach((n, amp) => {
    if (n === 0) return;
    const columns = scattered.map((c) => packData(c[amp] as arrow.Data, transfer));
    transfer.push((hashes[amp] as Uint32Array).buffer as ArrayBuffer);
    parts.push({ amp, rowHash: hashes[amp] as Uint32Array, columns });
  });
  return { rows: length, parts };
}

export interface PlaceRowsInput extends Placer {
  /** The rows, one packed column per table column (copied to a worker, or used in place inline). */
  readonly packed: readonly PackedData[];
  readonly length: number;
}

export const placeRows = defineKernel((input: PlaceRowsInput): Transferring<PlacedBatch> => {
  const data = input.columns.map((c, k) => unpackData(arrowTypeOf(c.type), input.packed[k]));
  const transfer: ArrayBuffer[] = [];
  const placed = placeColumns(input, data, input.length, transfer);
  return transferResult(placed, transfer);
});

const SHARED_BUCKETS = new WeakMap<HashMap, Uint16Array>();

/** A hash map's buckets in a SharedArrayBuffer, made once per map: pool workers share it instead of receiving copies. */
export function sharedBuckets(hashMap: HashMap): Uint16Array {
  let shared = SHARED_BUCKETS.get(hashMap);
  if (!shared) {
    shared = new Uint16Array(new SharedArrayBuffer(hashMap.buckets.byteLength));
    shared.set(hashMap.buckets);
    SHARED_BUCKETS.set(hashMap, shared);
  }
  return shared;
}
