/**
 * Secondary indexes as hidden subtables in the reserved database `$index`:
 *
 * - USI: a hash-distributed subtable with a unique PI on the index columns, so
 *   a duplicate value is a DUPLICATE_KEY and a lookup is a two-AMP step;
 * - NUSI: an AMP-local subtable (rows on the AMP of their base row) with a
 *   non-unique PI on the index columns, sorted by the value's hash.
 *
 * Each index row holds the index values and the base row's ID ($base_amp, $base_rowhash,
 * $base_uniqueness): its AMP, row hash
 * and uniqueness. Index rows are written in the same transaction as base rows.
 */
import * as arrow from "apache-arrow";
import { INDEX_DATABASE, type IndexTable, type TableEntry } from "../catalog/catalog.js";
import { types } from "../catalog/column-type.js";
import type { ColumnDefinition, SecondaryIndex, TableDefinition } from "../catalog/table-definition.js";
import { AmpsimError, isAmpsimError } from "../errors.js";
import { fragmentOf } from "../storage/fragment.js";
import { gatherRun } from "../storage/run.js";
import type { StatementContext } from "./context.js";
import { storeInputs, storeRows, type AmpShare } from "./store-rows.js";
import { fixedWidthOf } from "../catalog/column-type.js";
import type { StepRecorder } from "../trace.js";

const ROW_ID_COLUMNS = ["$base_amp", "$base_rowhash", "$base_uniqueness"] as const;

function column(name: string, type: ColumnDefinition["type"], nullable: boolean): ColumnDefinition {
  return Object.freeze({ kind: "column", name, type, nullable });
}

export function indexLabel(index: SecondaryIndex): string {
  return `${index.unique ? "unique" : "non-unique"} secondary index ${index.name ? `${index.name} ` : ""}(${index.columns.join(", ")})`;
}

/** The definition of an index's subtable. */
export function indexTableDefinition(base: TableEntry, index: SecondaryIndex, serial: number): TableDefinition {
  const columns = index.columns.map((name) => {
    const c = base.definition.columns.find((col) => col.name === name)!;
    return column(c.name, c.type, c.nullable);
  });
  columns.push(column(ROW_ID_COLUMNS[0], types.int32, false), column(ROW_ID_COLUMNS[1], types.int64, false), column(ROW_ID_COLUMNS[2], types.int64, false));
  return Object.freeze({
    kind: "table", database: INDEX_DATABASE, name: `${base.id}#${serial}`, tableKind: "permanent", setness: "multiset",
    columns: Object.freeze(columns), indexes: Object.freeze([]), onCommit: null,
    primaryIndex: Object.freeze({ kind: "primary-index", unique: index.unique, name: null, columns: Object.freeze([...index.columns]) }),
  });
}

/**
 * Index rows for the base rows stored in `shares`, written to every index subtable of `base`,
 * and recorded in the statement's step: each index row written on its AMP, and a USI row sent
 * from its base row's AMP to its own (the hash-distributed subtable's) when they differ.
 */
export function writeIndexRows(ctx: StatementContext, base: TableEntry, shares: readonly AmpShare[], recorder: StepRecorder): void {
  for (const indexTable of base.indexTables) writeOneIndex(ctx, base, indexTable, shares, recorder);
}

/**
 * A NUSI's index rows share by share, each staying on its AMP (no copy of the values); a USI's
 * for all shares at once, placed by value with one uniqueness check per AMP (share by share, each
 * checked against a subtable that grew with every share, it cost the square of the shares).
 */
function writeOneIndex(ctx: StatementContext, base: TableEntry, indexTable: IndexTable, shares: readonly AmpShare[], recorder: StepRecorder): void {
  const sub = ctx.catalog.byId(indexTable.tableId);
  const positions = indexTable.index.columns.map((name) => base.definition.columns.findIndex((c) => c.name === name));
  const live = shares.filter((share) => share.run.rowCount > 0);
  const columnsOf = (share: AmpShare) => [...positions.map((p) => share.run.batch.data.children[p]), ...rowIdColumns(share)];
  const recordWrites = (written: readonly AmpShare[]) => { for (const w of written) recorder.write(w.amp, w.run.rowCount, w.run.bytes, true); };
  if (!indexTable.index.unique) {
    for (const share of live) recordWrites(storeRows(ctx, sub, columnsOf(share), share.run.rowCount, { placement: new Uint16Array(share.run.rowCount).fill(share.amp), rowWord: "row" }).shares);
    return;
  }
  if (live.length === 0) return;
  try {
    const stored = storeInputs(ctx, sub, live.map((share) => ({ columns: columnsOf(share), length: share.run.rowCount })));
    recordWrites(stored.shares);
    recordIndexTransfers(recorder, sub, positions, live, stored.ampOfRow);
  } catch (error) {
    if (!isAmpsimError(error, "DUPLICATE_KEY")) throw error;
    // The subtable's row numbers count the shares' rows one share after another: their `rows` map them back to the input's.
    const inner = error.details.row;
    let row: number | undefined;
    if (typeof inner === "number") {
      for (let k = 0, start = 0; k < live.length && row === undefined; start += live[k].run.rowCount, k++) {
        if (inner < start + live[k].run.rowCount) row = live[k].rows[inner - start];
      }
    }
    const stored = error.details.stored === true;
    const where = row === undefined ? "appears twice"
      : stored ? `of input row ${row} is already in the table` : `of input row ${row} appears twice in the input`;
    throw new AmpsimError("DUPLICATE_KEY", `${indexLabel(indexTable.index)} of ${base.qualifiedName}: value (${String(error.details.value)}) ${where}`,
      { table: base.qualifiedName, column: indexTable.index.columns.join(", "), value: error.details.value, index: indexTable.index.name, row });
  }
}

