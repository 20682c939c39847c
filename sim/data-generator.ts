/**
 * Seeded columnar test data, generated straight into Arrow record batches.
 *
 * Every value is a pure function of (seed, column name, row index): a
 * counter-based hash of the row index under per-column keys (taken from
 * `new Prng(seed).fork("column:" + name)`) gives the random words that a
 * distribution turns into a value. So row i holds the same values whatever
 * batch size produced it, batches can be made in any order or in parallel, and
 * no state carries from one batch to the next.
 *
 * Hot path: a distribution fills a Float64Array of values for the batch, the
 * null pass builds the validity bitmap, then one small loop per column type
 * writes the Arrow buffers. No row objects, no BigInt, no vectorFromArray.
 *
 * What a distribution's value means per column type:
 * - integers, float: the value itself (float columns take non-integer values);
 * - int64: a JS number, so within ±(2^53 − 1);
 * - decimal(p,s): the unscaled integer (in DECIMAL(12,2), 12345 is 123.45),
 *   within ±min(10^p − 1, 2^53 − 1);
 * - bool: true when the value is odd;
 * - date: days since 1970-01-01 (default: uniform over 2000-01-01..2030-12-31);
 * - timestamp: milliseconds since 1970-01-01 UTC (default: the same years);
 * - strings: a deterministic ASCII string of the value (see `keyString`).
 * A distribution that can give a value outside the column type's range is
 * rejected with BAD_ARGUMENT when the generator is built (sequential: when the
 * batch that would overflow is asked for).
 */
import * as arrow from "apache-arrow";
import { AmpsimError, arrowTypeOf, COLUMN_TYPE_KINDS, showValue, typeToString } from "../engine/index.js";
import type { ColumnType } from "../engine/index.js";
import { Prng, checkRatio, type Seed } from "./prng.js";

/** A probability as a ratio of integers, e.g. `{ numerator: 1, denominator: 20 }`. */
export interface Ratio {
  readonly numerator: number;
  readonly denominator: number;
}

/** How a column's values are drawn. */
export type Distribution =
  /** start, start + 1, … for rows 0, 1, … (start defaults to 1). */
  | { readonly kind: "sequential"; readonly start?: number }
  /** Integers in [min, max] (floats in [min, max] for float columns). */
  | { readonly kind: "uniform"; readonly min: number; readonly max: number }
  /** Values 1..n with P(k) ∝ 1 / k^s: value 1 is the most frequent. n <= 2^24 (alias table, 12 bytes per value). */
  | { readonly kind: "zipf"; readonly n: number; readonly s: number }
  /** With probability hotFraction one of `keys` (each equally likely), otherwise uniform in [min, max]. */
  | { readonly kind: "hot-keys"; readonly keys: readonly number[]; readonly hotFraction: Ratio; readonly min: number; readonly max: number }
  /** Every row the same value. */
  | { readonly kind: "constant"; readonly value: number };

/** One generated column. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Default: uniform over the type's range (floats [0, 1], dates and timestamps 2000..2030, strings 0..2^31 − 1, bool 0..1). */
  readonly distribution?: Distribution;
  /** Share of NULL rows; without it the column is NOT NULL and gets no NULLs. */
  readonly nullFraction?: Ratio;
  /** String length bounds in characters (default: char(n) n..n, varchar(n) 1..n, utf8 1..32). */
  readonly stringLength?: { readonly min: number; readonly max: number };
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;
const ZIPF_N_MAX = 1 << 24;
const FLOAT32_MAX = 3.4028234663852886e38;
/** 2000-01-01 and 2030-12-31 in days since the epoch. */
const DAY_2000 = 10957;
const DAY_2030_END = 22279;
const MS_PER_DAY = 86_400_000;
/** 0001-01-01 and 9999-12-31: Teradata's DATE range. */
const DAY_MIN = -719162;
const DAY_MAX = 2932896;

/** Random-word lanes per row: each use of randomness has its own, so nulls do not shift values. */
const LANE_VALUE_A = 0;
const LANE_VALUE_B = 1;
const LANE_CHOICE = 2;
const LANE_PICK = 3;
const LANE_NULL = 4;
const LANES = 5;

// ---------------------------------------------------------------------------
// Counter-based hashing

