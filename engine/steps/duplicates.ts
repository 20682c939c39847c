/**
 * Finding equal rows fast: UPI and USI values, and whole rows of SET tables.
 *
 * Rows carry two 32-bit keys (the row hash, and for whole-row checks a hash of
 * every column). Sorting by both brings candidates together in O(n log n); only
 * rows with equal keys are compared value by value, so heavy NUPI duplicates in
 * a SET table do not turn quadratic.
 */
import * as arrow from "apache-arrow";
import { isValidAt, wordView } from "../storage/column-data.js";
import { sortPermutationByKey } from "../storage/radix-sort.js";

export interface KeyedRows {
  readonly columns: readonly arrow.Data[];
  readonly key1: Uint32Array;
  readonly key2: Uint32Array | null;
}

export interface DuplicatePair {
  /** Index into the new rows. */
  readonly row: number;
  /** The other row: another new row, or a stored candidate row. */
  readonly other: { readonly stored: boolean; readonly row: number };
}

/**
 * The first pair of equal rows (on `compare` columns) that involves a new row, or null.
 * Stored rows are assumed distinct among themselves.
 */
export function findDuplicate(fresh: KeyedRows, stored: KeyedRows | null, compare: readonly number[]): DuplicatePair | null {
  const n = fresh.key1.length;
  const m = stored ? stored.key1.length : 0;
  const key1 = new Uint32Array(n + m);
  const key2 = new Uint32Array(n + m);
  key1.set(fresh.key1); if (stored) key1.set(stored.key1, n);
  if (fresh.key2) key2.set(fresh.key2);
  if (stored?.key2) key2.set(stored.key2, n);
  const perm = sortPermutationByKey(key1, sortPermutationByKey(key2));
  const side = (i: number) => (i < n ? { data: fresh.columns, row: i } : { data: stored!.columns, row: i - n });
  let start = 0;
  while (start < perm.length) {
    let end = start + 1;
    while (end < perm.length && key1[perm[end]] === key1[perm[start]] && key2[perm[end]] === key2[perm[start]]) end++;
    if (end - start > 1) {
      const found = duplicateInGroup(perm, start, end, n, side, compare);
      if (found) return found;
    }
    start = end;
  }
  return null;
}

type Side = (i: number) => { data: readonly arrow.Data[]; row: number };

function duplicateInGroup(perm: Uint32Array, start: number, end: number, n: number, side: Side, compare: readonly number[]): DuplicatePair | null {
  const representatives: number[] = [];
  for (let i = start; i < end; i++) {
    const candidate = perm[i];
    const a = side(candidate);
    const match = representatives.find((r) => { const b = side(r); return rowsEqual(a.data, a.row, b.data, b.row, compare); });
    if (match === undefined) { representatives.push(candidate); continue; }
    if (candidate < n || match < n) {
      const fresh = candidate < n ? candidate : match;
      const other = fresh === candidate ? match : candidate;
      return { row: fresh, other: { stored: other >= n, row: other < n ? other : other - n } };
    }
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
  const wa = wordView(a); const wb = wordView(b);
  for (let k = 0; k < wa.perRow; k++) if (wa.words[i * wa.perRow + k] !== wb.words[j * wb.perRow + k]) return false;
  return true;
}

/** Plain JS values of row `row` in `columns`, for error messages. */
export function plainValues(columns: readonly arrow.Data[], row: number, which: readonly number[]): unknown[] {
  return which.map((c) => {
    const value = arrow.makeVector(columns[c]).get(row) as unknown;
    return value instanceof Uint32Array ? "(decimal)" : value;
  });
}
