/**
 * The WebAssembly SIMD path of the whole-row checksum hash gives exactly the JavaScript
 * reference's words: random columns of every type it takes (and of types it leaves to
 * JavaScript, mixed in), sliced, across chunk boundaries, strings of every length at every
 * position, floats' special values, a chunk of strings too long for its memory. And the
 * committed module is the assembly of row-checksum.wat.
 *
 * Seeded: set AMPSIM_SEED to replay a failure (the seed and the command are printed).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as arrow from "apache-arrow";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { types, type ColumnType } from "../../engine/index.js";
import { rowChecksumHashes, rowChecksumWasm } from "../../migrator/row-checksum.js";
import { addColumnsToFingerprint, addFingerprint, FINGERPRINT_WORDS } from "../../migrator/checksum.js";
import { DataGenerator } from "../../sim/index.js";

const SEED = process.env.AMPSIM_SEED !== undefined ? Number(process.env.AMPSIM_SEED) : 20_261_206;
const REPLAY = `AMPSIM_SEED=${SEED} npx vitest run test/migrator/row-checksum-wasm.test.ts`;

/** Both paths' hashes of the same rows. */
function bothWays(columnTypes: readonly ColumnType[], columns: readonly arrow.Data[], length: number): { js: Uint32Array; simd: Uint32Array } {
  rowChecksumWasm(false);
  const js = rowChecksumHashes(columnTypes, columns, length);
  expect(rowChecksumWasm(true)).toBe(true);
  const simd = rowChecksumHashes(columnTypes, columns, length);
  return { js, simd };
}

function expectSame(columnTypes: readonly ColumnType[], columns: readonly arrow.Data[], length: number, what: string): void {
  const { js, simd } = bothWays(columnTypes, columns, length);
  for (let row = 0; row < length; row++) if (js[row] !== simd[row]) expect.fail(`${what}: row ${row} of ${length}: JavaScript ${js[row]}, SIMD ${simd[row]}`);
}

const SIMD_TYPES: readonly ColumnType[] = [types.int32, types.date, types.int64, types.timestamp, types.float64, types.utf8, types.varchar(40)];
const JS_TYPES: readonly ColumnType[] = [types.int8, types.int16, types.float32, types.decimal(18, 2), types.bool, types.char(6)];

afterEach(() => { rowChecksumWasm(true); });

