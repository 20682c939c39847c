/**
 * Order- and placement-independent checksums of a table's rows, per hash bucket.
 *
 * Every row gets a 32-bit hash of all its columns (row-checksum.ts, a hash made
 * for speed, not the placement row hash). A bucket's checksum is (row count, Σ h, Σ mix(h))
 * modulo 2^32: sums do not depend on order or on which AMP holds a row, and
 * buckets fold (sums add) so systems with 16- and 20-bit buckets compare at the
 * smaller width. A row's bucket is the top bits of its primary-index row hash
 * (the same function on both systems), or of its whole-row hash for NoPI tables.
 */
import type * as arrow from "apache-arrow";
import type { ColumnType } from "../engine/index.js";
import { addFingerprintSimd, ROW_CHECKSUM_HASH, rowChecksumHashes } from "./row-checksum.js";

/** Buckets used for verification: at most this many bits (65,536 buckets). */
export const VERIFY_BITS_MAX = 16;

export interface BucketChecksums {
  readonly bits: number;
  readonly counts: Uint32Array;
  readonly sum1: Uint32Array;
  readonly sum2: Uint32Array;
}

export interface TableChecksum {
  readonly rows: number;
  /** Hex digest of the folded sums, e.g. "0003e8:9a0b1c2d:44ff0012". */
  readonly digest: string;
}

export function emptyChecksums(bits: number): BucketChecksums {
  const n = 1 << bits;
  return { bits, counts: new Uint32Array(n), sum1: new Uint32Array(n), sum2: new Uint32Array(n) };
}

