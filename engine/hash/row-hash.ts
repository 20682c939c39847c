/**
 * The row hash: MurmurHash3 x86 32-bit (seed 0) over the canonical bytes of a
 * row's primary-index values, in PI column order. docs/ROW_HASH.md defines the
 * canonical bytes; code outside ampsim recomputes AMP placement with them, so
 * every change here is a breaking change of a public contract.
 *
 * Two implementations that must agree bit for bit (the tests check it on
 * random, sliced and concatenated data):
 * - `rowHash` / `canonicalKeyBytes`: one row of plain JS values, written for
 *   clarity (BigInt, DataView);
 * - `rowHashColumns`: every row of Arrow columns, the hot path. No per-row
 *   objects and no BigInt: int64 is read as two int32 words, decimals as four,
 *   UTF-8 straight from the Arrow buffer, and the hash advances 4-byte block by
 *   block with `Math.imul`. One-column BIGINT, TIMESTAMP, INTEGER and DATE keys
 *   without NULLs are hashed four rows at a time in WebAssembly SIMD
 *   (row-hash.wat, the same words as the loops here: tested), where it loads.
 *
 * Faults it must survive: values of the wrong type or out of range (reported as
 * TYPE_MISMATCH, naming the expected type and the value found), Arrow columns
 * whose type is not the declared one, and sliced Arrow data (`offset` != 0).
 */
import * as arrow from "apache-arrow";
import type { ColumnType } from "../catalog/column-type.js";
import { arrowTypeMatches, typeToString } from "../catalog/column-type.js";
import { AmpsimError, assert, assertNever, showValue } from "../errors.js";
import { instantiateWasm, type WasmInstance } from "../wasm.js";
import { murmur3, murmur3Finalize, murmur3MixBlock, murmur3ScrambleBlock } from "./murmur3.js";
import { ROW_HASH_WASM } from "./row-hash-wasm.js";

// The columnar readers view typed arrays as little-endian int32 words.
assert(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1, "ampsim needs a little-endian platform");

const TWO_POW_32 = 4294967296;
const MS_PER_DAY = 86_400_000;
const NULL_WORD = -1; // NULL's canonical bytes FF FF FF FF as an int32 word
/** The row hash of a one-column key whose value is NULL. */
const NULL_HASH = murmur3Finalize(murmur3MixBlock(0, NULL_WORD), 4);

const INTEGER_RANGES = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [-(2 ** 63), 2 ** 63], // upper bound exclusive for int64 only (2^63 is a double, 2^63-1 is not)
} as const;

/**
 * The hash bucket of a row hash: its top `hashBits` bits. `hashBits` must be
 * 1..24 (see `HashMap`); not checked here, this is called once per row.
 *
 * @example
 * bucketOf(0x248bfa47, 16) // === 0x248b
 */
export function bucketOf(hash: number, hashBits: number): number {
  return hash >>> (32 - hashBits);
}

// ---------------------------------------------------------------------------
// Scalar: one row of plain JS values.
// ---------------------------------------------------------------------------

/** A growable buffer of canonical bytes, reused across calls (JS runs one call at a time). */
class CanonicalWriter {
  bytes = new Uint8Array(64);
  view = new DataView(this.bytes.buffer);
  length = 0;

  reserve(byteCount: number): void {
    if (this.length + byteCount <= this.bytes.length) return;
    const bytes = new Uint8Array(Math.max(this.bytes.length * 2, this.length + byteCount));
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }

