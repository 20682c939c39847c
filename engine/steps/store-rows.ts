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
import type { TableEntry } from "../catalog/catalog.js";
import { AmpsimError, showValue } from "../errors.js";
import { rowHashColumns } from "../hash/row-hash.js";
import type { HashMap } from "../hash/hash-map.js";
import { concatData, dataBytes, gatherData } from "../storage/column-data.js";
import { appendRun, type Fragment } from "../storage/fragment.js";
import { groupRows, sortPermutationByKey } from "../storage/radix-sort.js";
import { batchOf, makeRun, type Run } from "../storage/run.js";
import type { Transaction } from "../storage/transaction.js";
import { findDuplicate, plainValues, type KeyedRows } from "./duplicates.js";

/** What a step needs to write: the system's map, the open transaction. */
export interface WriteContext {
  readonly hashMap: HashMap;
  readonly tx: Transaction;
  /** Row hash of NoPI rows stored on each AMP (a bucket the AMP owns), so every row's hash maps to its AMP. */
  readonly nopiHash: Uint32Array;
}

export interface StoreOptions {
  /** Row hashes already known (insert-select between tables with the same PI columns). */
  readonly rowHash?: Uint32Array;
  /** An explicit AMP per row (AMP-local subtables of NUSIs). */
  readonly placement?: Uint16Array;
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
  readonly rowBytes: number;
}

export function piColumnIndexes(entry: TableEntry): number[] {
  const pi = entry.definition.primaryIndex;
  if (!pi) return [];
  return pi.columns.map((name) => entry.definition.columns.findIndex((c) => c.name === name));
}

/** The row hashes of `columns` for `entry`'s primary index. */
export function hashRows(entry: TableEntry, columns: readonly arrow.Data[]): Uint32Array {
  const pi = piColumnIndexes(entry);
  return rowHashColumns(pi.map((c) => ({ type: entry.definition.columns[c].type, data: columns[c] })));
}

/** Stores `length` rows given as one Data per column of `entry`; returns what each AMP got. */
export function storeRows(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], length: number, options: StoreOptions = {}): StoreResult {
  const amps = ctx.hashMap.amps;
  const hasPI = entry.definition.primaryIndex !== null;
  const { ampOfRow, rowHash } = placeRows(ctx, entry, columns, length, options);
  const sorted = hasPI ? sortPermutationByKey(rowHash) : undefined;
  const { perm, offsets } = groupRows(ampOfRow, amps, sorted);
  checkUniqueness(ctx, entry, columns, rowHash, ampOfRow, perm, offsets, options.rowWord ?? "input row");
  const shares: AmpShare[] = [];
  for (let amp = 0; amp < amps; amp++) {
    const start = offsets[amp]; const end = offsets[amp + 1];
    if (start === end) continue;
    const fragment = ctx.tx.fragment(amp, entry.id);
    const run = buildRun(entry, columns, rowHash, perm, start, end, fragment.nextUniqueness);
    ctx.tx.put(amp, entry.id, appendRun(entry.schema, fragment, run, fragment.nextUniqueness + (end - start)), entry.qualifiedName);
    shares.push({ amp, rows: perm.subarray(start, end), run });
  }
  let rowBytes = 0;
  for (const c of columns) rowBytes += dataBytes(c);
  return { shares, ampOfRow, rowBytes };
}

function placeRows(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], length: number, options: StoreOptions): { ampOfRow: Uint16Array; rowHash: Uint32Array } {
  const { hashMap } = ctx;
  if (entry.definition.primaryIndex === null) {
    const ampOfRow = options.placement ?? spreadRows(ctx, entry, length);
    const rowHash = new Uint32Array(length);
    for (let i = 0; i < length; i++) rowHash[i] = ctx.nopiHash[ampOfRow[i]];
    return { ampOfRow, rowHash };
  }
  const rowHash = options.rowHash ?? hashRows(entry, columns);
  let ampOfRow = options.placement;
  if (!ampOfRow) {
    ampOfRow = new Uint16Array(length);
    const buckets = hashMap.buckets;
    const shift = 32 - hashMap.hashBits;
    for (let i = 0; i < length; i++) ampOfRow[i] = buckets[rowHash[i] >>> shift];
  }
  return { ampOfRow, rowHash };
}

/** NoPI rows: contiguous, balanced chunks, starting at an AMP that rotates with the table's size. */
function spreadRows(ctx: WriteContext, entry: TableEntry, length: number): Uint16Array {
  const amps = ctx.hashMap.amps;
  let stored = 0;
  for (let amp = 0; amp < amps; amp++) stored += ctx.tx.fragment(amp, entry.id).nextUniqueness;
  const first = stored % amps;
  const out = new Uint16Array(length);
  for (let k = 0; k < amps; k++) {
    const from = Math.floor((k * length) / amps); const to = Math.floor(((k + 1) * length) / amps);
    out.fill((first + k) % amps, from, to);
  }
  return out;
}

