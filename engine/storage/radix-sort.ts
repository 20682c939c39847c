/**
 * Stable sorts that produce permutations (index arrays) rather than moving rows:
 * the hot paths sort a Uint32Array of row hashes, then gather every column once.
 */

/** 11-bit digits (3 passes; measured faster than 16-bit digits up to millions of keys here: the 64K counters thrash the cache); 16-bit digits (2 passes) only for very large inputs. */
const DIGIT_BITS = 11;
const WIDE_DIGIT_BITS = 16;
const WIDE_FROM_ROWS = 1 << 24;
const SMALL = 64;

/**
 * A stable permutation that orders `keys[perm[i]]` ascending (unsigned 32-bit).
 * `perm` may hold an initial order (for example rows grouped by AMP); stability keeps it for equal keys.
 * LSD radix sort that carries each key along with its row index, so every pass reads sequentially.
 */
export function sortPermutationByKey(keys: Uint32Array, perm?: Uint32Array): Uint32Array {
  const n = perm ? perm.length : keys.length;
  let rows: Uint32Array = perm ? perm.slice() : identity(n);
  if (n < SMALL) return insertionSort(keys, rows);
  let sortKeys: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) sortKeys[i] = keys[rows[i]];
  let nextRows: Uint32Array = new Uint32Array(n);
  let nextKeys: Uint32Array = new Uint32Array(n);
  const bits = n >= WIDE_FROM_ROWS ? WIDE_DIGIT_BITS : DIGIT_BITS;
  const counts = new Uint32Array(1 << bits);
  for (let shift = 0; shift < 32; shift += bits) {
    if (!sortsByDigit(sortKeys, rows, nextKeys, nextRows, counts, shift)) continue;
    let swap = rows; rows = nextRows; nextRows = swap;
    swap = sortKeys; sortKeys = nextKeys; nextKeys = swap;
  }
  return rows;
}

/** One LSD pass; returns false (and writes nothing) when every key has the same digit. */
function sortsByDigit(keys: Uint32Array, rows: Uint32Array, nextKeys: Uint32Array, nextRows: Uint32Array, counts: Uint32Array, shift: number): boolean {
  counts.fill(0);
  const n = keys.length;
  const digits = counts.length;
  const mask = digits - 1;
  for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & mask]++;
  for (let d = 0; d < digits; d++) if (counts[d] === n) return false;
  let sum = 0;
  for (let d = 0; d < digits; d++) { const c = counts[d]; counts[d] = sum; sum += c; }
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    const at = counts[(key >>> shift) & mask]++;
    nextKeys[at] = key;
    nextRows[at] = rows[i];
  }
  return true;
}

function insertionSort(keys: Uint32Array, perm: Uint32Array): Uint32Array {
  for (let i = 1; i < perm.length; i++) {
    const row = perm[i];
    const key = keys[row];
    let j = i - 1;
    while (j >= 0 && keys[perm[j]] > key) { perm[j + 1] = perm[j]; j--; }
    perm[j + 1] = row;
  }
  return perm;
}

export function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Rows grouped by a small key (an AMP number), stable. */
export interface Grouping {
  /** Row indexes ordered by group, then by the order of `perm` (or row order). */
  readonly perm: Uint32Array;
  /** `offsets[g] … offsets[g + 1]` is group g's range in `perm`; length groupCount + 1. */
  readonly offsets: Uint32Array;
}

/** Counting sort by `groups[row]` (values below `groupCount`), keeping the order of `perm` within a group. */
export function groupRows(groups: ArrayLike<number>, groupCount: number, perm?: Uint32Array): Grouping {
  const n = perm ? perm.length : groups.length;
  const offsets = new Uint32Array(groupCount + 1);
  for (let i = 0; i < n; i++) offsets[groups[perm ? perm[i] : i] + 1]++;
  for (let g = 0; g < groupCount; g++) offsets[g + 1] += offsets[g];
  const cursor = offsets.slice(0, groupCount);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const row = perm ? perm[i] : i;
    out[cursor[groups[row]]++] = row;
  }
  return { perm: out, offsets };
}