  uint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value >>> 0, true);
    this.length += 4;
  }

  /** An integer-valued double in int64 range, without BigInt. */
  int64FromNumber(value: number): void {
    this.reserve(8);
    this.view.setUint32(this.length, value >>> 0, true); // ToUint32 is exact modulo 2^32
    this.view.setInt32(this.length + 4, Math.floor(value / TWO_POW_32) | 0, true);
    this.length += 8;
  }

  int64(value: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, value, true);
    this.length += 8;
  }

  int128(value: bigint): void {
    this.reserve(16);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, value), true);
    this.view.setBigInt64(this.length + 8, BigInt.asIntN(64, value >> 64n), true);
    this.length += 16;
  }

  float64(value: number): void {
    this.reserve(8);
    if (value === 0) this.view.setFloat64(this.length, 0, true); // -0 hashes as +0
    else if (Number.isNaN(value)) this.view.setBigUint64(this.length, 0x7ff8000000000000n, true);
    else this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  utf8(text: string): void {
    this.reserve(4 + text.length * 3);
    const { written } = utf8Encoder.encodeInto(text, this.bytes.subarray(this.length + 4));
    this.view.setUint32(this.length, written, true);
    this.length += 4 + written;
  }
}

const utf8Encoder = new TextEncoder();
const scalarWriter = new CanonicalWriter();

/**
 * The row hash of one row's primary-index values, in PI column order.
 * With `types`, each value is checked against its column type; without,
 * the type is inferred (integral safe number or bigint → integer,
 * other number → float64, string → string, boolean → integer 0/1,
 * Date → timestamp, null/undefined → NULL).
 *
 * @example
 * rowHash([42])                                 // INTEGER 42
 * rowHash(["42.00"], [types.decimal(10, 2)])    // the same hash: 42.00 == 42
 * rowHash([1, "a"], [types.int32, types.utf8])  // a two-column PI
 */
export function rowHash(values: readonly unknown[], types?: readonly ColumnType[]): number {
  writeCanonical(values, types);
  return murmur3(scalarWriter.bytes, 0, scalarWriter.length, 0);
}

/**
 * The canonical bytes that `rowHash` hashes (a fresh copy), as docs/ROW_HASH.md defines them.
 *
 * @example
 * canonicalKeyBytes([42]) // Uint8Array [0x2a, 0, 0, 0, 0, 0, 0, 0]
 * canonicalKeyBytes([null]) // Uint8Array [0xff, 0xff, 0xff, 0xff]
 */
export function canonicalKeyBytes(values: readonly unknown[], types?: readonly ColumnType[]): Uint8Array {
  writeCanonical(values, types);
  return scalarWriter.bytes.slice(0, scalarWriter.length);
}

function writeCanonical(values: readonly unknown[], types: readonly ColumnType[] | undefined): void {
  if (!Array.isArray(values) || values.length === 0) {
    throw new AmpsimError("BAD_ARGUMENT", `Expected a non-empty array of primary index values, but found ${showValue(values)}`);
  }
  if (types !== undefined && types.length !== values.length) {
    throw new AmpsimError("BAD_ARGUMENT", `Expected ${values.length} column types, one per primary index value, but found ${types.length}`);
  }
  scalarWriter.length = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (value === null || value === undefined) scalarWriter.uint32(0xffffffff);
    else if (types === undefined) writeInferred(value, index);
    else writeTyped(value, types[index], index);
  }
}

function writeInferred(value: unknown, index: number): void {
  const writer = scalarWriter;
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) writer.int64FromNumber(value);
    else writer.float64(value);
  } else if (typeof value === "bigint") {
    if (BigInt.asIntN(64, value) === value) writer.int64(value);
    else writeDecimal(value, 0, undefined, index); // beyond int64: hashes as DECIMAL(38,0) would
  } else if (typeof value === "string") writer.utf8(value);
  else if (typeof value === "boolean") writer.int64FromNumber(value ? 1 : 0);
  else if (value instanceof Date && !Number.isNaN(value.getTime())) writer.int64FromNumber(value.getTime());
  else throw mismatch("an integer, float, decimal, string, boolean, Date or NULL", value, index);
}

