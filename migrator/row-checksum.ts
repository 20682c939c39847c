/**
 * The whole-row hash behind the verification checksums ("ampsim-row-checksum-3").
 *
 * Verification needs a 32-bit hash of every column of every row that is equal
 * for equal rows of one table definition on any system; unlike the row hash it
 * is no public placement contract, so it is built for speed: column by column
 * over chunks of rows, each value reduced to whole 4-byte words and mixed into
 * the row's state with MurmurHash3's block step — no carry of odd bytes between
 * columns as the canonical-bytes row hash needs. An integer of up to 4 bytes is
 * one word, 8-byte values two, a decimal four; a string is first reduced to one
 * word: its length, block-mixed with its bytes as little-endian words, the last
 * one zero-padded, and at least four of them — so that strings of up to 16
 * bytes (most of them) take one branch-free step of four masked reads. NULL
 * feeds two fixed marker words; -0 hashes as +0 and every NaN alike; CHAR
 * values without trailing blanks.
 *
 * Equal values must hash equal whatever the batch boundaries, so nothing here
 * depends on a batch's null count, only on the column's values.
 *
 * Columns without NULLs of the common types (INTEGER, DATE, BIGINT, TIMESTAMP,
 * FLOAT, VARCHAR) are hashed four rows at a time by WebAssembly SIMD
 * (row-checksum.wat, about 2.3× the JavaScript here, the copy into its memory
 * included), the rest in JavaScript; both give the same words (tested). A Node
 * without WebAssembly SIMD uses JavaScript throughout.
 */
import type * as arrow from "apache-arrow";
import { instantiateWasm, murmur3Finalize, murmur3MixBlock, type ColumnType, type WasmInstance } from "../engine/index.js";
import { ROW_CHECKSUM_WASM } from "./row-checksum-wasm.js";

/** The name checksums carry in manifests and checkpoints: checksums of another hash never compare. */
export const ROW_CHECKSUM_HASH = "ampsim-row-checksum-3";

const CHUNK_ROWS = 16_384;
const NULL_LOW = 0x6e756c6c; // "null"
const NULL_HIGH = 0x2d6e756c;

/**
 * The WebAssembly module's memory: the state words of a chunk's rows (and padding to a multiple
 * of four), then one column's copy — fixed-width values, or a string column's offsets and bytes
 * (at most STRING_BYTES_MAX a chunk, else that chunk of the column is hashed in JavaScript).
 */
const STATE = 0;
const COLUMN = STATE + (CHUNK_ROWS + 4) * 4;
const OFFSETS = COLUMN + (CHUNK_ROWS + 4) * 8;
const PLACEMENT = OFFSETS + (CHUNK_ROWS + 8) * 4;
const SUMS = PLACEMENT + (CHUNK_ROWS + 4) * 4;
const BYTES = SUMS + 32;
const STRING_BYTES_MAX = 4 << 20;

interface SimdExports {
  feed32(state: number, values: number, rows: number): void;
  feed64(state: number, values: number, rows: number): void;
  feedF64(state: number, values: number, rows: number): void;
  feedString(state: number, offsets: number, bytes: number, base: number, rows: number): void;
  finalize(state: number, rows: number, columns: number): void;
  fingerprint(state: number, placement: number, padded: number, rows: number, shift: number, mask: number, sums: number): void;
}

type Simd = WasmInstance<SimdExports>;

const simd: Simd | null = instantiateWasm<SimdExports>(ROW_CHECKSUM_WASM, BYTES + STRING_BYTES_MAX + 64, "row-checksum.wat");
let useSimd = simd !== null;
/** The rows' state words: in the WebAssembly memory when there is one (both paths feed them). */
const state = simd ? new Int32Array(simd.words.buffer, STATE, CHUNK_ROWS + 4) : new Int32Array(CHUNK_ROWS);

/** Whether WebAssembly SIMD hashes what it can (true where it loads); tests and benchmarks turn it off to compare. */
export function rowChecksumWasm(enabled?: boolean): boolean {
  if (enabled !== undefined) useSimd = enabled && simd !== null;
  return useSimd;
}

/**
 * The whole-row hash of rows [0, length) of `columns` (one Data per column of `types`).
 *
 * @example
 * rowChecksumHashes([types.int64, types.utf8], batch.data.children, batch.numRows) // Uint32Array
 */
