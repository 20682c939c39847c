/**
 * The row hash is a public contract (docs/ROW_HASH.md): these tests pin it.
 *
 * Every literal hash and byte string below was computed independently of
 * ampsim: canonical bytes built by hand with Python's `struct`, hashed with
 * Python's `mmh3` 5.3.0 (a binding of Austin Appleby's reference
 * MurmurHash3_x86_32). A change that alters any of them breaks placement for
 * every client outside ampsim.
 */
import * as arrow from "apache-arrow";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ColumnType } from "../../engine/catalog/column-type.js";
import { arrowTypeOf, types, typeToString } from "../../engine/catalog/column-type.js";
import { AmpsimError } from "../../engine/errors.js";
import { HashMap, minimalMoves, movedBuckets } from "../../engine/hash/hash-map.js";
import { murmur3, murmur3Finalize, murmur3MixBlock, murmur3ScrambleBlock } from "../../engine/hash/murmur3.js";
import type { HashColumn } from "../../engine/hash/row-hash.js";
import { bucketOf, canonicalKeyBytes, rowHash, rowHashColumns, rowHashWasm } from "../../engine/hash/row-hash.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function expectAmpsimError(action: () => unknown, code: string, ...fragments: string[]): void {
  let caught: unknown;
  try { action(); } catch (error) { caught = error; }
  expect(caught).toBeInstanceOf(AmpsimError);
  const error = caught as AmpsimError;
  expect(error.code).toBe(code);
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

describe("murmur3", () => {
  // [input, seed, hash]: the published vectors, each re-checked with Python mmh3 5.3.0.
  const vectors: [string, number, number][] = [
    ["", 0, 0],
    ["", 1, 0x514e28b7],
    ["", 0xffffffff, 0x81f16f39],
    ["a", 0, 0x3c2569b2],
    ["ab", 0, 0x9bbfd75f],
    ["abc", 0, 0xb3dd93fa],
    ["abcd", 0, 0x43ed676a],
    ["a", 0x9747b28c, 0x7fa09ea6],
    ["ab", 0x9747b28c, 0x74875592],
    ["abc", 0x9747b28c, 0xc84a62dd],
    ["Hello, world!", 0x9747b28c, 0x24884cba],
    ["hello", 0, 0x248bfa47],
    ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
  ];
  it.each(vectors)("hashes %j with seed %d", (text, seed, expected) => {
    expect(murmur3(utf8(text), 0, undefined, seed)).toBe(expected);
  });

  it("hashes four zero bytes and a sub-range", () => {
    expect(murmur3(new Uint8Array(4))).toBe(0x2362f9de);
    expect(murmur3(utf8("xxhelloyy"), 2, 7)).toBe(0x248bfa47);
  });

  it("is the composition of its word-level steps", () => {
    const bytes = utf8("abcdefg");
    let h = murmur3MixBlock(0, 0x64636261);
    h ^= murmur3ScrambleBlock(0x676665);
    expect(murmur3Finalize(h, 7)).toBe(murmur3(bytes));
  });
});

