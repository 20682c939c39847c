/**
 * The hand-written reference redistribute of bench/ is a yardstick for the
 * engine, so it must be honest: every row lands in exactly one partition, the
 * partition is the one its key's hash names (the hash checked against the
 * engine's MurmurHash3_x86_32, itself pinned to the C reference), and the
 * multiset of rows is preserved, including strings of every length.
 */
import * as arrow from "apache-arrow";
import { describe, expect, it } from "vitest";
import { hashInt64Words, REFERENCE_HASH_SEED, ReferenceRedistributor, referencePartition } from "../../bench/reference-redistribute.js";
import { benchBatches } from "../../bench/bench-data.js";
import { murmur3 } from "../../engine/hash/murmur3.js";

type Row = [string, number, number, string];

function rowsOf(batch: arrow.RecordBatch): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const row = batch.get(i)!;
    rows.push([String(row.id), row.cust as number, row.amount as number, row.note as string]);
  }
  return rows;
}

const sortedKeys = (rows: readonly Row[]): string[] => rows.map((row) => JSON.stringify(row)).sort();

/** A seeded batch with negative and large keys and strings of 0 to 20 bytes, multi-byte characters included. */
function oddBatch(rows: number, seed: number): arrow.RecordBatch {
  let state = seed >>> 0;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const id = new BigInt64Array(rows);
  const cust = new Int32Array(rows);
  const amount = new Float64Array(rows);
  const note: string[] = [];
  for (let i = 0; i < rows; i++) {
    id[i] = (BigInt(next()) << 32n | BigInt(next())) - (1n << 63n);
    cust[i] = next() | 0;
    amount[i] = next() / 7;
    note.push("aé€b".repeat(5).slice(0, next() % 21));
  }
  return new arrow.Table({ id: arrow.makeVector(id), cust: arrow.makeVector(cust), amount: arrow.makeVector(amount), note: arrow.vectorFromArray(note, new arrow.Utf8()) }).batches[0];
}

function expectHonest(input: readonly arrow.RecordBatch[], output: readonly arrow.RecordBatch[], partitions: number): void {
  expect(output).toHaveLength(partitions);
  const outRows: Row[] = [];
  output.forEach((batch, p) => {
    const rows = rowsOf(batch);
    for (const row of rows) expect(referencePartition(BigInt(row[0]), partitions)).toBe(p);
    outRows.push(...rows);
  });
  const inRows = input.flatMap(rowsOf);
  expect(outRows).toHaveLength(inRows.length);
  expect(sortedKeys(outRows)).toEqual(sortedKeys(inRows));
}

describe("reference redistribute", () => {
  it("hashes an int64 as MurmurHash3_x86_32 of its 8 little-endian bytes", () => {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    for (const key of [0n, 1n, -1n, 42n, 1n << 32n, (1n << 63n) - 1n, -(1n << 63n), 123_456_789_012_345n]) {
      view.setBigInt64(0, key, true);
      const expected = murmur3(bytes, 0, 8, REFERENCE_HASH_SEED);
      expect(hashInt64Words(view.getInt32(0, true), view.getInt32(4, true))).toBe(expected);
      expect(referencePartition(key, 6)).toBe(Math.floor((expected * 6) / 2 ** 32));
    }
  });

  it("puts every row of the benchmark table in exactly the partition of its key's hash", () => {
    const input = benchBatches(5_000, 1_024);
    const output = new ReferenceRedistributor(6).redistribute(input);
    expectHonest(input, output, 6);
    expect(output.every((batch) => batch.numRows > 600)).toBe(true);
  });

  it("preserves rows with strings of every length and keys of every sign", () => {
    const input = [oddBatch(700, 1), oddBatch(301, 2), oddBatch(1, 3)];
    for (const partitions of [1, 6, 7]) expectHonest(input, new ReferenceRedistributor(partitions).redistribute(input), partitions);
  });

  it("stays correct when its pooled buffers are reused for smaller and larger inputs", () => {
    const redistributor = new ReferenceRedistributor(6);
    for (const input of [benchBatches(3_000, 1_000), [oddBatch(500, 9)], benchBatches(3_000, 1_000), benchBatches(4_000, 4_000, 7)]) {
      expectHonest(input, redistributor.redistribute(input), 6);
    }
  });

  it("with reuseBuffers false writes new buffers every run, so earlier results stay intact", () => {
    const redistributor = new ReferenceRedistributor(6, { reuseBuffers: false });
    const first = benchBatches(3_000, 1_000);
    const firstOut = redistributor.redistribute(first);
    const second = benchBatches(3_000, 1_000, 7);
    const secondOut = redistributor.redistribute(second);
    expectHonest(first, firstOut, 6);
    expectHonest(second, secondOut, 6);
    firstOut.forEach((batch, p) => batch.data.children.forEach((column, c) => expect(column.values.buffer).not.toBe(secondOut[p].data.children[c].values.buffer)));
    // The default pools them: the second run's batches are views of the first run's buffers.
    const pooled = new ReferenceRedistributor(6);
    const a = pooled.redistribute(first); const b = pooled.redistribute(first);
    expect(a[0].data.children[0].values.buffer).toBe(b[0].data.children[0].values.buffer);
  });

  it("refuses nulls and a non-int64 key rather than handling them wrongly", () => {
    const withNull = new arrow.Table({ id: arrow.makeVector(BigInt64Array.of(1n, 2n)), note: arrow.vectorFromArray(["a", null], new arrow.Utf8()) }).batches[0];
    expect(() => new ReferenceRedistributor(6).redistribute([withNull])).toThrow(/nulls/);
    expect(() => new ReferenceRedistributor(6).redistribute(benchBatches(10), 1)).toThrow(/64-bit integer/);
  });
});
