/**
 * Placing rows by a system's hash map, as an executor kernel: the per-row work of a
 * redistribution (row hash of the primary index, AMP of each row, each column scattered into
 * one set of buffers per AMP). `placeColumns` is the plain function (the restore modules'
 * `placeBatch` kernel calls it after decoding a batch); `placeRows` is the kernel the engine's
 * pool insert-select sends a source AMP's stored pieces to.
 */
import type * as arrow from "apache-arrow";
import type { ColumnDefinition } from "../catalog/table-definition.js";
import { arrowTypeOf } from "../catalog/column-type.js";
import { packData, unpackData, type PackedData } from "../executor/transport.js";
import { defineKernel, transferResult, type Transferring } from "../executor/worker.js";
import { rowHashColumns } from "../hash/row-hash.js";
import type { HashMap } from "../hash/hash-map.js";
import { groupsByHash, scatterData, scatterDataMany, scatterUint32, scatterUint32Many } from "../storage/scatter.js";
import { isSharedView } from "../storage/shared-storage.js";

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
  const { groupOf: ampOfRow, counts } = groupsByHash(rowHash, placer.buckets, 32 - placer.hashBits, placer.amps);
  const scattered = data.map((c) => scatterData(c, ampOfRow, counts));
  const whole = length > 0 && counts.indexOf(length) >= 0;
  const hashes = whole ? Array.from(counts, (n) => (n > 0 ? rowHash : null)) : scatterUint32(rowHash, ampOfRow, counts);
  return { rows: length, parts: packParts(counts, scattered, hashes, transfer) };
}

/** Rows of one input: one packed column per table column. */
export interface PackedPiece {
  readonly packed: readonly PackedData[];
  readonly length: number;
}

export interface PlaceRowsInput extends Placer {
  /**
   * The rows, in order: one or more pieces (e.g. a source AMP's stored runs), placed as one
   * input. Shared columns are read in place; others are copied to a worker, or used in place inline.
   */
  readonly pieces: readonly PackedPiece[];
}

export const placeRows = defineKernel((input: PlaceRowsInput): Transferring<PlacedBatch> => {
  const types = input.columns.map((c) => arrowTypeOf(c.type));
  const pieces = input.pieces.map((piece) => ({ data: piece.packed.map((packed, k) => unpackData(types[k], packed)), length: piece.length }));
  const transfer: ArrayBuffer[] = [];
  return transferResult(placePieces(input, pieces, transfer), transfer);
});

/** placeColumns of several pieces as one input (their rows in order), scattered without concatenating them first. */
export function placePieces(placer: Placer, pieces: readonly { readonly data: readonly arrow.Data[]; readonly length: number }[], transfer: ArrayBuffer[]): PlacedBatch {
  if (pieces.length === 1) return placeColumns(placer, pieces[0].data, pieces[0].length, transfer);
  const counts = new Uint32Array(placer.amps);
  const rowHashes = pieces.map((piece) => rowHashColumns(placer.pi.map((c) => ({ type: placer.columns[c].type, data: piece.data[c] }))));
  const ampOfRows = rowHashes.map((rowHash) => {
    const placed = groupsByHash(rowHash, placer.buckets, 32 - placer.hashBits, placer.amps);
    placed.counts.forEach((n, amp) => { counts[amp] += n; });
    return placed.groupOf;
  });
  const scattered = placer.columns.map((_c, k) => scatterDataMany(pieces.map((piece) => piece.data[k]), ampOfRows, counts));
  const hashes = scatterUint32Many(rowHashes, ampOfRows, counts);
  return { rows: pieces.reduce((n, piece) => n + piece.length, 0), parts: packParts(counts, scattered, hashes, transfer) };
}

/** The non-empty AMPs' columns and row hashes as parts; their unshared buffers are added to `transfer`. */
function packParts(counts: Uint32Array, scattered: readonly (readonly (arrow.Data | null)[])[], hashes: readonly (Uint32Array | null)[], transfer: ArrayBuffer[]): PlacedPart[] {
  const parts: PlacedPart[] = [];
  counts.forEach((n, amp) => {
    if (n === 0) return;
    const columns = scattered.map((c) => packData(c[amp] as arrow.Data, transfer));
    const rowHash = hashes[amp] as Uint32Array;
    if (!isSharedView(rowHash)) transfer.push(rowHash.buffer as ArrayBuffer);
    parts.push({ amp, rowHash, columns });
  });
  return parts;
}

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
