/**
 * Arrow columns across threads without copying rows: a column travels as its
 * typed arrays (values, offsets, validity) plus length, offset and null count;
 * the receiver rebuilds the Data over the same memory (`makeData`). With the
 * buffers in a transfer list they move; nothing is converted row by row.
 */
import * as arrow from "apache-arrow";

/** One column's buffers, as structured clone carries typed arrays. */
export interface PackedData {
  readonly length: number;
  readonly offset: number;
  readonly nullCount: number;
  readonly values: ArrayBufferView | null;
  readonly valueOffsets: Int32Array | null;
  readonly nullBitmap: Uint8Array | null;
}

/** The column's buffers; their ArrayBuffers are added to `transfer` when given. */
export function packData(data: arrow.Data, transfer?: ArrayBuffer[]): PackedData {
  const values = (data.values as ArrayBufferView | undefined) ?? null;
  const valueOffsets = (data.valueOffsets as Int32Array | undefined) ?? null;
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  const nullBitmap = data.nullCount > 0 && bitmap && bitmap.length > 0 ? bitmap : null;
  if (transfer) for (const view of [values, valueOffsets, nullBitmap]) if (view && !(view.buffer instanceof SharedArrayBuffer)) transfer.push(view.buffer as ArrayBuffer);
  return { length: data.length, offset: data.offset, nullCount: data.nullCount, values, valueOffsets, nullBitmap };
}

/** The Data of `type` over the packed buffers (no copy). */
export function unpackData(type: arrow.DataType, packed: PackedData): arrow.Data {
  const props: Record<string, unknown> = { type, length: packed.length, offset: packed.offset, nullCount: packed.nullCount };
  if (packed.values) props.data = packed.values;
  if (packed.valueOffsets) props.valueOffsets = packed.valueOffsets;
  if (packed.nullBitmap) props.nullBitmap = packed.nullBitmap;
  return arrow.makeData(props as never) as arrow.Data;
}

/**
 * A view that may be transferred without taking anything else with it: the view itself when
 * it spans its whole (non-shared) ArrayBuffer, else a copy.
 */
export function ownedBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes.buffer instanceof SharedArrayBuffer) ? bytes : bytes.slice();
}

/**
 * What is wrong with `packed` as a column of `type` (buffers of the right kind and size,
 * offsets that stay inside the values, a validity bitmap that counts `nullCount` NULLs),
 * or null when it is sound. Packed columns come from other threads and other code:
 * check them before building Data over them.
 */
export function packedProblem(type: arrow.DataType, packed: PackedData): string | null {
  const { length, offset, nullCount, values, valueOffsets, nullBitmap } = packed;
  if (!Number.isInteger(length) || length < 0 || !Number.isInteger(offset) || offset < 0) return `length ${String(length)} and offset ${String(offset)} must be integers ≥ 0`;
  if (!Number.isInteger(nullCount) || nullCount < 0 || nullCount > length) return `null count ${String(nullCount)} is not in 0..${length}`;
  // As in arrow-js: bitmaps (validity, Bool values) are read from bit `offset`; fixed-width values
  // and value offsets are already sliced (their element 0 is the first row's).
  const end = offset + length;
  const Values = (type as { ArrayType?: abstract new (...args: never[]) => ArrayBufferView }).ArrayType;
  if (!Values || !(values instanceof Values)) return `values must be a ${Values?.name ?? "typed array"}`;
  const elements = (values as unknown as { length: number }).length;
  if (arrow.DataType.isUtf8(type)) {
    if (!(valueOffsets instanceof Int32Array) || valueOffsets.length < length + 1) return `value offsets must be an Int32Array of at least ${length + 1} entries`;
    let previous = valueOffsets[0];
    if (previous < 0) return `value offset 0 is ${previous}, negative`;
    for (let i = 1; i <= length; i++) {
      const next = valueOffsets[i];
      if (next < previous) return `value offsets decrease at row ${i - 1}`;
      previous = next;
    }
    if (previous > elements) return `value offsets reach byte ${previous} of only ${elements} value bytes`;
  } else {
    if (valueOffsets !== null) return "a fixed-width column has no value offsets";
    const needed = arrow.DataType.isBool(type) ? (end + 7) >> 3 : arrow.DataType.isDecimal(type) ? length * 4 : length;
    if (elements < needed) return `values hold ${elements} elements, ${needed} needed`;
  }
  if (nullBitmap === null && nullCount === 0) return null;
  if (!(nullBitmap instanceof Uint8Array) || nullBitmap.length < (end + 7) >> 3) return `${nullCount} NULL(s) need a validity bitmap (a Uint8Array) of ${(end + 7) >> 3} bytes`;
  let valid = 0;
  for (let i = offset; i < end; i++) valid += (nullBitmap[i >> 3] >> (i & 7)) & 1;
  return length - valid === nullCount ? null : `the validity bitmap marks ${length - valid} NULL(s), not the ${nullCount} announced`;
}

/**
 * The column's rows in fresh buffers of their own, packed, with those buffers added to
 * `transfer`: one copy, then the worker gets them by transfer (a structured clone would copy
 * twice, and whole underlying buffers at that). For columns that must stay where they are,
 * e.g. views of stored runs.
 */
export function packCopy(data: arrow.Data, transfer: ArrayBuffer[]): PackedData {
  const { length, offset, nullCount } = data;
  const bitBytes = (offset + length + 7) >> 3;
  let values: ArrayBufferView | null = null;
  let valueOffsets: Int32Array | null = null;
  if (data.valueOffsets) {
    const offsets = data.valueOffsets as Int32Array;
    const first = offsets[0];
    valueOffsets = new Int32Array(length + 1);
    for (let i = 0; i <= length; i++) valueOffsets[i] = offsets[i] - first;
    values = (data.values as Uint8Array).slice(first, offsets[length]);
  } else if (data.values) {
    const typed = data.values as Uint8Array;
    values = typed.slice(0, arrow.DataType.isBool(data.type) ? bitBytes : length * data.stride);
  }
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  const nullBitmap = nullCount > 0 && bitmap && bitmap.length > 0 ? bitmap.slice(0, bitBytes) : null;
  for (const view of [values, valueOffsets, nullBitmap]) if (view) transfer.push(view.buffer as ArrayBuffer);
  return { length, offset, nullCount, values, valueOffsets, nullBitmap };
}