/**
 * USI rows sent from their base rows' AMPs (the shares', one after another in `ampOfRow`) to
 * the AMPs their values hash to: the bytes an insert-select's transfers count for a row (fixed
 * widths and string bytes) of the subtable's columns.
 */
function recordIndexTransfers(recorder: StepRecorder, sub: TableEntry, positions: readonly number[], shares: readonly AmpShare[], ampOfRow: Uint16Array): void {
  let fixed = 0;
  for (const c of sub.definition.columns) fixed += fixedWidthOf(c.type);
  const amps = recorder.ampCount;
  const rows = new Float64Array(amps); const bytes = new Float64Array(amps);
  let at = 0;
  for (const share of shares) {
    rows.fill(0); bytes.fill(0);
    const strings = positions.map((p) => share.run.batch.data.children[p]).filter((data) => data.valueOffsets !== undefined);
    for (let i = 0; i < share.run.rowCount; i++, at++) {
      const to = ampOfRow[at];
      if (to === share.amp) continue;
      let size = fixed;
      for (const data of strings) { const offsets = data.valueOffsets as Int32Array; size += offsets[i + 1] - offsets[i]; }
      rows[to]++; bytes[to] += size;
    }
    for (let to = 0; to < amps; to++) if (rows[to] > 0) recorder.send(share.amp, to, rows[to], bytes[to], true);
  }
}

/** The base rows' IDs as three columns: AMP (int32), row hash and uniqueness (unsigned 32-bit values as int64). */
function rowIdColumns(share: AmpShare): arrow.Data[] {
  const length = share.run.rowCount;
  const amp = new Int32Array(length).fill(share.amp);
  const rowHash = new BigInt64Array(length); const uniqueness = new BigInt64Array(length);
  // Low word the value, high word 0: no BigInt per row.
  const hashWords = new Uint32Array(rowHash.buffer); const uniquenessWords = new Uint32Array(uniqueness.buffer);
  for (let i = 0; i < length; i++) { hashWords[2 * i] = share.run.rowHash[i]; uniquenessWords[2 * i] = share.run.uniqueness[i]; }
  return [
    arrow.makeData({ type: new arrow.Int32(), length, nullCount: 0, data: amp }),
    arrow.makeData({ type: new arrow.Int64(), length, nullCount: 0, data: rowHash }),
    arrow.makeData({ type: new arrow.Int64(), length, nullCount: 0, data: uniqueness }),
  ];
}

/** The bytes of a base row's ID (AMP, row hash, uniqueness) that a USI row's removal is sent as. */
const ROW_ID_BYTES = 4 + 8 + 8;

/**
 * Removes the index rows of deleted base rows (`deleted` holds `amp:rowhash:uniqueness` keys),
 * recorded in the statement's step: each removed index row read and written (removed) on its
 * AMP; a USI row's removal sent from its base row's AMP as the row's ID. Returns how many were sent.
 */
export function deleteIndexRows(ctx: StatementContext, base: TableEntry, deleted: ReadonlySet<string>, recorder: StepRecorder): number {
  if (deleted.size === 0) return 0;
  let sent = 0;
  for (const indexTable of base.indexTables) {
    const sub = ctx.catalog.byId(indexTable.tableId);
    const idAt = sub.definition.columns.length - ROW_ID_COLUMNS.length;
    for (let amp = 0; amp < ctx.system.amps; amp++) {
      const fragment = ctx.tx.fragment(amp, sub.id);
      if (fragment.rowCount === 0) continue;
      let removed = 0;
      const runs = fragment.runs.map((run) => {
        const [a, h, u] = [0, 1, 2].map((k) => run.batch.data.children[idAt + k].values as Int32Array | BigInt64Array);
        const keep: number[] = [];
        for (let i = 0; i < run.rowCount; i++) {
          if (!deleted.has(`${a[i]}:${h[i]}:${u[i]}`)) { keep.push(i); continue; }
          removed++;
          if (indexTable.index.unique && Number(a[i]) !== amp) { recorder.send(Number(a[i]), amp, 1, ROW_ID_BYTES, true); sent++; }
        }
        return keep.length === run.rowCount ? run : gatherRun(run, Uint32Array.from(keep));
      });
      if (removed === 0) continue;
      // Found by their values' hash, as a lookup finds them (a NUSI's on the base row's AMP, a USI's on one other): the rows removed, not the subtable.
      recorder.read(amp, removed, 0);
      recorder.write(amp, removed, 0, true);
      ctx.tx.put(amp, sub.id, fragmentOf(runs, fragment.nextUniqueness), sub.qualifiedName);
    }
  }
  return sent;
}
