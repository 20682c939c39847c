/**
 * Storing rows on the AMPs: the write half of insert, insert-select and the
 * restore of a migration. Columnar throughout:
 *
 *   row hash (columnar) → AMP per row → stable sort by hash, group by AMP
 *   → uniqueness checks (UPI, SET) → gather each column once per AMP into a run
 *   → append runs to the fragments of the statement's transaction → index rows.
 *
 * Nothing is visible until the caller commits the transaction.
 */
import * as arrow from "apache-arrow";
import { INDEX_DATABASE, type TableEntry } from "../catalog/catalog.js";
import { fixedWidthOf } from "../catalog/column-type.js";
import { AmpsimError, assert } from "../errors.js";
import { rowHashColumns } from "../hash/row-hash.js";
import type { HashMap } from "../hash/hash-map.js";
import { appendRun, LOAD_RUNS_MAX, RUNS_MAX } from "../storage/fragment.js";
import { countGroups, groupsByHash, groupStringBytes, rowsOfGroup, scatterData, scatterDataMany, scatterUint32, scatterUint32Many } from "../storage/scatter.js";
import { batchOf, makeRun, type Run } from "../storage/run.js";
import type { Transaction } from "../storage/transaction.js";
import { findDuplicateAmong, shownValues } from "./duplicates.js";
import { sharedStorageOn, storageArray, withSharedStorage } from "../storage/shared-storage.js";
import { markTail, scatterIntoTails } from "../storage/tail.js";

/** What a step needs to write: the system's map, the open transaction. */
export interface WriteContext {
  readonly hashMap: HashMap;
  readonly tx: Transaction;
  /** Row hash of NoPI rows stored on each AMP (a bucket the AMP owns), so every row's hash maps to its AMP. */
  readonly nopiHash: Uint32Array;
  /** AMPs that own a hash bucket, where NoPI rows may go. */
  readonly nopiAmps: Uint16Array;
}

export interface StoreOptions {
  /** Row hashes already known (insert-select between tables with the same PI columns). */
  readonly rowHash?: Uint32Array;
  /** An explicit AMP per row (AMP-local subtables of NUSIs). */
  readonly placement?: Uint16Array;
  /** Every row belongs on this one AMP (an AMP-local insert-select): nothing to place or group. */
  readonly amp?: number;
  /** Where to describe rows in errors: "input row" by default. */
  readonly rowWord?: string;
}

/** One AMP's share of a store: the input rows it received (in stored order) and the run it wrote. */
export interface AmpShare {
  readonly amp: number;
  readonly rows: Uint32Array;
  readonly run: Run;
}

export interface StoreResult {
  readonly shares: readonly AmpShare[];
  /** AMP of every input row. */
  readonly ampOfRow: Uint16Array;
}

export function piColumnIndexes(entry: TableEntry): number[] {
  const pi = entry.definition.primaryIndex;
  if (!pi) return [];
  return pi.columns.map((name) => entry.definition.columns.findIndex((c) => c.name === name));
}

/** The row hashes of `columns` for `entry`'s primary index. */
export function hashRows(entry: TableEntry, columns: readonly arrow.Data[], out?: Uint32Array): Uint32Array {
  const pi = piColumnIndexes(entry);
  return rowHashColumns(pi.map((c) => ({ type: entry.definition.columns[c].type, data: columns[c] })), out);
}

/** Stores `length` rows given as one Data per column of `entry`; returns what each AMP got. */
export function storeRows(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], length: number, options: StoreOptions = {}): StoreResult {
  return storing(entry, () => storeRowsOf(ctx, entry, columns, length, options));
}

function storeRowsOf(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], length: number, options: StoreOptions): StoreResult {
  const { ampOfRow, rowHash, counts } = placeRows(ctx, entry, columns, length, options);
  const shares = options.amp === undefined ? scatterShares(ctx, entry, columns, rowHash, ampOfRow, counts)
    : length === 0 ? [] : [lazyShare(options.amp, newRun(ctx, entry, options.amp, columns, rowHash, length), () => consecutive(0, length))];
  checkUniqueness(ctx, entry, shares, options.rowWord ?? "input row");
  appendShares(ctx, entry, shares);
  return { shares, ampOfRow };
}

