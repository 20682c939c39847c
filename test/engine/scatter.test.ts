/**
 * Scatter (storage/scatter.ts) must split every column layout exactly as gathering the rows of
 * each group would: values, NULLs, Bool bits, decimals, short and long strings, strings that
 * end the buffer, and sliced input (a non-zero offset). Seeded; a failure prints its replay.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { concatData, gatherData } from "../../engine/storage/column-data.js";
import { groupRows } from "../../engine/storage/radix-sort.js";
import { countGroups, groupsByHash, groupStringBytes, rowsOfGroup, scatterData, scatterDataMany, scatterUint32, scatterUint32Many } from "../../engine/storage/scatter.js";
import { Prng, replayHint } from "../../sim/index.js";

const seed = Number(process.env.AMPSIM_SEED ?? 11);
const hint = replayHint(seed, "npx vitest run test/engine/scatter.test.ts");

function randomString(prng: Prng): string {
  const length = prng.chance(1, 10) ? prng.int(60, 200) : prng.int(0, 14);
  let s = "";
  for (let i = 0; i < length; i++) s += prng.chance(1, 8) ? "é€" : String.fromCharCode(97 + prng.int(0, 25));
  return s;
}

/** Columns of every layout, `rows` long, with NULLs in each. */
function columns(prng: Prng, rows: number): arrow.Data[] {
  const maybe = <T>(value: () => T): T | null => (prng.chance(1, 7) ? null : value());
  const vectors = [
    arrow.vectorFromArray(Array.from({ length: rows }, () => maybe(() => prng.int(-128, 127))), new arrow.Int8()),
    arrow.vectorFromArray(Array.from({ length: rows }, () => maybe(() => prng.int(-30000, 30000))), new arrow.Int16()),
    arrow.vectorFromArray(Array.from({ length: rows }, () => maybe(() => prng.int(-1e9, 1e9))), new arrow.Int32()),
    arrow.vectorFromArray(Array.from({ length: rows }, () => maybe(() => BigInt(prng.int(-1e9, 1e9)) * 1000003n)), new arrow.Int64()),
    arrow.vectorFromArray(Array.from({ length: rows }, () => maybe(() => prng.next() * 1e6)), new arrow.Float64()),
    arrow.vectorFromArray(Array.from({ length: rows }, () => maybe(() => prng.chance(1, 2))), new arrow.Bool()),
    arrow.vectorFromArray(Array.from({ length: rows }, () => maybe(() => randomString(prng))), new arrow.Utf8()),
  ];
  const decimals = new Uint32Array(rows * 4);
  for (let i = 0; i < decimals.length; i++) decimals[i] = prng.int(0, 0xffffffff);
  const decimal = arrow.makeData({ type: new arrow.Decimal(2, 38, 128), length: rows, nullCount: 0, data: decimals });
  return [...vectors.map((v) => v.data[0]), decimal];
}

/** Every row's value as comparable text (decimals as their words, NULL as null). */
function rowsText(data: arrow.Data | null): string {
  if (data === null) return "no rows";
  const vector = arrow.makeVector(data);
  const show = (v: unknown) => (v === null ? null : typeof v === "bigint" ? v.toString() : ArrayBuffer.isView(v) ? Array.from(v as Uint32Array).join(",") : v);
  return JSON.stringify(Array.from({ length: vector.length }, (_v, i) => show(vector.get(i))));
}