/** triple32 (Chris Wellons' hash-prospector): a 32-bit bijection with very low avalanche bias. */
function hash32(input: number): number {
  let x = input;
  x ^= x >>> 17;
  x = Math.imul(x, 0xed5ad4bb);
  x ^= x >>> 11;
  x = Math.imul(x, 0xac4c1b51);
  x ^= x >>> 15;
  x = Math.imul(x, 0x31848bab);
  x ^= x >>> 14;
  return x >>> 0;
}

/** The random 32-bit word of row `rowLow` (low 32 bits of the row index) in the lane keyed `key`. */
function word(rowLow: number, key: number): number {
  return hash32((Math.imul(rowLow, 0x9e3779b9) + key) | 0);
}

/** Two words → a float in [0, 1) with 53 random bits. */
function unit53(a: number, b: number): number {
  return ((a >>> 5) * 67108864 + (b >>> 6)) / TWO_POW_53;
}

/** Probability → threshold on a 32-bit word (word < threshold happens with that probability). */
function threshold(ratio: Ratio): number {
  if (ratio.numerator === ratio.denominator) return TWO_POW_32;
  return Math.floor((ratio.numerator * TWO_POW_32) / ratio.denominator);
}

/** Lane keys for rows whose index has high word `high` (rows >= 2^32): the keys mixed with it. */
function keysForHighWord(keys: Int32Array, high: number): Int32Array {
  if (high === 0) return keys;
  const mixed = new Int32Array(keys.length);
  for (let k = 0; k < keys.length; k++) mixed[k] = hash32(keys[k] ^ hash32((high + 0x2545f491) | 0));
  return mixed;
}

// ---------------------------------------------------------------------------
// Column type domains and defaults

interface Domain {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
}

function domainOf(type: ColumnType): Domain {
  switch (type.kind) {
    case "int8": return { min: -128, max: 127, integer: true };
    case "int16": return { min: -32768, max: 32767, integer: true };
    case "int32": return { min: -2147483648, max: 2147483647, integer: true };
    case "float32": return { min: -FLOAT32_MAX, max: FLOAT32_MAX, integer: false };
    case "float64": return { min: -Number.MAX_VALUE, max: Number.MAX_VALUE, integer: false };
    case "decimal": {
      const max = type.precision >= 16 ? SAFE_MAX : 10 ** type.precision - 1;
      return { min: -max, max, integer: true };
    }
    case "date": return { min: DAY_MIN, max: DAY_MAX, integer: true };
    case "timestamp": return { min: DAY_MIN * MS_PER_DAY, max: (DAY_MAX + 1) * MS_PER_DAY - 1, integer: true };
    default: return { min: -SAFE_MAX, max: SAFE_MAX, integer: true }; // int64, bool, strings
  }
}

function defaultDistribution(type: ColumnType): Distribution {
  switch (type.kind) {
    case "float32": case "float64": return { kind: "uniform", min: 0, max: 1 };
    case "bool": return { kind: "uniform", min: 0, max: 1 };
    case "date": return { kind: "uniform", min: DAY_2000, max: DAY_2030_END };
    case "timestamp": return { kind: "uniform", min: DAY_2000 * MS_PER_DAY, max: (DAY_2030_END + 1) * MS_PER_DAY - 1 };
    case "utf8": case "varchar": case "char": return { kind: "uniform", min: 0, max: 2147483647 };
    default: {
      const domain = domainOf(type);
      return { kind: "uniform", min: domain.min, max: domain.max };
    }
  }
}

function defaultStringLength(type: ColumnType): { min: number; max: number } {
  if (type.kind === "char") return { min: type.length, max: type.length };
  if (type.kind === "varchar") return { min: Math.min(1, type.length), max: type.length };
  return { min: 1, max: 32 };
}

function badColumn(column: ColumnSpec, message: string): AmpsimError {
  return new AmpsimError("BAD_ARGUMENT", `column ${column.name} (${typeToString(column.type)}): ${message}`, { column: column.name });
}

// ---------------------------------------------------------------------------
// Distributions → samplers

/** Fills out[offset .. offset + count) with the values of rows firstRow …; the rows share one high word. */
type Sampler = (out: Float64Array, offset: number, count: number, firstRow: number, keys: Int32Array) => void;

interface CompiledDistribution {
  readonly sample: Sampler;
  /** Smallest and largest value the distribution can give (sequential: its start, both). */
  readonly low: number;
  readonly high: number;
  /** For sequential: the value of row 0; null otherwise. */
  readonly sequentialStart: number | null;
}

