/**
 * Tails: append-only buffers that the runs of a load table (a migration's staging table,
 * written in many small statements and then emptied by one insert-select) are carved from on
 * each AMP, so that the runs of consecutive statements lie end to end in memory. Joining them
 * (concatRuns: the insert-select that empties the table, a fragment's merge) is then a view of
 * the tail, not a copy.
 *
 * Runs stay immutable. A run views only rows that its statement claimed; a statement writes
 * only past its tail's claimed end, which no run views, and then claims what it wrote. So a
 * statement may append to the tail its fragment's last run ends at (`claimed` is still that
 * run's end); otherwise, or when the rows do not fit, it starts a new tail. A statement that
 * fails after writing leaves its rows claimed but seen by no run: the next statement starts
 * a new tail.
 *
 * What a tail holds: fixed-width values and string offsets and bytes, and the row hashes.
 * Validity bitmaps and Bool values stay per run (bits do not split at whole bytes) and are
 * copied when runs join: an eighth of a byte a row. On an engine with shared storage, tails
 * and those bits are shared memory, so that a table made of their views is too.
 *
 * A tail's unused capacity costs address space, not memory: large buffers are mapped pages
 * that the system backs only when first written.
 */
import * as arrow from "apache-arrow";
import { assert } from "../errors.js";
import type { Run } from "./run.js";
import { concatBits, wordView } from "./column-data.js";
import { groupStringBytes, scatterBitsOut, scatterFixedInto, scatterStringsInto, STRING_SLACK, type IntegerArray } from "./scatter.js";
import { unzeroedBuffer, withSharedStorage } from "./shared-storage.js";

type ArrayType<T> = (new (buffer: ArrayBuffer | SharedArrayBuffer, byteOffset: number, length: number) => T) & { readonly BYTES_PER_ELEMENT: number };

/**
 * A tail's arrays, carved 8-byte aligned out of one buffer: one allocation a tail rather than one
 * an array (with many AMPs a migration makes thousands of tails). Not zeroed: a tail's every row
 * is written before a run views it, and zeroing capacity that may never be used cost more than
 * the copy it saves.
 */
class TailMemory {
  readonly #sizes: number[] = [];
  #buffer: ArrayBuffer | SharedArrayBuffer | null = null;
  #taken = 0;
  #at = 0;

  /** Reserves an array of `length` elements of `Type` (before `allocate`). */
  reserve(Type: { readonly BYTES_PER_ELEMENT: number }, length: number): void {
    this.#sizes.push(alignedBytes(Type, length));
  }

  allocate(shared: boolean): void {
    const total = this.#sizes.reduce((sum, n) => sum + n, 0);
    this.#buffer = shared ? new SharedArrayBuffer(total) : unzeroedBuffer(total);
  }