describe("scatter", () => {
  it.each([1, 2, 6, 300])("splits every layout into %i groups as gathering would (seeded)", (groups) => {
    const prng = new Prng(seed).fork(`groups ${groups}`);
    for (const rows of [0, 1, 7, 500]) {
      for (const slice of [false, true]) {
        let data = columns(prng, rows + 3);
        // Sliced input: values, offsets and bitmaps start past the buffers' beginnings.
        data = slice ? data.map((d) => d.slice(3, rows)) : data.map((d) => d.slice(0, rows));
        const groupOf = Uint16Array.from({ length: rows }, () => (prng.chance(1, 3) ? 0 : prng.int(0, groups - 1)));
        const counts = countGroups(groupOf, groups);
        const { perm, offsets } = groupRows(groupOf, groups);
        for (const column of data) {
          const parts = scatterData(column, groupOf, counts);
          for (let g = 0; g < groups; g++) {
            const expected = counts[g] === 0 ? null : gatherData(column, perm, offsets[g], offsets[g + 1]);
            const what = `${String(column.type)}, ${rows} rows${slice ? " (sliced)" : ""}, group ${g} of ${groups}; ${hint}`;
            expect(rowsText(parts[g]), what).toBe(rowsText(expected));
            expect(parts[g]?.nullCount ?? 0, what).toBe(expected?.nullCount ?? 0);
          }
        }
        const hashes = Uint32Array.from({ length: rows }, () => prng.int(0, 0xffffffff));
        scatterUint32(hashes, groupOf, counts).forEach((part, g) => {
          expect(part === null ? null : [...part]).toEqual(counts[g] === 0 ? null : Array.from(perm.subarray(offsets[g], offsets[g + 1]), (r) => hashes[r]));
          expect([...rowsOfGroup(groupOf, g, counts[g])]).toEqual([...perm.subarray(offsets[g], offsets[g + 1])]);
        });
      }
    }
  });

  it.each([1, 3, 6])("splits several inputs into %i groups as one input, their concatenation (seeded)", (groups) => {
    const prng = new Prng(seed).fork(`many ${groups}`);
    // Inputs of 0, 1, 9 and 200 rows, some sliced, some without NULLs in a column that has them elsewhere.
    const withoutNulls = (d: arrow.Data) => arrow.makeData({ type: d.type, length: d.length, offset: d.offset, nullCount: 0, data: d.values, valueOffsets: d.valueOffsets } as never) as arrow.Data;
    const inputs = [0, 9, 4, 200].map((rows, k) => {
      const data = columns(prng, rows + 2).map((d) => (k % 2 === 1 ? d.slice(2, rows) : d.slice(0, rows)));
      return k === 2 ? data.map(withoutNulls) : data;
    });
    const total = inputs.reduce((n, data) => n + data[0].length, 0);
    const groupOfs = inputs.map((data) => Uint16Array.from({ length: data[0].length }, () => prng.int(0, groups - 1)));
    const all = new Uint16Array(total);
    groupOfs.reduce((at, g) => { all.set(g, at); return at + g.length; }, 0);
    const counts = countGroups(all, groups);
    const { perm, offsets } = groupRows(all, groups);
    inputs[0].forEach((_c, k) => {
      const whole = concatData(inputs.map((data) => data[k]));
      const parts = scatterDataMany(inputs.map((data) => data[k]), groupOfs, counts);
      for (let g = 0; g < groups; g++) {
        const expected = counts[g] === 0 ? null : gatherData(whole, perm, offsets[g], offsets[g + 1]);
        const what = `${String(whole.type)}, inputs of ${inputs.map((d) => d[0].length).join(", ")} rows, group ${g} of ${groups}; ${hint}`;
        expect(rowsText(parts[g]), what).toBe(rowsText(expected));
        expect(parts[g]?.nullCount ?? 0, what).toBe(expected?.nullCount ?? 0);
      }
    });
    const hashes = groupOfs.map((g) => Uint32Array.from(g, () => prng.int(0, 0xffffffff)));
    const flat = Uint32Array.from(hashes.flatMap((h) => [...h]));
    scatterUint32Many(hashes, groupOfs, counts).forEach((part, g) => {
      expect(part === null ? null : [...part]).toEqual(counts[g] === 0 ? null : Array.from(perm.subarray(offsets[g], offsets[g + 1]), (r) => flat[r]));
    });
  });

  it("gives a group that gets every row the input itself (no copy)", () => {
    const data = arrow.vectorFromArray([1, 2, 3], new arrow.Int32()).data[0];
    const groupOf = new Uint16Array([2, 2, 2]);
    const parts = scatterData(data, groupOf, countGroups(groupOf, 4));
    expect(parts[2]).toBe(data);
    expect([parts[0], parts[1], parts[3]]).toEqual([null, null, null]);
  });
});

/** The one-counter loops the four-lane counting replaced: what it must give. */
function plainCounts(groupOf: ArrayLike<number>, groups: number, weight: (i: number) => number = () => 1): number[] {
  const out = new Array<number>(groups).fill(0);
  for (let i = 0; i < groupOf.length; i++) out[groupOf[i]] += weight(i);
  return out;
}

describe("counting rows and bytes by group (four counters a group)", () => {
  it.each([1, 6, 300])("counts rows, places rows by hash and sums string bytes as one counter would, %i groups, every length mod 4 (seeded)", (groups) => {
    const prng = new Prng(seed).fork(`count ${groups}`);
    for (const rows of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 1000]) {
      const groupOf = Uint16Array.from({ length: rows }, () => (prng.chance(1, 3) ? groups - 1 : prng.int(0, groups - 1)));
      expect([...countGroups(groupOf, groups)], `${rows} rows; ${hint}`).toEqual(plainCounts(groupOf, groups));
      expect([...countGroups(Uint8Array.from(groupOf, (g) => g & 0xff), Math.min(groups, 256))]).toEqual(plainCounts(Uint8Array.from(groupOf, (g) => g & 0xff), Math.min(groups, 256)));

      const hashBits = prng.pick([1, 8, 16]);
      const table = Uint16Array.from({ length: 1 << hashBits }, () => prng.int(0, groups - 1));
      const rowHash = Uint32Array.from({ length: rows }, () => prng.int(0, 0xffffffff));
      const placed = groupsByHash(rowHash, table, 32 - hashBits, groups);
      const expected = Array.from(rowHash, (h) => table[h >>> (32 - hashBits)]);
      expect([...placed.groupOf], `${rows} rows, ${hashBits} hash bits; ${hint}`).toEqual(expected);
      expect([...placed.counts]).toEqual(plainCounts(expected, groups));

      // Sliced strings: the byte counts read the slice's own offsets.
      const strings = arrow.vectorFromArray(Array.from({ length: rows + 2 }, () => randomString(prng)), new arrow.Utf8()).data[0].slice(2, rows);
      const offsets = strings.valueOffsets as Int32Array;
      expect([...groupStringBytes(strings, groupOf, groups)], `${rows} rows; ${hint}`).toEqual(plainCounts(groupOf, groups, (i) => offsets[i + 1] - offsets[i]));
    }
  });
});