export function rowChecksumHashes(types: readonly ColumnType[], columns: readonly arrow.Data[], length: number, out = new Uint32Array(length)): Uint32Array {
  const wasm = useSimd ? simd : null;
  for (let first = 0; first < length; first += CHUNK_ROWS) {
    const end = Math.min(length, first + CHUNK_ROWS);
    if (wasm !== null) {
      hashChunkSimd(wasm, types, columns, first, end);
      out.set(wasm.uwords.subarray(STATE >> 2, (STATE >> 2) + end - first), first);
      continue;
    }
    state.fill(types.length, 0, end - first);
    for (let c = 0; c < types.length; c++) feedColumn(types[c], columns[c], first, end);
    for (let row = first; row < end; row++) out[row] = murmur3Finalize(state[row - first], types.length);
  }
  return out;
}

/**
 * Adds rows [0, length) of `columns` to the fingerprint `into` as checksum.ts addFingerprint adds
 * their rowChecksumHashes, the hashes never leaving WebAssembly (row-checksum.wat `fingerprint`);
 * false, with nothing added, where WebAssembly SIMD is off (the caller takes the JavaScript way).
 * `piHash`: the rows' PI row hashes (their bucket is its top `bits`), null for a NoPI table.
 */
export function addFingerprintSimd(into: Uint32Array, types: readonly ColumnType[], columns: readonly arrow.Data[], length: number, piHash: Uint32Array | null, bits: number): boolean {
  const wasm = useSimd ? simd : null;
  if (wasm === null) return false;
  const sums = SUMS >> 2;
  for (let first = 0; first < length; first += CHUNK_ROWS) {
    const end = Math.min(length, first + CHUNK_ROWS);
    const padded = hashChunkSimd(wasm, types, columns, first, end);
    if (piHash !== null) wasm.uwords.set(piHash.subarray(first, end), PLACEMENT >> 2);
    wasm.exports.fingerprint(STATE, piHash !== null ? PLACEMENT : STATE, padded, end - first, (32 - bits) & 31, bits === 0 ? 0 : -1, SUMS);
    into[0] += end - first;
    for (let k = 0; k < 5; k++) into[k + 1] += wasm.uwords[sums + k];
  }
  return true;
}

/** Rows [first, end) hashed into the state words (finalized), in WebAssembly where it can; the rows padded to a multiple of four. */
function hashChunkSimd(wasm: Simd, types: readonly ColumnType[], columns: readonly arrow.Data[], first: number, end: number): number {
  const padded = (end - first + 3) & ~3;
  state.fill(types.length, 0, padded);
  for (let c = 0; c < types.length; c++) {
    if (!feedColumnSimd(wasm, types[c], columns[c], first, end, padded)) feedColumn(types[c], columns[c], first, end);
  }
  wasm.exports.finalize(STATE, padded, types.length);
  return padded;
}

/**
 * Rows [first, end) of a column fed by WebAssembly (`padded` rows, a multiple of four), or false
 * for a column it does not take: one with NULLs, or of a type left to JavaScript (SMALLINT,
 * BYTEINT, DECIMAL, REAL, BOOLEAN, CHAR), or a chunk of strings longer than STRING_BYTES_MAX.
 */
function feedColumnSimd(wasm: Simd, type: ColumnType, data: arrow.Data, first: number, end: number, padded: number): boolean {
  if (validityOf(data) !== null) return false;
  const rows = end - first;
  const values = data.values as ArrayBufferView;
  switch (type.kind) {
    case "int32":
    case "date":
      if (!(values instanceof Int32Array)) return false;
      wasm.bytes.set(new Uint8Array(values.buffer, values.byteOffset + first * 4, rows * 4), COLUMN);
      wasm.exports.feed32(STATE, COLUMN, padded);
      return true;
    case "int64":
    case "timestamp":
    case "float64":
      if (!(values instanceof BigInt64Array || values instanceof BigUint64Array || values instanceof Float64Array)) return false;
      wasm.bytes.set(new Uint8Array(values.buffer, values.byteOffset + first * 8, rows * 8), COLUMN);
      if (type.kind === "float64") wasm.exports.feedF64(STATE, COLUMN, padded); else wasm.exports.feed64(STATE, COLUMN, padded);
      return true;
    case "utf8":
    case "varchar": {
      const offsets = data.valueOffsets as Int32Array;
      const from = offsets[first]; const to = offsets[end];
      if (!(offsets instanceof Int32Array) || !(to - from >= 0 && to - from <= STRING_BYTES_MAX)) return false;
      wasm.words.set(offsets.subarray(first, end + 1), OFFSETS >> 2);
      wasm.words.fill(to, (OFFSETS >> 2) + rows + 1, (OFFSETS >> 2) + padded + 1);
      wasm.bytes.set((data.values as Uint8Array).subarray(from, to), BYTES);
      wasm.exports.feedString(STATE, OFFSETS, BYTES, from, padded);
      return true;
    }
    default:
      return false;
  }
}

