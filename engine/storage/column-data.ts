/**
 * Columnar building blocks over Arrow `Data`: gather rows by an index array,
 * concatenate, measure. Every loop works on typed-array views (32-bit words for
 * 4/8/16-byte values, so float bit patterns and int64s move without BigInt).
 *
 * arrow-js slicing: fixed-width `values` and string `valueOffsets` are already
 * sliced (values[0] is the first row), but bitmaps (validity, Bool values) are
 * not: their first bit is `data.offset`.
 */
import * as arrow from "apache-arrow";
import { assert } from "../errors.js";
import { storageArray } from "./shared-storage.js";

type IntegerArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** A view of fixed-width values as integers: `words` integers per row. */
interface WordView { readonly words: IntegerArray; readonly perRow: number }

export function wordView(data: arrow.Data): WordView {
  const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number; length: number };
  const rowBytes = values.BYTES_PER_ELEMENT * data.stride;
  if (rowBytes % 4 === 0) {
    return { words: new Int32Array(values.buffer, values.byteOffset, (values.byteLength >>> 2)), perRow: rowBytes >>> 2 };
  }
  if (rowBytes === 2) return { words: new Int16Array(values.buffer, values.byteOffset, values.byteLength >>> 1), perRow: 1 };
  assert(rowBytes === 1, `unsupported value width ${rowBytes}`);
  return { words: new Int8Array(values.buffer, values.byteOffset, values.byteLength), perRow: 1 };
}

export function newLike(words: IntegerArray, length: number): IntegerArray {
  return storageArray(words.constructor as unknown as Parameters<typeof storageArray<IntegerArray>>[0], length);
}

/**
 * Bytes of `data`'s rows as the engine counts them (a run's bytes, an AMP's space, the trace):
 * a value's width for every row (a BOOLEAN a byte; a string its 4-byte offset and its bytes);
 * NULL flags ride in a row's hidden bytes. Unlike the buffers' sizes (dataBytes: an offset and
 * partly used bitmap bytes more per run), it is the same for the rows however they are split
 * into runs — which may differ with the executor (a pool worker's placed rows are runs of
 * their own), while what a system stores and its trace must not.
 */
export function rowBytes(data: arrow.Data): number {
  if (data.valueOffsets) {
    const offsets = data.valueOffsets as Int32Array;
    return 4 * data.length + (offsets[data.length] - offsets[0]);
  }
  if (arrow.DataType.isBool(data.type)) return data.length;
  const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  return values.BYTES_PER_ELEMENT * data.stride * data.length;
}

/** Bytes of the Arrow buffers behind `data` for its rows (values, offsets, bitmaps). */
export function dataBytes(data: arrow.Data): number {
  let bytes = data.nullCount > 0 ? (data.length + 7) >>> 3 : 0;
  if (data.valueOffsets) {
    const offsets = data.valueOffsets as Int32Array;
    bytes += 4 * (data.length + 1) + (offsets[data.length] - offsets[0]);
  } else if (arrow.DataType.isBool(data.type)) {
    bytes += (data.length + 7) >>> 3;
  } else {
    const values = data.values as ArrayBufferView & { BYTES_PER_ELEMENT: number };
    bytes += values.BYTES_PER_ELEMENT * data.stride * data.length;
  }
  return bytes;
}

/** Rows `indices[start..end)` of `data`, as new Data with fresh buffers. */
export function gatherData(data: arrow.Data, indices: Uint32Array, start = 0, end = indices.length): arrow.Data {
  const length = end - start;
  const { bitmap, nullCount } = gatherValidity(data, indices, start, end);
  const base = { type: data.type, length, nullCount, nullBitmap: bitmap };
  if (data.valueOffsets) {
    const { offsets, bytes } = gatherStrings(data, indices, start, end);
    return arrow.makeData({ ...base, valueOffsets: offsets, data: bytes } as never);
  }
  if (arrow.DataType.isBool(data.type)) {
    const bits = gatherBits(data.values as Uint8Array, data.offset, indices, start, end);
    return arrow.makeData({ ...base, data: bits } as never);
  }
  return arrow.makeData({ ...base, data: gatherFixed(data, indices, start, end) } as never);
}