function writeTyped(value: unknown, type: ColumnType, index: number): void {
  const writer = scalarWriter;
  switch (type.kind) {
    case "int8":
    case "int16":
    case "int32":
    case "int64": return writeInteger(value, type, index);
    case "bool":
      if (typeof value !== "boolean") throw mismatch(type, value, index);
      return writer.int64FromNumber(value ? 1 : 0);
    case "float32":
    case "float64":
      if (typeof value !== "number") throw mismatch(type, value, index);
      return writer.float64(type.kind === "float32" ? Math.fround(value) : value);
    case "decimal": {
      const parsed = parseDecimal(value);
      if (parsed === undefined) throw mismatch(type, value, index);
      return writeDecimal(parsed.unscaled, parsed.scale, type, index, value);
    }
    case "utf8":
    case "varchar":
    case "char": return writer.utf8(checkString(value, type, index));
    case "date":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw mismatch(type, value, index);
      return writer.int64FromNumber(Math.floor(value.getTime() / MS_PER_DAY));
    case "timestamp":
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw mismatch(type, value, index);
      return writer.int64FromNumber(value.getTime());
    default: return assertNever(type, "column type");
  }
}

function writeInteger(value: unknown, type: ColumnType & { kind: keyof typeof INTEGER_RANGES }, index: number): void {
  const [low, high] = INTEGER_RANGES[type.kind];
  if (typeof value === "number") {
    const fits = Number.isInteger(value) && value >= low && (type.kind === "int64" ? value < high : value <= high);
    if (!fits) throw mismatch(type, value, index);
    scalarWriter.int64FromNumber(value);
  } else if (typeof value === "bigint") {
    const fits = type.kind === "int64" ? BigInt.asIntN(64, value) === value : value >= BigInt(low) && value <= BigInt(high);
    if (!fits) throw mismatch(type, value, index);
    scalarWriter.int64(value);
  } else throw mismatch(type, value, index);
}

/** CHAR(n) is stored with trailing blanks cut (column-type.ts), so it hashes that way. */
function checkString(value: unknown, type: ColumnType & { kind: "utf8" | "varchar" | "char" }, index: number): string {
  if (typeof value !== "string") throw mismatch(type, value, index);
  const text = type.kind === "char" ? value.replace(/ +$/, "") : value;
  if (type.kind !== "utf8" && text.length > type.length && [...text].length > type.length) {
    throw mismatch(type, value, index);
  }
  return text;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?$/;

/** Exact (unscaled, scale) of a decimal given as a finite number or as text like "-12.50". */
function parseDecimal(value: unknown): { unscaled: bigint; scale: number } | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    if (Number.isInteger(value)) return { unscaled: BigInt(value), scale: 0 };
    value = String(value); // shortest round-trip digits, e.g. "12.5" or "1.5e-7"
  }
  if (typeof value !== "string") return undefined;
  const match = DECIMAL_TEXT.exec(value);
  if (match === null) return undefined;
  const [, sign, integerDigits = "", fractionDigits = "", exponent = "0"] = match;
  if (integerDigits.length + fractionDigits.length === 0) return undefined;
  let unscaled = BigInt(`${sign}${integerDigits}${fractionDigits}`);
  let scale = fractionDigits.length - Number(exponent);
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { unscaled, scale };
}

/**
 * Canonical decimal: trailing zeros of the fraction dropped; then an integer
 * (8 bytes) if the scale is 0 and it fits int64, otherwise scale (4 bytes) and
 * unscaled int128 (16 bytes). With a type, the value must fit its precision and scale.
 */
function writeDecimal(unscaled: bigint, scale: number, type: ColumnType | undefined, index: number, value: unknown = unscaled): void {
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale -= 1;
  }
  if (type !== undefined && type.kind === "decimal") {
    const stored = scale <= type.scale ? unscaled * 10n ** BigInt(type.scale - scale) : undefined;
    const digits = stored === undefined ? Infinity : (stored < 0n ? -stored : stored).toString().length;
    if (digits > type.precision) throw mismatch(type, value, index);
  }
  if (scale === 0 && BigInt.asIntN(64, unscaled) === unscaled) return scalarWriter.int64(unscaled);
  if (BigInt.asIntN(128, unscaled) !== unscaled) throw mismatch(type ?? "an integer that fits in 128 bits", value, index);
  scalarWriter.uint32(scale);
  scalarWriter.int128(unscaled);
}