/**
 * Stores into `entry` with its buffers in shared memory when the engine's storage is shared.
 * Load tables keep only their tails there (the insert-select that empties them takes those
 * into the target as they are, where pool workers read them); anything else they store (a
 * merge that copies, a delete's gathered rows) stays plain: read once, on this thread, it would
 * pay fresh shared memory for nothing.
 */
function storing<T>(entry: TableEntry, body: () => T): T {
  if (!isLoadTable(entry) || !sharedStorageOn()) return body();
  const before = tailsShared;
  tailsShared = true;
  try {
    return withSharedStorage(false, body);
  } finally {
    tailsShared = before;
  }
}

/**
 * Inside a load table's statement on an engine with shared storage: its tails are shared memory
 * (the insert-select that empties the table takes them into a shared table as they are).
 */
let tailsShared = false;

function isLoadTable(entry: TableEntry): boolean {
  return entry.reserved && entry.definition.database !== INDEX_DATABASE;
}

/**
 * Runs a fragment of `entry` keeps before merging: reserved tables other than index subtables
 * (which lookups search) are load tables, written in many small statements and read whole once.
 */
function runsMaxOf(entry: TableEntry): number {
  return isLoadTable(entry) ? LOAD_RUNS_MAX : RUNS_MAX;
}

/** One AMP's rows of an input, already placed (by a kernel): their columns and row hashes. */
export interface PlacedShare {
  readonly amp: number;
  readonly columns: readonly arrow.Data[];
  readonly rowHash: Uint32Array;
}

/**
 * Stores the rows of one input that a kernel already placed (one part per AMP, rows in input
 * order) exactly as storeRows stores that input: one uniqueness check for all parts before
 * anything is appended, the same runs. `rowsOf(part, count)` gives the input row numbers of a
 * part's rows; only error messages ask for them.
 */
export function storePlaced(ctx: WriteContext, entry: TableEntry, parts: readonly PlacedShare[], rowsOf: (part: number, count: number) => Uint32Array): AmpShare[] {
  return storing(entry, () => storePlacedOf(ctx, entry, parts, rowsOf));
}

function storePlacedOf(ctx: WriteContext, entry: TableEntry, parts: readonly PlacedShare[], rowsOf: (part: number, count: number) => Uint32Array): AmpShare[] {
  const shares = placedShares(entry, parts, rowsOf, uniquenessFrom(ctx, entry));
  checkUniqueness(ctx, entry, shares, "input row");
  appendShares(ctx, entry, shares);
  return shares;
}

/** Where a new run's rows start numbering, per AMP: after what the AMP holds and the runs handed out before. */
type UniquenessCounter = (amp: number, rows: number) => number;

function uniquenessFrom(ctx: WriteContext, entry: TableEntry): UniquenessCounter {
  const next = new Map<number, number>();
  return (amp, rows) => {
    const first = next.get(amp) ?? ctx.tx.fragment(amp, entry.id).nextUniqueness;
    next.set(amp, first + rows);
    return first;
  };
}

/** A run per placed part with rows (several parts may go to one AMP: each is numbered after the ones before it). */
function placedShares(entry: TableEntry, parts: readonly PlacedShare[], rowsOf: (part: number, count: number) => Uint32Array, uniqueness: UniquenessCounter): AmpShare[] {
  const shares: AmpShare[] = [];
  parts.forEach(({ amp, columns, rowHash }, p) => {
    if (rowHash.length === 0) return;
    shares.push(lazyShare(amp, makeRun(batchOf(entry.schema, columns, rowHash.length), rowHash, uniqueness(amp, rowHash.length)), () => rowsOf(p, rowHash.length)));
  });
  return shares;
}

function appendShares(ctx: WriteContext, entry: TableEntry, shares: readonly AmpShare[]): void {
  for (const { amp, run } of shares) {
    const fragment = ctx.tx.fragment(amp, entry.id);
    ctx.tx.put(amp, entry.id, appendRun(entry.schema, fragment, run, fragment.nextUniqueness + run.rowCount, runsMaxOf(entry)), entry.qualifiedName);
  }
}

