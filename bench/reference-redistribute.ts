/**
 * The hand-written single-pass reference redistribute that the engine's
 * redistribute is measured against (PERFORMANCE.md, "What made the fast version
 * fast"): hash partitioning of Arrow record batches by an int64 key, one thread.
 *
 * 1. One pass computes each row's partition from a murmur3 32-bit hash of the
 *    key read as two int32 words with Math.imul (no BigInt) and stores it in a
 *    Uint8Array; small loops over that array count rows and string bytes per
 *    partition (fused into the hash loop they ran slower here).
 * 2. Outputs are sized exactly from the counts, not zeroed (every byte a result views is
 *    written), and pooled: a second run on the same shape reuses the buffers of the first
 *    (fresh memory costs page faults here). With `reuseBuffers: false` every run writes
 *    new buffers, as storing a table must; bench/RESULTS.md has both figures.
 * 3. Each column is scattered by one small monomorphic function per column kind:
 *    8-byte values (int64, float64) as two Int32 words, 4-byte values as one, and
 *    strings as offsets plus bytes copied with 4-byte DataView reads and writes
 *    (spilling into the next string's place or the slack after the last one).
 * 4. Each partition becomes an Arrow RecordBatch over views of its buffers (zero copy).
 *
 * Scope: columns of Int64, Float64, Int32, Float32 and Utf8 without nulls (the
 * benchmark table); anything else is refused rather than handled slowly.
 */
import * as arrow from "apache-arrow";

/** Seed of the partition hash. */
export const REFERENCE_HASH_SEED = 0x2f6b_1d3a;
/** Bytes of slack after each partition's string bytes, for the spill of the word copies. */
const STRING_SLACK = 16;

type ColumnKind = "words2" | "words1" | "utf8";

/** One murmur3 block step: mixes the 32-bit word `k` into the state `h`. */
function mixWord(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Murmur3-style 32-bit hash (unsigned) of an int64 given as its low and high int32 words. */
export function hashInt64Words(lo: number, hi: number): number {
  let h = mixWord(mixWord(REFERENCE_HASH_SEED, lo), hi) ^ 8;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The partition of a hash: `floor(hash × partitions / 2^32)` (multiply-shift range
 * reduction; a uint32 `%` runs in floating point here and cost 2× the whole hash).
 */
export function partitionOfHash(hash: number, partitions: number): number {
  return (hash * partitions / 4294967296) | 0;
}

/** The partition of one int64 key (for checks and tests). */
export function referencePartition(key: bigint, partitions: number): number {
  const lo = Number(BigInt.asIntN(32, key));
  const hi = Number(BigInt.asIntN(32, key >> 32n));
  return partitionOfHash(hashInt64Words(lo, hi), partitions);
}

function columnKind(type: arrow.DataType): ColumnKind {
  if (arrow.DataType.isUtf8(type)) return "utf8";
  if (arrow.DataType.isInt(type) && (type.bitWidth === 64 || type.bitWidth === 32)) return type.bitWidth === 64 ? "words2" : "words1";
  if (arrow.DataType.isFloat(type) && type.precision !== arrow.Precision.HALF) return type.precision === arrow.Precision.DOUBLE ? "words2" : "words1";
  throw new Error(`reference redistribute: unsupported column type ${String(type)}`);
}

/** The values of a fixed-width column as int32 words (no copy). */
function words(data: arrow.Data): Int32Array {
  const values = data.values as ArrayBufferView;
  return new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
}

/** The bytes of a Utf8 column (no copy). */
function utf8Bytes(data: arrow.Data): Uint8Array {
  const values = data.values as Uint8Array;
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Pass 1a: each row's partition into `partOf` from `base` (kept apart from counting: together they ran slower). */
function assignPartitions(key: Int32Array, n: number, partitions: number, partOf: Uint8Array, base: number): void {
  for (let i = 0; i < n; i++) partOf[base + i] = partitionOfHash(hashInt64Words(key[2 * i], key[2 * i + 1]), partitions);
}

/** Pass 1b: rows per partition. */
function countRows(n: number, partOf: Uint8Array, base: number, rowCounts: Int32Array): void {
  for (let i = 0; i < n; i++) rowCounts[partOf[base + i]]++;
}

/** Pass 1b: string bytes per partition of one string column. */
function countStringBytes(offsets: Int32Array, n: number, partOf: Uint8Array, base: number, byteCounts: Int32Array): void {
  for (let i = 0; i < n; i++) byteCounts[partOf[base + i]] += offsets[i + 1] - offsets[i];
}

function scatterWords2(src: Int32Array, n: number, partOf: Uint8Array, base: number, outs: Int32Array[], cursor: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const p = partOf[base + i];
    const at = cursor[p]++ << 1;
    const out = outs[p];
    out[at] = src[2 * i];
    out[at + 1] = src[2 * i + 1];
  }
}

function scatterWords1(src: Int32Array, n: number, partOf: Uint8Array, base: number, outs: Int32Array[], cursor: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const p = partOf[base + i];
    outs[p][cursor[p]++] = src[i];
  }
}

/**
 * Copies the `len` bytes at `start` to `at`: 4 at a time, spilling up to 3 bytes
 * past the end (overwritten by the next string of the partition, or slack), or
 * byte by byte when a 4-byte read would pass the end of the source.
 */
function copyString(src: DataView, srcBytes: Uint8Array, start: number, len: number, dst: DataView, dstBytes: Uint8Array, at: number): void {
  const rounded = (len + 3) & ~3;
  if (start + rounded <= srcBytes.length) {
    for (let w = 0; w < rounded; w += 4) dst.setInt32(at + w, src.getInt32(start + w, true), true);
  } else {
    for (let b = 0; b < len; b++) dstBytes[at + b] = srcBytes[start + b];
  }
}

/** `copyString` with a branch-free path for strings of up to 12 bytes: always 3 words (spill ≤ 12 bytes). */
function copyShortString(src: DataView, srcBytes: Uint8Array, start: number, len: number, dst: DataView, dstBytes: Uint8Array, at: number): void {
  if (len <= 12 && start + 12 <= srcBytes.length) {
    dst.setInt32(at, src.getInt32(start, true), true);
    dst.setInt32(at + 4, src.getInt32(start + 4, true), true);
    dst.setInt32(at + 8, src.getInt32(start + 8, true), true);
  } else {
    copyString(src, srcBytes, start, len, dst, dstBytes, at);
  }
}

interface StringOuts {
  readonly offsets: Int32Array[];
  readonly views: DataView[];
  readonly bytes: Uint8Array[];
}

function scatterUtf8(offsets: Int32Array, src: DataView, srcBytes: Uint8Array, n: number, partOf: Uint8Array, base: number, outs: StringOuts, rowCursor: Int32Array, byteCursor: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const p = partOf[base + i];
    const start = offsets[i];
    const len = offsets[i + 1] - start;
    const at = byteCursor[p];
    byteCursor[p] = at + len;
    outs.offsets[p][++rowCursor[p]] = at + len;
    copyShortString(src, srcBytes, start, len, outs.views[p], outs.bytes[p], at);
  }
}