function buildRun(entry: TableEntry, columns: readonly arrow.Data[], rowHash: Uint32Array, perm: Uint32Array, start: number, end: number, firstUniqueness: number): Run {
  const data = columns.map((c) => gatherData(c, perm, start, end));
  const hashes = new Uint32Array(end - start);
  const uniqueness = new Uint32Array(end - start);
  for (let i = start, o = 0; i < end; i++, o++) { hashes[o] = rowHash[perm[i]]; uniqueness[o] = firstUniqueness + o; }
  return makeRun(batchOf(entry.schema, data, end - start), hashes, uniqueness);
}

/** UPI: no two rows with equal PI values; SET: no two equal rows. Checked within the input and against stored rows. */
function checkUniqueness(ctx: WriteContext, entry: TableEntry, columns: readonly arrow.Data[], rowHash: Uint32Array,
  ampOfRow: Uint16Array, perm: Uint32Array, offsets: Uint32Array, rowWord: string): void {
  const def = entry.definition;
  const uniquePI = def.primaryIndex?.unique === true;
  const setTable = def.setness === "set";
  if (!uniquePI && !setTable) return;
  const compare = uniquePI ? piColumnIndexes(entry) : def.columns.map((_c, i) => i);
  const stored = storedCandidates(ctx, entry, rowHash, perm, offsets);
  const fullHash = (cols: readonly arrow.Data[]) => rowHashColumns(def.columns.map((c, i) => ({ type: c.type, data: cols[i] })));
  const fresh: KeyedRows = { columns, key1: rowHash, key2: uniquePI ? null : fullHash(columns) };
  const storedRows: KeyedRows | null = stored ? { columns: stored.columns, key1: stored.rowHash, key2: uniquePI ? null : fullHash(stored.columns) } : null;
  const pair = findDuplicate(fresh, storedRows, compare);
  if (!pair) return;
  const shown = plainValues(columns, pair.row, compare).map(showValue).join(", ");
  const where = pair.other.stored ? `is already stored on AMP ${stored!.amps[pair.other.row]}` : `repeats ${rowWord} ${pair.other.row}`;
  if (uniquePI) {
    const names = compare.map((c) => def.columns[c].name).join(", ");
    throw new AmpsimError("DUPLICATE_KEY", `unique primary index (${names}) of ${entry.qualifiedName}: value (${shown}) of ${rowWord} ${pair.row} ${where}`,
      { table: entry.qualifiedName, column: names, value: shown, row: pair.row, amp: ampOfRow[pair.row] });
  }
  throw new AmpsimError("DUPLICATE_ROW", `SET table ${entry.qualifiedName}: ${rowWord} ${pair.row} (${shown}) ${where}`,
    { table: entry.qualifiedName, value: shown, row: pair.row, amp: ampOfRow[pair.row] });
}

/** Stored rows whose row hash equals a new row's hash on the same AMP (merge walk per run). */
function storedCandidates(ctx: WriteContext, entry: TableEntry, rowHash: Uint32Array, perm: Uint32Array, offsets: Uint32Array):
  { columns: arrow.Data[]; rowHash: Uint32Array; amps: number[] } | null {
  const pieces: { run: Run; rows: Uint32Array; amp: number }[] = [];
  for (let amp = 0; amp + 1 < offsets.length; amp++) {
    const start = offsets[amp]; const end = offsets[amp + 1];
    if (start === end) continue;
    const fragment: Fragment = ctx.tx.fragment(amp, entry.id);
    for (const run of fragment.runs) {
      const rows = matchingRows(run.rowHash, rowHash, perm, start, end);
      if (rows.length > 0) pieces.push({ run, rows, amp });
    }
  }
  if (pieces.length === 0) return null;
  const columns = entry.schema.fields.map((_f, c) => concatData(pieces.map((p) => gatherData(p.run.batch.data.children[c], p.rows))));
  const total = pieces.reduce((s, p) => s + p.rows.length, 0);
  const hashes = new Uint32Array(total); const amps: number[] = [];
  let at = 0;
  for (const p of pieces) for (const r of p.rows) { hashes[at++] = p.run.rowHash[r]; amps.push(p.amp); }
  return { columns, rowHash: hashes, amps };
}

/** Indexes of `runHash` (sorted) whose hash occurs among `rowHash[perm[start..end)]` (sorted by hash). */
function matchingRows(runHash: Uint32Array, rowHash: Uint32Array, perm: Uint32Array, start: number, end: number): Uint32Array {
  const out: number[] = [];
  let i = start; let j = 0;
  while (i < end && j < runHash.length) {
    const a = rowHash[perm[i]]; const b = runHash[j];
    if (a < b) i++;
    else if (a > b) j++;
    else { while (j < runHash.length && runHash[j] === a) out.push(j++); while (i < end && rowHash[perm[i]] === a) i++; }
  }
  return Uint32Array.from(out);
}