function mismatch(expected: ColumnType | string, value: unknown, index: number): AmpsimError {
  const expectedText = typeof expected === "string" ? expected : typeToString(expected);
  return new AmpsimError(
    "TYPE_MISMATCH",
    `Expected ${expectedText} for primary index value ${index + 1}, but found ${showValue(value)} (${describeJsType(value)})`,
    { value, piColumn: index },
  );
}

function describeJsType(value: unknown): string {
  if (value instanceof Date) return "Date";
  if (typeof value === "number" && !Number.isInteger(value)) return "non-integral number";
  return typeof value;
}

// ---------------------------------------------------------------------------
// Columnar: every row of Arrow columns.
// ---------------------------------------------------------------------------

/** One primary-index column: its declared type and its Arrow data. */
export interface HashColumn {
  readonly type: ColumnType;
  readonly data: arrow.Data;
}

/**
 * The row hash of every row of equal-length Arrow columns (the PI columns in
 * PI column order), equal to `rowHash` of each row's values. Writes into `out`
 * when given (at least as long as the columns) and returns the filled part.
 * Arrow's own convention for sliced data holds: `values`/`valueOffsets` start
 * at row 0, the validity (and bool) bitmaps at bit `data.offset`.
 *
 * @example
 * const ids = arrow.vectorFromArray([1n, 2n, null], new arrow.Int64());
 * rowHashColumns([{ type: types.int64, data: ids.data[0] }]) // Uint32Array(3)
 */
export function rowHashColumns(columns: readonly HashColumn[], out?: Uint32Array): Uint32Array {
  const rowCount = checkColumns(columns, out);
  const target = out === undefined ? new Uint32Array(rowCount) : out.subarray(0, rowCount);
  if (columns.length === 1 && hashSingleColumn(columns[0], target)) return target;
  hashColumnsByChunk(columns, target);
  return target;
}

function checkColumns(columns: readonly HashColumn[], out: Uint32Array | undefined): number {
  if (!Array.isArray(columns) || columns.length === 0) {
    throw new AmpsimError("BAD_ARGUMENT", `Expected at least one primary index column, but found ${showValue(columns)}`);
  }
  const rowCount = columns[0].data.length;
  columns.forEach((column, index) => {
    if (column.data.length !== rowCount) {
      throw new AmpsimError("BAD_ARGUMENT", `Expected ${rowCount} rows in every primary index column, but column ${index + 1} has ${column.data.length}`);
    }
    if (!arrowTypeMatches(column.type, column.data.type)) {
      throw new AmpsimError("TYPE_MISMATCH", `Expected Arrow data of ${typeToString(column.type)} for primary index column ${index + 1}, but found ${String(column.data.type)}`, { piColumn: index });
    }
  });
  if (out !== undefined && out.length < rowCount) {
    throw new AmpsimError("BAD_ARGUMENT", `Expected an output array of at least ${rowCount} hashes, but found one of ${out.length}`);
  }
  return rowCount;
}

/** The validity bitmap, or null when every row is valid. */
function validityOf(data: arrow.Data): Uint8Array | null {
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  return data.nullCount > 0 && bitmap !== undefined && bitmap.length > 0 ? bitmap : null;
}

/** The low/high int32 words of a 64-bit column (Arrow stores BigInt64Array). */
function wordsOf(values: ArrayBufferView & { length: number }): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

// --- one-column keys: dedicated loops, the state in locals -------------------

/** Hashes the common one-column keys in place; false when the general path must. */
function hashSingleColumn(column: HashColumn, out: Uint32Array): boolean {
  const { type, data } = column;
  if (hashIntegerColumnWasm(type, data, out)) return true;
  switch (type.kind) {
    case "int64":
    case "timestamp": hashInt64Column(wordsOf(data.values as BigInt64Array), validityOf(data), data.offset, out); return true;
    case "int8":
    case "int16":
    case "int32":
    case "date": hashInt32Column(data.values as Int32Array, validityOf(data), data.offset, out); return true;
    case "utf8":
    case "varchar":
    case "char":
      hashStringColumn(data.values as Uint8Array, data.valueOffsets, validityOf(data), data.offset, type.kind === "char", out);
      return true;
    default: return false;
  }
}