// [what, values, types, canonical bytes (hex), hash]
const GOLDEN: [string, unknown[], ColumnType[] | undefined, string, number][] = [
  ["INTEGER 42", [42], [types.int32], "2a00000000000000", 0x6f8f913e],
  ["BIGINT 42", [42n], [types.int64], "2a00000000000000", 0x6f8f913e],
  ["DECIMAL(10,2) 42.00", ["42.00"], [types.decimal(10, 2)], "2a00000000000000", 0x6f8f913e],
  ["'hello'", ["hello"], [types.utf8], "0500000068656c6c6f", 0x836983d3],
  ["NULL", [null], [types.int32], "ffffffff", 0x76293b50],
  ["(1, 'a')", [1, "a"], [types.int32, types.varchar(10)], "01000000000000000100000061", 0x909e13c8],
  ["BYTEINT -1", [-1], [types.int8], "ffffffffffffffff", 0x627564e8],
  ["SMALLINT -32768", [-32768], [types.int16], "0080ffffffffffff", 0x5f5aaf01],
  ["BIGINT min", [-(2n ** 63n)], [types.int64], "0000000000000080", 0x516faf25],
  ["BIGINT max", [2n ** 63n - 1n], [types.int64], "ffffffffffffff7f", 0x827144bf],
  ["INTEGER 5", [5], [types.int32], "0500000000000000", 0x67c25ef7],
  ["DECIMAL(5,2) 5.00", ["5.00"], [types.decimal(5, 2)], "0500000000000000", 0x67c25ef7],
  ["DECIMAL(10,2) 12.50", ["12.50"], [types.decimal(10, 2)], "010000007d000000000000000000000000000000", 0x39ef6f80],
  ["DECIMAL(38,0) 12345678901234567890123456789", ["12345678901234567890123456789"], [types.decimal(38, 0)],
    "000000001581396eb1c9be46321be42700000000", 0xfb62eb05],
  ["DECIMAL(10,3) -0.005", ["-0.005"], [types.decimal(10, 3)], "03000000fbffffffffffffffffffffffffffffff", 0x5b29470b],
  ["DECIMAL(38,10) -1234567890123456789012345678.0000000001", ["-1234567890123456789012345678.0000000001"], [types.decimal(38, 10)],
    "0a000000ff87f43ab16fb63becccfd0f094fb6f6", 0xce42c3b3],
  ["REAL 1.5", [1.5], [types.float32], "000000000000f83f", 0xf07a83db],
  ["REAL 0.1 (rounded to float32)", [0.1], [types.float32], "000000a09999b93f", 0xc2b68eea],
  ["FLOAT -0", [-0], [types.float64], "0000000000000000", 0x63852afc],
  ["FLOAT NaN", [NaN], [types.float64], "000000000000f87f", 0x5529940d],
  ["FLOAT pi", [Math.PI], [types.float64], "182d4454fb210940", 0x8948e5ce],
  ["BOOLEAN true", [true], [types.bool], "0100000000000000", 0x53075d44],
  ["BOOLEAN false", [false], [types.bool], "0000000000000000", 0x63852afc],
  ["''", [""], [types.utf8], "00000000", 0x2362f9de],
  ["'héllo wörld ✓'", ["héllo wörld ✓"], [types.utf8], "1100000068c3a96c6c6f2077c3b6726c6420e29c93", 0x0238d91c],
  ["CHAR(5) 'ab   '", ["ab   "], [types.char(5)], "020000006162", 0x0ae944a7],
  ["DATE 2024-02-29", [new Date("2024-02-29T00:00:00Z")], [types.date], "464d000000000000", 0x20c1a1a6],
  ["DATE 1969-12-31", [new Date("1969-12-31T00:00:00Z")], [types.date], "ffffffffffffffff", 0x627564e8],
  ["TIMESTAMP 2024-02-29T12:34:56.789Z", [new Date("2024-02-29T12:34:56.789Z")], [types.timestamp], "9554dcf48d010000", 0x600d2083],
  ["(NULL, 7, 'xyz', 1.5)", [null, 7n, "xyz", "1.5"], [types.int32, types.int64, types.utf8, types.decimal(4, 1)],
    "ffffffff07000000000000000300000078797a010000000f000000000000000000000000000000", 0x4f0913a8],
];

describe("rowHash: golden values", () => {
  it.each(GOLDEN)("%s", (_what, values, columnTypes, bytes, hash) => {
    expect(hex(canonicalKeyBytes(values, columnTypes))).toBe(bytes);
    expect(rowHash(values, columnTypes)).toBe(hash);
  });

  it.each(GOLDEN)("%s: the columnar hash agrees", (_what, values, columnTypes) => {
    const columns = values.map((value, index) => columnOf(columnTypes![index], [value]));
    expect(rowHashColumns(columns)[0]).toBe(rowHash(values, columnTypes));
  });

  it("infers types without them", () => {
    expect(rowHash([42])).toBe(0x6f8f913e);
    expect(rowHash([42n])).toBe(0x6f8f913e);
    expect(rowHash(["hello"])).toBe(0x836983d3);
    expect(rowHash([null])).toBe(0x76293b50);
    expect(rowHash([undefined])).toBe(0x76293b50);
    expect(rowHash([1, "a"])).toBe(0x909e13c8);
    expect(rowHash([true])).toBe(0x53075d44);
    expect(rowHash([Math.PI])).toBe(0x8948e5ce);
    expect(rowHash([new Date("2024-02-29T12:34:56.789Z")])).toBe(0x600d2083);
    // beyond int64, a bigint hashes as DECIMAL(38,0) does
    expect(rowHash([12345678901234567890123456789n])).toBe(0xfb62eb05);
  });
});