/** The AMP of every row of `columns` by `entry`'s primary index (row hashes given or computed). */
export function ampsOfRows(hashMap: HashMap, entry: TableEntry, columns: readonly arrow.Data[], length: number, rowHash = hashRows(entry, columns)): Uint16Array {
  assert(rowHash.length === length, `ampsOfRows of ${entry.qualifiedName}: ${rowHash.length} row hashes for ${length} rows`);
  return groupsByHash(rowHash, hashMap.buckets, 32 - hashMap.hashBits, hashMap.amps).groupOf;
}

/** Rows placed: each row's AMP and hash, and the rows per AMP. */
interface Placed {
  readonly ampOfRow: Uint16Array;
  readonly rowHash: Uint32Array;
  readonly counts: Uint32Array;
}

function placeRows(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], length: number, options: StoreOptions): Placed {
  const { hashMap } = ctx;
  if (options.amp !== undefined) {
    // Stored as the run's row hashes: in storage memory (shared when the engine's storage is).
    const rowHash = options.rowHash ?? (entry.definition.primaryIndex === null ? storageArray(Uint32Array, length).fill(ctx.nopiHash[options.amp]) : hashRows(entry, columns, storageArray(Uint32Array, length)));
    const counts = new Uint32Array(hashMap.amps);
    counts[options.amp] = length;
    return { ampOfRow: new Uint16Array(length).fill(options.amp), rowHash, counts };
  }
  if (entry.definition.primaryIndex === null) {
    const ampOfRow = options.placement ?? spreadRows(ctx, entry, length);
    const rowHash = storageArray(Uint32Array, length);
    for (let i = 0; i < length; i++) rowHash[i] = ctx.nopiHash[ampOfRow[i]];
    return { ampOfRow, rowHash, counts: countGroups(ampOfRow, hashMap.amps) };
  }
  const rowHash = options.rowHash ?? hashRows(entry, columns);
  if (options.placement) return { ampOfRow: options.placement, rowHash, counts: countGroups(options.placement, hashMap.amps) };
  const { groupOf, counts } = groupsByHash(rowHash, hashMap.buckets, 32 - hashMap.hashBits, hashMap.amps);
  return { ampOfRow: groupOf, rowHash, counts };
}

/** NoPI rows: contiguous, balanced chunks, starting at an AMP that rotates with the table's size. */
function spreadRows(ctx: WriteContext, entry: TableEntry, length: number): Uint16Array {
  const targets = ctx.nopiAmps;
  const count = targets.length;
  let stored = 0;
  for (const amp of targets) stored += ctx.tx.fragment(amp, entry.id).nextUniqueness;
  const first = stored % count;
  const out = new Uint16Array(length);
  for (let k = 0; k < count; k++) {
    const from = Math.floor((k * length) / count); const to = Math.floor(((k + 1) * length) / count);
    out.fill(targets[(first + k) % count], from, to);
  }
  return out;
}

/** Every AMP's rows as a new run: each column scattered once (rows keep their order); input row numbers only when asked. */
function scatterShares(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], rowHash: Uint32Array, ampOfRow: Uint16Array, counts: Uint32Array): AmpShare[] {
  if (isLoadTable(entry) && columns.length > 0) return tailShares(ctx, entry, columns, rowHash, ampOfRow, counts);
  const data = columns.map((c) => scatterData(c, ampOfRow, counts));
  const whole = ampOfRow.length > 0 && counts.indexOf(ampOfRow.length) >= 0;
  const hashes = whole ? Array.from(counts, (n) => (n > 0 ? rowHash : null)) : scatterUint32(rowHash, ampOfRow, counts);
  return sharesOf(ctx, entry, counts, data, hashes, () => ampOfRow);
}

/**
 * A load table's rows appended to each AMP's tail (tail.ts): each AMP's new run lies right after
 * its last one in memory, so the insert-select that empties the table joins them without a copy.
 */