function hashInt64Column(words: Int32Array, validity: Uint8Array | null, bitOffset: number, out: Uint32Array): void {
  const rowCount = out.length;
  for (let row = 0; row < rowCount; row++) {
    if (validity !== null && (validity[(bitOffset + row) >> 3] & (1 << ((bitOffset + row) & 7))) === 0) {
      out[row] = NULL_HASH;
      continue;
    }
    const h = murmur3MixBlock(murmur3MixBlock(0, words[2 * row]), words[2 * row + 1]);
    out[row] = murmur3Finalize(h, 8);
  }
}

/** int8, int16, int32 and date (days): sign-extended to int64. */
function hashInt32Column(values: Int8Array | Int16Array | Int32Array, validity: Uint8Array | null, bitOffset: number, out: Uint32Array): void {
  const rowCount = out.length;
  for (let row = 0; row < rowCount; row++) {
    if (validity !== null && (validity[(bitOffset + row) >> 3] & (1 << ((bitOffset + row) & 7))) === 0) {
      out[row] = NULL_HASH;
      continue;
    }
    const value = values[row];
    out[row] = murmur3Finalize(murmur3MixBlock(murmur3MixBlock(0, value), value >> 31), 8);
  }
}

/** The 4-byte length word keeps the UTF-8 bytes block-aligned, so this is plain MurmurHash3 over them. */
function hashStringColumn(
  bytes: Uint8Array, offsets: Int32Array, validity: Uint8Array | null, bitOffset: number, trimBlanks: boolean, out: Uint32Array,
): void {
  const rowCount = out.length;
  for (let row = 0; row < rowCount; row++) {
    if (validity !== null && (validity[(bitOffset + row) >> 3] & (1 << ((bitOffset + row) & 7))) === 0) {
      out[row] = NULL_HASH;
      continue;
    }
    const start = offsets[row];
    let end = offsets[row + 1];
    if (trimBlanks) while (end > start && bytes[end - 1] === 0x20) end--;
    let h = murmur3MixBlock(0, end - start);
    let p = start;
    for (const blocksEnd = start + ((end - start) & ~3); p < blocksEnd; p += 4) {
      h = murmur3MixBlock(h, bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24));
    }
    if (p < end) {
      let k = bytes[p];
      if (p + 1 < end) k |= bytes[p + 1] << 8;
      if (p + 2 < end) k |= bytes[p + 2] << 16;
      h ^= murmur3ScrambleBlock(k);
    }
    out[row] = murmur3Finalize(h, end - start + 4);
  }
}

// --- several columns: column by column over chunks of rows -----------------
//
// A row's canonical bytes are fed column after column, CHUNK_ROWS rows at a
// time so that the per-row hash states stay in cache. Strings make a row's
// byte count a non-multiple of 4, so each row also keeps the up-to-3 bytes not
// yet in a block ("carry").

const CHUNK_ROWS = 2048;
const stateHash = new Int32Array(CHUNK_ROWS);
const stateCarry = new Int32Array(CHUNK_ROWS);
const stateCarryBytes = new Uint8Array(CHUNK_ROWS);
const stateLength = new Int32Array(CHUNK_ROWS);

/** Feeds one column's canonical bytes for rows [first, end) into the chunk's states (slot = row - first). */
type ColumnFeeder = (first: number, end: number) => void;

function hashColumnsByChunk(columns: readonly HashColumn[], out: Uint32Array): void {
  const feeders = columns.map(feederOf);
  for (let first = 0; first < out.length; first += CHUNK_ROWS) {
    const end = Math.min(out.length, first + CHUNK_ROWS);
    stateHash.fill(0);
    stateCarry.fill(0);
    stateCarryBytes.fill(0);
    stateLength.fill(0);
    for (const feed of feeders) feed(first, end);
    for (let row = first; row < end; row++) {
      const slot = row - first;
      const h = stateCarryBytes[slot] === 0 ? stateHash[slot] : stateHash[slot] ^ murmur3ScrambleBlock(stateCarry[slot]);
      out[row] = murmur3Finalize(h, stateLength[slot]);
    }
  }
}