function sequentialSampler(start: number): Sampler {
  return (out, offset, count, firstRow) => {
    const base = start + firstRow;
    for (let j = 0; j < count; j++) out[offset + j] = base + j;
  };
}

function constantSampler(value: number): Sampler {
  return (out, offset, count) => { out.fill(value, offset, offset + count); };
}

function uniformSampler(min: number, max: number, integer: boolean): Sampler {
  const span = max - min;
  if (!integer) {
    return (out, offset, count, firstRow, keys) => {
      const a = keys[LANE_VALUE_A]; const b = keys[LANE_VALUE_B]; const row0 = firstRow >>> 0;
      for (let j = 0; j < count; j++) {
        const row = (row0 + j) | 0;
        out[offset + j] = min + unit53(word(row, a), word(row, b)) * span;
      }
    };
  }
  const range = span + 1;
  if (range <= TWO_POW_32) {
    return (out, offset, count, firstRow, keys) => {
      const a = keys[LANE_VALUE_A]; const row0 = firstRow >>> 0;
      for (let j = 0; j < count; j++) out[offset + j] = min + Math.floor((word((row0 + j) | 0, a) * range) / TWO_POW_32);
    };
  }
  return (out, offset, count, firstRow, keys) => {
    const a = keys[LANE_VALUE_A]; const b = keys[LANE_VALUE_B]; const row0 = firstRow >>> 0;
    for (let j = 0; j < count; j++) {
      const row = (row0 + j) | 0;
      out[offset + j] = min + Math.min(Math.floor(unit53(word(row, a), word(row, b)) * range), span);
    }
  };
}

/** Walker/Vose alias table for P(k) ∝ 1 / k^s, k = 1..n: one column pick and one coin per value. */
interface AliasTable {
  readonly n: number;
  /** Per column: accept the column itself when the coin word is below this (0..2^32). */
  readonly thresholds: Float64Array;
  readonly alias: Int32Array;
}

function zipfAliasTable(n: number, s: number): AliasTable {
  const q = new Float64Array(n);
  let sum = 0;
  for (let k = n - 1; k >= 0; k--) { q[k] = (k + 1) ** -s; sum += q[k]; } // smallest first: less rounding
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  let smallCount = 0; let largeCount = 0;
  for (let k = 0; k < n; k++) {
    q[k] *= n / sum;
    if (q[k] < 1) small[smallCount++] = k; else large[largeCount++] = k;
  }
  const thresholds = new Float64Array(n).fill(TWO_POW_32);
  const alias = new Int32Array(n);
  for (let k = 0; k < n; k++) alias[k] = k;
  while (smallCount > 0 && largeCount > 0) {
    const less = small[--smallCount]; const more = large[--largeCount];
    thresholds[less] = q[less] * TWO_POW_32;
    alias[less] = more;
    q[more] = q[more] + q[less] - 1;
    if (q[more] < 1) small[smallCount++] = more; else large[largeCount++] = more;
  }
  return { n, thresholds, alias }; // leftovers (rounding) keep threshold 2^32: always themselves
}

function zipfSampler(table: AliasTable): Sampler {
  const { n, thresholds, alias } = table;
  return (out, offset, count, firstRow, keys) => {
    const a = keys[LANE_VALUE_A]; const b = keys[LANE_VALUE_B]; const row0 = firstRow >>> 0;
    for (let j = 0; j < count; j++) {
      const row = (row0 + j) | 0;
      const column = Math.floor((word(row, a) * n) / TWO_POW_32);
      out[offset + j] = (word(row, b) < thresholds[column] ? column : alias[column]) + 1;
    }
  };
}

function hotKeysSampler(keys: readonly number[], hotFraction: Ratio, rest: Sampler): Sampler {
  const hot = Float64Array.from(keys);
  const m = hot.length;
  const hotThreshold = threshold(hotFraction);
  return (out, offset, count, firstRow, laneKeys) => {
    rest(out, offset, count, firstRow, laneKeys);
    const choice = laneKeys[LANE_CHOICE]; const pick = laneKeys[LANE_PICK]; const row0 = firstRow >>> 0;
    for (let j = 0; j < count; j++) {
      const row = (row0 + j) | 0;
      if (word(row, choice) < hotThreshold) out[offset + j] = hot[Math.floor((word(row, pick) * m) / TWO_POW_32)];
    }
  };
}

