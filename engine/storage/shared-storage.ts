/**
 * Where new stored buffers live. An engine with shared storage (EngineOptions.sharedStorage;
 * the default with a pool executor) allocates the buffers of the rows it stores (column values,
 * offsets, bitmaps and row hashes made by inserts, scatters, gathers and concatenations) as
 * SharedArrayBuffers: pool workers then read its stored runs in place (a kernel input holding
 * shared views is shared, not copied), so the pool insert-select, archive checksums and
 * verification send no copies of its rows. Other engines use plain ArrayBuffers.
 *
 * The price is paid on every write: measured here, a new SharedArrayBuffer is fresh memory
 * from the kernel (page faults, about 0.5 ms per MB) where a plain one of the same size is
 * mostly memory the allocator had freed (about 0.05 ms per MB). Shared storage pays off for
 * tables that workers read, such as a migration's source and target.
 *
 * Nothing else changes: stored data is never written after it is stored, and a typed array
 * reads the same over either kind of buffer. A worker's task input keeps shared memory alive
 * until that worker's next garbage collection, so a dropped table's memory may return later.
 * Kernel results (made on workers) stay plain ArrayBuffers, moved back, and rows stored from
 * them (placed batches, the pool insert-select's results) keep those buffers; so do rows an
 * insert stores by reference. Load tables (store-rows.ts) keep only their tails (tail.ts) in
 * shared memory: the insert-select that empties them makes the target's runs of those views.
 */
import { constants as bufferConstants } from "node:buffer";

let shared = false;

/** True when new stored buffers are shared (inside a statement of an engine with shared storage). */
export function sharedStorageOn(): boolean {
  return shared;
}

/** Runs `body` (one statement) with new stored buffers shared or not. */
export function withSharedStorage<T>(on: boolean, body: () => T): T {
  const before = shared;
  shared = on;
  try {
    return body();
  } finally {
    shared = before;
  }
}

/** The buffer new stored arrays are carved from (withArena), and how much of it is used. */
let arena: { chunks: ArrayBuffer[]; used: number; chunkBytes: number } | null = null;

/**
 * Runs `body` with every new stored array carved, 8-byte aligned, out of a few large buffers
 * (`chunkBytes` each, or one array's size when larger) instead of one buffer each; returns the
 * buffers too. What a kernel uses for its results: a placed batch's many column buffers move
 * back from a worker as one or two transfers instead of dozens, and the receiver's garbage
 * collector tracks a few large buffers, not many small ones.
 */
export function withArena<T>(chunkBytes: number, body: () => T): { result: T; buffers: ArrayBuffer[] } {
  const before = arena;
  const mine = { chunks: [] as ArrayBuffer[], used: 0, chunkBytes: Math.max(64, Math.ceil(chunkBytes)) };
  arena = mine;
  try {
    return { result: body(), buffers: mine.chunks };
  } finally {
    arena = before;
  }
}

function carve(bytes: number): { buffer: ArrayBuffer; offset: number } {
  const a = arena!;
  const offset = (a.used + 7) & ~7;
  const last = a.chunks[a.chunks.length - 1];
  if (last !== undefined && offset + bytes <= last.byteLength) {
    a.used = offset + bytes;
    return { buffer: last, offset };
  }
  const buffer = new ArrayBuffer(Math.max(bytes, a.chunkBytes));
  a.chunks.push(buffer);
  a.used = bytes;
  return { buffer, offset: 0 };
}

type TypedArrayOf<T> = new (buffer: ArrayBuffer | SharedArrayBuffer, byteOffset?: number, length?: number) => T;

/**
 * A zeroed typed array of `length` elements for stored data: carved from the arena inside
 * withArena, else over a SharedArrayBuffer while shared storage is on, else over a plain ArrayBuffer.
 *
 * @example
 * const offsets = storageArray(Int32Array, rows + 1);
 */
export function storageArray<T extends ArrayBufferView>(Type: TypedArrayOf<T> & { readonly BYTES_PER_ELEMENT: number }, length: number): T {
  const bytes = length * Type.BYTES_PER_ELEMENT;
  if (arena !== null) {
    const { buffer, offset } = carve(bytes);
    return new Type(buffer, offset, length);
  }
  return new Type(sharedStorageOn() ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes), 0, length);
}

/**
 * storageArray for an array that its writer fills completely before anyone reads it (a scatter's
 * values, offsets and row hashes): where storageArray would make a plain ArrayBuffer, this one
 * is not zeroed. Zeroing is a pass over memory the scatter writes anyway: the allocator hands
 * back memory it had freed, which calloc must clear (on shared storage and in an arena the
 * buffers are zeroed regardless).
 */
export function filledStorageArray<T extends ArrayBufferView>(Type: TypedArrayOf<T> & { readonly BYTES_PER_ELEMENT: number }, length: number): T {
  if (arena !== null || sharedStorageOn()) return storageArray(Type, length);
  return new Type(unzeroedBuffer(length * Type.BYTES_PER_ELEMENT), 0, length);
}

/**
 * A new ArrayBuffer of `bytes` that is not zeroed (Buffer.allocUnsafeSlow: its own buffer, from
 * offset 0); zeroed past what a Buffer may hold (4 GiB on Node 20), which an ArrayBuffer may exceed.
 */
export function unzeroedBuffer(bytes: number): ArrayBuffer {
  return bytes <= BUFFER_MAX_LENGTH ? Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer : new ArrayBuffer(bytes);
}

const BUFFER_MAX_LENGTH = bufferConstants.MAX_LENGTH;

/** True when `view` is absent or over a SharedArrayBuffer (a worker can read it in place). */
export function isSharedView(view: ArrayBufferView | null | undefined): boolean {
  return view === null || view === undefined || view.buffer instanceof SharedArrayBuffer;
}

/** True when every buffer `data` reads (values, offsets, a validity bitmap with NULLs) is shared: packData sends none of them. */
export function isSharedData(data: { readonly values?: unknown; readonly valueOffsets?: unknown; readonly nullBitmap?: unknown; readonly nullCount: number }): boolean {
  const bitmap = data.nullBitmap as Uint8Array | undefined;
  return isSharedView(data.values as ArrayBufferView | undefined) && isSharedView(data.valueOffsets as ArrayBufferView | undefined)
    && (data.nullCount === 0 || bitmap === undefined || bitmap.length === 0 || isSharedView(bitmap));
}