function feederOf(column: HashColumn): ColumnFeeder {
  const { type, data } = column;
  const validity = validityOf(data);
  const bitOffset = data.offset;
  switch (type.kind) {
    case "int8":
    case "int16":
    case "int32":
    case "date": {
      const values = data.values as Int32Array;
      return (first, end) => feedInt32Column(values, validity, bitOffset, first, end);
    }
    case "int64":
    case "timestamp": {
      const words = wordsOf(data.values as BigInt64Array);
      return (first, end) => feedInt64Column(words, validity, bitOffset, first, end);
    }
    case "bool": {
      const bits = data.values as Uint8Array;
      return (first, end) => feedBoolColumn(bits, validity, bitOffset, first, end);
    }
    case "float32":
    case "float64": {
      const values = data.values as Float32Array | Float64Array;
      return (first, end) => feedFloatColumn(values, validity, bitOffset, first, end);
    }
    case "decimal": {
      const values = data.values as Uint32Array;
      return (first, end) => feedDecimalColumn(values, type.scale, validity, bitOffset, first, end);
    }
    case "utf8":
    case "varchar":
    case "char": {
      const bytes = data.values as Uint8Array;
      const offsets = data.valueOffsets;
      const trimBlanks = type.kind === "char";
      return (first, end) => feedStringColumn(bytes, offsets, trimBlanks, validity, bitOffset, first, end);
    }
    default: return assertNever(type, "column type");
  }
}

/**
 * Feeds 4 bytes (a little-endian word) into a slot. With a carry of c bytes the
 * block is the carry plus the word's low 4 - c bytes, and its high c bytes carry on.
 */
function feedWord(slot: number, word: number): void {
  const carryBytes = stateCarryBytes[slot];
  if (carryBytes === 0) {
    stateHash[slot] = murmur3MixBlock(stateHash[slot], word);
    return;
  }
  const shift = carryBytes << 3;
  stateHash[slot] = murmur3MixBlock(stateHash[slot], stateCarry[slot] | (word << shift));
  stateCarry[slot] = word >>> (32 - shift);
}

/** Feeds 8 bytes as two words. */
function feedWordPair(slot: number, low: number, high: number): void {
  feedWord(slot, low);
  feedWord(slot, high);
  stateLength[slot] += 8;
}

function feedNull(slot: number): void {
  feedWord(slot, NULL_WORD);
  stateLength[slot] += 4;
}

function isNull(validity: Uint8Array | null, bitOffset: number, row: number): boolean {
  return validity !== null && (validity[(bitOffset + row) >> 3] & (1 << ((bitOffset + row) & 7))) === 0;
}

function feedInt32Column(values: Int8Array | Int16Array | Int32Array, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  for (let row = first; row < end; row++) {
    if (isNull(validity, bitOffset, row)) feedNull(row - first);
    else feedWordPair(row - first, values[row], values[row] >> 31);
  }
}

function feedInt64Column(words: Int32Array, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  for (let row = first; row < end; row++) {
    if (isNull(validity, bitOffset, row)) feedNull(row - first);
    else feedWordPair(row - first, words[2 * row], words[2 * row + 1]);
  }
}

/** Arrow bools are a bitmap that, like the validity bitmap, starts at bit `offset`. */
function feedBoolColumn(bits: Uint8Array, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  for (let row = first; row < end; row++) {
    if (isNull(validity, bitOffset, row)) feedNull(row - first);
    else feedWordPair(row - first, (bits[(bitOffset + row) >> 3] >> ((bitOffset + row) & 7)) & 1, 0);
  }
}

const floatScratch = new Float64Array(1);
const floatScratchWords = new Int32Array(floatScratch.buffer);

