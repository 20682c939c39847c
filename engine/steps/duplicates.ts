/**
 * Finding equal rows fast: UPI values, and whole rows of SET tables.
 *
 * Equal values have equal row hashes, so the new run's sorted hashes are
 * merge-walked against every stored run's; only rows whose hashes meet are
 * compared. A UPI check of a run that is not much smaller than what is stored
 * (a load into an empty or small table, the insert-select of a migration) skips
 * the sort: it puts every row hash into an open-addressing table and compares
 * rows only when their hashes meet there (that search in WebAssembly where it loads: about 1.6×
 * the JavaScript). In SET tables the rows of one row hash (a hot NUPI value) are first
 * ordered by a hash of the whole row, so heavy duplicates do not turn quadratic.
 */
import * as arrow from "apache-arrow";
import { showValue } from "../errors.js";
import { formatDecimal, readDecimal } from "../catalog/values.js";
import { isValidAt, wordView } from "../storage/column-data.js";
import type { Run } from "../storage/run.js";
import { instantiateWasm, type WasmInstance } from "../wasm.js";
import { DUPLICATES_WASM } from "./duplicates-wasm.js";

export interface DuplicatePair {
  /** Row number in the new run. */
  readonly row: number;
  /** The other row: another row of the new run, or a row of a stored run (`run`: its index in `stored`; 0 for the new run). */
  readonly other: { readonly stored: boolean; readonly row: number; readonly run: number };
}

interface Member { readonly run: Run; readonly stored: boolean; readonly row: number; key2: number }

/**
 * The first pair of equal rows (on `compare` columns) that involves a row of `fresh`, or null.
 * `fullHash` (SET tables) hashes whole rows to split large groups; stored rows are distinct among themselves.
 */
export function findDuplicate(fresh: Run, stored: readonly Run[], compare: readonly number[],
  fullHash: ((columns: readonly arrow.Data[]) => Uint32Array) | null): DuplicatePair | null {
  if (fullHash === null && usesHashTable([fresh], stored)) {
    const pair = findDuplicateByHashTable([fresh], stored, compare);
    return pair && { row: pair.row, other: pair.other };
  }
  const hashes = fresh.sortedHash; const order = fresh.order;
  const cursors = stored.map(() => 0);
  const fullHashes = new Map<Run, Uint32Array>();
  const keyOf = (run: Run, row: number) => {
    let all = fullHashes.get(run);
    if (!all) { all = fullHash!(run.batch.data.children); fullHashes.set(run, all); }
    return all[row];
  };
  for (let i = 0; i < hashes.length;) {
    const hash = hashes[i];
    let j = i + 1;
    while (j < hashes.length && hashes[j] === hash) j++;
    if (j === i + 1 && !storedHas(stored, cursors, hash)) { i = j; continue; }
    const members: Member[] = [];
    for (let k = i; k < j; k++) members.push({ run: fresh, stored: false, row: order[k], key2: 0 });
    stored.forEach((run, r) => {
      const sorted = run.sortedHash;
      let c = cursors[r];
      while (c < sorted.length && sorted[c] < hash) c++;
      for (; c < sorted.length && sorted[c] === hash; c++) members.push({ run, stored: true, row: run.order[c], key2: 0 });
      cursors[r] = c;
    });
    if (members.length > 1) {
      if (fullHash) {
        for (const m of members) m.key2 = keyOf(m.run, m.row);
        members.sort((a, b) => a.key2 - b.key2);
      }
      const found = duplicateInGroup(members, compare, fullHash !== null);
      if (found) return { row: found.row, other: { ...found.other, run: found.other.stored ? stored.indexOf(found.otherRun) : 0 } };
    }
    i = j;
  }
  return null;
}

/** The hash table pays off when it need not hold much more than the new rows (sorted stored runs are merge-walked cheaply). */
function usesHashTable(fresh: readonly Run[], stored: readonly Run[]): boolean {
  let storedRows = 0; let freshRows = 0;
  for (const run of stored) storedRows += run.rowCount;
  for (const run of fresh) freshRows += run.rowCount;
  return freshRows >= 64 && storedRows <= 2 * freshRows;
}

/** A pair of equal rows among several new runs: `run` indexes the new runs, `other.run` the stored or the new ones. */
export interface ManyPair {
  readonly run: number;
  readonly row: number;
  readonly other: { readonly stored: boolean; readonly run: number; readonly row: number };
}

/**
 * The first pair of equal rows involving a row of the new runs `fresh` (stored by one statement
 * on one AMP): against the stored runs and against each other.
 */
