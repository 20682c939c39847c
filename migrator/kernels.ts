/**
 * The per-batch work of archive and restore modules as executor kernels (see
 * engine/executor): pure functions of typed arrays that run on the calling
 * thread (inline executor) or on a pool worker, with the same results.
 *
 * - `checksumBatch` (archive of unshared rows): a batch's IPC message → its
 *   CRC-32 and its bucket sums or fingerprint; the message comes back moved, not copied.
 * - `checksumColumns` (archive and verification of shared rows, see
 *   EngineOptions.sharedStorage): columns read in place → their bucket sums or fingerprint.
 * - `placeBatch` (restore into a staging table with a primary index): a batch's
 *   IPC message → the rows checked against the table's columns, hashed, and
 *   grouped by the target AMP each goes to, one set of column buffers per AMP,
 *   all carved from one buffer (withArena) that moves back in one transfer.
 */
import type * as arrow from "apache-arrow";
import { arrowTypeOf, defineKernel, inputColumns, isSharedData, isSharedView, packData, placeColumns, transferResult, unpackData, withArena, type ColumnType, type Executor, type PackedData, type PlacedBatch, type Placer, type Transferring } from "../engine/index.js";
import { decodeBatch } from "./archive-format.js";
import { crc32 } from "./crc32.js";
import { addColumnsToFingerprint, bucketSums, compactBucketSums, FINGERPRINT_WORDS } from "./checksum.js";
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
  /** The rows' fingerprint (addFingerprint) rather than their compact bucket sums. */
  readonly fingerprint?: boolean;
}

export interface ChecksumOutput {
  readonly payload: Uint8Array;
  readonly crc: number;
  /** The batch's non-empty bucket sums (compactBucketSums: add them with addCompactBucketSums), or its fingerprint when asked. */
  readonly sums: Uint32Array;
}

export const checksumBatch = defineKernel((input: ChecksumInput): Transferring<ChecksumOutput> => {
  const crc = input.crc ? crc32(input.payload) : 0;
  const batch = decodeBatch(input.schema, input.payload);
  const sums = input.fingerprint === true ? fingerprintSums(input.types, batch.data.children, batch.numRows, input.piHash, input.bits)
    : compactSums(input.types, batch.data.children, batch.numRows, input.piHash, input.bits);
  return transferResult({ payload: input.payload, crc, sums }, [input.payload.buffer as ArrayBuffer, sums.buffer as ArrayBuffer]);
});

/** Interleaved bucket sums, zero between calls (compactBucketSums clears what it reads). */
let scratch = new Uint32Array(0);
/** Whole-row hashes. */
let hashScratch = new Uint32Array(0);

/** The compact bucket sums (compactBucketSums) of `length` rows of `columns`. */
function compactSums(types: readonly ColumnType[], columns: readonly arrow.Data[], length: number, piHash: Uint32Array | null, bits: number): Uint32Array {
  if (hashScratch.length < length) hashScratch = new Uint32Array(length);
  const hashes = rowChecksumHashes(types, columns, length, hashScratch);
  if (scratch.length < 3 << bits) scratch = new Uint32Array(3 << bits);
  return compactBucketSums(bucketSums(scratch, hashes, piHash, bits, length), 1 << bits);
}

export interface ColumnsChecksumInput {
  readonly types: readonly ColumnType[];
  /** The rows, one packed column per table column, over shared memory (sharedColumns). */
  readonly columns: readonly PackedData[];
  readonly length: number;
  /** The rows' PI row hashes (shared; null for NoPI tables). */
  readonly piHash: Uint32Array | null;
  readonly bits: number;
  /** The rows' fingerprint (addFingerprint) rather than their compact bucket sums. */
  readonly fingerprint?: boolean;
}

export const checksumColumns = defineKernel((input: ColumnsChecksumInput): Transferring<{ sums: Uint32Array }> => {
  const data = input.columns.map((packed, k) => unpackData(arrowTypeOf(input.types[k]), packed));
  const sums = input.fingerprint === true ? fingerprintSums(input.types, data, input.length, input.piHash, input.bits)
    : compactSums(input.types, data, input.length, input.piHash, input.bits);
  return transferResult({ sums }, [sums.buffer as ArrayBuffer]);
});

/** The fingerprint (addFingerprint) of `length` rows of `columns`. */
function fingerprintSums(types: readonly ColumnType[], columns: readonly arrow.Data[], length: number, piHash: Uint32Array | null, bits: number): Uint32Array {
  return addColumnsToFingerprint(new Uint32Array(FINGERPRINT_WORDS), types, columns, length, piHash, bits);
}

const CHECKSUM_COLUMNS = { module: import.meta.url, name: "checksumColumns" };

/** checksumColumns on `executor`: the compact bucket sums of shared rows (nothing moves but the result). */
export function runChecksumColumns(executor: Executor, input: ColumnsChecksumInput): Promise<Uint32Array> {
  return runCounted(executor, () => executor.run<ColumnsChecksumInput, { sums: Uint32Array }>(CHECKSUM_COLUMNS, input)).then((done) => done.sums);
}

/** Runs a migrator kernel on `executor`, counted in its poolLoad while it runs. */
export async function runCounted<T>(executor: Executor, run: () => Promise<T>): Promise<T> {
  const load = poolLoad(executor);
  load.busy++;
  try {
    return await run();
  } finally {
    load.busy--;
  }
}

/** Migrator kernels running on each executor (any migration): restore modules place rows on a pool only when it has a worker to spare. */
const LOADS = new WeakMap<Executor, { busy: number }>();

export function poolLoad(executor: Executor): { busy: number } {
  let load = LOADS.get(executor);
  if (!load) { load = { busy: 0 }; LOADS.set(executor, load); }
  return load;
}

/**
 * The checksumColumns input for rows of a stored run, when all their buffers are shared (stored
 * by an engine with shared storage: a worker reads them in place), else null.
 */
export function sharedColumns(types: readonly ColumnType[], batch: arrow.RecordBatch, piHash: Uint32Array | null, bits: number): ColumnsChecksumInput | null {
  const children = batch.data.children;
  if (!children.every(isSharedData) || (piHash !== null && !isSharedView(piHash))) return null;
  return { types, columns: children.map((c) => packData(c)), length: batch.numRows, piHash, bits };
}

export interface PlaceInput extends Placer {
  readonly schema: Uint8Array;
  readonly payload: Uint8Array;
}

export type { PlacedBatch };

export const placeBatch = defineKernel((input: PlaceInput): Transferring<PlacedBatch> => {
  const batch: arrow.RecordBatch = decodeBatch(input.schema, input.payload);
  const { columns, length } = inputColumns(input.table, input.columns, batch);
  // The placed columns and row hashes are carved from one buffer about the batch's size (its
  // bytes, 4 bytes a row of hash, slack): they move back as one transfer, not dozens. `transfer`
  // also gets any buffer a part shares with the input (every row on one AMP: no scatter).
  const transfer: ArrayBuffer[] = [];
  const { result } = withArena(input.payload.byteLength + 8 * length + 64 * 1024, () => placeColumns(input, columns, length, transfer));
  return transferResult(result, transfer);
});
