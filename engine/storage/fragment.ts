/**
 * A table fragment: the rows of one table on one AMP, as a list of sorted runs.
 *
 * Fragments are immutable: a statement builds new fragments and commits them all
 * at once, so a failed statement leaves every AMP exactly as it was. Runs are kept
 * in creation order; when there are too many, a contiguous window of small runs is
 * merged, which bounds the runs a lookup must search and costs O(n log n) overall.
 */
import type * as arrow from "apache-arrow";
import { concatRuns, type Run } from "./run.js";

export interface Fragment {
  readonly kind: "fragment";
  readonly runs: readonly Run[];
  readonly rowCount: number;
  readonly bytes: number;
  /** The uniqueness value the next row stored here gets. */
  readonly nextUniqueness: number;
}

/** More runs than this trigger a merge of the cheapest window of MERGE_WINDOW runs. */
export const RUNS_MAX = 24;
export const MERGE_WINDOW = 12;
/**
 * The runs a load table keeps before it merges: a reserved table that is written in many small
 * statements and then read whole, once (a migration's staging tables). Merging such a table as
 * it grows copies its rows again and again, in ever larger runs, only for the one read that
 * concatenates them anyway; nothing looks its rows up.
 */
export const LOAD_RUNS_MAX = 256;

export const EMPTY_FRAGMENT: Fragment = Object.freeze({ kind: "fragment", runs: [], rowCount: 0, bytes: 0, nextUniqueness: 0 });

export function fragmentOf(runs: readonly Run[], nextUniqueness: number): Fragment {
  const kept = runs.filter((r) => r.rowCount > 0);
  let rowCount = 0; let bytes = 0;
  for (const r of kept) { rowCount += r.rowCount; bytes += r.bytes; }
  return Object.freeze({ kind: "fragment", runs: Object.freeze(kept), rowCount, bytes, nextUniqueness });
}

/** The fragment with `run` appended (its uniqueness values must start at `fragment.nextUniqueness`); more than `runsMax` runs merge a window. */
export function appendRun(schema: arrow.Schema, fragment: Fragment, run: Run, nextUniqueness: number, runsMax = RUNS_MAX): Fragment {
  if (run.rowCount === 0) return fragment;
  let runs = [...fragment.runs, run];
  if (runs.length > runsMax) runs = mergeCheapestWindow(schema, runs);
  return fragmentOf(runs, nextUniqueness);
}

function mergeCheapestWindow(schema: arrow.Schema, runs: Run[]): Run[] {
  let best = 0; let bestRows = Infinity;
  for (let start = 0; start + MERGE_WINDOW <= runs.length; start++) {
    let rows = 0;
    for (let i = start; i < start + MERGE_WINDOW; i++) rows += runs[i].rowCount;
    if (rows < bestRows) { bestRows = rows; best = start; }
  }
  const merged = concatRuns(schema, runs.slice(best, best + MERGE_WINDOW));
  return [...runs.slice(0, best), merged, ...runs.slice(best + MERGE_WINDOW)];
}

/** The fragment as one sorted run (merging if needed); an empty fragment gives no run. */
export function compactFragment(schema: arrow.Schema, fragment: Fragment): Fragment {
  if (fragment.runs.length <= 1) return fragment;
  return fragmentOf([concatRuns(schema, fragment.runs)], fragment.nextUniqueness);
}
