/**
 * Splitting rows into groups (the AMPs they go to) by scatter, the way PERFORMANCE.md's
 * fast redistribute does: count the rows (and string bytes) of every group, allocate each
 * group's buffers at their exact size, then move one column at a time in one sequential
 * pass over the input, each row to the next free place of its group. Rows keep their input
 * order within a group. One small function per column layout keeps the loops monomorphic.
 *
 * Compared with sorting row numbers by group and gathering (groupRows + gatherData), this
 * reads every column sequentially and builds no permutation.
 */
import * as arrow from "apache-arrow";
import { retype, wordView } from "./column-data.js";
import { filledStorageArray, storageArray } from "./shared-storage.js";

export type IntegerArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/*
 * Counting by group keeps four counters per group, one per row position modulo 4, summed at the
 * end: consecutive rows of one group then add to different counters, so no add waits for the one
 * before (1.6-1.9x the one-counter loops here, where rows of 6 groups come in hash order).
 */

/** Rows per group: `groupOf[i]` is row i's group, in 0..groups-1. */
export function countGroups(groupOf: Uint8Array | Uint16Array, groups: number): Uint32Array {
  const lanes = new Uint32Array(groups * 4);
  const end = groupOf.length & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    lanes[groupOf[i] << 2]++;
    lanes[(groupOf[i + 1] << 2) | 1]++;
    lanes[(groupOf[i + 2] << 2) | 2]++;
    lanes[(groupOf[i + 3] << 2) | 3]++;
  }
  for (; i < groupOf.length; i++) lanes[groupOf[i] << 2]++;
  return sumLanes(lanes, new Uint32Array(groups));
}

/**
 * Each row's group by a table (`table[rowHash[i] >>> shift]`: bucket → AMP) and the rows per
 * group, in one pass: what placing rows by their row hashes needs before a scatter.
 */
export function groupsByHash(rowHash: Uint32Array, table: Uint16Array, shift: number, groups: number): { groupOf: Uint16Array; counts: Uint32Array } {
  const length = rowHash.length;
  const groupOf = new Uint16Array(length);
  const lanes = new Uint32Array(groups * 4);
  const end = length & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const g0 = table[rowHash[i] >>> shift]; const g1 = table[rowHash[i + 1] >>> shift];
    const g2 = table[rowHash[i + 2] >>> shift]; const g3 = table[rowHash[i + 3] >>> shift];
    groupOf[i] = g0; groupOf[i + 1] = g1; groupOf[i + 2] = g2; groupOf[i + 3] = g3;
    lanes[g0 << 2]++; lanes[(g1 << 2) | 1]++; lanes[(g2 << 2) | 2]++; lanes[(g3 << 2) | 3]++;
  }
  for (; i < length; i++) {
    const g = table[rowHash[i] >>> shift];
    groupOf[i] = g;
    lanes[g << 2]++;
  }
  return { groupOf, counts: sumLanes(lanes, new Uint32Array(groups)) };
}

/** `out[g]` = the sum of group g's four counters in `lanes`. */
function sumLanes<T extends Uint32Array | Float64Array>(lanes: T, out: T): T {
  for (let g = 0; g < out.length; g++) out[g] = lanes[g << 2] + lanes[(g << 2) | 1] + lanes[(g << 2) | 2] + lanes[(g << 2) | 3];
  return out;
}

/** The input row numbers of group `group`, in order (for error messages: computed only when asked). */
export function rowsOfGroup(groupOf: Uint8Array | Uint16Array, group: number, count: number): Uint32Array {
  const rows = new Uint32Array(count);
  for (let i = 0, o = 0; o < count; i++) if (groupOf[i] === group) rows[o++] = i;
  return rows;
}

/** `values` split by group (Uint32 row hashes and other hidden columns); null for a group without rows. */
export function scatterUint32(values: Uint32Array, groupOf: Uint8Array | Uint16Array, counts: Uint32Array): (Uint32Array | null)[] {
  return scatterUint32Many([values], [groupOf], counts);
}

