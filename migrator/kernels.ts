/**
 * The per-batch work of archive and restore modules as executor kernels (see
 * engine/executor): pure functions of typed arrays that run on the calling
 * thread (inline executor) or on a pool worker, with the same results.
 *
 * - `checksumBatch` (archive): a batch's IPC message → its CRC-32 and every
 *   row's whole-row checksum hash; the message comes back moved, not copied.
 * - `placeBatch` (restore into a staging table with a primary index): a batch's
 *   IPC message → the rows checked against the table's columns, hashed, and
 *   grouped by the target AMP each goes to, one set of column buffers per AMP.
 */
import type * as arrow from "apache-arrow";
import { defineKernel, inputColumns, placeColumns, transferResult, type ColumnType, type PlacedBatch, type Placer, type Transferring } from "../engine/index.js";
import { decodeBatch } from "./archive-format.js";
import { crc32 } from "./crc32.js";
import { bucketSums, compactBucketSums } from "./checksum.js";
import { rowChecksumHashes } from "./row-checksum.js";

/** This module, for KernelRefs. */
export const KERNELS = import.meta.url;

export interface ChecksumInput {
  readonly schema: Uint8Array;
  readonly payload: Uint8Array;
  readonly types: readonly ColumnType[];
  /** The rows' PI row hashes (null for NoPI tables: rows are bucketed by their whole-row hash). */
  readonly piHash: Uint32Array | null;
  /** Bits of the verification buckets. */
  readonly bits: number;
  /** Also the CRC-32 of the payload (archive batches; not for verification reads). */
  readonly crc: boolean;
}

export interface ChecksumOutput {
  readonly payload: Uint8Array;
  readonly crc: number;
  /** The batch's non-empty bucket sums (compactBucketSums): add them with addCompactBucketSums. */
  readonly sums: Uint32Array;
}

export const checksumBatch = defineKernel((input: ChecksumInput): Transferring<ChecksumOutput> => {
  const crc = input.crc ? crc32(input.payload) : 0;
  const batch = decodeBatch(input.schema, input.payload);
  const hashes = rowChecksumHashes(input.types, batch.data.children, batch.numRows);
  if (scratch.length < 3 << input.bits) scratch = new Uint32Array(3 << input.bits);
  const sums = compactBucketSums(bucketSums(scratch, hashes, input.piHash, input.bits), 1 << input.bits);
  return transferResult({ payload: input.payload, crc, sums }, [input.payload.buffer as ArrayBuffer, sums.buffer as ArrayBuffer]);
});

/** Interleaved bucket sums, zero between calls (compactBucketSums clears what it reads). */
let scratch = new Uint32Array(0);

export interface PlaceInput extends Placer {
  readonly schema: Uint8Array;
  readonly payload: Uint8Array;
}

export type { PlacedBatch };

export const placeBatch = defineKernel((input: PlaceInput): Transferring<PlacedBatch> => {
  const batch: arrow.RecordBatch = decodeBatch(input.schema, input.payload);
  const { columns, length } = inputColumns(input.table, input.columns, batch);
  const transfer: ArrayBuffer[] = [];
  return transferResult(placeColumns(input, columns, length, transfer), transfer);
});