function gatherFixed(data: arrow.Data, indices: Uint32Array, start: number, end: number): ArrayBufferView {
  const { words, perRow } = wordView(data);
  const out = newLike(words, (end - start) * perRow);
  if (perRow === 1) {
    for (let i = start, o = 0; i < end; i++, o++) out[o] = words[indices[i]];
  } else if (perRow === 2) {
    for (let i = start, o = 0; i < end; i++, o += 2) {
      const w = indices[i] << 1;
      out[o] = words[w]; out[o + 1] = words[w + 1];
    }
  } else {
    for (let i = start, o = 0; i < end; i++, o += perRow) {
      const w = indices[i] * perRow;
      for (let k = 0; k < perRow; k++) out[o + k] = words[w + k];
    }
  }
  return retype(data, out);
}

/** The gathered words as the typed array Arrow expects for this type. */
export function retype(data: arrow.Data, words: IntegerArray): ArrayBufferView {
  const Values = (data.values as { constructor: new (buffer: ArrayBufferLike, offset: number, length: number) => ArrayBufferView }).constructor;
  const perElement = (data.values as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Values(words.buffer, words.byteOffset, words.byteLength / perElement);
}

function gatherStrings(data: arrow.Data, indices: Uint32Array, start: number, end: number): { offsets: Int32Array; bytes: Uint8Array } {
  const source = data.values as Uint8Array;
  const sourceOffsets = data.valueOffsets as Int32Array;
  const length = end - start;
  const offsets = storageArray(Int32Array, length + 1);
  let total = 0;
  for (let i = start, o = 1; i < end; i++, o++) {
    const row = indices[i];
    total += sourceOffsets[row + 1] - sourceOffsets[row];
    offsets[o] = total;
  }
  // 4 bytes of slack: every string is copied in whole 4-byte words, the last word may spill
  // into the next string's place (overwritten next) or into the slack.
  const buffer = storageArray(Uint8Array, total + 4);
  copyStrings(source, sourceOffsets, indices, start, end, buffer, offsets);
  return { offsets, bytes: buffer.subarray(0, total) };
}

function copyStrings(source: Uint8Array, sourceOffsets: Int32Array, indices: Uint32Array, start: number, end: number, out: Uint8Array, offsets: Int32Array): void {
  const input = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const output = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const safeEnd = source.byteLength - 4;
  for (let i = start, o = 0; i < end; i++, o++) {
    const row = indices[i];
    let from = sourceOffsets[row];
    const to = sourceOffsets[row + 1];
    let at = offsets[o];
    if (to - from > 64) { out.set(source.subarray(from, to), at); continue; }
    while (from < to && from <= safeEnd) {
      output.setUint32(at, input.getUint32(from, true), true);
      from += 4; at += 4;
    }
    // Near the end of the source buffer a whole word cannot be read: finish byte by byte.
    while (from < to) out[at++] = source[from++];
  }
}

function gatherValidity(data: arrow.Data, indices: Uint32Array, start: number, end: number): { bitmap: Uint8Array | undefined; nullCount: number } {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return { bitmap: undefined, nullCount: 0 };
  const bitmap = gatherBits(data.nullBitmap, data.offset, indices, start, end);
  const nullCount = (end - start) - countSetBits(bitmap, end - start);
  return nullCount === 0 ? { bitmap: undefined, nullCount: 0 } : { bitmap, nullCount };
}

function gatherBits(bits: Uint8Array, bitOffset: number, indices: Uint32Array, start: number, end: number): Uint8Array {
  const out = storageArray(Uint8Array, ((end - start) + 7) >>> 3);
  for (let i = start, o = 0; i < end; i++, o++) {
    const bit = indices[i] + bitOffset;
    if ((bits[bit >>> 3] >>> (bit & 7)) & 1) out[o >>> 3] |= 1 << (o & 7);
  }
  return out;
}

export function countSetBits(bits: Uint8Array, length: number): number {
  let count = 0;
  const full = length >>> 3;
  for (let i = 0; i < full; i++) {
    let b = bits[i];
    b = b - ((b >>> 1) & 0x55); b = (b & 0x33) + ((b >>> 2) & 0x33);
    count += (b + (b >>> 4)) & 0x0f;
  }
  for (let i = full << 3; i < length; i++) count += (bits[i >>> 3] >>> (i & 7)) & 1;
  return count;
}

/** True when row `row` of `data` is not NULL. */
export function isValidAt(data: arrow.Data, row: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const bit = row + data.offset;
  return ((data.nullBitmap[bit >>> 3] >>> (bit & 7)) & 1) === 1;
}

/** One Data holding the rows of every item of `list` in order (same type); one item is itself unless `copy`. */
export function concatData(list: readonly arrow.Data[], copy = false): arrow.Data {
  assert(list.length > 0, "concatData of nothing");
  if (list.length === 1 && !copy) return list[0];
  const total = list.reduce((sum, d) => sum + d.length, 0);
  // Sliced parts need no normalizing: values and offsets are already sliced, bitmaps honour `offset`.
  return appendParts(list, total);
}

function appendParts(parts: readonly arrow.Data[], total: number): arrow.Data {
  const type = parts[0].type;
  const nullCount = parts.reduce((sum, d) => sum + d.nullCount, 0);
  const nullBitmap = nullCount > 0 ? appendBitmaps(parts.map((d) => ({ bits: d.nullCount > 0 ? d.nullBitmap : undefined, offset: d.offset, length: d.length })), total) : undefined;
  const base = { type, length: total, nullCount, nullBitmap };
  if (parts[0].valueOffsets) {
    const byteTotal = parts.reduce((sum, d) => sum + (d.valueOffsets![d.length] - d.valueOffsets![0]), 0);
    const offsets = storageArray(Int32Array, total + 1);
    const bytes = storageArray(Uint8Array, byteTotal);
    let row = 0; let at = 0;
    for (const d of parts) {
      const o = d.valueOffsets as Int32Array;
      const first = o[0];
      for (let i = 1; i <= d.length; i++) offsets[row + i] = at + o[i] - first;
      bytes.set((d.values as Uint8Array).subarray(first, o[d.length]), at);
      at += o[d.length] - first; row += d.length;
    }
    return arrow.makeData({ ...base, valueOffsets: offsets, data: bytes } as never);
  }
  if (arrow.DataType.isBool(type)) {
    const bits = appendBitmaps(parts.map((d) => ({ bits: d.values as Uint8Array, offset: d.offset, length: d.length })), total);
    return arrow.makeData({ ...base, data: bits } as never);
  }
  const views = parts.map(wordView);
  const perRow = views[0].perRow;
  const out = newLike(views[0].words, total * perRow);
  let at = 0;
  for (let p = 0; p < parts.length; p++) {
    const n = parts[p].length * perRow;
    out.set(views[p].words.subarray(0, n) as never, at);
    at += n;
  }
  return arrow.makeData({ ...base, data: retype(parts[0], out) } as never);
}

/** Bits (validity or Bool values; an entry without bits has every bit set) of several parts, one after the other, in a new bitmap of `total` bits. */
export function concatBits(parts: readonly { bits: Uint8Array | undefined; offset: number; length: number }[], total: number): Uint8Array {
  return appendBitmaps(parts, total);
}

function appendBitmaps(parts: readonly { bits: Uint8Array | undefined; offset: number; length: number }[], total: number): Uint8Array {
  const out = storageArray(Uint8Array, (total + 7) >>> 3);
  let o = 0;
  for (const part of parts) {
    if (!part.bits || part.bits.length === 0) {
      for (let i = 0; i < part.length; i++, o++) out[o >>> 3] |= 1 << (o & 7);
      continue;
    }
    for (let i = 0; i < part.length; i++, o++) {
      const bit = i + part.offset;
      if ((part.bits[bit >>> 3] >>> (bit & 7)) & 1) out[o >>> 3] |= 1 << (o & 7);
    }
  }
  return out;
}