/** scatterUint32 of several inputs as one (their rows in order): `counts` are the totals over all of them. */
export function scatterUint32Many(values: readonly Uint32Array[], groupOfs: readonly (Uint8Array | Uint16Array)[], counts: Uint32Array): (Uint32Array | null)[] {
  const outs = Array.from(counts, (n) => (n > 0 ? filledStorageArray(Uint32Array, n) : null));
  const cursor = new Int32Array(counts.length);
  values.forEach((v, k) => scatterWords1(v, groupOfs[k], outs as Uint32Array[], cursor));
  return outs;
}

/**
 * `data`'s rows split by group, one new Data per group with fresh buffers (null for a group
 * without rows); a group that gets every row gets `data` itself.
 */
export function scatterData(data: arrow.Data, groupOf: Uint8Array | Uint16Array, counts: Uint32Array): (arrow.Data | null)[] {
  const length = groupOf.length;
  const whole = counts.indexOf(length);
  if (length > 0 && whole >= 0) return Array.from(counts, (_n, g) => (g === whole ? data : null));
  return scatterDataMany([data], [groupOf], counts);
}

/**
 * The rows of several Data of one column (a table's runs, read as one input) split by group:
 * one new Data per group holding its rows of every input in input order, as `scatterData` of
 * their concatenation would give, without the concatenation's copy. `counts` are the totals
 * over all inputs.
 */
export function scatterDataMany(datas: readonly arrow.Data[], groupOfs: readonly (Uint8Array | Uint16Array)[], counts: Uint32Array): (arrow.Data | null)[] {
  const type = datas[0].type;
  const validity = datas.some(hasNulls) ? scatterBitsOut(datas.map((d) => (hasNulls(d) ? d.nullBitmap as Uint8Array : null)), datas.map((d) => d.offset), groupOfs, counts) : null;
  let parts: (Record<string, unknown> | null)[];
  if (datas[0].valueOffsets) parts = scatterStringsOut(datas, groupOfs, counts);
  else if (arrow.DataType.isBool(type)) parts = scatterBitsOut(datas.map((d) => d.values as Uint8Array), datas.map((d) => d.offset), groupOfs, counts).map((bits) => (bits ? { data: bits.bits } : null));
  else parts = scatterFixedOut(datas, groupOfs, counts);
  return parts.map((part, g) => {
    if (part === null) return null;
    const nulls = validity?.[g] ?? null;
    const nullCount = nulls ? counts[g] - nulls.set : 0;
    return arrow.makeData({ type, length: counts[g], nullCount, nullBitmap: nullCount > 0 ? nulls!.bits : undefined, ...part } as never) as arrow.Data;
  });
}

function hasNulls(data: arrow.Data): boolean {
  return data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap !== null && data.nullBitmap.length > 0;
}

function scatterFixedOut(datas: readonly arrow.Data[], groupOfs: readonly (Uint8Array | Uint16Array)[], counts: Uint32Array): ({ data: ArrayBufferView } | null)[] {
  const views = datas.map(wordView);
  const { words, perRow } = views[0];
  const Words = words.constructor as unknown as Parameters<typeof filledStorageArray<IntegerArray>>[0];
  const outs = Array.from(counts, (n) => (n > 0 ? filledStorageArray(Words, n * perRow) : null));
  const cursor = new Int32Array(counts.length);
  views.forEach((view, k) => {
    scatterWords(view.words, perRow, groupOfs[k], outs, cursor);
  });
  return outs.map((out) => (out ? { data: retype(datas[0], out) } : null));
}

/** Words of rows (`perRow` a row) to each group's next free place (`cursor`, in rows), by the loop for that width. */
function scatterWords(words: IntegerArray, perRow: number, groupOf: Uint8Array | Uint16Array, outs: readonly (IntegerArray | null)[], cursor: Int32Array): void {
  if (perRow === 1) scatterWords1(words, groupOf, outs as IntegerArray[], cursor);
  else if (perRow === 2) scatterWords2(words as Int32Array, groupOf, outs as Int32Array[], cursor);
  else scatterWordsN(words as Int32Array, perRow, groupOf, outs as Int32Array[], cursor);
}

function scatterWords1(src: IntegerArray, groupOf: Uint8Array | Uint16Array, outs: IntegerArray[], cursor: Int32Array): void {
  for (let i = 0; i < groupOf.length; i++) {
    const g = groupOf[i];
    outs[g][cursor[g]++] = src[i];
  }
}