/** The column's validity bitmap, or null when it has no NULLs. */
function validityOf(data: arrow.Data): Uint8Array | null {
  return data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap as Uint8Array : null;
}

function feedColumn(type: ColumnType, data: arrow.Data, first: number, end: number): void {
  const validity = validityOf(data);
  const bitOffset = data.offset;
  switch (type.kind) {
    case "int8":
    case "int16":
    case "int32":
    case "date": return feedInt32(data.values as Int32Array, validity, bitOffset, first, end);
    case "int64":
    case "timestamp": {
      const values = data.values as BigInt64Array;
      return feedWords(new Int32Array(values.buffer, values.byteOffset, values.length * 2), 2, validity, bitOffset, first, end);
    }
    case "decimal": {
      const values = data.values as Uint32Array;
      return feedWords(new Int32Array(values.buffer, values.byteOffset, values.length), 4, validity, bitOffset, first, end);
    }
    case "float32":
    case "float64": return feedFloat(data.values as Float32Array | Float64Array, validity, bitOffset, first, end);
    case "bool": return feedBool(data.values as Uint8Array, validity, bitOffset, first, end);
    case "utf8":
    case "varchar":
    case "char": return feedString(data.values as Uint8Array, data.valueOffsets as Int32Array, type.kind === "char", validity, bitOffset, first, end);
    default: { const never: never = type; throw new Error(`assertion failed: column type ${JSON.stringify(never)}`); }
  }
}

function isNull(validity: Uint8Array | null, bitOffset: number, row: number): boolean {
  return validity !== null && (validity[(bitOffset + row) >> 3] & (1 << ((bitOffset + row) & 7))) === 0;
}

function feedInt32(values: Int8Array | Int16Array | Int32Array, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  if (validity === null) {
    for (let row = first, slot = 0; row < end; row++, slot++) state[slot] = murmur3MixBlock(state[slot], values[row]);
    return;
  }
  for (let row = first, slot = 0; row < end; row++, slot++) {
    if (isNull(validity, bitOffset, row)) { state[slot] = murmur3MixBlock(murmur3MixBlock(state[slot], NULL_LOW), NULL_HIGH); continue; }
    state[slot] = murmur3MixBlock(state[slot], values[row]);
  }
}

/** `perRow` int32 words a value (int64, timestamp: 2; decimal: 4). */
function feedWords(words: Int32Array, perRow: number, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  if (validity === null && perRow === 2) {
    for (let row = first, slot = 0; row < end; row++, slot++) state[slot] = murmur3MixBlock(murmur3MixBlock(state[slot], words[2 * row]), words[2 * row + 1]);
    return;
  }
  for (let row = first, slot = 0; row < end; row++, slot++) {
    let h = state[slot];
    if (isNull(validity, bitOffset, row)) {
      for (let k = 0; k < perRow; k++) h = murmur3MixBlock(h, k === 0 ? NULL_LOW : NULL_HIGH);
    } else {
      for (let k = 0, at = row * perRow; k < perRow; k++) h = murmur3MixBlock(h, words[at + k]);
    }
    state[slot] = h;
  }
}

const floatScratch = new Float64Array(1);
const floatWords = new Int32Array(floatScratch.buffer);