describe("rowHash: equal values hash equal", () => {
  it("across integer widths, bigint and number, DECIMAL with trailing zeros", () => {
    const expected = rowHash([5]);
    for (const type of [types.int8, types.int16, types.int32, types.int64]) {
      expect(rowHash([5], [type])).toBe(expected);
      expect(rowHash([5n], [type])).toBe(expected);
    }
    for (const value of ["5", "5.0", "5.00", "+5.00", 5, 5.0]) expect(rowHash([value], [types.decimal(10, 2)])).toBe(expected);
    expect(rowHash(["5.000000"], [types.decimal(38, 6)])).toBe(expected);
    expect(rowHash([12.5], [types.decimal(10, 2)])).toBe(rowHash(["12.50"], [types.decimal(10, 2)]));
    expect(rowHash([-1], [types.int8])).toBe(rowHash([new Date("1969-12-31T00:00:00Z")], [types.date]));
  });

  it("-0 as +0, every NaN alike, float32 widened exactly", () => {
    expect(rowHash([-0], [types.float64])).toBe(rowHash([0], [types.float64]));
    expect(rowHash([-0], [types.float32])).toBe(rowHash([0], [types.float64]));
    expect(rowHash([NaN], [types.float32])).toBe(0x5529940d);
    expect(rowHash([1.5], [types.float32])).toBe(rowHash([1.5], [types.float64]));
    const payloads = new Float64Array(new Uint32Array([1, 0x7ff00000, 0, 0xfff80000, 0xdeadbeef, 0x7fffffff]).buffer);
    expect(payloads.every(Number.isNaN)).toBe(true);
    const column = { type: types.float64, data: arrow.makeData({ type: new arrow.Float64(), length: 3, data: payloads }) };
    expect([...rowHashColumns([column])]).toEqual([0x5529940d, 0x5529940d, 0x5529940d]);
  });

  it("NULL is FF FF FF FF whatever the type", () => {
    for (const type of [types.int8, types.int64, types.float32, types.decimal(5, 2), types.utf8, types.bool, types.date, types.timestamp]) {
      expect(rowHash([null], [type])).toBe(0x76293b50);
    }
  });

  it("places a hash in its bucket by the top bits", () => {
    expect(bucketOf(0x248bfa47, 16)).toBe(0x248b);
    expect(bucketOf(0x248bfa47, 20)).toBe(0x248bf);
    expect(bucketOf(0xffffffff, 1)).toBe(1);
    expect(HashMap.uniform(4).ampOfHash(0x6f8f913e)).toBe(0x6f8f % 4);
  });
});

describe("rowHash: values that do not fit", () => {
  const cases: [ColumnType, unknown, string][] = [
    [types.int32, 1.5, "1.5"],
    [types.int8, 200, "200"],
    [types.int16, 40000n, "40000"],
    [types.int64, 2n ** 63n, "9223372036854775808"],
    [types.int64, 2 ** 63, "9223372036854776000"],
    [types.int32, "7", '"7"'],
    [types.bool, 1, "1"],
    [types.float64, "1.5", '"1.5"'],
    [types.decimal(5, 2), "1.234", '"1.234"'],
    [types.decimal(3, 0), "1234", '"1234"'],
    [types.decimal(5, 2), "abc", '"abc"'],
    [types.decimal(5, 2), NaN, "NaN"],
    [types.varchar(3), "abcd", '"abcd"'],
    [types.utf8, 12, "12"],
    [types.date, "2024-01-01", '"2024-01-01"'],
    [types.timestamp, new Date(NaN), "Invalid Date"],
  ];
  it.each(cases)("%o rejects %o", (type, value, shown) => {
    expectAmpsimError(() => rowHash([value], [type]), "TYPE_MISMATCH", `Expected ${typeToString(type)}`, `found ${shown}`);
  });

  it("rejects unhashable values, a types array of another length and an empty key", () => {
    expectAmpsimError(() => rowHash([{}]), "TYPE_MISMATCH", "found {}");
    expectAmpsimError(() => rowHash([Symbol("x")]), "TYPE_MISMATCH", "found Symbol(x)");
    expectAmpsimError(() => rowHash([2n ** 130n]), "TYPE_MISMATCH", "an integer that fits in 128 bits");
    expectAmpsimError(() => rowHash([1, 2], [types.int32]), "BAD_ARGUMENT", "Expected 2 column types", "found 1");
    expectAmpsimError(() => rowHash([]), "BAD_ARGUMENT", "non-empty array");
  });

  it("accepts a VARCHAR of n characters that are more than n UTF-16 units", () => {
    expect(rowHash(["😀😀"], [types.varchar(2)])).toBe(rowHash(["😀😀"]));
  });
});

// ---------------------------------------------------------------------------
// Columnar == scalar
// ---------------------------------------------------------------------------

function pow10(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

function decimalText(unscaled: bigint, scale: number): string {
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, "0");
  const sign = unscaled < 0n ? "-" : "";
  return scale === 0 ? sign + digits : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Decimal column values are kept as their unscaled bigint in the generators; rowHash gets text. */
function scalarOf(type: ColumnType, value: unknown): unknown {
  return type.kind === "decimal" && typeof value === "bigint" ? decimalText(value, type.scale) : value;
}

/** One Arrow Data chunk holding `values` (decimals as unscaled bigints or as text). */
function dataOf(type: ColumnType, values: readonly unknown[]): arrow.Data {
  if (type.kind !== "decimal") {
    const vector = arrow.vectorFromArray(values as unknown[], arrowTypeOf(type) as arrow.DataType);
    expect(vector.data.length).toBe(1);
    return vector.data[0];
  }
  const words = new Uint32Array(4 * values.length);
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, row) => {
    if (value === null) { nullCount++; return; }
    nullBitmap[row >> 3] |= 1 << (row & 7);
    let unscaled = typeof value === "bigint" ? value : BigInt(String(value).replace(".", "")) * pow10(type.scale - (String(value).split(".")[1] ?? "").length);
    unscaled = BigInt.asUintN(128, unscaled);
    for (let j = 0; j < 4; j++) words[4 * row + j] = Number((unscaled >> BigInt(32 * j)) & 0xffffffffn);
  });
  return arrow.makeData({ type: new arrow.Decimal(type.scale, type.precision, 128), length: values.length, nullCount, nullBitmap, data: words });
}

