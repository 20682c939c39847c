/**
 * The whole-row checksum hash: equal rows hash equal whatever the batch
 * boundaries, slicing or NULL bitmap presence; any changed value (or NULL in
 * its place) changes the hash; -0/+0, NaNs and CHAR trailing blanks hash alike.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { types, type ColumnType } from "../../engine/index.js";
import { rowChecksumHashes } from "../../migrator/row-checksum.js";
import { DataGenerator } from "../../sim/index.js";

const ALL: readonly [string, ColumnType][] = [
  ["a", types.int8], ["b", types.int16], ["c", types.int32], ["d", types.int64], ["e", types.float32], ["f", types.float64],
  ["g", types.decimal(18, 2)], ["h", types.bool], ["i", types.utf8], ["j", types.varchar(12)], ["k", types.char(6)], ["l", types.date], ["m", types.timestamp],
];

function hashes(batch: arrow.RecordBatch, columnTypes: readonly ColumnType[]): Uint32Array {
  return rowChecksumHashes(columnTypes, batch.data.children, batch.numRows);
}

describe("rowChecksumHashes", () => {
  const generator = new DataGenerator(ALL.map(([name, type]) => ({ name, type, nullFraction: { numerator: 1, denominator: 5 } })), 5);
  const columnTypes = ALL.map(([, type]) => type);
  const whole = generator.batch(0, 40_000);

  it("does not depend on batch boundaries or slicing", () => {
    const expected = hashes(whole, columnTypes);
    for (const [start, rows] of [[0, 1], [17, 20_000], [33_333, 6_667], [39_999, 1]]) {
      expect(hashes(generator.batch(start, rows), columnTypes)).toEqual(expected.subarray(start, start + rows));
      expect(hashes(whole.slice(start, start + rows), columnTypes)).toEqual(expected.subarray(start, start + rows));
    }
    expect(new Set(expected).size).toBeGreaterThan(39_990); // distinct rows, distinct hashes (but for rare collisions)
  });

  it("changes when any one column's value changes or turns NULL", () => {
    for (let c = 0; c < ALL.length; c++) {
      const type = ALL[c][1];
      const [x, y] = [generator.batch(0, 200), generator.batch(200, 200)];
      // Row i of `mixed` has column c from y and every other column from x.
      const children = x.data.children.map((child, k) => (k === c ? y.data.children[k] : child));
      const mixed = new arrow.RecordBatch(x.schema, arrow.makeData({ type: x.data.type, length: 200, nullCount: 0, children }));
      const hx = hashes(x, columnTypes); const hm = hashes(mixed, columnTypes);
      const show = (v: unknown) => JSON.stringify(v, (_k, value: unknown) => (typeof value === "bigint" ? String(value) : ArrayBuffer.isView(value) ? [...(value as Uint32Array)] : value));
      const changed = (i: number) => show(x.getChildAt(c)!.get(i)) !== show(y.getChildAt(c)!.get(i));
      let differing = 0;
      for (let i = 0; i < 200; i++) {
        if (changed(i)) differing++;
        if (changed(i)) expect(hm[i], `column ${ALL[c][0]} ${JSON.stringify(type)}, row ${i}`).not.toBe(hx[i]);
        else expect(hm[i]).toBe(hx[i]);
      }
      expect(differing, ALL[c][0]).toBeGreaterThan(50);
    }
  });

  it("hashes -0 as +0, every NaN alike, and CHAR values without their trailing blanks; NULL unlike any value", () => {
    const floats = (values: number[]) => arrow.vectorFromArray(values, new arrow.Float64()).data[0];
    const one = (data: arrow.Data, type: ColumnType) => rowChecksumHashes([type], [data], data.length);
    expect(one(floats([-0, NaN]), types.float64)).toEqual(one(floats([0, -NaN]), types.float64));
    const chars = (values: (string | null)[]) => arrow.vectorFromArray(values, new arrow.Utf8()).data[0];
    expect(one(chars(["ab  ", "x"]), types.char(4))).toEqual(one(chars(["ab", "x"]), types.char(4)));
    expect(one(chars(["ab  "]), types.varchar(4))).not.toEqual(one(chars(["ab"]), types.varchar(4)));
    const ints = arrow.vectorFromArray([0, null, -1], new arrow.Int32()).data[0];
    const [zero, nul, minusOne] = one(ints, types.int32);
    expect(new Set([zero, nul, minusOne]).size).toBe(3);
    expect(one(chars([null, ""]), types.utf8)[0]).not.toBe(one(chars([null, ""]), types.utf8)[1]);
  });

  it("hashes a string alike whether it is read in four masked words or byte by byte (near the end of the values)", () => {
    const utf8 = (values: (string | null)[]) => arrow.vectorFromArray(values, new arrow.Utf8()).data[0];
    const one = (data: arrow.Data) => rowChecksumHashes([types.utf8], [data], data.length);
    // Every length 0..40 with bytes of every value: at the end of the values (the long way), then
    // followed by 16 more bytes (short strings take the masked reads).
    const strings = Array.from({ length: 41 }, (_v, n) => Array.from({ length: n }, (_w, i) => String.fromCharCode(0x20 + ((n * 7 + i * 13) % 0x5f))).join("") + (n % 5 === 0 ? "é" : ""));
    for (const s of strings) {
      const alone = one(utf8([s]))[0];
      expect(one(utf8([s, "x".repeat(16)]))[0], JSON.stringify(s)).toBe(alone);
      expect(one(utf8(["y".repeat(3), s, "z".repeat(17)]))[1], JSON.stringify(s)).toBe(alone);
    }
    const all = one(utf8(strings));
    expect(new Set(all).size).toBe(strings.length);
    // A trailing NUL byte, a change in the 16th or the 17th byte, and CHAR blanks at the 16-byte edge.
    expect(new Set(one(utf8(["a", "a\0", "a\0\0\0\0", "p".repeat(15) + "q", "p".repeat(16), "p".repeat(16) + "q", "p".repeat(17)]))).size).toBe(7);
    const chars = (values: string[]) => rowChecksumHashes([types.char(24)], [utf8(values)], values.length);
    expect(chars(["k".repeat(15) + "   ", "k".repeat(17) + "  "])).toEqual(chars(["k".repeat(15), "k".repeat(17)]));
  });
});