function checkNumber(column: ColumnSpec, value: unknown, what: string, integer: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    throw badColumn(column, `${what} must be a ${integer ? "safe integer" : "finite number"}, but found ${showValue(value)}`);
  }
  return value;
}

function compileUniform(column: ColumnSpec, min: unknown, max: unknown, domain: Domain, what: string): CompiledDistribution {
  const low = checkNumber(column, min, `${what}.min`, domain.integer);
  const high = checkNumber(column, max, `${what}.max`, domain.integer);
  if (low > high) throw badColumn(column, `${what} needs min <= max, but found min ${low} > max ${high}`);
  if (!Number.isFinite(high - low)) throw badColumn(column, `${what}: max − min must be finite, but ${high} − ${low} is not`);
  return { sample: uniformSampler(low, high, domain.integer), low, high, sequentialStart: null };
}

function compileZipf(column: ColumnSpec, n: unknown, s: unknown): CompiledDistribution {
  const size = checkNumber(column, n, "zipf n", true);
  const exponent = checkNumber(column, s, "zipf s", false);
  if (size < 1 || size > ZIPF_N_MAX) throw badColumn(column, `zipf n must be in 1..${ZIPF_N_MAX}, but found ${size}`);
  if (exponent < 0) throw badColumn(column, `zipf s must be >= 0, but found ${exponent}`);
  return { sample: zipfSampler(zipfAliasTable(size, exponent)), low: 1, high: size, sequentialStart: null };
}

function compileHotKeys(column: ColumnSpec, d: Distribution & { kind: "hot-keys" }, domain: Domain): CompiledDistribution {
  if (!Array.isArray(d.keys) || d.keys.length === 0) throw badColumn(column, `hot-keys needs a non-empty array of keys, but found ${showValue(d.keys)}`);
  const keys = d.keys.map((key, k) => checkNumber(column, key, `hot-keys keys[${k}]`, domain.integer));
  const fraction = d.hotFraction;
  if (fraction === null || typeof fraction !== "object") throw badColumn(column, `hot-keys needs hotFraction { numerator, denominator }, but found ${showValue(fraction)}`);
  checkRatio(fraction.numerator, fraction.denominator, `column ${column.name}: hot-keys hotFraction`);
  const rest = compileUniform(column, d.min, d.max, domain, "hot-keys");
  const low = Math.min(rest.low, ...keys);
  const high = Math.max(rest.high, ...keys);
  return { sample: hotKeysSampler(keys, fraction, rest.sample), low, high, sequentialStart: null };
}

function compileDistribution(column: ColumnSpec, d: Distribution, domain: Domain): CompiledDistribution {
  if (d === null || typeof d !== "object") throw badColumn(column, `distribution must be an object with a kind, but found ${showValue(d)}`);
  switch (d.kind) {
    case "sequential": {
      const start = checkNumber(column, d.start ?? 1, "sequential start", domain.integer);
      return { sample: sequentialSampler(start), low: start, high: start, sequentialStart: start };
    }
    case "uniform": return compileUniform(column, d.min, d.max, domain, "uniform");
    case "zipf": return compileZipf(column, d.n, d.s);
    case "hot-keys": return compileHotKeys(column, d, domain);
    case "constant": {
      const value = checkNumber(column, d.value, "constant value", domain.integer);
      return { sample: constantSampler(value), low: value, high: value, sequentialStart: null };
    }
    default: {
      const kind = (d as { kind?: unknown }).kind;
      throw badColumn(column, `unknown distribution kind ${showValue(kind)} (expected sequential, uniform, zipf, hot-keys or constant)`);
    }
  }
}

function checkFits(column: ColumnSpec, domain: Domain, low: number, high: number): void {
  if (low >= domain.min && high <= domain.max) return;
  const kind = column.distribution?.kind ?? "default";
  throw badColumn(column, `the ${kind} distribution gives values in ${low}..${high}, but the column holds ${domain.min}..${domain.max}`);
}

// ---------------------------------------------------------------------------
// Key strings

const DIGIT_BYTES = new TextEncoder().encode("0123456789abcdefghijklmnopqrstuvwxyz");
const ASCII = new TextDecoder("ascii");
/** 36^1 … 36^10; 36^11 > 2^53, so a safe integer has at most 11 base-36 digits. */
const POWERS_OF_36 = Array.from({ length: 10 }, (_, k) => 36 ** (k + 1));

function digitCount(magnitude: number): number {
  let digits = 1;
  while (digits <= 10 && magnitude >= POWERS_OF_36[digits - 1]) digits++;
  return digits;
}