function tailShares(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], rowHash: Uint32Array, ampOfRow: Uint16Array, counts: Uint32Array): AmpShare[] {
  const lastRuns = Array.from(counts, (n, amp) => (n > 0 ? ctx.tx.fragment(amp, entry.id).runs.at(-1) : undefined));
  const written = scatterIntoTails(columns, rowHash, ampOfRow, counts, lastRuns, tailsShared);
  const shares: AmpShare[] = [];
  written.forEach((rows, amp) => {
    if (rows === null) return;
    const run = newRun(ctx, entry, amp, rows.columns, rows.rowHash, counts[amp]);
    markTail(run, rows.tail, rows.start);
    shares.push(lazyShare(amp, run, () => rowsOfGroup(ampOfRow, amp, counts[amp])));
  });
  return shares;
}

/** One new run per AMP with rows, from its scattered columns and row hashes; `ampOfRow()` (of the whole input) only for error messages. */
function sharesOf(ctx: WriteContext, entry: TableEntry, counts: Uint32Array, data: readonly (arrow.Data | null)[][], hashes: readonly (Uint32Array | null)[], ampOfRow: () => Uint16Array): AmpShare[] {
  const shares: AmpShare[] = [];
  counts.forEach((n, amp) => {
    if (n === 0) return;
    const run = newRun(ctx, entry, amp, data.map((d) => d[amp] as arrow.Data), hashes[amp] as Uint32Array, n);
    shares.push(lazyShare(amp, run, () => rowsOfGroup(ampOfRow(), amp, n)));
  });
  return shares;
}

/** Rows given as one Data per column of a table, `length` of them. */
export interface StoreInput {
  readonly columns: readonly arrow.Data[];
  readonly length: number;
}

/**
 * Stores several inputs as one (their rows in order; e.g. the runs of one AMP of a source table)
 * exactly as storeRows would store their concatenation, without copying them into one first:
 * each column of all inputs is scattered into one set of buffers per AMP.
 */
export function storeInputs(ctx: WriteContext, entry: TableEntry, inputs: readonly StoreInput[]): StoreResult {
  if (inputs.length === 1) return storeRows(ctx, entry, inputs[0].columns, inputs[0].length);
  return storing(entry, () => storeInputsOf(ctx, entry, inputs));
}

function storeInputsOf(ctx: WriteContext, entry: TableEntry, inputs: readonly StoreInput[]): StoreResult {
  const { shares, ampOfRow } = scatterInputs(ctx, entry, inputs, uniquenessFrom(ctx, entry), 0);
  checkUniqueness(ctx, entry, shares, "input row");
  appendShares(ctx, entry, shares);
  return { shares, get ampOfRow() { return ampOfRow(); } };
}

/**
 * Inputs placed and scattered as one (each column of all inputs into one set of buffers per
 * AMP), as runs not yet checked or stored; input rows numbered from `firstRow`.
 */
function scatterInputs(ctx: WriteContext, entry: TableEntry, inputs: readonly StoreInput[], uniqueness: UniquenessCounter, firstRow: number,
  placed = inputs.map((input) => placeRows(ctx, entry, input.columns, input.length, {}))): { shares: AmpShare[]; ampOfRow: () => Uint16Array } {
  // NoPI rows are spread by what the AMPs hold, which would differ input by input.
  assert(entry.definition.primaryIndex !== null, `storeInputs into ${entry.qualifiedName}: a table without a primary index`);
  const ampOfRows = placed.map((p) => p.ampOfRow);
  const counts = new Uint32Array(ctx.hashMap.amps);
  for (const p of placed) p.counts.forEach((n, amp) => { counts[amp] += n; });
  const data = entry.definition.columns.map((_c, k) => scatterDataMany(inputs.map((input) => input.columns[k]), ampOfRows, counts));
  const hashes = scatterUint32Many(placed.map((p) => p.rowHash), ampOfRows, counts);
  let all: Uint16Array | null = null;
  const ampOfRow = () => (all ??= concatAmps(ampOfRows));
  const shares: AmpShare[] = [];
  counts.forEach((n, amp) => {
    if (n === 0) return;
    const run = makeRun(batchOf(entry.schema, data.map((d) => d[amp] as arrow.Data), n), hashes[amp] as Uint32Array, uniqueness(amp, n));
    shares.push(lazyShare(amp, run, () => offsetRows(rowsOfGroup(ampOfRow(), amp, n), firstRow)));
  });
  return { shares, ampOfRow };
}

