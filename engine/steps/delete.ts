/**
 * DELETE: all-AMP by predicate (or every row), or single-AMP by primary index
 * value. Index rows of deleted rows go in the same statement.
 */
import type { TableEntry } from "../catalog/catalog.js";
import { fragmentOf } from "../storage/fragment.js";
import { gatherRun, type Run } from "../storage/run.js";
import type { StatementContext } from "./context.js";
import { valuesEqual } from "./duplicates.js";
import type { Predicate } from "./predicate.js";
import { selectRows } from "./predicate-eval.js";
import { placeKey } from "./read.js";
import { deleteIndexRows } from "./secondary-index.js";
import { piColumnIndexes } from "./store-rows.js";

/** Deletes the rows for which `where` is TRUE (every row when null); returns how many. */
export function deleteWhere(ctx: StatementContext, entry: TableEntry, where: Predicate | null): number {
  const recorder = ctx.recorder("delete", "all-amp", entry.qualifiedName);
  const deletedIds = new Set<string>();
  let deleted = 0;
  for (let amp = 0; amp < ctx.system.amps; amp++) {
    const fragment = ctx.tx.fragment(amp, entry.id);
    if (fragment.rowCount === 0) continue;
    // Run by run, without concatenating them: a run nothing hits stays as it is.
    let count = 0;
    const kept = fragment.runs.map((run) => {
      recorder.read(amp, run.rowCount, run.bytes);
      const hit = where ? selectRows(where, { table: entry.qualifiedName, columns: entry.definition.columns, data: run.batch.data.children, length: run.rowCount }) : null;
      const hits = hit ? hit.length : run.rowCount;
      if (hits === 0) return run;
      count += hits;
      if (entry.indexTables.length > 0) collectIds(deletedIds, amp, run, hit);
      return keepComplement(run, hit);
    });
    if (count === 0) continue;
    deleted += count;
    ctx.tx.put(amp, entry.id, fragmentOf(kept.filter((r): r is Run => r !== null), fragment.nextUniqueness), entry.qualifiedName);
    recorder.write(amp, count, 0);
  }
  deleteIndexRows(ctx, entry, deletedIds, recorder);
  ctx.record(recorder.finish(deleted));
  return deleted;
}

/** Deletes the rows whose primary index equals `keyValues` (single-AMP); returns how many. */
export function deleteByKey(ctx: StatementContext, entry: TableEntry, keyValues: unknown): number {
  const { hash, amp, keyData } = placeKey(ctx, entry, keyValues);
  const positions = piColumnIndexes(entry);
  const recorder = ctx.recorder("delete", "single-amp", entry.qualifiedName);
  const fragment = ctx.tx.fragment(amp, entry.id);
  const deletedIds = new Set<string>();
  let deleted = 0;
  const runs = fragment.runs.map((run) => {
    const rows = run.rowsWithHash(hash).filter((i) => positions.every((p, k) => valuesEqual(run.batch.data.children[p], i, keyData[k], 0))).sort();
    if (rows.length === 0) return run;
    deleted += rows.length;
    collectIds(deletedIds, amp, run, rows);
    return keepComplement(run, rows);
  });
  let sent = 0;
  if (deleted > 0) {
    ctx.tx.put(amp, entry.id, fragmentOf(runs.filter((r): r is Run => r !== null), fragment.nextUniqueness), entry.qualifiedName);
    sent = deleteIndexRows(ctx, entry, deletedIds, recorder);
  }
  // A USI row on another AMP makes it a two-AMP step, as in Teradata.
  recorder.read(amp, deleted, 0);
  recorder.write(amp, deleted, 0);
  ctx.record(recorder.finish(deleted, sent > 0 ? "two-amp" : undefined));
  return deleted;
}

/** The run without the rows in `hit` (sorted); null when nothing is left. */
function keepComplement(run: Run, hit: Uint32Array | null): Run | null {
  if (!hit || hit.length === run.rowCount) return null;
  const keep = new Uint32Array(run.rowCount - hit.length);
  for (let i = 0, h = 0, o = 0; i < run.rowCount; i++) {
    if (h < hit.length && hit[h] === i) { h++; continue; }
    keep[o++] = i;
  }
  return gatherRun(run, keep);
}

function collectIds(into: Set<string>, amp: number, run: Run, hit: Uint32Array | null): void {
  const count = hit ? hit.length : run.rowCount;
  for (let k = 0; k < count; k++) {
    const i = hit ? hit[k] : k;
    into.add(`${amp}:${run.rowHash[i]}:${run.uniqueness[i]}`);
  }
}