/** Widened to float64; -0 as +0 and every NaN as 0x7FF8000000000000. */
function feedFloatColumn(values: Float32Array | Float64Array, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  for (let row = first; row < end; row++) {
    if (isNull(validity, bitOffset, row)) { feedNull(row - first); continue; }
    const value = values[row];
    if (value !== value) { feedWordPair(row - first, 0, 0x7ff80000); continue; }
    floatScratch[0] = value === 0 ? 0 : value;
    feedWordPair(row - first, floatScratchWords[0], floatScratchWords[1]);
  }
}

/** The hot part of a string is in locals: aligned slots (the usual case) hash like `hashStringColumn`. */
function feedStringColumn(
  bytes: Uint8Array, offsets: Int32Array, trimBlanks: boolean, validity: Uint8Array | null, bitOffset: number, first: number, end: number,
): void {
  for (let row = first; row < end; row++) {
    const slot = row - first;
    if (isNull(validity, bitOffset, row)) { feedNull(slot); continue; }
    const start = offsets[row];
    let stop = offsets[row + 1];
    if (trimBlanks) while (stop > start && bytes[stop - 1] === 0x20) stop--;
    const carryBytes = stateCarryBytes[slot];
    const shift = carryBytes << 3;
    let carry = stateCarry[slot];
    let h = stateHash[slot];
    let p = start;
    // The length word first, then each whole 4-byte group of the string; the tail goes to the carry.
    for (let word = stop - start, blocksEnd = start + ((stop - start) & ~3); ; p += 4) {
      h = murmur3MixBlock(h, carryBytes === 0 ? word : carry | (word << shift));
      if (carryBytes !== 0) carry = word >>> (32 - shift);
      if (p >= blocksEnd) break;
      word = bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16) | (bytes[p + 3] << 24);
    }
    let carryCount = carryBytes;
    for (; p < stop; p++) {
      carry |= bytes[p] << (carryCount << 3);
      if (++carryCount === 4) { h = murmur3MixBlock(h, carry); carry = 0; carryCount = 0; }
    }
    stateHash[slot] = h;
    stateCarry[slot] = carry;
    stateCarryBytes[slot] = carryCount;
    stateLength[slot] += 4 + stop - start;
  }
}

// Decimals: the 128-bit unscaled value as four little-endian uint32 words.
const decimalWords = new Uint32Array(4);
const quotientWords = new Uint32Array(4);

function feedDecimalColumn(values: Uint32Array, scale: number, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  for (let row = first; row < end; row++) {
    const slot = row - first;
    if (isNull(validity, bitOffset, row)) { feedNull(slot); continue; }
    for (let j = 0; j < 4; j++) decimalWords[j] = values[4 * row + j];
    if (scale > 0 && feedSmallDecimal(slot, decimalWords, scale)) continue;
    const normalScale = scale > 0 ? stripTrailingZeros(decimalWords, scale) : 0;
    const high = decimalWords[1] | 0;
    if (normalScale === 0 && (decimalWords[2] | 0) === high >> 31 && (decimalWords[3] | 0) === high >> 31) {
      feedWordPair(slot, decimalWords[0], high);
      continue;
    }
    feedWord(slot, normalScale);
    for (let j = 0; j < 4; j++) feedWord(slot, decimalWords[j]);
    stateLength[slot] += 20;
  }
}
/**
 * Fast path for decimals whose unscaled value fits in 53 bits (almost all): strip trailing zeros
 * with double arithmetic, then feed exactly what the general path would. False when it does not fit.
 */
function feedSmallDecimal(slot: number, words: Uint32Array, scale: number): boolean {
  const high = words[1] | 0;
  if ((words[2] | 0) !== high >> 31 || (words[3] | 0) !== high >> 31 || high < -0x200000 || high >= 0x200000) return false;
  let value = high * TWO_POW_32 + words[0];
  let normalScale = scale;
  while (normalScale > 0 && value % 10 === 0 && value !== 0) { value /= 10; normalScale--; }
  if (value === 0) normalScale = 0;
  const low = value >>> 0;
  const highWord = Math.floor(value / TWO_POW_32) | 0;
  if (normalScale === 0) { feedWordPair(slot, low, highWord); return true; }
  const sign = highWord >> 31;
  feedWord(slot, normalScale);
  feedWord(slot, low); feedWord(slot, highWord); feedWord(slot, sign); feedWord(slot, sign);
  stateLength[slot] += 20;
  return true;
}