/** Pooled output buffers of one column, one per partition, reused while large enough (unless `fresh`). */
class ColumnPool {
  words: Int32Array[] = [];
  offsets: Int32Array[] = [];
  bytes: Uint8Array[] = [];
  views: DataView[] = [];

  constructor(readonly fresh: boolean) {}

  ensureWords(p: number, length: number): void {
    if (this.fresh || (this.words[p]?.length ?? -1) < length) this.words[p] = unzeroed(Int32Array, length);
  }

  ensureStrings(p: number, rows: number, byteLength: number): void {
    if (this.fresh || (this.offsets[p]?.length ?? -1) < rows + 1) this.offsets[p] = unzeroed(Int32Array, rows + 1);
    if (this.fresh || (this.bytes[p]?.length ?? -1) < byteLength + STRING_SLACK) {
      const bytes = unzeroed(Uint8Array, byteLength + STRING_SLACK);
      this.bytes[p] = bytes;
      this.views[p] = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.offsets[p][0] = 0;
  }
}

/** A typed array over new memory that is not zeroed (the scatter writes all that a result views). */
function unzeroed<T>(Type: (new (buffer: ArrayBuffer, byteOffset: number, length: number) => T) & { readonly BYTES_PER_ELEMENT: number }, length: number): T {
  const bytes = Buffer.allocUnsafeSlow(length * Type.BYTES_PER_ELEMENT);
  return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, length);
}

export interface ReferenceOptions {
  /**
   * Reuse the output buffers of the previous run when large enough (default true): the
   * batches `redistribute` returns are then views of them, valid until its next call.
   * False: every run allocates new output buffers, and its batches stay valid.
   */
  readonly reuseBuffers?: boolean;
}

/**
 * Redistributes record batches into `partitions` hash partitions of an int64 key.
 * Keep one instance to reuse its buffers (the default, ReferenceOptions.reuseBuffers).
 */
export class ReferenceRedistributor {
  readonly #partitions: number;
  readonly #fresh: boolean;
  #partOf = new Uint8Array(0);
  #pools: ColumnPool[] = [];