function columnOf(type: ColumnType, values: readonly unknown[]): HashColumn {
  return { type, data: dataOf(type, values) };
}

const MS_PER_DAY = 86_400_000;

function valueArbitrary(type: ColumnType): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case "int8": return fc.integer({ min: -128, max: 127 });
    case "int16": return fc.integer({ min: -32768, max: 32767 });
    case "int32": return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case "int64": return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case "float32": return fc.float();
    case "float64": return fc.double();
    case "decimal": {
      const limit = pow10(type.precision) - 1n;
      return fc.tuple(fc.bigInt({ min: -limit, max: limit }), fc.integer({ min: 0, max: type.precision }))
        .map(([unscaled, zeros]) => (unscaled / pow10(zeros)) * pow10(zeros)); // many trailing zeros
    }
    case "bool": return fc.boolean();
    case "utf8":
    case "varchar": return fc.string({ unit: "binary", maxLength: 12 });
    case "char": return fc.tuple(fc.string({ unit: "grapheme-ascii", maxLength: 6 }), fc.nat(3)).map(([text, blanks]) => text + " ".repeat(blanks));
    case "date": return fc.integer({ min: -3_000_000_000_000, max: 3_000_000_000_000 }).map((ms) => new Date(ms));
    case "timestamp": return fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms));
  }
}

const typeArbitrary: fc.Arbitrary<ColumnType> = fc.oneof(
  fc.constantFrom(types.int8, types.int16, types.int32, types.int64, types.float32, types.float64, types.bool,
    types.utf8, types.varchar(12), types.char(9), types.date, types.timestamp),
  fc.integer({ min: 1, max: 38 }).chain((precision) => fc.integer({ min: 0, max: precision }).map((scale) => types.decimal(precision, scale))),
);

interface KeyCase { readonly keyTypes: ColumnType[]; readonly columns: unknown[][]; readonly rowCount: number }

function keyCaseArbitrary(columnCountMax: number): fc.Arbitrary<KeyCase> {
  return fc.tuple(fc.array(typeArbitrary, { minLength: 1, maxLength: columnCountMax }), fc.integer({ min: 0, max: 40 }))
    .chain(([keyTypes, rowCount]) => fc.tuple(
      ...keyTypes.map((type) => fc.array(fc.option(valueArbitrary(type), { nil: null, freq: 4 }), { minLength: rowCount, maxLength: rowCount })),
    ).map((columns) => ({ keyTypes, columns: columns as unknown[][], rowCount })));
}

function scalarHashes(keyCase: KeyCase, first = 0, end = keyCase.rowCount): number[] {
  const hashes: number[] = [];
  for (let row = first; row < end; row++) {
    hashes.push(rowHash(keyCase.columns.map((values, index) => scalarOf(keyCase.keyTypes[index], values[row])), keyCase.keyTypes));
  }
  return hashes;
}