const HIGH_WORD_ZERO_HASH = hash32(0x2545f491);
const POW36_5 = 36 ** 5;

/** A hash of the value alone (not of the row or column): equal values give equal strings everywhere. */
function valueHash(value: number): number {
  if (value >= 0 && value < TWO_POW_32) return hash32((value >>> 0) ^ HIGH_WORD_ZERO_HASH); // the common case, same result
  const high = Math.floor(value / TWO_POW_32) | 0;
  return hash32((value >>> 0) ^ hash32((high + 0x2545f491) | 0));
}

/** Length of the key string of `value`: min + hash spread, but at least the digits' length, at most max. */
function keyStringLength(value: number, hash: number, min: number, spread: number, max: number): number {
  const digits = value < 0 ? digitCount(-value) + 1 : digitCount(value);
  const length = min + Math.floor(((hash >>> 0) * spread) / TWO_POW_32);
  return length < digits ? Math.min(digits, max) : length;
}

/** Writes the `shown` low-order base-36 digits of `magnitude` ending at bytes[end − 1], in int32 arithmetic. */
function writeDigits(bytes: Uint8Array, end: number, shown: number, magnitude: number): void {
  let p = end - 1;
  const stop = end - shown;
  let rest = magnitude;
  if (magnitude > 0x7fffffff) { // split off five digits: the quotient fits in 31 bits (2^53 / 36^5 < 2^28)
    let high = Math.floor(magnitude / POW36_5);
    let low = magnitude - high * POW36_5;
    if (low < 0) { high--; low += POW36_5; } else if (low >= POW36_5) { high++; low -= POW36_5; }
    let lowInt = low | 0;
    for (let k = 0; k < 5 && p >= stop; k++) {
      const quotient = (lowInt / 36) | 0;
      bytes[p--] = DIGIT_BYTES[lowInt - quotient * 36];
      lowInt = quotient;
    }
    rest = high;
  }
  let m = rest | 0;
  while (p >= stop) {
    const quotient = (m / 36) | 0;
    bytes[p--] = DIGIT_BYTES[m - quotient * 36];
    m = quotient;
  }
}

/** Writes the key string of `value` (`length` bytes; `hash` is its valueHash) at bytes[at]: sign, base-36 digits, upper-case padding. */
function writeKeyString(bytes: Uint8Array, at: number, length: number, value: number, hash: number): void {
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  const digits = digitCount(magnitude);
  const signed = negative && digits < length;
  const shown = Math.min(digits, signed ? length - 1 : length); // too long: keep the low-order digits
  if (signed) bytes[at] = 45; // "-"
  const end = at + (signed ? 1 : 0) + shown;
  writeDigits(bytes, end, shown, magnitude);
  let h = hash | 0 || 1;
  for (let p = end; p < at + length; p++) {
    h ^= h << 13; h ^= h >>> 17; h ^= h << 5; // xorshift32
    bytes[p] = 65 + (((h >>> 16) * 26) >>> 16);
  }
}

/**
 * The string that a string column holds for distribution value `value`: an optional "-", the
 * base-36 digits of |value| (0-9a-z), then upper-case letters A-Z from a hash of the value, to a
 * length in [min, max] that depends on the value alone. Equal values give equal strings in every
 * column and generator; different values give different strings unless their digits do not fit
 * in `max` characters (then the low-order digits are kept).
 *
 * @example
 * keyString(1295, { min: 6, max: 6 }); // "zz" followed by 4 upper-case letters, e.g. "zzQHBA"
 */
export function keyString(value: number, stringLength: { readonly min: number; readonly max: number }): string {
  if (!Number.isSafeInteger(value)) throw new AmpsimError("BAD_ARGUMENT", `keyString expects a safe integer, but found ${showValue(value)}`);
  const { min, max } = stringLength;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || min > max) {
    throw new AmpsimError("BAD_ARGUMENT", `keyString expects stringLength with integers 0 <= min <= max, but found ${showValue(stringLength)}`);
  }
  const hash = valueHash(value);
  const length = keyStringLength(value, hash, min, max - min + 1, max);
  const bytes = new Uint8Array(length);
  writeKeyString(bytes, 0, length, value, hash);
  return ASCII.decode(bytes);
}

interface StringShape {
  readonly min: number;
  readonly max: number;
}