  constructor(partitions: number, options: ReferenceOptions = {}) {
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 256) throw new Error(`reference redistribute: 1 to 256 partitions, not ${partitions}`);
    this.#partitions = partitions;
    this.#fresh = options.reuseBuffers === false;
  }

  /** One RecordBatch per partition (in partition order); rows keep their input order within a partition. */
  redistribute(batches: readonly arrow.RecordBatch[], keyColumn = 0): arrow.RecordBatch[] {
    if (batches.length === 0) throw new Error("reference redistribute: no batches");
    const schema = batches[0].schema;
    const kinds = schema.fields.map((f) => columnKind(f.type));
    checkInput(batches, schema, keyColumn);
    const { rowCounts, byteCounts } = this.#count(batches, kinds, keyColumn);
    this.#allocate(kinds, rowCounts, byteCounts);
    this.#scatter(batches, kinds);
    return this.#results(schema, kinds, rowCounts, byteCounts);
  }

  #count(batches: readonly arrow.RecordBatch[], kinds: ColumnKind[], keyColumn: number): { rowCounts: Int32Array; byteCounts: Int32Array[] } {
    const total = batches.reduce((sum, b) => sum + b.numRows, 0);
    if (this.#partOf.length < total) this.#partOf = new Uint8Array(total);
    const rowCounts = new Int32Array(this.#partitions);
    const byteCounts = kinds.map(() => new Int32Array(this.#partitions));
    let base = 0;
    for (const batch of batches) {
      assignPartitions(words(batch.data.children[keyColumn]), batch.numRows, this.#partitions, this.#partOf, base);
      countRows(batch.numRows, this.#partOf, base, rowCounts);
      kinds.forEach((kind, c) => {
        if (kind === "utf8") countStringBytes(batch.data.children[c].valueOffsets, batch.numRows, this.#partOf, base, byteCounts[c]);
      });
      base += batch.numRows;
    }
    return { rowCounts, byteCounts };
  }

  #allocate(kinds: ColumnKind[], rowCounts: Int32Array, byteCounts: Int32Array[]): void {
    while (this.#pools.length < kinds.length) this.#pools.push(new ColumnPool(this.#fresh));
    kinds.forEach((kind, c) => {
      for (let p = 0; p < this.#partitions; p++) {
        if (kind === "utf8") this.#pools[c].ensureStrings(p, rowCounts[p], byteCounts[c][p]);
        else this.#pools[c].ensureWords(p, kind === "words2" ? rowCounts[p] * 2 : rowCounts[p]);
      }
    });
  }

  #scatter(batches: readonly arrow.RecordBatch[], kinds: ColumnKind[]): void {
    kinds.forEach((kind, c) => {
      const pool = this.#pools[c];
      const rowCursor = new Int32Array(this.#partitions);
      const byteCursor = new Int32Array(this.#partitions);
      let base = 0;
      for (const batch of batches) {
        const data = batch.data.children[c];
        const n = batch.numRows;
        if (kind === "words2") scatterWords2(words(data), n, this.#partOf, base, pool.words, rowCursor);
        else if (kind === "words1") scatterWords1(words(data), n, this.#partOf, base, pool.words, rowCursor);
        else {
          const bytes = utf8Bytes(data);
          scatterUtf8(data.valueOffsets, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, n, this.#partOf, base, pool, rowCursor, byteCursor);
        }
        base += n;
      }
    });
  }

  #results(schema: arrow.Schema, kinds: ColumnKind[], rowCounts: Int32Array, byteCounts: Int32Array[]): arrow.RecordBatch[] {
    const out: arrow.RecordBatch[] = [];
    for (let p = 0; p < this.#partitions; p++) {
      const length = rowCounts[p];
      const children = schema.fields.map((field, c) => columnData(field.type, kinds[c], this.#pools[c], p, length, byteCounts[c][p]));
      out.push(new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children })));
    }
    return out;
  }
}

function checkInput(batches: readonly arrow.RecordBatch[], schema: arrow.Schema, keyColumn: number): void {
  const key = schema.fields[keyColumn]?.type;
  if (!key || !arrow.DataType.isInt(key) || key.bitWidth !== 64) throw new Error(`reference redistribute: key column ${keyColumn} must be a 64-bit integer`);
  for (const batch of batches) {
    if (batch.schema !== schema && !arrow.util.compareSchemas(schema, batch.schema)) throw new Error("reference redistribute: batches of different schemas");
    if (batch.data.children.some((child) => child.nullCount > 0)) throw new Error("reference redistribute: nulls are not supported");
  }
}

/** Arrow Data over the first `length` rows of one pooled column of partition `p` (no copy). */
function columnData(type: arrow.DataType, kind: ColumnKind, pool: ColumnPool, p: number, length: number, byteLength: number): arrow.Data {
  if (kind === "utf8") {
    return arrow.makeData({ type: type as arrow.Utf8, length, nullCount: 0, valueOffsets: pool.offsets[p].subarray(0, length + 1), data: pool.bytes[p].subarray(0, byteLength) });
  }
  const buffer = pool.words[p];
  const Values = (type as arrow.Int | arrow.Float).ArrayType as unknown as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView;
  const values = new Values(buffer.buffer, buffer.byteOffset, length);
  return arrow.makeData({ type: type as arrow.Int, length, nullCount: 0, data: values as never });
}