  /** The next reserved array: it must be the one reserved next (arrays that overlap would corrupt rows silently). */
  take<T>(Type: ArrayType<T>, length: number): T {
    const bytes = alignedBytes(Type, length);
    assert(this.#buffer !== null && bytes === this.#sizes[this.#taken], `tail memory: array ${this.#taken} taken as ${bytes} bytes but reserved as ${this.#sizes[this.#taken]}`);
    const out = new Type(this.#buffer, this.#at, length);
    this.#at += bytes;
    this.#taken++;
    return out;
  }

  /** Every reserved array was taken. */
  done(): void {
    assert(this.#taken === this.#sizes.length, `tail memory: ${this.#taken} of ${this.#sizes.length} reserved arrays taken`);
  }
}

/** Bytes of an array rounded up to 8 (arithmetic, not `& ~7`: a tail's arrays may pass 2 GiB). */
function alignedBytes(Type: { readonly BYTES_PER_ELEMENT: number }, length: number): number {
  return Math.ceil((length * Type.BYTES_PER_ELEMENT) / 8) * 8;
}

/**
 * Sizes, in bytes of rows (values, offsets, string bytes, row hashes): a table's first tail on
 * an AMP holds FIRST_TAIL_STATEMENTS times its first statement's rows, at most FIRST_TAIL_BYTES
 * (a load table of a few rows reserves little); each next tail twice the one before, at most
 * TAIL_BYTES_MAX. A statement's rows always fit the tail it starts. Reserved and unused space is
 * thus at most about the size of the rows stored.
 */
export const FIRST_TAIL_STATEMENTS = 8;
export const FIRST_TAIL_BYTES = 1 << 20;
export const TAIL_BYTES_MAX = 64 << 20;
/** String bytes a tail reserves per row, as a multiple of what the rows so far hold per row. */
const STRING_HEADROOM = 1.1;

type ValuesArray = (new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayBufferView) & { readonly BYTES_PER_ELEMENT: number };

type TailColumn =
  // Values: the typed array Arrow expects for the column (kept rather than a sample Data, which would keep a batch alive).
  | { readonly kind: "fixed"; readonly words: IntegerArray; readonly perRow: number; readonly Values: ValuesArray }
  | { readonly kind: "string"; readonly offsets: Int32Array; readonly bytes: Uint8Array }
  | { readonly kind: "bits" };

export class Tail {
  /** Rows the tail can hold. */
  readonly capacity: number;
  /** Bytes of rows it was sized for (the next tail's size follows from it). */
  readonly budget: number;
  readonly columns: readonly TailColumn[];
  readonly rowHash: Uint32Array;
  /** In shared memory (an engine with shared storage): views of it may be a shared table's runs. */
  readonly shared: boolean;
  /** Rows written and claimed: runs view rows below this, statements write from here. */
  claimed = 0;

  constructor(capacity: number, budget: number, columns: readonly TailColumn[], rowHash: Uint32Array, shared: boolean) {
    this.capacity = capacity;
    this.budget = budget;
    this.columns = columns;
    this.shared = shared;
    this.rowHash = rowHash;
  }

  /** Bytes the string column `k` can still take (STRING_SLACK beyond them is kept free). */
  freeBytes(k: number): number {
    const column = this.columns[k];
    if (column.kind !== "string") return Infinity;
    return column.bytes.length - STRING_SLACK - column.offsets[this.claimed];
  }
}

/** Where a run lies in a tail. */
interface Place { readonly tail: Tail; readonly start: number }

const PLACES = new WeakMap<Run, Place>();

/** Records that `run` views rows `start..` of `tail` (its rows appended to it, or a view of joined runs). */
export function markTail(run: Run, tail: Tail, start: number): void {
  PLACES.set(run, { tail, start });
}

/** The tail a statement may append to after `run` (the last run of a fragment): its tail if nothing was claimed after it. */
function appendableTail(run: Run | undefined): Tail | null {
  const place = run && PLACES.get(run);
  return place && place.start + run.rowCount === place.tail.claimed ? place.tail : null;
}

/** One AMP's rows written into a tail: views of them, ready for makeRun and markTail. */
export interface TailRows {
  readonly columns: arrow.Data[];
  readonly rowHash: Uint32Array;
  readonly tail: Tail;
  readonly start: number;
}

/**
 * Writes each group's rows (group g: the rows with `groupOf[i] === g`, `counts[g]` of them, in
 * input order) into a tail: the one `lastRuns[g]` ends at when they fit, else a new one. Returns
 * each group's rows as views (null for a group without rows); the rows are claimed.
 */
export function scatterIntoTails(columns: readonly arrow.Data[], rowHash: Uint32Array, groupOf: Uint8Array | Uint16Array, counts: Uint32Array,
  lastRuns: readonly (Run | undefined)[], shared: boolean): (TailRows | null)[] {
  const groups = counts.length;
  const stringBytes = columns.map((data) => (data.valueOffsets ? groupStringBytes(data, groupOf, groups) : null));
  const tails = Array.from(counts, (n, g) => {
    if (n === 0) return null;
    const last = appendableTail(lastRuns[g]);
    if (last && last.shared === shared && fits(last, columns, n, stringBytes, g)) return last;
    return newTail(columns, n, stringBytes.map((b) => b?.[g] ?? 0), last ?? placeOf(lastRuns[g]), shared);
  });
  const starts = Int32Array.from(tails, (t) => t?.claimed ?? 0);
  columns.forEach((data, k) => {
    const column = (g: number) => tails[g]?.columns[k];
    const kind = tails.find((t) => t !== null)?.columns[k].kind;
    if (kind === "fixed") scatterFixedInto(data, groupOf, tails.map((_t, g) => (column(g) as { words: IntegerArray } | undefined)?.words ?? null), starts);
    else if (kind === "string") {
      const strings = tails.map((_t, g) => column(g) as { offsets: Int32Array; bytes: Uint8Array } | undefined);
      scatterStringsInto(data, groupOf, strings.map((c) => c?.offsets ?? null), strings.map((c) => c?.bytes ?? null), starts);
    }
  });
  scatterFixedInto(arrow.makeData({ type: new arrow.Uint32(), length: rowHash.length, nullCount: 0, data: rowHash }), groupOf, tails.map((t) => t?.rowHash ?? null), starts);
  // Bits per run (in shared memory with shared tails): validity where the input has NULLs, and Bool values.
  const { validity, boolValues } = withSharedStorage(shared, () => ({
    validity: columns.map((data) => (hasNulls(data) ? scatterBitsOut([data.nullBitmap as Uint8Array], [data.offset], [groupOf], counts) : null)),
    boolValues: columns.map((data) => (arrow.DataType.isBool(data.type) ? scatterBitsOut([data.values as Uint8Array], [data.offset], [groupOf], counts) : null)),
  }));
  return tails.map((tail, g) => {
    if (tail === null) return null;
    const start = starts[g]; const end = start + counts[g];
    tail.claimed = end;
    const views = columns.map((data, k) => {
      const bits = validity[k]?.[g] ?? null;
      const nullCount = bits ? counts[g] - bits.set : 0;
      return viewOf(tail, k, data.type, start, end, nullCount > 0 ? bits!.bits : undefined, nullCount, boolValues[k]?.[g]?.bits);
    });
    return { columns: views, rowHash: tail.rowHash.subarray(start, end), tail, start };
  });
}

function placeOf(run: Run | undefined): Tail | null {
  return (run && PLACES.get(run)?.tail) ?? null;
}

function hasNulls(data: arrow.Data): boolean {
  return data.nullCount > 0 && data.nullBitmap !== undefined && data.nullBitmap !== null && data.nullBitmap.length > 0;
}

function fits(tail: Tail, columns: readonly arrow.Data[], rows: number, stringBytes: readonly (Float64Array | null)[], g: number): boolean {
  if (tail.claimed + rows > tail.capacity || tail.columns.length !== columns.length) return false;
  return columns.every((data, k) => {
    const column = tail.columns[k];
    if (column.kind === "string") return data.valueOffsets !== undefined && stringBytes[k]![g] <= tail.freeBytes(k);
    if (column.kind === "bits") return arrow.DataType.isBool(data.type);
    return !data.valueOffsets && !arrow.DataType.isBool(data.type) && wordView(data).perRow === column.perRow && data.values.constructor === column.Values;
  });
}

/** A tail for `rows` rows (with `bytes` string bytes per column) after `previous` (null: the table's first on the AMP). */
function newTail(columns: readonly arrow.Data[], rows: number, bytes: readonly number[], previous: Tail | null, shared: boolean): Tail {
  // String bytes a row: of these rows, or of the previous tail's if more.
  const stringPerRow = columns.map((data, k) => {
    if (!data.valueOffsets) return 0;
    const before = previous?.columns[k];
    return Math.max(bytes[k] / rows, before?.kind === "string" && previous!.claimed > 0 ? before.offsets[previous!.claimed] / previous!.claimed : 0);
  });
  let rowBytes = 4; // the row hash
  columns.forEach((data, k) => {
    if (data.valueOffsets) rowBytes += 4 + stringPerRow[k];
    else if (!arrow.DataType.isBool(data.type)) rowBytes += (data.values as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT * data.stride;
  });
  const needed = rows * rowBytes;
  const budget = Math.max(needed, previous ? Math.min(TAIL_BYTES_MAX, 2 * previous.budget) : Math.min(FIRST_TAIL_BYTES, FIRST_TAIL_STATEMENTS * needed));
  const capacity = Math.max(rows, Math.floor(budget / rowBytes));
  const stringBytes = columns.map((data, k) => (data.valueOffsets ? Math.min(0x7fff_0000, Math.max(bytes[k], Math.ceil(capacity * stringPerRow[k] * STRING_HEADROOM))) + STRING_SLACK : 0));
  const words = columns.map((data) => (data.valueOffsets || arrow.DataType.isBool(data.type) ? null : wordView(data)));
  const memory = new TailMemory();
  memory.reserve(Uint32Array, capacity);
  columns.forEach((data, k) => {
    if (data.valueOffsets) { memory.reserve(Int32Array, capacity + 1); memory.reserve(Uint8Array, stringBytes[k]); }
    const w = words[k];
    if (w) memory.reserve(w.words.constructor as ArrayType<IntegerArray>, capacity * w.perRow);
  });
  memory.allocate(shared);
  const rowHash = memory.take(Uint32Array, capacity);
  const layout = columns.map((data, k): TailColumn => {
    if (data.valueOffsets) {
      const offsets = memory.take(Int32Array, capacity + 1);
      offsets[0] = 0;
      return { kind: "string", offsets, bytes: memory.take(Uint8Array, stringBytes[k]) };
    }
    const w = words[k];
    if (w === null) return { kind: "bits" };
    return { kind: "fixed", words: memory.take(w.words.constructor as ArrayType<IntegerArray>, capacity * w.perRow), perRow: w.perRow, Values: data.values.constructor as ValuesArray };
  });
  memory.done();
  return new Tail(capacity, budget, layout, rowHash, shared);
}

/** Rows start..end of column `k` of `tail` as Data of `type`, with the given bits (validity, Bool values). */
function viewOf(tail: Tail, k: number, type: arrow.DataType, start: number, end: number, nullBitmap: Uint8Array | undefined, nullCount: number, values?: Uint8Array): arrow.Data {
  const column = tail.columns[k];
  const base = { type, length: end - start, nullCount, nullBitmap };
  if (column.kind === "string") {
    // Offsets index the tail's bytes, as in an Arrow slice: the first need not be 0.
    return arrow.makeData({ ...base, valueOffsets: column.offsets.subarray(start, end + 1), data: column.bytes.subarray(0, column.offsets[end]) } as never) as arrow.Data;
  }
  if (column.kind === "bits") return arrow.makeData({ ...base, data: values } as never) as arrow.Data;
  const words = column.words.subarray(start * column.perRow, end * column.perRow);
  return arrow.makeData({ ...base, data: new column.Values(words.buffer, words.byteOffset, words.byteLength / column.Values.BYTES_PER_ELEMENT) } as never) as arrow.Data;
}

/** True when `run` lies in a tail (a load table's run, or a join of such runs), in shared memory if `shared`. */
export function inTail(run: Run, shared = false): boolean {
  const place = PLACES.get(run);
  return place !== undefined && (!shared || place.tail.shared);
}

/**
 * How full the tail `run` lies in is (rows claimed / rows it holds; 1 for a run in no tail). A
 * view keeps its whole tail alive: a table made of views of a tail filled to `fill` holds
 * 1 / fill times the memory of its rows.
 */
export function tailFill(run: Run): number {
  const place = PLACES.get(run);
  return place === undefined ? 1 : place.tail.claimed / place.tail.capacity;
}

/** True when `next` continues `run` in its tail (its rows start where `run`'s end). */
function continues(run: Run, next: Run): boolean {
  const a = PLACES.get(run); const b = PLACES.get(next);
  return a !== undefined && b !== undefined && a.tail === b.tail && a.start + run.rowCount === b.start;
}

/** `runs` split into maximal stretches of runs that lie end to end in one tail (a run in no tail alone). */
export function adjacentGroups(runs: readonly Run[]): Run[][] {
  const groups: Run[][] = [];
  runs.forEach((run, k) => {
    if (k > 0 && continues(runs[k - 1], run)) groups[groups.length - 1].push(run);
    else groups.push([run]);
  });
  return groups;
}

/**
 * The rows of `runs` (non-empty, each continuing the one before in one tail) as one view of the
 * tail: columns (their bits joined) and row hashes, and where the view starts; null when the
 * runs do not lie end to end.
 */
export function joinTailRuns(runs: readonly Run[], shared: boolean): TailRows | null {
  if (runs.length < 2 || !inTail(runs[0], shared) || !runs.every((run, k) => k === 0 || continues(runs[k - 1], run))) return null;
  const { tail, start } = PLACES.get(runs[0])!;
  let end = start;
  for (const run of runs) end += run.rowCount;
  const first = runs[0].batch.data.children;
  const columns = first.map((data, k) => {
    const parts = runs.map((run) => run.batch.data.children[k]);
    const nullCount = parts.reduce((n, p) => n + p.nullCount, 0);
    const bitsOf = (bits: (p: arrow.Data) => Uint8Array | undefined) => concatBits(parts.map((p) => ({ bits: bits(p), offset: p.offset, length: p.length })), end - start);
    const nullBitmap = nullCount > 0 ? bitsOf((p) => (p.nullCount > 0 ? p.nullBitmap : undefined)) : undefined;
    const values = tail.columns[k].kind === "bits" ? bitsOf((p) => p.values as Uint8Array) : undefined;
    return viewOf(tail, k, data.type, start, end, nullBitmap, nullCount, values);
  });
  return { columns, rowHash: tail.rowHash.subarray(start, end), tail, start };
}