function scatterWords2(src: Int32Array, groupOf: Uint8Array | Uint16Array, outs: Int32Array[], cursor: Int32Array): void {
  for (let i = 0; i < groupOf.length; i++) {
    const g = groupOf[i];
    const at = cursor[g]++ << 1;
    const out = outs[g];
    out[at] = src[2 * i];
    out[at + 1] = src[2 * i + 1];
  }
}

function scatterWordsN(src: Int32Array, perRow: number, groupOf: Uint8Array | Uint16Array, outs: Int32Array[], cursor: Int32Array): void {
  for (let i = 0; i < groupOf.length; i++) {
    const g = groupOf[i];
    const at = cursor[g]++ * perRow;
    const out = outs[g];
    for (let k = 0; k < perRow; k++) out[at + k] = src[i * perRow + k];
  }
}

/**
 * Bits (validity or Bool values, first bit at `bitOffsets[k]`) of several inputs split by group,
 * with the count of set bits; an input without bits (null: no validity bitmap) has every bit set.
 */
export function scatterBitsOut(bitsOf: readonly (Uint8Array | null)[], bitOffsets: readonly number[], groupOfs: readonly (Uint8Array | Uint16Array)[], counts: Uint32Array): ({ bits: Uint8Array; set: number } | null)[] {
  const outs = Array.from(counts, (n) => (n > 0 ? storageArray(Uint8Array, (n + 7) >>> 3) : null));
  const cursor = new Int32Array(counts.length);
  const set = new Int32Array(counts.length);
  bitsOf.forEach((bits, k) => {
    const groupOf = groupOfs[k]; const bitOffset = bitOffsets[k];
    for (let i = 0; i < groupOf.length; i++) {
      const g = groupOf[i];
      const o = cursor[g]++;
      const bit = i + bitOffset;
      if (bits === null || (bits[bit >>> 3] >>> (bit & 7)) & 1) { (outs[g] as Uint8Array)[o >>> 3] |= 1 << (o & 7); set[g]++; }
    }
  });
  return outs.map((out, g) => (out ? { bits: out, set: set[g] } : null));
}

/** Bytes of slack after each group's string bytes: strings are copied in whole 4-byte words. */
export const STRING_SLACK = 4;

function scatterStringsOut(datas: readonly arrow.Data[], groupOfs: readonly (Uint8Array | Uint16Array)[], counts: Uint32Array): ({ valueOffsets: Int32Array; data: Uint8Array } | null)[] {
  const groups = counts.length;
  const byteCounts = new Float64Array(groups);
  datas.forEach((data, k) => groupStringBytes(data, groupOfs[k], groups).forEach((bytes, g) => { byteCounts[g] += bytes; }));
  // Every offset after the first and every byte a run views are written below (the slack past them may hold old bytes).
  const outOffsets = Array.from(counts, (n) => (n > 0 ? filledStorageArray(Int32Array, n + 1).fill(0, 0, 1) : null));
  const outBytes = Array.from(counts, (n, g) => (n > 0 ? filledStorageArray(Uint8Array, byteCounts[g] + STRING_SLACK) : null));
  const views = outBytes.map((b) => (b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : null));
  const rowCursor = new Int32Array(groups); const byteCursor = new Int32Array(groups);
  datas.forEach((data, k) => {
    const source = data.values as Uint8Array;
    copyStrings(data.valueOffsets as Int32Array, source, new DataView(source.buffer, source.byteOffset, source.byteLength), groupOfs[k],
      outOffsets as Int32Array[], outBytes as Uint8Array[], views as DataView[], rowCursor, byteCursor);
  });
  return outOffsets.map((o, g) => (o ? { valueOffsets: o, data: (outBytes[g] as Uint8Array).subarray(0, byteCounts[g]) } : null));
}