/** Pass 1: offsets from each row's key-string length (NULL rows: empty); keeps each value's hash for pass 2. */
function stringOffsets(values: Float64Array, length: number, validity: Uint8Array | null, shape: StringShape, hashes: Int32Array): Int32Array {
  const offsets = new Int32Array(length + 1);
  const { min, max } = shape;
  const spread = max - min + 1;
  let total = 0;
  for (let j = 0; j < length; j++) {
    if (validity === null || ((validity[j >>> 3] >>> (j & 7)) & 1) === 1) {
      const hash = valueHash(values[j]) | 0;
      hashes[j] = hash;
      total += keyStringLength(values[j], hash, min, spread, max);
    }
    if (total > 0x7fffffff) throw batchTooLarge(length);
    offsets[j + 1] = total;
  }
  return offsets;
}

function batchTooLarge(length: number): AmpsimError {
  return new AmpsimError("BAD_ARGUMENT", `a batch of ${length} strings holds more than 2^31 − 1 bytes, the limit of an Arrow Utf8 column: ask for smaller batches`);
}

/** Pass 2: the bytes of every non-empty row. */
function writeStrings(values: Float64Array, offsets: Int32Array, length: number, hashes: Int32Array): Uint8Array {
  const bytes = new Uint8Array(offsets[length]);
  for (let j = 0; j < length; j++) {
    const from = offsets[j];
    const to = offsets[j + 1];
    if (to > from) writeKeyString(bytes, from, to - from, values[j], hashes[j]);
  }
  return bytes;
}

/** Per-row value hashes between the two string passes; reused across batches (single-threaded). */
let hashScratch = new Int32Array(0);

function stringBuffers(values: Float64Array, length: number, validity: Uint8Array | null, shape: StringShape): { valueOffsets: Int32Array; data: Uint8Array } {
  if (hashScratch.length < length) hashScratch = new Int32Array(length);
  const valueOffsets = stringOffsets(values, length, validity, shape, hashScratch);
  return { valueOffsets, data: writeStrings(values, valueOffsets, length, hashScratch) };
}

// ---------------------------------------------------------------------------
// Values → Arrow buffers, one small loop per column type

function int64Words(values: Float64Array, length: number): BigInt64Array {
  const out = new BigInt64Array(length);
  const words = new Int32Array(out.buffer); // little-endian: low word first
  for (let j = 0; j < length; j++) {
    const v = values[j];
    words[2 * j] = v | 0;
    words[2 * j + 1] = Math.floor(v / TWO_POW_32) | 0;
  }
  return out;
}

function decimalWords(values: Float64Array, length: number): Uint32Array {
  const words = new Int32Array(length * 4);
  for (let j = 0; j < length; j++) {
    const v = values[j];
    const high = Math.floor(v / TWO_POW_32) | 0;
    const sign = high < 0 ? -1 : 0;
    words[4 * j] = v | 0;
    words[4 * j + 1] = high;
    words[4 * j + 2] = sign;
    words[4 * j + 3] = sign;
  }
  return new Uint32Array(words.buffer);
}

function boolBits(values: Float64Array, length: number): Uint8Array {
  const bits = new Uint8Array((length + 7) >>> 3);
  for (let j = 0; j < length; j++) if (values[j] & 1) bits[j >>> 3] |= 1 << (j & 7);
  return bits;
}

function converted<T extends Int8Array | Int16Array | Int32Array | Float32Array>(out: T, values: Float64Array): T {
  out.set(values.subarray(0, out.length));
  return out;
}

/** The Arrow buffers of one column from its values (NULL rows already hold 0). */
function valueBuffers(type: ColumnType, values: Float64Array, length: number, validity: Uint8Array | null, shape: StringShape | null): Record<string, ArrayBufferView> {
  switch (type.kind) {
    case "int8": return { data: converted(new Int8Array(length), values) };
    case "int16": return { data: converted(new Int16Array(length), values) };
    case "int32": case "date": return { data: converted(new Int32Array(length), values) };
    case "float32": return { data: converted(new Float32Array(length), values) };
    case "float64": return { data: values.length === length ? values : values.slice(0, length) };
    case "int64": case "timestamp": return { data: int64Words(values, length) };
    case "decimal": return { data: decimalWords(values, length) };
    case "bool": return { data: boolBits(values, length) };
    case "utf8": case "varchar": case "char": return stringBuffers(values, length, validity, shape!);
    default: {
      const unknown: never = type;
      throw new Error(`assertion failed: unknown column type ${showValue(unknown)}`);
    }
  }
}