/** Input row numbers moved up by `by` (in place). */
function offsetRows(rows: Uint32Array, by: number): Uint32Array {
  if (by !== 0) for (let i = 0; i < rows.length; i++) rows[i] += by;
  return rows;
}

/**
 * Bytes of queued inputs a StatementStore scatters together: enough to make few runs of many
 * small inputs (64 source AMPs), few enough that a run's buffers (about this over the AMPs) come
 * from memory the allocator reuses, not fresh pages (one scatter of a 10M-row statement took
 * 1.4x the time of scattering it input by input, in page faults).
 */
const SCATTER_GROUP_BYTES = 16 * 1024 * 1024;
/** An input (a source AMP's rows of a source) of this many bytes is scattered alone, as it comes: grouping gains nothing then. */
const SCATTER_ALONE_BYTES = 1024 * 1024;

/** String bytes (between first and last offset) of the string columns among `columns`. */
function stringBytes(columns: readonly arrow.Data[]): number {
  let bytes = 0;
  for (const data of columns) {
    if (!data.valueOffsets) continue;
    const offsets = data.valueOffsets as Int32Array;
    bytes += offsets[data.length] - offsets[0];
  }
  return bytes;
}

/**
 * The new rows of one statement that stores many inputs (the redistributing insert-select: an
 * input per source AMP and source, or per stored run): inputs given as rows are placed as they
 * come (what each sends where is known then) and scattered together, a run per AMP for every
 * SCATTER_GROUP_BYTES of them — input by input, a 64-AMP system got 64 small runs per AMP,
 * each with buffers of its own, and merges; inputs a kernel already placed (a pool's) become runs as they are. Input
 * rows are numbered across the statement. One uniqueness check per AMP covers all the new runs
 * (input by input, against a store that grew with each, it cost the square of the inputs),
 * then every run is appended.
 */
export class StatementStore {
  readonly #ctx: WriteContext;
  readonly #entry: TableEntry;
  readonly #uniqueness: UniquenessCounter;
  readonly #shares: AmpShare[] = [];
  readonly #queued: { input: StoreInput; placed: Placed }[] = [];
  #queuedBytes = 0;
  /** What the statement gives: rows to place, or rows a kernel placed (never both). */
  #given: "rows" | "placed" | null = null;
  /** Fixed-width bytes of a row, as transfers count them (strings add their bytes). */
  #fixed = 0;
  #rows = 0;

  constructor(ctx: WriteContext, entry: TableEntry) {
    this.#ctx = ctx; this.#entry = entry;
    this.#uniqueness = uniquenessFrom(ctx, entry);
    for (const c of entry.definition.columns) this.#fixed += fixedWidthOf(c.type);
  }