export function findDuplicateAmong(fresh: readonly Run[], stored: readonly Run[], compare: readonly number[],
  fullHash: ((columns: readonly arrow.Data[]) => Uint32Array) | null): ManyPair | null {
  if (fresh.length > 1 && fullHash === null && usesHashTable(fresh, stored)) return findDuplicateByHashTable(fresh, stored, compare);
  for (let k = 0; k < fresh.length; k++) {
    const pair = findDuplicate(fresh[k], [...stored, ...fresh.slice(0, k)], compare, fullHash);
    if (!pair) continue;
    const { row, run } = pair.other;
    if (!pair.other.stored) return { run: k, row: pair.row, other: { stored: false, run: k, row } };
    return run < stored.length ? { run: k, row: pair.row, other: { stored: true, run, row } } : { run: k, row: pair.row, other: { stored: false, run: run - stored.length, row } };
  }
  return null;
}

const PARTITION_BITS = 8;
const PARTITIONS = 1 << PARTITION_BITS;

/** Scratch, grown as needed and reused (fresh memory costs page faults). */
let scratchRefs = new Int32Array(0);
let scratchHashes = new Int32Array(0);
let scratchTable = new Int32Array(0);

/**
 * Every row hash (stored runs first, then the new run) is first partitioned by the top bits
 * of its mixed hash into 256 partitions (one counting pass, one scatter), so that each
 * partition's hash table is small enough for the cache; within a partition stored rows go in
 * first (distinct among themselves, never compared with each other), then the new rows in
 * order, each comparing values with the earlier rows of its hash before taking a slot.
 */
function findDuplicateByHashTable(fresh: readonly Run[], stored: readonly Run[], compare: readonly number[]): ManyPair | null {
  const runs = [...stored, ...fresh];
  // Rows are numbered across the runs (stored first): run r's rows from starts[r] on.
  const starts = new Float64Array(runs.length + 1);
  for (let r = 0; r < runs.length; r++) starts[r + 1] = starts[r] + runs[r].rowCount;
  const found = useWasm ? findDuplicateWasm(runs, starts, stored.length, compare) : undefined;
  return found !== undefined ? found : findDuplicateByHashTableJs(runs, starts, stored.length, compare);
}

/**
 * The pair of rows `ref` (a new one) and `other` (numbered as in findDuplicateByHashTable), when
 * their `compare` values are equal, else null. Their runs are found only for rows whose hashes
 * meet (a search per row cost O(runs) a row).
 */
function equalPair(runs: readonly Run[], starts: Float64Array, storedRuns: number, ref: number, other: number, compare: readonly number[]): ManyPair | null {
  const r = runOf(starts, ref); const row = ref - starts[r];
  const o = runOf(starts, other); const otherRow = other - starts[o];
  if (!rowsEqual(runs[o].batch.data.children, otherRow, runs[r].batch.data.children, row, compare)) return null;
  const storedOther = o < storedRuns;
  return { run: r - storedRuns, row, other: { stored: storedOther, run: storedOther ? o : o - storedRuns, row: otherRow } };
}

/** The run that row `ref` is in (starts: each run's first row number, and the total). */
function runOf(starts: Float64Array, ref: number): number {
  let low = 0; let high = starts.length - 2;
  while (low < high) { const mid = (low + high + 1) >>> 1; if (starts[mid] <= ref) low = mid; else high = mid - 1; }
  return low;
}

function findDuplicateByHashTableJs(runs: readonly Run[], starts: Float64Array, storedRuns: number, compare: readonly number[]): ManyPair | null {
  const total = starts[runs.length];
  if (scratchRefs.length < total) { scratchRefs = new Int32Array(total); scratchHashes = new Int32Array(total); }
  const refs = scratchRefs; const hashes = scratchHashes;
  const bounds = new Int32Array(PARTITIONS + 1);
  for (const run of runs) {
    const rowHash = run.rowHash;
    for (let i = 0; i < rowHash.length; i++) bounds[(mixed(rowHash[i]) >>> (32 - PARTITION_BITS)) + 1]++;
  }
  let largest = 0;
  for (let p = 0; p < PARTITIONS; p++) { largest = Math.max(largest, bounds[p + 1]); bounds[p + 1] += bounds[p]; }
  const cursor = bounds.slice(0, PARTITIONS);
  // The mixed hashes are kept: mixing is a bijection, so they are equal exactly when the row hashes are.
  for (let r = 0; r < runs.length; r++) {
    const rowHash = runs[r].rowHash; const first = starts[r];
    for (let i = 0; i < rowHash.length; i++) {
      const m = mixed(rowHash[i]);
      const at = cursor[m >>> (32 - PARTITION_BITS)]++;
      refs[at] = first + i; hashes[at] = m | 0;
    }
  }
  let capacity = 16;
  while (capacity < 2 * largest) capacity *= 2;
  if (scratchTable.length < 2 * capacity) scratchTable = new Int32Array(2 * capacity);
  const slots = scratchTable;
  const freshFirst = starts[storedRuns];
  for (let p = 0; p < PARTITIONS; p++) {
    const from = bounds[p]; const to = bounds[p + 1];
    if (to - from < 2) continue;
    let size = 16;
    while (size < 2 * (to - from)) size *= 2;
    const mask = size - 1;
    // Slots hold (mixed hash, ref + 1); 0 is empty.
    slots.fill(0, 0, 2 * size);
    for (let k = from; k < to; k++) {
      const h = hashes[k]; const ref = refs[k];
      let at = (h >>> 8) & mask;
      if (ref >= freshFirst) {
        for (let held = slots[2 * at + 1]; held !== 0; at = (at + 1) & mask, held = slots[2 * at + 1]) {
          if (slots[2 * at] !== h) continue;
          const pair = equalPair(runs, starts, storedRuns, ref, held - 1, compare);
          if (pair) return pair;
        }
      } else {
        while (slots[2 * at + 1] !== 0) at = (at + 1) & mask;
      }
      slots[2 * at] = h; slots[2 * at + 1] = ref + 1;
    }
  }
  return null;
}