function mix(h: number): number {
  let x = (h ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Adds the rows of `batch` to `into`. `piHash` holds the rows' PI row hashes (null for NoPI tables).
 */
export function addRows(into: BucketChecksums, columnTypes: readonly ColumnType[], batch: arrow.RecordBatch, piHash: Uint32Array | null): void {
  const rows = batch.numRows;
  if (rows === 0) return;
  if (hashes.length < rows) hashes = new Uint32Array(rows);
  addHashes(into, rowChecksumHashes(columnTypes, batch.data.children, rows, hashes), piHash, rows);
}

/**
 * Adds rows given by their whole-row checksum hashes (`full`, e.g. from the checksumBatch
 * kernel) and PI row hashes (null for NoPI tables) to `into`.
 */
export function addHashes(into: BucketChecksums, full: Uint32Array, piHash: Uint32Array | null, rows = full.length): void {
  const n = into.counts.length;
  if (interleaved.length < 3 * n) interleaved = new Uint32Array(3 * n); // zeroed, and kept zeroed by drainBucketSums
  bucketSums(interleaved, full, piHash, into.bits, rows);
  drainBucketSums(into, interleaved);
}

/** Adds interleaved bucket sums (bucketSums) to `into`, zeroing `sums` as it goes (one sweep, no separate fill). */
function drainBucketSums(into: BucketChecksums, sums: Uint32Array): void {
  const { counts, sum1, sum2 } = into;
  for (let b = 0, at = 0; b < counts.length; b++, at += 3) {
    const count = sums[at];
    if (count === 0) continue;
    counts[b] += count;
    sum1[b] += sums[at + 1];
    sum2[b] += sums[at + 2];
    sums[at] = 0; sums[at + 1] = 0; sums[at + 2] = 0;
  }
}

/**
 * Accumulates rows into `sums`, the three sums of each bucket side by side (count, Σ h,
 * Σ mix(h) at 3·bucket): one cache line a row, not three. What a worker returns for a batch.
 */
export function bucketSums(sums: Uint32Array, full: Uint32Array, piHash: Uint32Array | null, bits: number, rows = full.length): Uint32Array {
  if (bits === 0) return wholeSums(sums, full, rows);
  const placement = piHash ?? full;
  const shift = 32 - bits;
  for (let i = 0; i < rows; i++) {
    const at = (placement[i] >>> shift) * 3;
    const h = full[i];
    sums[at]++;
    sums[at + 1] = (sums[at + 1] + h) >>> 0;
    sums[at + 2] = (sums[at + 2] + mix(h)) >>> 0;
  }
  return sums;
}

/** bucketSums at 0 bits (one bucket: a table's totals), summed in registers. */
function wholeSums(sums: Uint32Array, full: Uint32Array, rows: number): Uint32Array {
  let s1 = sums[1]; let s2 = sums[2];
  for (let i = 0; i < rows; i++) {
    const h = full[i];
    s1 = (s1 + h) >>> 0;
    s2 = (s2 + mix(h)) >>> 0;
  }
  sums[0] += rows; sums[1] = s1; sums[2] = s2;
  return sums;
}

/**
 * The non-empty buckets of interleaved sums as (bucket, count, Σ h, Σ mix(h)) quadruples, and
 * `sums` zeroed again: what a worker sends back (a fraction of the dense array, as a batch
 * from one AMP touches the buckets of one AMP).
 */
export function compactBucketSums(sums: Uint32Array, buckets: number): Uint32Array {
  let touched = 0;
  for (let at = 0; at < 3 * buckets; at += 3) if (sums[at] !== 0) touched++;
  const out = new Uint32Array(4 * touched);
  for (let b = 0, at = 0, o = 0; b < buckets; b++, at += 3) {
    if (sums[at] === 0) continue;
    out[o] = b; out[o + 1] = sums[at]; out[o + 2] = sums[at + 1]; out[o + 3] = sums[at + 2];
    sums[at] = 0; sums[at + 1] = 0; sums[at + 2] = 0;
    o += 4;
  }
  return out;
}

/** Adds compact bucket sums (compactBucketSums) to `into`. */
export function addCompactBucketSums(into: BucketChecksums, compact: Uint32Array): void {
  const { counts, sum1, sum2 } = into;
  for (let o = 0; o < compact.length; o += 4) {
    const b = compact[o];
    counts[b] += compact[o + 1];
    sum1[b] = (sum1[b] + compact[o + 2]) >>> 0;
    sum2[b] = (sum2[b] + compact[o + 3]) >>> 0;
  }
}

/** Scratch reused by addRows (fresh memory costs page faults). */
let hashes = new Uint32Array(0);
let interleaved = new Uint32Array(0);

/** The checksums at `bits` (≤ the current bits). */
export function fold(source: BucketChecksums, bits: number): BucketChecksums {
  if (bits === source.bits) return source;
  const out = emptyChecksums(bits);
  const shift = source.bits - bits;
  for (let b = 0; b < source.counts.length; b++) {
    const to = b >>> shift;
    out.counts[to] += source.counts[b];
    out.sum1[to] = (out.sum1[to] + source.sum1[b]) >>> 0;
    out.sum2[to] = (out.sum2[to] + source.sum2[b]) >>> 0;
  }
  return out;
}

export function merge(into: BucketChecksums, other: BucketChecksums): void {
  for (let b = 0; b < into.counts.length; b++) {
    into.counts[b] += other.counts[b];
    into.sum1[b] = (into.sum1[b] + other.sum1[b]) >>> 0;
    into.sum2[b] = (into.sum2[b] + other.sum2[b]) >>> 0;
  }
}

export function tableChecksum(buckets: BucketChecksums): TableChecksum {
  const all = fold(buckets, 0);
  return checksumOf(all.counts[0], all.sum1[0], all.sum2[0]);
}

function checksumOf(rows: number, sum1: number, sum2: number): TableChecksum {
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return { rows, digest: `${rows.toString(16).padStart(6, "0")}:${hex(sum1)}:${hex(sum2)}` };
}

/**
 * A table's fingerprint at `bits`: six sums over its rows (mod 2^32) — the totals of the bucket
 * checksums (count, Σ h, Σ mix(h)) and the same weighted by a mixed, odd weight w(b) of each
 * row's bucket (Σ w, Σ w·h, Σ w·mix(h)). Rows with equal bucket checksums have equal
 * fingerprints; rows whose bucket checksums differ anywhere have equal fingerprints only by a
 * chance like that of two different buckets' sums agreeing: the weights are a random-looking
 * linear combination of the buckets, so rows stored under the wrong bucket (a stored row hash
 * that is not their values') do not cancel out as they would in the totals alone. The verify
 * phase reads the target into a fingerprint — sums in registers, no per-bucket array — and
 * reads the buckets only when the fingerprints differ, to name them.
 */
export const FINGERPRINT_WORDS = 6;

/** The weight of bucket `b` in a fingerprint: mixed, odd (so it loses no bit of what it multiplies). */
function weight(b: number): number {
  const x = Math.imul(b ^ 0x5bd1e995, 0x9e3779b1);
  return ((x ^ (x >>> 15)) | 1) >>> 0;
}

/** The fingerprint of rows with these bucket checksums. */
export function fingerprintOf(c: BucketChecksums): Uint32Array {
  const out = new Uint32Array(FINGERPRINT_WORDS);
  for (let b = 0; b < c.counts.length; b++) {
    const count = c.counts[b];
    if (count === 0) continue;
    const w = weight(b);
    out[0] += count; out[1] += c.sum1[b]; out[2] += c.sum2[b];
    out[3] += Math.imul(w, count); out[4] += Math.imul(w, c.sum1[b]); out[5] += Math.imul(w, c.sum2[b]);
  }
  return out;
}

/** Adds the rows of `batch` to the fingerprint `into` at `bits`, as addRows adds them to bucket checksums. */
export function addRowsToFingerprint(into: Uint32Array, columnTypes: readonly ColumnType[], batch: arrow.RecordBatch, piHash: Uint32Array | null, bits: number): void {
  addColumnsToFingerprint(into, columnTypes, batch.data.children, batch.numRows, piHash, bits);
}

/** Adds rows [0, length) of `columns` to the fingerprint `into` at `bits` (in WebAssembly where it can: row-checksum.ts). */
export function addColumnsToFingerprint(into: Uint32Array, columnTypes: readonly ColumnType[], columns: readonly arrow.Data[], length: number, piHash: Uint32Array | null, bits: number): Uint32Array {
  if (length === 0 || addFingerprintSimd(into, columnTypes, columns, length, piHash, bits)) return into;
  if (hashes.length < length) hashes = new Uint32Array(length);
  return addFingerprint(into, rowChecksumHashes(columnTypes, columns, length, hashes), piHash, bits, length);
}

/** Adds rows (whole-row checksum hashes `full`, PI row hashes or null for NoPI tables) to the fingerprint `into` at `bits`. */
export function addFingerprint(into: Uint32Array, full: Uint32Array, piHash: Uint32Array | null, bits: number, rows = full.length): Uint32Array {
  const placement = piHash ?? full;
  const shift = 32 - bits;
  let s1 = into[1]; let s2 = into[2]; let sw = into[3]; let swh = into[4]; let swm = into[5];
  const only = bits === 0 ? weight(0) : 0;
  for (let i = 0; i < rows; i++) {
    const w = bits === 0 ? only : weight(placement[i] >>> shift);
    const h = full[i]; const m = mix(h);
    s1 = (s1 + h) >>> 0; s2 = (s2 + m) >>> 0;
    sw = (sw + w) >>> 0; swh = (swh + Math.imul(w, h)) >>> 0; swm = (swm + Math.imul(w, m)) >>> 0;
  }
  into[0] += rows; into[1] = s1; into[2] = s2; into[3] = sw; into[4] = swh; into[5] = swm;
  return into;
}

/** The table checksum (tableChecksum's digest) a fingerprint holds. */
export function fingerprintChecksum(fingerprint: Uint32Array): TableChecksum {
  return checksumOf(fingerprint[0], fingerprint[1], fingerprint[2]);
}

/** Adds the fingerprint `other` (of other rows, at the same bits) to `into`: its words are sums. */
export function addFingerprints(into: Uint32Array, other: Uint32Array): Uint32Array {
  for (let k = 0; k < FINGERPRINT_WORDS; k++) into[k] += other[k];
  return into;
}

/** A fingerprint's JSON form, for checkpoints: the row hash it was made with, its bits, its words. */
export function fingerprintToJson(bits: number, fingerprint: Uint32Array): { hash: string; bits: number; words: number[] } {
  return { hash: ROW_CHECKSUM_HASH, bits, words: Array.from(fingerprint) };
}

/** A fingerprint from its JSON form at `bits`; throws (a plain Error, the caller names the file) on anything malformed or made at other bits. */
export function fingerprintFromJson(json: { hash?: unknown; bits?: unknown; words?: unknown }, bits: number): Uint32Array {
  const { hash, bits: made, words } = json ?? {};
  if (hash !== ROW_CHECKSUM_HASH) throw new Error(`the fingerprint was made with row hash ${JSON.stringify(hash ?? null)}, not ${ROW_CHECKSUM_HASH} (written by another version of ampsim)`);
  if (made !== bits) throw new Error(`the fingerprint was made at ${JSON.stringify(made ?? null)} bucket bits, not the ${bits} this run verifies at`);
  const uint32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
  if (!Array.isArray(words) || words.length !== FINGERPRINT_WORDS || !words.every(uint32)) throw new Error(`malformed fingerprint words ${JSON.stringify(words ?? null)}`);
  return Uint32Array.from(words as number[]);
}

/**
 * What a reader of a table adds its rows to: their bucket checksums ("buckets"), or only their
 * fingerprint at `bits` ("fingerprint": sums in registers, no per-bucket array to scatter into).
 * A migration's archive modules keep only the fingerprint — per-bucket sums would serve only to
 * name buckets after a mismatch, and the verify phase reads the source again for that — unless
 * they write an archive, whose manifest holds the bucket checksums.
 */
export class RowSums {
  readonly bits: number;
  /** The bucket checksums, or null when only the fingerprint is kept. */
  readonly checksums: BucketChecksums | null;
  readonly #fingerprint = new Uint32Array(FINGERPRINT_WORDS);

  constructor(bits: number, keep: "buckets" | "fingerprint") {
    this.bits = bits;
    this.checksums = keep === "buckets" ? emptyChecksums(bits) : null;
  }

  /** Whether a worker should return fingerprint words (checksumColumns' `fingerprint`) rather than compact bucket sums. */
  get wantsFingerprint(): boolean {
    return this.checksums === null;
  }

  addRows(columnTypes: readonly ColumnType[], batch: arrow.RecordBatch, piHash: Uint32Array | null): void {
    if (this.checksums !== null) addRows(this.checksums, columnTypes, batch, piHash);
    else addRowsToFingerprint(this.#fingerprint, columnTypes, batch, piHash, this.bits);
  }

  /** What a worker returned for some rows: compact bucket sums, or fingerprint words when wantsFingerprint. */
  addWorkerSums(sums: Uint32Array): void {
    if (this.checksums !== null) addCompactBucketSums(this.checksums, sums);
    else addFingerprints(this.#fingerprint, sums);
  }

  /** The fingerprint of every row added. */
  fingerprint(): Uint32Array {
    return this.checksums !== null ? fingerprintOf(this.checksums) : this.#fingerprint.slice();
  }
}

/** Buckets whose checksums differ (after folding both to the smaller width). */
export function mismatchedBuckets(a: BucketChecksums, b: BucketChecksums): { bits: number; buckets: number[] } {
  const bits = Math.min(a.bits, b.bits);
  const x = fold(a, bits); const y = fold(b, bits);
  const buckets: number[] = [];
  for (let i = 0; i < x.counts.length; i++) {
    if (x.counts[i] !== y.counts[i] || x.sum1[i] !== y.sum1[i] || x.sum2[i] !== y.sum2[i]) buckets.push(i);
  }
  return { bits, buckets };
}

/** Compact JSON form (only non-empty buckets), for archive manifests. */
export function checksumsToJson(c: BucketChecksums): { hash: string; bits: number; buckets: [number, number, number, number][] } {
  const buckets: [number, number, number, number][] = [];
  for (let b = 0; b < c.counts.length; b++) if (c.counts[b] > 0) buckets.push([b, c.counts[b], c.sum1[b], c.sum2[b]]);
  return { hash: ROW_CHECKSUM_HASH, bits: c.bits, buckets };
}

/** Checksums from their JSON form; throws (a plain Error, the caller names the file) on anything malformed. */
export function checksumsFromJson(json: { hash?: string; bits: number; buckets: readonly (readonly number[])[] }): BucketChecksums {
  const { hash, bits, buckets } = json ?? {};
  if (hash !== ROW_CHECKSUM_HASH) throw new Error(`the checksums were made with row hash ${JSON.stringify(hash ?? null)}, not ${ROW_CHECKSUM_HASH} (written by another version of ampsim)`);
  if (!Number.isInteger(bits) || bits < 0 || bits > VERIFY_BITS_MAX) throw new Error(`checksum bits must be an integer in 0..${VERIFY_BITS_MAX}, found ${String(bits)}`);
  if (!Array.isArray(buckets)) throw new Error("checksum buckets must be an array");
  const out = emptyChecksums(bits);
  const uint32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
  for (const entry of buckets) {
    if (!Array.isArray(entry) || entry.length !== 4 || !entry.every(uint32) || entry[0] >= out.counts.length) throw new Error(`malformed checksum bucket ${JSON.stringify(entry)}`);
    const [b, count, s1, s2] = entry;
    out.counts[b] = count; out.sum1[b] = s1; out.sum2[b] = s2;
  }
  return out;
}
