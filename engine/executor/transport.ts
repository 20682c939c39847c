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