describe("the whole-row checksum hash in WebAssembly SIMD", () => {
  it("is there on this Node, and can be turned off and on", () => {
    expect(rowChecksumWasm()).toBe(true);
    expect(rowChecksumWasm(false)).toBe(false);
    expect(rowChecksumWasm(true)).toBe(true);
  });

  it(`hashes random tables as JavaScript does (seed ${SEED})`, () => {
    const table = fc.record({
      columns: fc.array(fc.record({ type: fc.constantFrom(...SIMD_TYPES, ...JS_TYPES), nulls: fc.constantFrom(0, 0, 0, 3) }), { minLength: 1, maxLength: 6 }),
      rows: fc.integer({ min: 1, max: 300 }),
      sliceFrom: fc.integer({ min: 0, max: 7 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    });
    try {
      fc.assert(fc.property(table, ({ columns, rows, sliceFrom, seed }) => {
        const generator = new DataGenerator(columns.map(({ type, nulls }, i) => ({
          name: `c${i}`, type, ...(nulls > 0 ? { nullFraction: { numerator: 1, denominator: nulls } } : {}),
          ...(type.kind === "utf8" || type.kind === "varchar" ? { stringLength: { min: 0, max: 40 } } : {}),
        })), seed);
        const batch = generator.batch(0, rows + sliceFrom).slice(sliceFrom, sliceFrom + rows);
        expectSame(columns.map((c) => c.type), batch.data.children, rows, columns.map((c) => `${c.type.kind}${c.nulls ? " with NULLs" : ""}`).join(", "));
      }), { seed: SEED, numRuns: 150 });
    } catch (error) {
      console.error(`row-checksum-wasm.test.ts failed with seed ${SEED}; replay with:\n  ${REPLAY}`);
      throw error;
    }
  });

  it("hashes rows across chunk boundaries, in batches of every length modulo four", () => {
    const columnTypes = [types.int64, types.int32, types.float64, types.varchar(16), types.int16];
    const generator = new DataGenerator(columnTypes.map((type, i) => ({ name: `c${i}`, type })), 11);
    const whole = generator.batch(0, 40_003);
    expectSame(columnTypes, whole.data.children, whole.numRows, "40,003 rows");
    for (const [from, rows] of [[1, 16_384], [3, 16_385], [16_383, 2], [5, 33_001]]) {
      const part = whole.slice(from, from + rows);
      expectSame(columnTypes, part.data.children, rows, `rows ${from}…${from + rows}`);
    }
  });

  it("hashes strings of every length 0…40 at every position of a group of four, and at the very end of the values", () => {
    const strings = Array.from({ length: 41 }, (_v, n) => Array.from({ length: n }, (_w, i) => String.fromCharCode(0x20 + ((n * 7 + i * 13) % 0x5f))).join("") + (n % 5 === 0 ? "é\0" : ""));
    for (let shift = 0; shift < 4; shift++) {
      const values = [...Array.from({ length: shift }, () => "pad"), ...strings, ...strings.slice().reverse()];
      const data = arrow.vectorFromArray(values, new arrow.Utf8()).data[0];
      expectSame([types.utf8], [data], values.length, `strings after ${shift} others`);
    }
    for (const last of strings) {
      const data = arrow.vectorFromArray(["a", "bb", last], new arrow.Utf8()).data[0];
      expectSame([types.varchar(64)], [data], 3, `${JSON.stringify(last)} last`);
    }
  });

  it("hashes -0, NaNs of any payload and sign, infinities and subnormals as JavaScript does", () => {
    const bits = new BigUint64Array([0x8000000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0xfff00000deadbeefn,
      0x7ff0000000000000n, 0xfff0000000000000n, 0x0000000000000001n, 0x800fffffffffffffn, 0n, 0x3ff0000000000000n]);
    const floats = new Float64Array(bits.buffer);
    const data = arrow.makeData({ type: new arrow.Float64(), length: floats.length, data: floats });
    expectSame([types.float64], [data], floats.length, "special floats");
    const { simd } = bothWays([types.float64], [data], floats.length);
    expect(new Set([simd[0], simd[9]]).size).toBe(1); // -0 as +0
    expect(new Set(simd.subarray(1, 5)).size).toBe(1); // every NaN alike
  });

  it("hashes a chunk of strings too long for its memory in JavaScript, and the next columns in SIMD", () => {
    const rows = 16_384;
    const long = Array.from({ length: rows }, (_v, i) => `${i}:`.padEnd(300, String.fromCharCode(0x41 + (i % 26))));
    const strings = arrow.vectorFromArray(long, new arrow.Utf8()).data[0];
    const ids = arrow.makeData({ type: new arrow.Int64(), length: rows, data: BigInt64Array.from({ length: rows }, (_v, i) => BigInt(i) * 7919n) });
    expectSame([types.utf8, types.int64], [strings, ids], rows, "4.9 MB of strings in one chunk");
  });

  it("adds rows to a fingerprint as JavaScript does, at every bucket width, placed by PI row hashes or by the row's own", () => {
    const columnTypes = [types.int64, types.varchar(24), types.float64];
    const generator = new DataGenerator(columnTypes.map((type, i) => ({ name: `c${i}`, type, ...(i === 1 ? { stringLength: { min: 0, max: 24 } } : {}) })), 3);
    for (const rows of [1, 3, 4, 5, 16_383, 16_385, 40_001]) {
      const batch = generator.batch(7, rows);
      const piHash = Uint32Array.from({ length: rows }, (_v, i) => Math.imul(i + 1, 0x9e3779b1) >>> 0);
      for (const bits of [0, 1, 7, 16]) {
        for (const placement of [piHash, null]) {
          const seed = Uint32Array.from({ length: FINGERPRINT_WORDS }, (_v, k) => 0xfffffff0 + k); // sums wrap mod 2^32
          rowChecksumWasm(false);
          const js = addColumnsToFingerprint(seed.slice(), columnTypes, batch.data.children, rows, placement, bits);
          const reference = addFingerprint(seed.slice(), rowChecksumHashes(columnTypes, batch.data.children, rows), placement, bits, rows);
          rowChecksumWasm(true);
          const simd = addColumnsToFingerprint(seed.slice(), columnTypes, batch.data.children, rows, placement, bits);
          const what = `${rows} rows at ${bits} bits, ${placement ? "PI" : "NoPI"}`;
          expect([...js], what).toEqual([...reference]);
          expect([...simd], what).toEqual([...js]);
        }
      }
    }
  });

  it("is the assembly of row-checksum.wat (npm run build:wasm -- --check)", () => {
    const out = execFileSync(process.execPath, [path.resolve("scripts/build-wasm.mjs"), "--check"], { encoding: "utf8" });
    expect(out).toContain("matches migrator/row-checksum.wat");
  });
});