/*
 * The search in WebAssembly (duplicates.wat): the same partitions, tables and probing order, so
 * the pairs of equal row hashes it reports are the ones the JavaScript compares, in its order;
 * they are compared here, the first equal pair is the answer. Its memory: the partition bounds
 * and cursors, the rows' hashes, their row numbers and mixed hashes in partition order, the
 * largest partition's table, and the pairs (WASM_MAX_PAIRS; more, and the JavaScript searches).
 * A memory never shrinks: WASM_MAX_ROWS bounds what it keeps (12 bytes a row, about 50 MB).
 */
const WASM_MIN_ROWS = 4096;
const WASM_MAX_ROWS = 1 << 22;
const WASM_MAX_PAIRS = 4096;

interface DuplicatesExports {
  partition(hashes: number, rows: number, bounds: number, cursor: number, refs: number, mixed: number): number;
  probe(bounds: number, refs: number, mixed: number, freshFirst: number, table: number, out: number, outMax: number): number;
}

const wasm: WasmInstance<DuplicatesExports> | null = instantiateWasm<DuplicatesExports>(DUPLICATES_WASM, 0, "duplicates.wat");
let useWasm = wasm !== null;

/** Whether WebAssembly searches for equal row hashes (true where it loads); tests turn it off to compare. */
export function duplicatesWasm(enabled?: boolean): boolean {
  if (enabled !== undefined) useWasm = enabled && wasm !== null;
  return useWasm;
}

/** findDuplicateByHashTable's answer found in WebAssembly, or undefined when it does not take these runs (the JavaScript then searches). */
function findDuplicateWasm(runs: readonly Run[], starts: Float64Array, storedRuns: number, compare: readonly number[]): ManyPair | null | undefined {
  const total = starts[runs.length];
  if (wasm === null || total < WASM_MIN_ROWS || total > WASM_MAX_ROWS) return undefined;
  const BOUNDS = 0; const CURSOR = BOUNDS + 257 * 4; const HASHES = CURSOR + 256 * 4 + 4;
  const REFS = HASHES + total * 4; const MIXED = REFS + total * 4; const PAIRS = MIXED + total * 4; const TABLE = PAIRS + WASM_MAX_PAIRS * 8;
  if (!wasm.ensure(TABLE)) return undefined;
  for (let r = 0; r < runs.length; r++) wasm.uwords.set(runs[r].rowHash, (HASHES >> 2) + starts[r]);
  const largest = wasm.exports.partition(HASHES, total, BOUNDS, CURSOR, REFS, MIXED);
  let size = 16;
  while (size < 2 * largest) size *= 2;
  if (!wasm.ensure(TABLE + size * 8)) return undefined;
  const pairs = wasm.exports.probe(BOUNDS, REFS, MIXED, starts[storedRuns], TABLE, PAIRS, WASM_MAX_PAIRS);
  if (pairs < 0) return undefined;
  const found = wasm.words.slice(PAIRS >> 2, (PAIRS >> 2) + 2 * pairs);
  for (let k = 0; k < 2 * pairs; k += 2) {
    const pair = equalPair(runs, starts, storedRuns, found[k], found[k + 1], compare);
    if (pair) return pair;
  }
  return null;
}

/**
 * A row hash mixed (Fibonacci hashing of all its bits) to pick a partition and a slot. Never the
 * hash's own bits: the rows of one AMP share the bits of their buckets (the top bits).
 */