  /**
   * Places `inputs` (their rows in order, as one input), to be scattered at commit; returns the
   * rows and bytes (fixed widths and string bytes, as transfers count them) each AMP gets.
   */
  scatter(inputs: readonly StoreInput[]): { rows: Float64Array; bytes: Float64Array } {
    this.#give("rows");
    const amps = this.#ctx.hashMap.amps;
    const rows = new Float64Array(amps); const bytes = new Float64Array(amps);
    const fixed = this.#fixed;
    let size = 0;
    for (const input of inputs) size += fixed * input.length + stringBytes(input.columns);
    if (size >= SCATTER_ALONE_BYTES) {
      // Large enough to scatter alone (as it comes, in order): what it sends where is its runs.
      this.#scatterQueued();
      const first = this.#shares.length;
      this.#queued.push(...inputs.map((input) => ({ input, placed: placeRows(this.#ctx, this.#entry, input.columns, input.length, {}) })));
      this.#scatterQueued();
      for (const { amp, run } of this.#shares.slice(first)) { rows[amp] += run.rowCount; bytes[amp] += fixed * run.rowCount + stringBytes(run.batch.data.children); }
      return { rows, bytes };
    }
    for (const input of inputs) {
      const placed = placeRows(this.#ctx, this.#entry, input.columns, input.length, {});
      const { ampOfRow } = placed;
      placed.counts.forEach((n, amp) => { rows[amp] += n; });
      for (const data of input.columns) if (data.valueOffsets) groupStringBytes(data, ampOfRow, amps).forEach((b, amp) => { bytes[amp] += b; });
      this.#queued.push({ input, placed });
    }
    for (let amp = 0; amp < amps; amp++) bytes[amp] += fixed * rows[amp];
    this.#queuedBytes += size;
    if (this.#queuedBytes >= SCATTER_GROUP_BYTES) this.#scatterQueued();
    return { rows, bytes };
  }

  /** The queued inputs scattered together, a run per AMP, numbered after the rows before them. */
  #scatterQueued(): void {
    if (this.#queued.length === 0) return;
    const queued = this.#queued.splice(0);
    this.#queuedBytes = 0;
    const { shares } = storing(this.#entry, () => scatterInputs(this.#ctx, this.#entry, queued.map((q) => q.input), this.#uniqueness, this.#rows, queued.map((q) => q.placed)));
    for (const q of queued) this.#rows += q.input.length;
    this.#shares.push(...shares);
  }

  /** Rows of one input a kernel placed (as storePlaced takes them; `rowsOf` numbers within the input); their shares, stored at commit. */
  placed(parts: readonly PlacedShare[], rowsOf: (part: number, count: number) => Uint32Array): AmpShare[] {
    this.#give("placed");
    const first = this.#rows;
    const shares = placedShares(this.#entry, parts, (p, count) => offsetRows(rowsOf(p, count), first), this.#uniqueness);
    for (const part of parts) this.#rows += part.rowHash.length;
    this.#shares.push(...shares);
    return shares;
  }

  #give(kind: "rows" | "placed"): void {
    assert(this.#given === null || this.#given === kind, `StatementStore: ${kind} given after ${this.#given}`);
    this.#given = kind;
  }

  /**
   * Scatters what was queued, checks uniqueness once per AMP, hands the new runs to `stored`
   * (to record and index them), then appends them in order, letting go of each as it is
   * appended: a merge's copy never lives next to every run it merged.
   */
  commit(stored: (shares: readonly AmpShare[]) => void): void {
    this.#scatterQueued();
    checkUniqueness(this.#ctx, this.#entry, this.#shares, "input row");
    stored(this.#shares);
    const shares = this.#shares.splice(0);
    storing(this.#entry, () => {
      for (let k = 0; k < shares.length; k++) {
        appendShares(this.#ctx, this.#entry, [shares[k]]);
        (shares as (AmpShare | undefined)[])[k] = undefined;
      }
    });
  }
}

/** AMP numbers of several inputs, one after the other. */
export function concatAmps(parts: readonly Uint16Array[]): Uint16Array {
  const out = new Uint16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/** `length` rows for `amp` as a run, numbered after what the AMP holds. */
function newRun(ctx: WriteContext, entry: TableEntry, amp: number, columns: readonly arrow.Data[], rowHash: Uint32Array, length: number): Run {
  return makeRun(batchOf(entry.schema, columns, length), rowHash, ctx.tx.fragment(amp, entry.id).nextUniqueness);
}

/** A share whose input row numbers are computed when first read (only error messages read them). */
function lazyShare(amp: number, run: Run, rowsOf: () => Uint32Array): AmpShare {
  let rows: Uint32Array | null = null;
  return { amp, run, get rows() { return (rows ??= rowsOf()); } };
}

/** first, first + 1, …: `length` input row numbers. */
export function consecutive(first: number, length: number): Uint32Array {
  const rows = new Uint32Array(length);
  for (let o = 0; o < length; o++) rows[o] = first + o;
  return rows;
}

/** One piece of an AMP-local store: columns with their row hashes (already this AMP's rows). */
export interface Piece {
  readonly columns: readonly arrow.Data[];
  readonly rowHash: Uint32Array;
  readonly length: number;
}

/**
 * Stores pieces that all belong on `amp` (an AMP-local insert-select) as runs of their own,
 * without copying a row: the runs share the pieces' buffers (runs are immutable). One
 * uniqueness check covers all pieces and what the AMP holds. Input rows are numbered across
 * the pieces in order, from `firstRow` (the rows a statement stored on AMPs before).
 */
export function storePieces(ctx: WriteContext, entry: TableEntry, amp: number, pieces: readonly Piece[], options: { rowWord?: string; firstRow?: number } = {}): StoreResult {
  const fragment = ctx.tx.fragment(amp, entry.id);
  let next = fragment.nextUniqueness; let base = 0;
  const firstRow = options.firstRow ?? 0;
  const shares: AmpShare[] = [];
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    const first = base;
    shares.push(lazyShare(amp, makeRun(batchOf(entry.schema, piece.columns, piece.length), piece.rowHash, next), () => consecutive(firstRow + first, piece.length)));
    next += piece.length; base += piece.length;
  }
  checkUniqueness(ctx, entry, shares, options.rowWord ?? "input row");
  let stored = fragment;
  for (const { run } of shares) stored = appendRun(entry.schema, stored, run, stored.nextUniqueness + run.rowCount, runsMaxOf(entry));
  if (shares.length > 0) ctx.tx.put(amp, entry.id, stored, entry.qualifiedName);
  // Every row's AMP is `amp`: made only when asked (index maintenance), not for every insert-select.
  let ampOfRow: Uint16Array | null = null;
  return { shares, get ampOfRow() { return (ampOfRow ??= new Uint16Array(base).fill(amp)); } };
}

/**
 * UPI: no two rows with equal PI values; SET: no two equal rows. Equal values have equal row
 * hashes and so sit on one AMP: each AMP merge-walks its new run's sorted hashes against its
 * stored runs' and compares only rows whose hashes meet.
 */
function checkUniqueness(ctx: WriteContext, entry: TableEntry, shares: readonly AmpShare[], rowWord: string): void {
  const def = entry.definition;
  const uniquePI = def.primaryIndex?.unique === true;
  if (!uniquePI && def.setness !== "set") return;
  const compare = uniquePI ? piColumnIndexes(entry) : def.columns.map((_c, i) => i);
  const fullHash = uniquePI ? null : (cols: readonly arrow.Data[]) => rowHashColumns(def.columns.map((c, i) => ({ type: c.type, data: cols[i] })));
  const byAmp = new Map<number, AmpShare[]>();
  for (const share of shares) byAmp.set(share.amp, [...(byAmp.get(share.amp) ?? []), share]);
  for (const [amp, group] of byAmp) {
    const stored = ctx.tx.fragment(amp, entry.id).runs;
    const pair = findDuplicateAmong(group.map((g) => g.run), stored, compare, fullHash);
    if (!pair) continue;
    const share = group[pair.run];
    const input = share.rows[pair.row];
    const shown = shownValues(share.run.batch.data.children, pair.row, compare);
    const where = pair.other.stored ? `is already stored on AMP ${amp}` : `repeats ${rowWord} ${group[pair.other.run].rows[pair.other.row]}`;
    if (uniquePI) {
      const names = compare.map((c) => def.columns[c].name).join(", ");
      throw new AmpsimError("DUPLICATE_KEY", `unique primary index (${names}) of ${entry.qualifiedName}: value (${shown}) of ${rowWord} ${input} ${where}`,
        { table: entry.qualifiedName, column: names, value: shown, row: input, amp, stored: pair.other.stored });
    }
    throw new AmpsimError("DUPLICATE_ROW", `SET table ${entry.qualifiedName}: ${rowWord} ${input} (${shown}) ${where}`,
      { table: entry.qualifiedName, value: shown, row: input, amp });
  }
}