function copyStrings(offsets: Int32Array, srcBytes: Uint8Array, src: DataView, groupOf: Uint8Array | Uint16Array,
  outOffsets: Int32Array[], outBytes: Uint8Array[], views: DataView[], rowCursor: Int32Array, byteCursor: Int32Array): void {
  const safeEnd = srcBytes.length - 12;
  for (let i = 0; i < groupOf.length; i++) {
    const g = groupOf[i];
    const start = offsets[i];
    const len = offsets[i + 1] - start;
    const at = byteCursor[g];
    byteCursor[g] = at + len;
    outOffsets[g][++rowCursor[g]] = at + len;
    if (len <= 12 && start <= safeEnd && at + 12 <= outBytes[g].length) {
      // Short strings: three words, no loop (the spill lands in the next string's place or the slack).
      const dst = views[g];
      dst.setInt32(at, src.getInt32(start, true), true);
      dst.setInt32(at + 4, src.getInt32(start + 4, true), true);
      dst.setInt32(at + 8, src.getInt32(start + 8, true), true);
    } else if (len > 64) {
      outBytes[g].set(srcBytes.subarray(start, start + len), at);
    } else {
      copyWords(src, srcBytes, start, len, views[g], outBytes[g], at);
    }
  }
}

/** `len` bytes from `start` to `at`, 4 at a time while both sides allow a whole word, then byte by byte. */
function copyWords(src: DataView, srcBytes: Uint8Array, start: number, len: number, dst: DataView, dstBytes: Uint8Array, at: number): void {
  let from = start; const to = start + len;
  while (from + 4 <= srcBytes.length && at + 4 <= dstBytes.length && from < to) {
    dst.setInt32(at, src.getInt32(from, true), true);
    from += 4; at += 4;
  }
  while (from < to) dstBytes[at++] = srcBytes[from++];
}

/**
 * Fixed-width values of `data` scattered into buffers that already exist (a load table's tails,
 * tail.ts): group g's rows go to `outs[g]` (words, `perRow` a row as wordView gives them) from
 * row `starts[g]` on.
 */
export function scatterFixedInto(data: arrow.Data, groupOf: Uint8Array | Uint16Array, outs: readonly (IntegerArray | null)[], starts: Int32Array): void {
  const { words, perRow } = wordView(data);
  const cursor = starts.slice();
  scatterWords(words, perRow, groupOf, outs, cursor);
}

/**
 * Strings of `data` scattered into offsets and bytes that already exist: group g's rows go to
 * `offsets[g]` from row `starts[g]` on (whose entry already holds the group's first free byte),
 * their bytes to `bytes[g]` from there. Each `bytes[g]` has STRING_SLACK bytes past what its
 * group may fill (short strings are copied in whole words).
 */
export function scatterStringsInto(data: arrow.Data, groupOf: Uint8Array | Uint16Array, offsets: readonly (Int32Array | null)[], bytes: readonly (Uint8Array | null)[], starts: Int32Array): void {
  const source = data.values as Uint8Array;
  const views = bytes.map((b) => (b ? new DataView(b.buffer, b.byteOffset, b.byteLength) : null));
  const byteCursor = Int32Array.from(starts, (start, g) => offsets[g]?.[start] ?? 0);
  copyStrings(data.valueOffsets as Int32Array, source, new DataView(source.buffer, source.byteOffset, source.byteLength), groupOf,
    offsets as Int32Array[], bytes as Uint8Array[], views as DataView[], starts.slice(), byteCursor);
}

/** String bytes of each group's rows of `data` (for sizing their buffers before a scatter). */
export function groupStringBytes(data: arrow.Data, groupOf: Uint8Array | Uint16Array, groups: number): Float64Array {
  const offsets = data.valueOffsets as Int32Array;
  const lanes = new Float64Array(groups * 4);
  const end = groupOf.length & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    const o0 = offsets[i]; const o1 = offsets[i + 1]; const o2 = offsets[i + 2]; const o3 = offsets[i + 3]; const o4 = offsets[i + 4];
    lanes[groupOf[i] << 2] += o1 - o0;
    lanes[(groupOf[i + 1] << 2) | 1] += o2 - o1;
    lanes[(groupOf[i + 2] << 2) | 2] += o3 - o2;
    lanes[(groupOf[i + 3] << 2) | 3] += o4 - o3;
  }
  for (; i < groupOf.length; i++) lanes[groupOf[i] << 2] += offsets[i + 1] - offsets[i];
  return sumLanes(lanes, new Float64Array(groups));
}