function mixed(hash: number): number {
  return Math.imul(hash ^ (hash >>> 16), 0x9e3779b1) >>> 0;
}

/** Advances every stored run's cursor to `hash`; true when some stored run holds it. */
function storedHas(stored: readonly Run[], cursors: number[], hash: number): boolean {
  let found = false;
  for (let r = 0; r < stored.length; r++) {
    const sorted = stored[r].sortedHash;
    let c = cursors[r];
    while (c < sorted.length && sorted[c] < hash) c++;
    cursors[r] = c;
    if (c < sorted.length && sorted[c] === hash) found = true;
  }
  return found;
}

/** Compares members with equal key2 (all of them when not split) against per-value representatives. */
function duplicateInGroup(members: readonly Member[], compare: readonly number[], split: boolean): { row: number; other: { stored: boolean; row: number }; otherRun: Run } | null {
  let representatives: Member[] = [];
  for (let k = 0; k < members.length; k++) {
    const m = members[k];
    if (split && k > 0 && members[k - 1].key2 !== m.key2) representatives = [];
    const match = representatives.find((r) => rowsEqual(r.run.batch.data.children, r.row, m.run.batch.data.children, m.row, compare));
    if (!match) { representatives.push(m); continue; }
    if (m.stored && match.stored) continue;
    const fresh = m.stored ? match : m;
    const other = fresh === m ? match : m;
    return { row: fresh.row, other: { stored: other.stored, row: other.row }, otherRun: other.run };
  }
  return null;
}

/** True when rows `i` of `a` and `j` of `b` hold equal values (NULL equals NULL) in every listed column. */
export function rowsEqual(a: readonly arrow.Data[], i: number, b: readonly arrow.Data[], j: number, columns: readonly number[]): boolean {
  for (const c of columns) if (!valuesEqual(a[c], i, b[c], j)) return false;
  return true;
}

export function valuesEqual(a: arrow.Data, i: number, b: arrow.Data, j: number): boolean {
  const validA = isValidAt(a, i);
  if (validA !== isValidAt(b, j)) return false;
  if (!validA) return true;
  if (a.valueOffsets) {
    const oa = a.valueOffsets as Int32Array; const ob = b.valueOffsets as Int32Array;
    const la = oa[i + 1] - oa[i];
    if (la !== ob[j + 1] - ob[j]) return false;
    const va = a.values as Uint8Array; const vb = b.values as Uint8Array;
    for (let k = 0; k < la; k++) if (va[oa[i] + k] !== vb[ob[j] + k]) return false;
    return true;
  }
  if (arrow.DataType.isBool(a.type)) {
    const ba = i + a.offset; const bb = j + b.offset;
    return (((a.values as Uint8Array)[ba >>> 3] >>> (ba & 7)) & 1) === (((b.values as Uint8Array)[bb >>> 3] >>> (bb & 7)) & 1);
  }
  if (arrow.DataType.isFloat(a.type)) {
    // SQL equality: -0 equals +0; every NaN is one value, as the row hash has it.
    const x = (a.values as Float64Array)[i]; const y = (b.values as Float64Array)[j];
    return x === y || (x !== x && y !== y);
  }
  const wa = cachedWordView(a); const wb = cachedWordView(b);
  for (let k = 0; k < wa.perRow; k++) if (wa.words[i * wa.perRow + k] !== wb.words[j * wb.perRow + k]) return false;
  return true;
}

const views = new WeakMap<arrow.Data, ReturnType<typeof wordView>>();

function cachedWordView(data: arrow.Data): ReturnType<typeof wordView> {
  let view = views.get(data);
  if (!view) { view = wordView(data); views.set(data, view); }
  return view;
}

/**
 * Row `row`'s values in the `which` columns as an error message shows them: "1.50, 2024-01-01,
 * 'x'" — a decimal as its text, a DATE as its day, a TIMESTAMP in ISO form, NULL as NULL.
 */
export function shownValues(columns: readonly arrow.Data[], row: number, which: readonly number[]): string {
  return which.map((c) => {
    const data = columns[c];
    if (!isValidAt(data, row)) return "NULL";
    const type = data.type as arrow.DataType;
    if (arrow.DataType.isDecimal(type)) return formatDecimal(readDecimal(data.values as Uint32Array, row), type.scale);
    const value = arrow.makeVector(data).get(row) as unknown;
    if (arrow.DataType.isDate(type)) return new Date(Number(value)).toISOString().split("T")[0]; // +010000-01-01 past year 9999
    if (arrow.DataType.isTimestamp(type)) return new Date(Number(value)).toISOString();
    return showValue(value);
  }).join(", ");
}