/** Zeroes NULL rows' values and sets the validity bits of the others; returns the NULL count. */
function fillValidity(values: Float64Array, validity: Uint8Array, offset: number, count: number, firstRow: number, key: number, nullThreshold: number): number {
  let nulls = 0;
  const row0 = firstRow >>> 0;
  for (let j = 0; j < count; j++) {
    const i = offset + j;
    if (word((row0 + j) | 0, key) < nullThreshold) { values[i] = 0; nulls++; }
    else validity[i >>> 3] |= 1 << (i & 7);
  }
  return nulls;
}

// ---------------------------------------------------------------------------
// The generator

interface CompiledColumn {
  readonly spec: ColumnSpec;
  readonly field: arrow.Field;
  readonly domain: Domain;
  readonly distribution: CompiledDistribution;
  /** One key per lane (LANE_*), from the column's fork of the seed. */
  readonly keys: Int32Array;
  /** A row is NULL when its null-lane word is below this; 0 for NOT NULL columns. */
  readonly nullThreshold: number;
  readonly strings: StringShape | null;
}

function compileStringShape(spec: ColumnSpec): StringShape | null {
  const type = spec.type;
  const isString = type.kind === "utf8" || type.kind === "varchar" || type.kind === "char";
  if (!isString) {
    if (spec.stringLength !== undefined) throw badColumn(spec, "stringLength applies to string columns only");
    return null;
  }
  const shape = spec.stringLength ?? defaultStringLength(type);
  const { min, max } = shape;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || min > max) {
    throw badColumn(spec, `stringLength needs integers 0 <= min <= max, but found ${showValue(shape)}`);
  }
  if ((type.kind === "varchar" || type.kind === "char") && max > type.length) {
    throw badColumn(spec, `stringLength.max ${max} is longer than the column's ${type.length} characters`);
  }
  return { min, max };
}

function compileColumn(spec: ColumnSpec, root: Prng): CompiledColumn {
  if (spec === null || typeof spec !== "object" || typeof spec.name !== "string" || spec.name.length === 0) {
    throw new AmpsimError("BAD_ARGUMENT", `a column spec needs a non-empty name, but found ${showValue(spec)}`);
  }
  if (spec.type === null || typeof spec.type !== "object" || !COLUMN_TYPE_KINDS.has((spec.type as { kind?: unknown }).kind as ColumnType["kind"])) {
    throw new AmpsimError("BAD_ARGUMENT", `column ${spec.name}: type must be a column type such as types.int32 or types.varchar(20), but found ${showValue(spec.type)}`, { column: spec.name });
  }
  const arrowType = arrowTypeOf(spec.type);
  const domain = domainOf(spec.type);
  const distribution = compileDistribution(spec, spec.distribution ?? defaultDistribution(spec.type), domain);
  checkFits(spec, domain, distribution.low, distribution.high);
  let nullThreshold = 0;
  if (spec.nullFraction !== undefined) {
    const { numerator, denominator } = spec.nullFraction ?? {};
    checkRatio(numerator, denominator, `column ${spec.name}: nullFraction`);
    nullThreshold = threshold(spec.nullFraction);
  }
  const stream = root.fork(`column:${spec.name}`);
  const keys = new Int32Array(LANES);
  for (let lane = 0; lane < LANES; lane++) keys[lane] = stream.nextUint32();
  const field = new arrow.Field(spec.name, arrowType, spec.nullFraction !== undefined);
  return { spec, field, domain, distribution, keys, nullThreshold, strings: compileStringShape(spec) };
}

/**
 * Seeded columnar data for any table: Arrow record batches whose row i depends only on
 * (seed, column name, i), so any batch size gives the same rows.
 *
 * @example
 * const generator = new DataGenerator([
 *   { name: "id", type: types.int64, distribution: { kind: "sequential" } },
 *   { name: "customer", type: types.int32, distribution: { kind: "zipf", n: 1000, s: 1.1 } },
 *   { name: "note", type: types.varchar(16), stringLength: { min: 8, max: 12 }, nullFraction: { numerator: 1, denominator: 10 } },
 * ], 42);
 * for (const batch of generator.batches(1_000_000, 65_536)) engine.insert("main.t", batch);
 */