function feedFloat(values: Float32Array | Float64Array, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  if (validity === null && values instanceof Float64Array) {
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    for (let row = first, slot = 0; row < end; row++, slot++) {
      const value = values[row];
      if (value === 0 || value !== value) { floatScratch[0] = value === 0 ? 0 : NaN; state[slot] = murmur3MixBlock(murmur3MixBlock(state[slot], floatWords[0]), floatWords[1]); continue; }
      state[slot] = murmur3MixBlock(murmur3MixBlock(state[slot], words[2 * row]), words[2 * row + 1]);
    }
    return;
  }
  for (let row = first, slot = 0; row < end; row++, slot++) {
    if (isNull(validity, bitOffset, row)) { state[slot] = murmur3MixBlock(murmur3MixBlock(state[slot], NULL_LOW), NULL_HIGH); continue; }
    const value = values[row];
    floatScratch[0] = value !== value ? NaN : value === 0 ? 0 : value;
    state[slot] = murmur3MixBlock(murmur3MixBlock(state[slot], floatWords[0]), floatWords[1]);
  }
}

function feedBool(bits: Uint8Array, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  for (let row = first, slot = 0; row < end; row++, slot++) {
    const word = isNull(validity, bitOffset, row) ? NULL_LOW : (bits[(bitOffset + row) >> 3] >> ((bitOffset + row) & 7)) & 1;
    state[slot] = murmur3MixBlock(state[slot], word);
  }
}

/** The bytes of word k (0–3) of a string of `length` ≤ 16 bytes, at MASKS[4·length + k]. */
const MASKS = new Int32Array(17 * 4);
for (let length = 0; length <= 16; length++) {
  for (let k = 0; k < 4; k++) {
    const bytes = Math.max(0, Math.min(4, length - 4 * k));
    MASKS[4 * length + k] = bytes === 4 ? -1 : (1 << (8 * bytes)) - 1;
  }
}

/**
 * Each string as one word (see the top): a string of up to 16 bytes with 16 readable bytes from
 * its start takes four masked reads; longer ones (and those at the very end of the values) loop.
 */
function feedString(bytes: Uint8Array, offsets: Int32Array, trimBlanks: boolean, validity: Uint8Array | null, bitOffset: number, first: number, end: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lastFast = bytes.byteLength - 16;
  if (validity === null && !trimBlanks) {
    for (let row = first, slot = 0; row < end; row++, slot++) {
      const start = offsets[row]; const length = offsets[row + 1] - start;
      const h = length <= 16 && start <= lastFast ? shortStringWord(view, start, length) : stringWord(bytes, view, start, start + length);
      state[slot] = murmur3MixBlock(state[slot], h);
    }
    return;
  }
  for (let row = first, slot = 0; row < end; row++, slot++) {
    if (validity !== null && isNull(validity, bitOffset, row)) { state[slot] = murmur3MixBlock(murmur3MixBlock(state[slot], NULL_LOW), NULL_HIGH); continue; }
    const start = offsets[row];
    let stop = offsets[row + 1];
    if (trimBlanks) while (stop > start && bytes[stop - 1] === 0x20) stop--;
    const length = stop - start;
    const h = length <= 16 && start <= lastFast ? shortStringWord(view, start, length) : stringWord(bytes, view, start, stop);
    state[slot] = murmur3MixBlock(state[slot], h);
  }
}

/** A string's word from four masked reads: `length` ≤ 16, and 16 bytes readable from `start`. */
function shortStringWord(view: DataView, start: number, length: number): number {
  const m = 4 * length;
  let h = murmur3MixBlock(length, view.getInt32(start, true) & MASKS[m]);
  h = murmur3MixBlock(h, view.getInt32(start + 4, true) & MASKS[m + 1]);
  h = murmur3MixBlock(h, view.getInt32(start + 8, true) & MASKS[m + 2]);
  return murmur3MixBlock(h, view.getInt32(start + 12, true) & MASKS[m + 3]);
}

/** A string's word the long way: whole words, then the zero-padded last one, then zero words up to four. */
function stringWord(bytes: Uint8Array, view: DataView, start: number, stop: number): number {
  let h = stop - start;
  let p = start; let words = 0;
  for (const blocksEnd = start + ((stop - start) & ~3); p < blocksEnd; p += 4, words++) h = murmur3MixBlock(h, view.getInt32(p, true));
  if (p < stop) {
    let k = 0;
    for (let shift = 0; p < stop; p++, shift += 8) k |= bytes[p] << shift;
    h = murmur3MixBlock(h, k); words++;
  }
  for (; words < 4; words++) h = murmur3MixBlock(h, 0);
  return h;
}