describe("rowHashColumns == rowHash", () => {
  it("on random keys of one to four columns of every type, with NULLs", () => {
    fc.assert(fc.property(keyCaseArbitrary(4), (keyCase) => {
      const columns = keyCase.keyTypes.map((type, index) => columnOf(type, keyCase.columns[index]));
      expect([...rowHashColumns(columns)]).toEqual(scalarHashes(keyCase));
    }), { seed: 42, numRuns: 400 });
  });

  it("on one-column keys (the dedicated loops) of every type", () => {
    fc.assert(fc.property(keyCaseArbitrary(1), (keyCase) => {
      const columns = [columnOf(keyCase.keyTypes[0], keyCase.columns[0])];
      expect([...rowHashColumns(columns)]).toEqual(scalarHashes(keyCase));
    }), { seed: 42, numRuns: 400 });
  });

  it("on sliced Arrow data (offset != 0)", () => {
    const arbitrary = keyCaseArbitrary(3).chain((keyCase) => fc.tuple(
      fc.constant(keyCase), fc.integer({ min: 0, max: keyCase.rowCount }), fc.integer({ min: 0, max: keyCase.rowCount }),
    ));
    fc.assert(fc.property(arbitrary, ([keyCase, a, b]) => {
      const [first, end] = a <= b ? [a, b] : [b, a];
      const columns = keyCase.keyTypes.map((type, index) => {
        const data = dataOf(type, keyCase.columns[index]).slice(first, end - first);
        return { type, data };
      });
      expect([...rowHashColumns(columns)]).toEqual(scalarHashes(keyCase, first, end));
    }), { seed: 42, numRuns: 300 });
  });

  it("on concatenated batches, chunk by chunk", () => {
    const arbitrary = keyCaseArbitrary(3).chain((keyCase) => fc.tuple(fc.constant(keyCase), fc.integer({ min: 0, max: keyCase.rowCount })));
    fc.assert(fc.property(arbitrary, ([keyCase, split]) => {
      const vectors = keyCase.keyTypes.map((type, index) => {
        const head = new arrow.Vector([dataOf(type, keyCase.columns[index].slice(0, split))]);
        const tail = new arrow.Vector([dataOf(type, keyCase.columns[index].slice(split))]);
        return head.concat(tail);
      });
      const hashes: number[] = [];
      for (let chunk = 0; chunk < vectors[0].data.length; chunk++) {
        hashes.push(...rowHashColumns(keyCase.keyTypes.map((type, index) => ({ type, data: vectors[index].data[chunk] }))));
      }
      expect(hashes).toEqual(scalarHashes(keyCase));
    }), { seed: 42, numRuns: 200 });
  });

  it("on decimals at the int64 and 32-bit word boundaries", () => {
    const boundaries = [0n, 1n, -1n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n, 2n ** 96n, -(2n ** 96n),
      2n ** 96n + 1n, 2n ** 64n * 10n, -(2n ** 127n) + 1n, 2n ** 127n - 1n, 10n ** 38n - 1n, -(10n ** 38n) + 1n];
    for (const scale of [0, 1, 2, 37]) {
      const type = types.decimal(38, scale);
      const values = boundaries.filter((value) => (value < 0n ? -value : value) < 10n ** 38n);
      const keyCase: KeyCase = { keyTypes: [type], columns: [values], rowCount: values.length };
      expect([...rowHashColumns([columnOf(type, values)])]).toEqual(scalarHashes(keyCase));
    }
    expect(rowHash([(2n ** 96n).toString()], [types.decimal(38, 0)])).not.toBe(rowHash([0]));
  });

  it("on long strings and keys longer than one chunk of rows", () => {
    const rowCount = 5000;
    const texts = Array.from({ length: rowCount }, (_, row) => (row % 7 === 0 ? null : "x".repeat(row % 61) + String(row)));
    const ids = Array.from({ length: rowCount }, (_, row) => BigInt(row) * 7919n - 100000n);
    const keyCase: KeyCase = { keyTypes: [types.utf8, types.int64], columns: [texts, ids], rowCount };
    const columns = [columnOf(types.utf8, texts), columnOf(types.int64, ids)];
    expect([...rowHashColumns(columns)]).toEqual(scalarHashes(keyCase));
  });

  it("writes into `out` and returns the filled part", () => {
    const out = new Uint32Array(5).fill(7);
    const hashes = rowHashColumns([columnOf(types.int32, [42, null])], out);
    expect([...hashes]).toEqual([0x6f8f913e, 0x76293b50]);
    expect([...out]).toEqual([0x6f8f913e, 0x76293b50, 7, 7, 7]);
  });

  it("rejects bad column sets", () => {
    expectAmpsimError(() => rowHashColumns([]), "BAD_ARGUMENT", "at least one primary index column");
    expectAmpsimError(() => rowHashColumns([columnOf(types.int32, [1, 2]), columnOf(types.int32, [1])]), "BAD_ARGUMENT",
      "Expected 2 rows", "column 2 has 1");
    expectAmpsimError(() => rowHashColumns([{ type: types.int64, data: dataOf(types.int32, [1]) }]), "TYPE_MISMATCH",
      "Expected Arrow data of int64", "found Int32");
    expectAmpsimError(() => rowHashColumns([{ type: types.decimal(10, 3), data: dataOf(types.decimal(10, 2), [1n]) }]), "TYPE_MISMATCH",
      "decimal(10,3)");
    expectAmpsimError(() => rowHashColumns([columnOf(types.int32, [1, 2])], new Uint32Array(1)), "BAD_ARGUMENT",
      "at least 2 hashes", "found one of 1");
  });
});

// ---------------------------------------------------------------------------
// HashMap
// ---------------------------------------------------------------------------

function randomMap(hashBits: number, amps: number, seed: number): HashMap {
  let state = seed;
  const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8;
  const buckets = Array.from({ length: 2 ** hashBits }, () => next() % amps);
  return HashMap.fromBuckets(hashBits, amps, buckets);
}

function expectBalanced(map: HashMap): void {
  const bucketCount = 2 ** map.hashBits;
  const low = Math.floor(bucketCount / map.amps);
  const high = Math.ceil(bucketCount / map.amps);
  const unbalanced = map.bucketCounts().filter((count) => count !== low && count !== high);
  expect(unbalanced).toEqual([]);
}