export class DataGenerator {
  /** The Arrow schema of every batch: one field per column, nullable when the column has a nullFraction. */
  readonly schema: arrow.Schema;
  readonly columns: readonly ColumnSpec[];
  readonly seed: Seed;
  readonly #compiled: readonly CompiledColumn[];
  #scratch = new Float64Array(0);

  constructor(columns: readonly ColumnSpec[], seed: Seed) {
    if (!Array.isArray(columns) || columns.length === 0) throw new AmpsimError("BAD_ARGUMENT", `DataGenerator needs a non-empty array of column specs, but found ${showValue(columns)}`);
    const root = new Prng(seed);
    const names = new Set<string>();
    this.#compiled = Object.freeze(columns.map((spec) => {
      const column = compileColumn(spec, root);
      if (names.has(spec.name)) throw badColumn(spec, "the name appears twice");
      names.add(spec.name);
      return column;
    }));
    this.columns = Object.freeze([...columns]);
    this.seed = seed;
    this.schema = new arrow.Schema(this.#compiled.map((c) => c.field));
  }

  /**
   * Rows startRow .. startRow + rows − 1 as one record batch.
   *
   * @example
   * const batch = generator.batch(1000, 500); // rows 1000..1499, the same as in any other batching
   */
  batch(startRow: number, rows: number): arrow.RecordBatch {
    if (!Number.isSafeInteger(startRow) || startRow < 0 || !Number.isSafeInteger(rows) || rows < 0 || startRow + rows > SAFE_MAX) {
      throw new AmpsimError("BAD_ARGUMENT", `batch(startRow, rows) expects integers >= 0 with startRow + rows <= 2^53 − 1, but found ${showValue(startRow)}, ${showValue(rows)}`);
    }
    const children = this.#compiled.map((column) => this.#columnData(column, startRow, rows));
    const data = arrow.makeData({ type: new arrow.Struct(this.schema.fields), length: rows, nullCount: 0, children });
    return new arrow.RecordBatch(this.schema, data);
  }

  /**
   * `totalRows` rows as consecutive batches of `batchRows` (the last one shorter).
   *
   * @example
   * const table = new arrow.Table([...generator.batches(10_000, 1_000)]);
   */
  *batches(totalRows: number, batchRows = 65_536): Generator<arrow.RecordBatch> {
    if (!Number.isSafeInteger(totalRows) || totalRows < 0) throw new AmpsimError("BAD_ARGUMENT", `batches: totalRows must be an integer >= 0, but found ${showValue(totalRows)}`);
    if (!Number.isSafeInteger(batchRows) || batchRows < 1) throw new AmpsimError("BAD_ARGUMENT", `batches: batchRows must be an integer >= 1, but found ${showValue(batchRows)}`);
    for (let start = 0; start < totalRows; start += batchRows) yield this.batch(start, Math.min(batchRows, totalRows - start));
  }

  #columnData(column: CompiledColumn, startRow: number, rows: number): arrow.Data {
    const { spec, distribution, domain } = column;
    if (distribution.sequentialStart !== null && rows > 0) {
      const last = distribution.sequentialStart + startRow + rows - 1;
      if (last > domain.max) throw badColumn(spec, `the sequential distribution reaches ${last} at row ${startRow + rows - 1}, but the column holds at most ${domain.max}`);
    }
    const values = spec.type.kind === "float64" ? new Float64Array(rows) : this.#scratchOf(rows);
    const validity = column.nullThreshold > 0 ? new Uint8Array((rows + 7) >>> 3) : null;
    let nullCount = 0;
    for (let offset = 0; offset < rows;) {
      const firstRow = startRow + offset;
      const high = Math.floor(firstRow / TWO_POW_32);
      const count = Math.min(rows - offset, (high + 1) * TWO_POW_32 - firstRow); // rows sharing one high word
      const keys = keysForHighWord(column.keys, high);
      distribution.sample(values, offset, count, firstRow, keys);
      if (validity) nullCount += fillValidity(values, validity, offset, count, firstRow, keys[LANE_NULL], column.nullThreshold);
      offset += count;
    }
    const buffers = valueBuffers(spec.type, values, rows, validity, column.strings);
    const props = { type: column.field.type, length: rows, nullCount, nullBitmap: nullCount > 0 ? validity : undefined, ...buffers };
    return arrow.makeData(props as never) as arrow.Data;
  }

  #scratchOf(rows: number): Float64Array {
    if (this.#scratch.length < rows) this.#scratch = new Float64Array(rows);
    return this.#scratch;
  }
}