/** Divides the int128 in `words` by 10 while it is a multiple of 10 and scale > 0; returns the new scale. */
function stripTrailingZeros(words: Uint32Array, scale: number): number {
  if ((words[0] & 1) !== 0) return scale; // odd: not a multiple of 10, the common case
  const negative = words[3] >>> 31 === 1;
  if (negative) negate128(words);
  while (scale > 0 && divide128By10(words, quotientWords) === 0) {
    words.set(quotientWords);
    scale -= 1;
  }
  if (negative) negate128(words);
  return scale;
}

/** quotient = magnitude / 10 word by word (each step < 10 * 2^32, exact in a double); returns the remainder. */
function divide128By10(words: Uint32Array, quotient: Uint32Array): number {
  let remainder = 0;
  for (let j = 3; j >= 0; j--) {
    const dividend = remainder * TWO_POW_32 + words[j];
    const q = Math.floor(dividend / 10);
    quotient[j] = q;
    remainder = dividend - q * 10;
  }
  return remainder;
}

function negate128(words: Uint32Array): void {
  let carry = 1;
  for (let j = 0; j < 4; j++) {
    const sum = (~words[j] >>> 0) + carry;
    words[j] = sum; // Uint32Array stores sum mod 2^32
    carry = sum === TWO_POW_32 ? 1 : 0;
  }
}

// --- one-column integer keys in WebAssembly (row-hash.wat) ----------------------

/** Rows a call of the module takes: their values, then their hashes, in its memory (1 MiB). */
const WASM_CHUNK_ROWS = 65_536;
const WASM_IN = 0;
const WASM_OUT = WASM_CHUNK_ROWS * 8;
/** Below this many rows the copies in and out cost more than the loops here. */
const WASM_MIN_ROWS = 256;

interface RowHashExports {
  int64(input: number, rows: number, out: number): void;
  int32(input: number, rows: number, out: number): void;
}

const integerHashModule: WasmInstance<RowHashExports> | null = instantiateWasm<RowHashExports>(ROW_HASH_WASM, WASM_OUT + WASM_CHUNK_ROWS * 4, "row-hash.wat");
let useRowHashWasm = integerHashModule !== null;

/** Whether WebAssembly hashes one-column integer keys (true where it loads); tests turn it off to compare. */
export function rowHashWasm(enabled?: boolean): boolean {
  if (enabled !== undefined) useRowHashWasm = enabled && integerHashModule !== null;
  return useRowHashWasm;
}

/** A BIGINT, TIMESTAMP, INTEGER or DATE column without NULLs hashed in WebAssembly into `out`; false for any other. */
function hashIntegerColumnWasm(type: ColumnType, data: arrow.Data, out: Uint32Array): boolean {
  const wasm = useRowHashWasm ? integerHashModule : null;
  const rows = out.length;
  if (wasm === null || rows < WASM_MIN_ROWS || validityOf(data) !== null) return false;
  const values = data.values as ArrayBufferView;
  let width: number;
  if ((type.kind === "int64" || type.kind === "timestamp") && (values instanceof BigInt64Array || values instanceof BigUint64Array)) width = 8;
  else if ((type.kind === "int32" || type.kind === "date") && values instanceof Int32Array) width = 4;
  else return false;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, rows * width);
  for (let first = 0; first < rows; first += WASM_CHUNK_ROWS) {
    const count = Math.min(WASM_CHUNK_ROWS, rows - first);
    wasm.bytes.set(bytes.subarray(first * width, (first + count) * width), WASM_IN);
    const padded = (count + 3) & ~3;
    if (width === 8) wasm.exports.int64(WASM_IN, padded, WASM_OUT); else wasm.exports.int32(WASM_IN, padded, WASM_OUT);
    out.set(wasm.uwords.subarray(WASM_OUT >> 2, (WASM_OUT >> 2) + count), first);
  }
  return true;
}