/** Minimal moves by brute force: every choice of which AMPs get the +1 quotas. */
function bruteForceMinimalMoves(previous: HashMap, amps: number): number {
  const bucketCount = 2 ** previous.hashBits;
  const counts = previous.bucketCounts();
  const extra = bucketCount % amps;
  let best = Infinity;
  for (let mask = 0; mask < 2 ** amps; mask++) {
    let ones = 0;
    for (let amp = 0; amp < amps; amp++) if (mask & (1 << amp)) ones++;
    if (ones !== extra) continue;
    let moves = 0;
    counts.forEach((count, amp) => {
      const quota = Math.floor(bucketCount / amps) + (mask & (1 << amp) ? 1 : 0);
      moves += amp >= amps ? count : Math.max(0, count - quota);
    });
    best = Math.min(best, moves);
  }
  return best;
}

describe("HashMap", () => {
  it("uniform maps bucket b to AMP b % amps, balanced within one bucket", () => {
    for (const amps of [1, 3, 4, 6, 7, 100, 65535]) {
      const map = HashMap.uniform(amps);
      expect(map.buckets.length).toBe(65536);
      expect(map.buckets[12345]).toBe(12345 % amps);
      expectBalanced(map);
    }
    expect(HashMap.uniform(4, 16).bucketCounts()).toEqual([16384, 16384, 16384, 16384]);
    expect(HashMap.uniform(3, 2).bucketCounts()).toEqual([2, 1, 1]);
    expectBalanced(HashMap.uniform(37, 20));
    expect(Object.isFrozen(HashMap.uniform(2))).toBe(true);
  });

  it("ampOfHash reads the top hashBits bits", () => {
    const map = HashMap.fromBuckets(2, 3, [0, 1, 2, 1]);
    expect(map.ampOfHash(0x00000000)).toBe(0);
    expect(map.ampOfHash(0x7fffffff)).toBe(1);
    expect(map.ampOfHash(0x80000000)).toBe(2);
    expect(map.ampOfHash(0xffffffff)).toBe(1);
  });

  it("grows 4 → 6 AMPs moving a third of the buckets, the minimum", () => {
    const previous = HashMap.uniform(4);
    const next = HashMap.rebalance(previous, 6);
    expect(movedBuckets(previous, next)).toBe(21844);
    expect(minimalMoves(previous, 6)).toBe(21844);
    expect(Math.abs(21844 - 65536 / 3)).toBeLessThan(2);
    expectBalanced(next);
    // what moved, moved to the new AMPs, spread over the whole hash range
    for (let bucket = 0; bucket < 65536; bucket++) {
      if (next.buckets[bucket] !== previous.buckets[bucket]) expect(next.buckets[bucket]).toBeGreaterThanOrEqual(4);
    }
    for (const amp of [4, 5]) {
      const owned = [...next.buckets.keys()].filter((bucket) => next.buckets[bucket] === amp);
      expect(owned[0]).toBeLessThan(65536 / 16);
      expect(owned[owned.length - 1]).toBeGreaterThan(65536 - 65536 / 16);
    }
  });

  const rebalanceCases: [number, number, number][] = [
    [16, 4, 6], [16, 6, 4], [16, 1, 7], [16, 7, 1], [16, 3, 3], [16, 5, 65535], [16, 65535, 2],
    [20, 10, 13], [20, 13, 10], [20, 1, 24], [20, 24, 1], [20, 100, 37],
  ];
  it.each(rebalanceCases)("%d-bit %d → %d AMPs moves the minimum and ends balanced", (hashBits, from, to) => {
    const previous = HashMap.uniform(from, hashBits);
    const next = HashMap.rebalance(previous, to);
    expect(next.amps).toBe(to);
    expect(next.hashBits).toBe(hashBits);
    expectBalanced(next);
    expect(movedBuckets(previous, next)).toBe(minimalMoves(previous, to));
    expect(HashMap.rebalance(previous, to).equals(next)).toBe(true); // deterministic
  });

  it("1 → N and N → 1 move exactly what they must", () => {
    expect(movedBuckets(HashMap.uniform(1), HashMap.rebalance(HashMap.uniform(1), 7))).toBe(65536 - 9363);
    expect(movedBuckets(HashMap.uniform(7), HashMap.rebalance(HashMap.uniform(7), 1))).toBe(65536 - 9363);
  });

  it("rebalances unbalanced maps and chains minimally (checked by brute force)", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const hashBits = 3 + (seed % 3);
      const from = 1 + (seed % 6);
      const previous = randomMap(hashBits, from, seed);
      for (let to = 1; to <= 8; to++) {
        const next = HashMap.rebalance(previous, to);
        expectBalanced(next);
        const minimum = bruteForceMinimalMoves(previous, to);
        expect(minimalMoves(previous, to)).toBe(minimum);
        expect(movedBuckets(previous, next)).toBe(minimum);
      }
    }
    let map = HashMap.uniform(4, 16);
    for (const amps of [6, 9, 5, 11, 2]) {
      const next = HashMap.rebalance(map, amps);
      expect(movedBuckets(map, next)).toBe(minimalMoves(map, amps));
      expectBalanced(next);
      map = next;
    }
  });

  it("round-trips through JSON, as base64 or as a number array", () => {
    for (const map of [HashMap.uniform(6), HashMap.rebalance(HashMap.uniform(10, 20), 13), HashMap.uniform(2, 1)]) {
      const json = JSON.parse(JSON.stringify(map)) as unknown;
      expect(HashMap.fromJSON(json).equals(map)).toBe(true);
    }
    expect(HashMap.uniform(2, 1).toJSON()).toEqual({ kind: "hash-map", hashBits: 1, amps: 2, buckets: "AAABAA==" });
    expect(HashMap.fromJSON({ kind: "hash-map", hashBits: 2, amps: 2, buckets: [0, 1, 1, 0] }).buckets).toEqual(new Uint16Array([0, 1, 1, 0]));
  });

  it("equals compares hashBits, AMPs and every bucket", () => {
    expect(HashMap.uniform(4).equals(HashMap.uniform(4))).toBe(true);
    expect(HashMap.uniform(4).equals(HashMap.uniform(4, 20))).toBe(false);
    expect(HashMap.fromBuckets(1, 2, [0, 1]).equals(HashMap.fromBuckets(1, 2, [1, 0]))).toBe(false);
    expect(HashMap.fromBuckets(2, 2, [0, 0, 1, 1]).equals(HashMap.fromBuckets(2, 3, [0, 0, 1, 1]))).toBe(false);
  });

  it("fromBuckets copies its input", () => {
    const buckets = [0, 1, 0, 1];
    const map = HashMap.fromBuckets(2, 2, buckets);
    buckets[0] = 1;
    expect(map.buckets[0]).toBe(0);
  });

  it("movedBuckets counts differing entries and needs equal hashBits", () => {
    expect(movedBuckets(HashMap.uniform(4), HashMap.uniform(4))).toBe(0);
    expect(movedBuckets(HashMap.fromBuckets(2, 2, [0, 1, 0, 1]), HashMap.fromBuckets(2, 2, [1, 1, 0, 0]))).toBe(2);
    expectAmpsimError(() => movedBuckets(HashMap.uniform(4, 16), HashMap.uniform(4, 20)), "BAD_CONFIG",
      "same hashBits", "found 16 and 20");
  });

  const badConfigs: [string, () => unknown, string[]][] = [
    ["hashBits 0", () => HashMap.uniform(4, 0), ["hashBits to be an integer in 1..24", "found 0"]],
    ["hashBits 25", () => HashMap.uniform(4, 25), ["1..24", "found 25"]],
    ["hashBits 16.5", () => HashMap.uniform(4, 16.5), ["found 16.5"]],
    ["hashBits as text", () => HashMap.fromBuckets("2" as unknown as number, 1, [0, 0, 0, 0]), ['found "2"']],
    ["0 AMPs", () => HashMap.uniform(0), ["amps to be an integer in 1..65535", "found 0"]],
    ["65536 AMPs", () => HashMap.uniform(65536, 20), ["1..65535", "found 65536"]],
    ["2.5 AMPs", () => HashMap.uniform(2.5), ["found 2.5"]],
    ["NaN AMPs", () => HashMap.uniform(NaN), ["found NaN"]],
    ["more AMPs than buckets", () => HashMap.uniform(5, 2), ["at most 4 AMPs for 2 hash bits", "found 5"]],
    ["bucket array of wrong length", () => HashMap.fromBuckets(2, 2, [0, 1, 0]), ["Expected 4 bucket entries for hashBits 2", "found 3"]],
    ["bucket array missing", () => HashMap.fromBuckets(2, 2, null as unknown as number[]), ["array of 4 bucket entries", "found NULL"]],
    ["bucket entry past the AMPs", () => HashMap.fromBuckets(2, 2, [0, 1, 2, 0]), ["AMP number in 0..1", "bucket 2 holds 2"]],
    ["negative bucket entry", () => HashMap.fromBuckets(2, 2, [0, -1, 0, 0]), ["bucket 1 holds -1"]],
    ["fractional bucket entry", () => HashMap.fromBuckets(2, 2, [0, 0.5, 0, 0]), ["bucket 1 holds 0.5"]],
    ["JSON of another kind", () => HashMap.fromJSON({ kind: "map", hashBits: 1, amps: 1, buckets: [0, 0] }), ['kind "hash-map"', 'found "map"']],
    ["JSON that is no object", () => HashMap.fromJSON(42), ["hash map object", "found 42"]],
    ["JSON buckets of odd byte count", () => HashMap.fromJSON({ kind: "hash-map", hashBits: 1, amps: 1, buckets: "AA==" }), ["even byte count", "found 1 bytes"]],
    ["JSON buckets of another shape", () => HashMap.fromJSON({ kind: "hash-map", hashBits: 1, amps: 1, buckets: 3 }), ["base64 string or a number array", "found 3"]],
    ["JSON buckets of wrong length", () => HashMap.fromJSON({ kind: "hash-map", hashBits: 2, amps: 1, buckets: "AAAAAA==" }), ["Expected 4 bucket entries", "found 2"]],
    ["rebalance to 0 AMPs", () => HashMap.rebalance(HashMap.uniform(4), 0), ["found 0"]],
    ["rebalance past the buckets", () => HashMap.rebalance(HashMap.uniform(2, 2), 5), ["at most 4 AMPs", "found 5"]],
    ["minimalMoves to 70000 AMPs", () => minimalMoves(HashMap.uniform(4), 70000), ["1..65535", "found 70000"]],
  ];
  it.each(badConfigs)("rejects %s with BAD_CONFIG", (_what, action, fragments) => {
    expectAmpsimError(action, "BAD_CONFIG", ...fragments);
  });
});

describe("rowHashColumns of one-column integer keys in WebAssembly", () => {
  /** The column's hashes both ways; the WebAssembly way must be on for this Node. */
  function bothWays(type: ColumnType, data: arrow.Data): { js: Uint32Array; wasm: Uint32Array } {
    try {
      rowHashWasm(false);
      const js = rowHashColumns([{ type, data }]);
      expect(rowHashWasm(true)).toBe(true);
      return { js, wasm: rowHashColumns([{ type, data }]) };
    } finally {
      rowHashWasm(true);
    }
  }

  it("gives the loops' hashes (and rowHash's) for BIGINT, TIMESTAMP, INTEGER and DATE, sliced, across chunks of 65,536 rows", () => {
    let seed = 99;
    const next = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed; };
    const rows = 140_003;
    const int64 = BigInt64Array.from({ length: rows }, (_v, i) => (i % 7 === 0 ? -(2n ** 63n) + BigInt(i) : (BigInt(next()) << 32n) - BigInt(next())));
    const int32 = Int32Array.from({ length: rows }, (_v, i) => (i % 5 === 0 ? -(2 ** 31) + i : next() | 0));
    const cases: [ColumnType, arrow.Data][] = [
      [types.int64, arrow.makeData({ type: new arrow.Int64(), length: rows, data: int64 })],
      [types.timestamp, arrow.makeData({ type: arrowTypeOf(types.timestamp), length: rows, data: int64 } as never) as arrow.Data],
      [types.int32, arrow.makeData({ type: new arrow.Int32(), length: rows, data: int32 })],
      [types.date, arrow.makeData({ type: arrowTypeOf(types.date), length: rows, data: int32 } as never) as arrow.Data],
    ];
    for (const [type, data] of cases) {
      for (const [first, length] of [[0, rows], [1, 65_536], [3, 65_537], [70_001, 257], [5, 258], [9, 259]]) {
        const part = first === 0 && length === rows ? data : data.slice(first, length);
        const { js, wasm } = bothWays(type, part);
        expect(wasm.length, `${typeToString(type)} ${first}+${length}`).toBe(length);
        for (let i = 0; i < length; i++) if (wasm[i] !== js[i]) expect.fail(`${typeToString(type)} rows ${first}+${length}: row ${i} hashes ${wasm[i]}, the loop ${js[i]}`);
        if (type.kind !== "int64" && type.kind !== "int32") continue; // (random words are no valid TIMESTAMP or DATE for rowHash)
        for (const i of [0, 1, length >> 1, length - 1]) {
          const value = type.kind === "int64" ? int64[first + i] : int32[first + i];
          expect(wasm[i], `${typeToString(type)} row ${i}`).toBe(rowHash([value], [type]));
        }
      }
    }
  });

  it("leaves columns with NULLs, other integer widths and short columns to the loops, with the same hashes", () => {
    const rows = 5_000;
    const withNulls = arrow.vectorFromArray(Array.from({ length: rows }, (_v, i) => (i % 9 === 0 ? null : i * 31)), new arrow.Int32()).data[0];
    const small = arrow.vectorFromArray(Array.from({ length: rows }, (_v, i) => (i % 200) - 100), new arrow.Int16()).data[0];
    const short = arrow.vectorFromArray(Array.from({ length: 255 }, (_v, i) => i), new arrow.Int32()).data[0];
    for (const [type, data] of [[types.int32, withNulls], [types.int16, small], [types.int32, short]] as [ColumnType, arrow.Data][]) {
      const { js, wasm } = bothWays(type, data);
      expect([...wasm]).toEqual([...js]);
    }
  });
});
